"""The signed call's wire format, as the compute runner speaks it.

app/src/upstream/call-stream.ts is the one description of the format; this
module implements the same for Python. In short: `POST /tools/<name>`,
`/prompts/<name>[/complete]` or `/resources/<name>[/list|/complete]`, signed as
v1 (signing.py), JSON body. With `Accept: application/x-ndjson` the answer is
a stream of JSON lines: progress and log events while the handler runs, then
one terminal line (`result`, `mcp` or `error`). Without it, one JSON object.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

STREAM_CONTENT_TYPE = "application/x-ndjson"
LOG_LEVELS = ("debug", "info", "notice", "warning", "error", "critical", "alert", "emergency")

_CALL_PATH = re.compile(r"/(tools|prompts|resources)/([a-z][a-z0-9_]{0,63})(?:/(complete|list))?", re.ASCII)


@dataclass(frozen=True)
class CallTarget:
    kind: str
    """`tools`, `prompts` or `resources`."""
    name: str
    action: str | None = None
    """`complete` (prompts, resources) or `list` (resources); None for a call, a get or a read."""


def parse_call_path(path: str) -> CallTarget | None:
    """The target a request path names, or None when it names none."""
    match = _CALL_PATH.fullmatch(path)
    if match is None:
        return None
    kind, name, action = match.groups()
    if (action == "list" and kind != "resources") or (action is not None and kind == "tools"):
        return None
    return CallTarget(kind, name, action)


def encode_event(event: dict[str, Any]) -> bytes:
    """One line of the stream; allow_nan=False turns a stray NaN into a loud bug."""
    return json.dumps(event, allow_nan=False, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


def progress_event(progress: float, total: float | None, message: str | None) -> dict[str, Any]:
    event: dict[str, Any] = {"progress": progress}
    if total is not None:
        event["total"] = total
    if message is not None:
        event["message"] = message
    return event


def log_event(level: str, data: Any, logger: str | None) -> dict[str, Any]:
    event: dict[str, Any] = {"log": level, "data": data}
    if logger is not None:
        event["logger"] = logger
    return event
