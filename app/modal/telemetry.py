"""Telemetry of the compute runner, under the same names as the Worker's and Node's.

A signed tool call is a SERVER span `tools/call <tool>` whose parent is the
edge's CLIENT span (its traceparent header), and one record of the histogram
`mcp.server.operation.duration`, with the attributes of OpenTelemetry's MCP
conventions (open-telemetry/semantic-conventions-genai, docs/gen-ai/mcp.md)
and the release and color (app/src/telemetry/conventions.ts; a test holds the
two spellings together). Spans and the histogram go out over OTLP/HTTP JSON
to OTEL_EXPORTER_OTLP_ENDPOINT, from a background thread (otlp_export.py):
a collector that is down never slows or fails a call.
"""

from __future__ import annotations

import functools
import json
import os
import re
import threading
import time
from typing import Any, Callable

import otlp_export
from trace_context import TraceContext, baggage_entry, context_from_headers, new_id

METHOD_NAME = "mcp.method.name"
TOOL_NAME = "gen_ai.tool.name"
OPERATION_NAME = "gen_ai.operation.name"
ERROR_TYPE = "error.type"
NETWORK_TRANSPORT = "network.transport"
RELEASE = "mcp_hosting.release"
COLOR = "mcp_hosting.color"
API_VERSION = "mcp_hosting.api_version"
SYNTHETIC = "mcp_hosting.synthetic"
EXECUTE_TOOL = "execute_tool"
TOOL_ERROR = "tool_error"
TOOLS_CALL = "tools/call"
DURATION_METRIC = "mcp.server.operation.duration"
DURATION_BUCKETS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300)
SERVICE_NAME = "mcp-hosting-compute"

_TOOL_PATH = re.compile(r"/tools/([a-z][a-z0-9_]{0,63})")
_COLOR = re.compile(r"[a-z]{1,16}")
_VERSION = re.compile(r"v[0-9]{1,4}")
NOT_A_CALL = frozenset({401, 404, 405, 411, 413})
"""Answers to requests that never ran a tool: refused before the signature was checked, or no such tool."""


class Histogram:
    """Cumulative explicit-bucket histogram per attribute set, as OTLP carries it."""

    bounds = DURATION_BUCKETS

    def __init__(self) -> None:
        self.started_ns = time.time_ns()
        self._lock = threading.Lock()
        self._points: dict[tuple[tuple[str, str], ...], dict[str, Any]] = {}

    def record(self, seconds: float, attributes: dict[str, str]) -> None:
        key = tuple(sorted(attributes.items()))
        with self._lock:
            point = self._points.setdefault(key, {"count": 0, "sum": 0.0, "buckets": [0] * (len(DURATION_BUCKETS) + 1)})
            point["count"] += 1
            point["sum"] += seconds
            point["buckets"][sum(1 for bound in DURATION_BUCKETS if seconds > bound)] += 1

    def snapshot(self) -> list[tuple[dict[str, str], dict[str, Any]]]:
        with self._lock:
            return [(dict(key), {**point, "buckets": list(point["buckets"])}) for key, point in self._points.items()]


class Telemetry:
    def __init__(self, environ: dict[str, str] | None = None) -> None:
        env = os.environ if environ is None else environ
        self.release = env.get("MCP_RELEASE", "local")
        self.color = env.get("MCP_COLOR", "local")
        self.resource = {"service.name": SERVICE_NAME, "service.version": self.release, RELEASE: self.release, COLOR: self.color}
        self.histogram = Histogram()
        endpoint = env.get("OTEL_EXPORTER_OTLP_ENDPOINT", "").strip()
        self.exporter = otlp_export.Exporter(endpoint, otlp_export.parse_headers(env.get("OTEL_EXPORTER_OTLP_HEADERS", "")), self) if endpoint else None

    def observe(self, tool: str, headers: dict[str, str], run: Callable[[], tuple[int, dict[str, str], bytes]]) -> tuple[int, dict[str, str], bytes]:
        parent = context_from_headers(headers)
        started_ns = time.time_ns()
        response = run()
        status = response[0]
        if status in NOT_A_CALL:
            return response
        self._record(tool, parent, started_ns, time.time_ns(), status)
        return response

    def _record(self, tool: str, parent: TraceContext | None, started_ns: int, ended_ns: int, status: int) -> None:
        # The edge names its deployment in the baggage of its signed calls (the signature admitted them).
        color = baggage_entry(parent.baggage if parent else None, COLOR)
        version = baggage_entry(parent.baggage if parent else None, API_VERSION)
        attributes = {
            METHOD_NAME: TOOLS_CALL,
            TOOL_NAME: tool,
            OPERATION_NAME: EXECUTE_TOOL,
            NETWORK_TRANSPORT: "tcp",
            RELEASE: self.release,
            COLOR: color if color and _COLOR.fullmatch(color) else self.color,
            **({API_VERSION: version} if version and _VERSION.fullmatch(version) else {}),
            # verify's scripted calls name themselves; the guard judges agents' traffic without them.
            **({SYNTHETIC: "true"} if baggage_entry(parent.baggage if parent else None, SYNTHETIC) is not None else {}),
        }
        # A tool's own failure (422) and its timeout (504) reach the model as an error result.
        error = None if status < 400 else TOOL_ERROR if status in (422, 504) else str(status)
        if error:
            attributes[ERROR_TYPE] = error
        self.histogram.record((ended_ns - started_ns) / 1e9, attributes)
        if self.exporter is None or (parent is not None and not parent.sampled):
            return
        self.exporter.add_span(
            {
                "traceId": parent.trace_id if parent else new_id(16),
                "spanId": new_id(8),
                **({"parentSpanId": parent.span_id} if parent else {}),
                **({"traceState": parent.tracestate} if parent and parent.tracestate else {}),
                "name": f"{TOOLS_CALL} {tool}",
                "kind": 2,
                "startTimeUnixNano": str(started_ns),
                "endTimeUnixNano": str(ended_ns),
                "attributes": otlp_export.attributes(attributes),
                "status": {"code": 2, "message": f"HTTP {status}"} if error else {},
            }
        )


_telemetry: Telemetry | None = None
_lock = threading.Lock()


def current() -> Telemetry:
    """The process's telemetry, made from the environment on first use."""
    global _telemetry
    with _lock:
        if _telemetry is None:
            _telemetry = Telemetry()
        return _telemetry


def observed(handle: Callable[..., tuple[int, dict[str, str], bytes] | None]) -> Callable[..., tuple[int, dict[str, str], bytes] | None]:
    """Wraps endpoint.handle: each tool call it runs is traced and recorded; other requests pass untouched.

    A streamed answer (endpoint.handle returns None) is judged by its terminal
    line (call_stream.py): `error` with its status, else 200.
    """

    @functools.wraps(handle)
    def wrapper(method: str, path: str, headers: Any, body: bytes, **kwargs: Any) -> tuple[int, dict[str, str], bytes] | None:
        match = _TOOL_PATH.fullmatch(path.split("?", 1)[0])
        if match is None or method.upper() != "POST":
            return handle(method, path, headers, body, **kwargs)
        lowered = {str(name).lower(): str(value) for name, value in dict(headers).items()}
        stream = kwargs.get("stream")
        watched = _TerminalLine(stream) if stream is not None else None
        if watched is not None:
            kwargs["stream"] = watched

        def run() -> tuple[int, dict[str, str], bytes]:
            answer = handle(method, path, headers, body, **kwargs)
            return answer if answer is not None else (watched.status() if watched else 200, {}, b"")

        response = current().observe(match.group(1), lowered, run)
        return None if watched is not None and watched.started else response

    return wrapper


class _TerminalLine:
    """A stream writer that passes everything on and remembers the last line, the call's outcome."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self._tail = b""
        self.started = False

    def start(self, headers: Any) -> None:
        self.started = True
        self._inner.start(headers)

    def write(self, chunk: bytes) -> None:
        self._tail = (self._tail + chunk)[-65536:]
        self._inner.write(chunk)

    def status(self) -> int:
        lines = [line for line in self._tail.split(b"\n") if line.strip()]
        try:
            last = json.loads(lines[-1]) if lines else {}
        except ValueError:
            return 500
        if isinstance(last, dict) and "error" in last:
            status = last.get("status")
            return status if isinstance(status, int) else 500
        return 200
