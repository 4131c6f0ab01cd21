"""The conformance suite's fixtures placed on Modal (app/src/fixtures/conformance/), served only with
MCP_FIXTURES=conformance: progress reported from Python, content and a failure crossing the signed call,
a prompt and a resource rendered here."""

from __future__ import annotations

import time
from typing import Any

from handlers import BadArguments, CallFailed, Handler, McpResult, Report


def _no_arguments(arguments: Any) -> Any:
    if not isinstance(arguments, dict):
        raise BadArguments(f"body must be a JSON object, got {type(arguments).__name__}")
    return arguments


def _with_progress(_: Any, report: Report) -> str:
    for step in (0, 50, 100):
        report.progress(step, 100, f"Completed step {step} of 100")
        if step < 100:
            time.sleep(0.05)
        if report.should_stop():
            raise CallFailed("test_tool_with_progress stopped: the caller left", status=504)
    return "test_tool_with_progress finished: progress 0, 50 and 100 of 100 reported from Python"


def _embedded_resource(_: Any, __: Report) -> McpResult:
    resource = {"uri": "test://embedded-resource", "mimeType": "text/plain", "text": "This is an embedded resource content."}
    return McpResult({"content": [{"type": "resource", "resource": resource}]})


def _error(_: Any, __: Report) -> Any:
    raise CallFailed("This tool intentionally returns an error for testing")


def _simple_prompt(_: Any, __: Report) -> dict[str, Any]:
    return {"messages": [{"role": "user", "content": {"type": "text", "text": "This is a simple prompt for testing."}}]}


def _static_text(_: Any, __: Report) -> dict[str, Any]:
    return {"text": "This is the content of the static text resource.", "mimeType": "text/plain"}


HANDLERS: dict[tuple[str, str, str | None], Handler] = {
    ("tools", "test_tool_with_progress", None): Handler(_no_arguments, _with_progress),
    ("tools", "test_embedded_resource", None): Handler(_no_arguments, _embedded_resource),
    ("tools", "test_error_handling", None): Handler(_no_arguments, _error),
    ("prompts", "test_simple_prompt", None): Handler(_no_arguments, _simple_prompt),
    ("resources", "test_static_text", None): Handler(_no_arguments, _static_text),
}
