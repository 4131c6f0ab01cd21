"""W3C Trace Context and Baggage, read as app/src/telemetry/trace-context.ts reads them.

traceparent: https://www.w3.org/TR/trace-context/#traceparent-header
baggage:     https://www.w3.org/TR/baggage/
A malformed traceparent is ignored (the call runs in a new trace) and logged once.
"""

from __future__ import annotations

import os
import re
import sys
import threading
from dataclasses import dataclass
from typing import Mapping
from urllib.parse import unquote

_TRACEPARENT = re.compile(r"([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?", re.ASCII)
_PRINTABLE = re.compile(r"[\x20-\x7e]*", re.ASCII)
MAX_TRACESTATE = 512
MAX_BAGGAGE = 8192


@dataclass(frozen=True)
class TraceContext:
    trace_id: str
    span_id: str
    sampled: bool
    tracestate: str | None = None
    baggage: str | None = None


def parse_traceparent(value: str) -> tuple[str, str, bool] | None:
    match = _TRACEPARENT.fullmatch(value.strip())
    if match is None:
        return None
    version, trace_id, span_id, flags, rest = match.groups()
    if version == "ff" or (version == "00" and rest is not None):
        return None
    if trace_id == "0" * 32 or span_id == "0" * 16:
        return None
    return trace_id, span_id, int(flags, 16) & 1 == 1


def _header_text(value: str | None, limit: int) -> str | None:
    if value is None or len(value) > limit or not value.strip() or not _PRINTABLE.fullmatch(value):
        return None
    return value


_logged = threading.Event()


def _log_malformed(value: str) -> None:
    if _logged.is_set():
        return
    _logged.set()
    print(
        f"[telemetry] ignored a malformed W3C trace context in the traceparent header ({value[:80]!r}): "
        "the call runs in a new trace; further ones are not logged",
        file=sys.stderr,
    )


def context_from_headers(headers: Mapping[str, str]) -> TraceContext | None:
    """The caller's trace context (headers lower-cased, as both adapters pass them)."""
    raw = headers.get("traceparent")
    if raw is None:
        return None
    parsed = parse_traceparent(raw)
    if parsed is None:
        _log_malformed(raw)
        return None
    return TraceContext(
        *parsed,
        tracestate=_header_text(headers.get("tracestate"), MAX_TRACESTATE),
        baggage=_header_text(headers.get("baggage"), MAX_BAGGAGE),
    )


def baggage_entry(baggage: str | None, key: str) -> str | None:
    for member in (baggage or "").split(","):
        pair = member.split(";", 1)[0]
        name, equals, value = pair.partition("=")
        if equals and name.strip() == key:
            return unquote(value.strip())
    return None


def new_id(size: int) -> str:
    while True:
        value = os.urandom(size).hex()
        if value.strip("0"):
            return value
