"""HTTP semantics of the compute runner, independent of any server.

The stdlib runner (local_server.py) and the ASGI adapter (asgi.py) both turn
their requests into one `handle` call, so routing, signature checks and error
shapes are written once.
"""

from __future__ import annotations

import json
import re
import sys
import time
import traceback
from typing import Any, Callable, Mapping

import signing
import telemetry
from compute import CsvProfileError, CsvProfileStopped, profile_csv

MAX_BODY_BYTES = 5 * 1024 * 1024
MAX_JSON_DEPTH = 64
"""The JSON nesting limit of every endpoint that parses JSON (app/src/server/json-depth.ts)."""
WORK_TIMEOUT_SECONDS = 120.0
"""Longest a profile may run, however long its caller waits; the Modal function's own timeout."""
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


@telemetry.observed
def handle(
    method: str,
    path: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    secret: str,
    now: float | None = None,
    replay_guard: signing.AnyReplayGuard | None = None,
    caller_gone: Callable[[], bool] = lambda: False,
) -> Response:
    """Answer one request. `path` is the raw request target, query included.

    `caller_gone` tells whether the client has disconnected; the profile stops
    then, or once it has run WORK_TIMEOUT_SECONDS.
    """
    deadline = time.monotonic() + WORK_TIMEOUT_SECONDS

    def should_stop() -> bool:
        return time.monotonic() > deadline or caller_gone()

    try:
        return _route(
            method.upper(),
            path,
            headers,
            body,
            secret,
            now,
            _default_guard if replay_guard is None else replay_guard,  # an empty guard is falsy (len 0)
            should_stop,
        )
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
    guard: signing.AnyReplayGuard,
    should_stop: Callable[[], bool],
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
            arguments["csv"],
            delimiter=arguments.get("delimiter"),
            max_rows=arguments.get("max_rows"),
            should_stop=should_stop,
        )
    except CsvProfileError as exc:
        return error_response(422, str(exc))
    except CsvProfileStopped as exc:
        limit = f"{WORK_TIMEOUT_SECONDS:g} s"
        return error_response(504, f"csv_profile stopped ({exc}): the caller left or it ran past {limit}")
    return json_response(200, {"result": profile})


def _parse_arguments(body: bytes) -> dict[str, Any] | str:
    """The tool arguments, or a message saying what is wrong with them."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"body must be a JSON object of tool arguments: {exc}"
    if nests_deeper_than(text, MAX_JSON_DEPTH):
        return f"body must be a JSON object of tool arguments nested at most {MAX_JSON_DEPTH} levels deep"
    try:
        arguments = json.loads(text)
    except json.JSONDecodeError as exc:
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


def nests_deeper_than(text: str, limit: int) -> bool:
    """Whether `text` opens more than `limit` arrays or objects inside one another (strings skipped).

    Linear and without recursion, so it runs before json.loads, whose recursion
    would otherwise end in a RecursionError.
    """
    depth = 0
    for match in _STRUCTURE.finditer(text):
        token = match.group()
        if token in ("[", "{"):
            depth += 1
            if depth > limit:
                return True
        elif token in ("]", "}"):
            depth -= 1
    return False


# A JSON string (skipped whole, the loop unrolled for speed) or one bracket.
_STRUCTURE = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')

_CONTENT_LENGTH = re.compile(r"[0-9]{1,18}", re.ASCII)


def parse_content_length(values: list[str]) -> int | str:
    """The body length from every Content-Length header sent, or what is wrong with them.

    RFC 9112 §6.3: a value that is not ASCII digits, or several that differ,
    make the framing unknowable: the request is answered 400 and the
    connection closed. Identical repeats are one value.
    """
    distinct = {value.strip() for value in values}
    if not distinct:
        return "Content-Length header is required"
    if len(distinct) > 1:
        return "conflicting Content-Length headers"
    value = distinct.pop()
    if not _CONTENT_LENGTH.fullmatch(value):
        return "Content-Length must be a decimal number of bytes"
    return int(value)


_JSON_NAMES = {str: "a string", int: "an integer"}


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    names = {bool: "a boolean", float: "a number", list: "an array", dict: "an object", **_JSON_NAMES}
    return names.get(type(value), type(value).__name__)
