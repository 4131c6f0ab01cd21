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
from typing import Any, Callable, Mapping, Protocol

import signing
from call_stream import STREAM_CONTENT_TYPE, encode_event, log_event, parse_call_path, progress_event
from handlers import WORK_TIMEOUT_SECONDS, BadArguments, CallFailed, Handler, McpResult, handler_for
from tool_arguments import SchemasMissing
import telemetry

MAX_BODY_BYTES = 5 * 1024 * 1024
MAX_JSON_DEPTH = 64
"""The JSON nesting limit of every endpoint that parses JSON (app/src/server/json-depth.ts)."""
HEALTH_PATH = "/health"

Response = tuple[int, dict[str, str], bytes]

_default_guard = signing.ReplayGuard()


class StreamWriter(Protocol):
    """How a server sends a streamed answer: the head (status 200), then chunks as they come."""

    def start(self, headers: Mapping[str, str]) -> None: ...

    def write(self, chunk: bytes) -> None:
        """Sends a chunk at once; raises OSError once the caller is gone."""


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
    stream: StreamWriter | None = None,
) -> Response | None:
    """Answer one request. `path` is the raw request target, query included.

    A signed call that asks for a stream (and a server that passes `stream`)
    is answered through `stream`, and then None is returned; every other
    answer is returned whole. `caller_gone` tells whether the client has
    disconnected; the work stops then, or once it has run WORK_TIMEOUT_SECONDS.
    """
    try:
        return _route(
            method.upper(),
            path,
            headers,
            body,
            secret,
            now,
            _default_guard if replay_guard is None else replay_guard,  # an empty guard is falsy (len 0)
            caller_gone,
            stream,
        )
    except Exception:  # noqa: BLE001 - the last line of defence; details go to stderr only
        _log_unexpected(method, path)
        return error_response(500, "internal error in the compute runner")


def _route(
    method: str,
    target: str,
    headers: Mapping[str, str],
    body: bytes,
    secret: str,
    now: float | None,
    guard: signing.AnyReplayGuard,
    caller_gone: Callable[[], bool],
    stream: StreamWriter | None,
) -> Response | None:
    route = target.split("?", 1)[0]
    if route == HEALTH_PATH:
        if method != "GET":
            return error_response(
                405, f"{method} is not allowed on {HEALTH_PATH}; use GET", {"allow": "GET"}
            )
        return json_response(200, {"ok": True})
    call = parse_call_path(route)
    if call is None:
        return error_response(404, f"no route for {route}; expected {HEALTH_PATH} or a signed call such as /tools/csv_profile")
    if method != "POST":
        return error_response(405, f"{method} is not allowed on {route}; use POST", {"allow": "POST"})
    if len(body) > MAX_BODY_BYTES:
        return too_large_response()
    if not secret:
        return error_response(503, "compute runner has no shared secret configured")
    try:
        signing.verify(method, target, headers, body, secret=secret, guard=guard, now=now)
    except signing.SignatureError as exc:
        return error_response(401, exc.reason)
    handler = handler_for(call)
    if handler is None:
        what = call.kind.removesuffix("s") + (f" {call.action}" if call.action else "")
        return error_response(404, f"no {what} {call.name!r} is served here")
    try:
        arguments = handler.parse(_parse_body(body))
    except BadArguments as exc:
        return error_response(400, str(exc))
    except SchemasMissing as exc:  # the deploy's fault, not the caller's
        return error_response(500, f"cannot check the arguments: {exc}")
    deadline = time.monotonic() + handler.timeout_seconds
    gone = [False]  # set when a streamed write finds the caller gone

    def should_stop() -> bool:
        return gone[0] or time.monotonic() > deadline or caller_gone()

    if stream is not None and STREAM_CONTENT_TYPE in headers.get("accept", ""):
        _stream_call(handler, arguments, stream, should_stop, gone, method, route)
        return None
    return _answer_once(handler, arguments, should_stop)


class _Report:
    """A Report (handlers.py) writing events to a stream, or dropping them (`write` None)."""

    def __init__(self, write: Callable[[dict[str, Any]], None] | None, should_stop: Callable[[], bool]) -> None:
        self._write = write
        self.should_stop = should_stop

    def progress(self, progress: float, total: float | None = None, message: str | None = None) -> None:
        if self._write is not None:
            self._write(progress_event(progress, total, message))

    def log(self, level: str, data: Any, logger: str | None = None) -> None:
        if self._write is not None:
            self._write(log_event(level, data, logger))


def _answer_once(handler: Handler, arguments: Any, should_stop: Callable[[], bool]) -> Response:
    """The whole answer as one JSON object: `{result}` (or `{mcp}`) or `{error}` with its status."""
    try:
        value = handler.run(arguments, _Report(None, should_stop))
    except CallFailed as exc:
        return error_response(exc.status, str(exc))
    return json_response(200, {"mcp": value.result} if isinstance(value, McpResult) else {"result": value})


def _stream_call(
    handler: Handler, arguments: Any, stream: StreamWriter, should_stop: Callable[[], bool], gone: list[bool], method: str, route: str
) -> None:
    """Answers 200 at once, then the handler's reports as they come, then one terminal event."""
    stream.start({"content-type": STREAM_CONTENT_TYPE, "cache-control": "no-store", "x-accel-buffering": "no"})

    def write(event: dict[str, Any]) -> None:
        if gone[0]:
            return
        try:
            stream.write(encode_event(event))
        except OSError:
            gone[0] = True  # the caller left; should_stop now says so, and the work ends

    try:
        value = handler.run(arguments, _Report(write, should_stop))
        write({"mcp": value.result} if isinstance(value, McpResult) else {"result": value})
    except CallFailed as exc:
        failure: dict[str, Any] = {"error": str(exc), "status": exc.status}
        if exc.code is not None:
            failure.update(code=exc.code, **({} if exc.data is None else {"data": exc.data}))
        write(failure)
    except Exception:  # noqa: BLE001 - as in handle(): a generic terminal event, details on stderr
        _log_unexpected(method, route)
        write({"error": "internal error in the compute runner", "status": 500})


def _parse_body(body: bytes) -> Any:
    """The JSON body, or BadArguments saying why it is none."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadArguments(f"body must be a JSON object of tool arguments: {exc}") from None
    if nests_deeper_than(text, MAX_JSON_DEPTH):
        raise BadArguments(f"body must be a JSON object of tool arguments nested at most {MAX_JSON_DEPTH} levels deep")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadArguments(f"body must be a JSON object of tool arguments: {exc}") from None


def _log_unexpected(method: str, path: str) -> None:
    print(f"compute runner: unexpected error on {method} {path.split('?')[0]}", file=sys.stderr)
    traceback.print_exc(file=sys.stderr)


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
