"""HTTP semantics of the compute runner, independent of any server.

The stdlib runner (local_server.py) and the ASGI adapter (asgi.py) both turn
their requests into one `handle` call, so routing, signature checks and error
shapes are written once.
"""

from __future__ import annotations

import json
import sys
import traceback
from typing import Any, Mapping

import signing
from compute import CsvProfileError, profile_csv

MAX_BODY_BYTES = 5 * 1024 * 1024
HEALTH_PATH = "/health"
CSV_PROFILE_PATH = "/tools/csv_profile"
CSV_PROFILE_ARGUMENTS = {"csv": (str,), "delimiter": (str, type(None)), "max_rows": (int, type(None))}

Response = tuple[int, dict[str, str], bytes]

_default_guard = signing.ReplayGuard()


def json_response(status: int, payload: Any, extra_headers: Mapping[str, str] | None = None) -> Response:
    """Every answer is JSON; allow_nan=False turns a stray NaN into a loud bug."""
    body = json.dumps(payload, allow_nan=False, ensure_ascii=False, separators=(",", ":")).encode()
    headers = {
        "content-type": "application/json",
        "content-length": str(len(body)),
        "cache-control": "no-store",
    }
    headers.update(extra_headers or {})
    return status, headers, body


def error_response(status: int, message: str, extra_headers: Mapping[str, str] | None = None) -> Response:
    return json_response(status, {"error": message}, extra_headers)


def too_large_response() -> Response:
    return error_response(413, f"request body is larger than {MAX_BODY_BYTES} bytes (5 MiB)")


def handle(
    method: str,
    path: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    secret: str,
    now: float | None = None,
    replay_guard: signing.ReplayGuard | None = None,
) -> Response:
    """Answer one request. `path` is the raw request target, query included."""
    try:
        return _route(method.upper(), path, headers, body, secret, now, replay_guard or _default_guard)
    except Exception:  # noqa: BLE001 - the last line of defence; details go to stderr only
        print(f"csv_profile runner: unexpected error on {method} {path.split('?')[0]}", file=sys.stderr)
        traceback.print_exc(file=sys.stderr)
        return error_response(500, "internal error in the compute runner")


def _route(
    method: str,
    target: str,
    headers: Mapping[str, str],
    body: bytes,
    secret: str,
    now: float | None,
    guard: signing.ReplayGuard,
) -> Response:
    route = target.split("?", 1)[0]
    if route == HEALTH_PATH:
        if method != "GET":
            return error_response(
                405, f"{method} is not allowed on {HEALTH_PATH}; use GET", {"allow": "GET"}
            )
        return json_response(200, {"ok": True})
    if route != CSV_PROFILE_PATH:
        return error_response(404, f"no route for {route}; expected {HEALTH_PATH} or {CSV_PROFILE_PATH}")
    if method != "POST":
        return error_response(
            405, f"{method} is not allowed on {CSV_PROFILE_PATH}; use POST", {"allow": "POST"}
        )
    if len(body) > MAX_BODY_BYTES:
        return too_large_response()
    if not secret:
        return error_response(503, "compute runner has no shared secret configured")
    try:
        signing.verify(method, target, headers, body, secret=secret, guard=guard, now=now)
    except signing.SignatureError as exc:
        return error_response(401, exc.reason)
    arguments = _parse_arguments(body)
    if isinstance(arguments, str):
        return error_response(400, arguments)
    try:
        profile = profile_csv(
            arguments["csv"], delimiter=arguments.get("delimiter"), max_rows=arguments.get("max_rows")
        )
    except CsvProfileError as exc:
        return error_response(422, str(exc))
    return json_response(200, {"result": profile})


def _parse_arguments(body: bytes) -> dict[str, Any] | str:
    """The tool arguments, or a message saying what is wrong with them."""
    try:
        arguments = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return f"body must be a JSON object of tool arguments: {exc}"
    if not isinstance(arguments, dict):
        return f"body must be a JSON object of tool arguments, got {type(arguments).__name__}"
    unknown = sorted(set(arguments) - set(CSV_PROFILE_ARGUMENTS))
    if unknown:
        return f"unknown argument(s) {', '.join(unknown)}; expected csv, delimiter, max_rows"
    if "csv" not in arguments:
        return "missing argument csv (the CSV text to profile)"
    for name, value in arguments.items():
        allowed = CSV_PROFILE_ARGUMENTS[name]
        if isinstance(value, bool) or not isinstance(value, allowed):
            expected = " or ".join("null" if t is type(None) else _JSON_NAMES[t] for t in allowed)
            return f"argument {name} must be {expected}, got {_json_type(value)}"
    return arguments


_JSON_NAMES = {str: "a string", int: "an integer"}


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    names = {bool: "a boolean", float: "a number", list: "an array", dict: "an object", **_JSON_NAMES}
    return names.get(type(value), type(value).__name__)
