"""A tool that runs in a Modal Function of its own, and how the web function hands it a call.

The web function keeps what every call gets (signature, arguments checked against the schema,
streaming, deadlines); only the tool's work moves. modal_app.py wires these two halves to Modal:
`run_in_function` is the body of the tool's Function, `handler_calling` replaces the tool's
handler in the web function with one that spawns that Function and waits for it. Neither
imports modal, so both are tested here with stand-ins.
"""

from __future__ import annotations

import time
from typing import Any, Callable, Protocol

from call_stream import CallTarget
from function_specs import WAIT_SLACK_SECONDS
from handlers import HANDLERS, CallFailed, Handler, McpResult, Report, handler_for

POLL_SECONDS = 0.5
"""How long one wait for the Function's output lasts before the caller is asked whether to go on."""


class SpawnedCall(Protocol):
    """What a spawned Modal call offers (modal-labs/modal-client py/modal/_functions.py, _FunctionCall)."""

    def get(self, timeout: float | None = None) -> Any: ...

    def cancel(self, terminate_containers: bool = False) -> None: ...


class _Silent:
    """The Report of a call in the tool's own Function: nobody listens there; it stops at its deadline."""

    def __init__(self, deadline: float) -> None:
        self._deadline = deadline

    def progress(self, progress: float, total: float | None = None, message: str | None = None) -> None:
        pass

    def log(self, level: str, data: Any, logger: str | None = None) -> None:
        pass

    def should_stop(self) -> bool:
        return time.monotonic() > self._deadline


def run_in_function(name: str, arguments: Any, timeout_seconds: float) -> dict[str, Any]:
    """Runs tool `name` on arguments the web function already checked; the outcome as plain data.

    A plain dict crosses Modal's boundary whatever the exception classes: `{result}`, `{mcp}`
    or `{failed: {message, status, code, data}}`.
    """
    handler = handler_for(CallTarget("tools", name))
    if handler is None:
        return {"failed": {"message": f"no tool {name!r} is served by this Function", "status": 404}}
    try:
        value = handler.run(arguments, _Silent(time.monotonic() + timeout_seconds))
    except CallFailed as exc:
        return {"failed": {"message": str(exc), "status": exc.status, "code": exc.code, "data": exc.data}}
    return {"mcp": value.result} if isinstance(value, McpResult) else {"result": value}


def settle(outcome: dict[str, Any]) -> Any:
    """The handler's value from `run_in_function`'s outcome, or the CallFailed it raised."""
    if "failed" in outcome:
        failed = outcome["failed"]
        raise CallFailed(failed["message"], status=failed.get("status", 422), code=failed.get("code"), data=failed.get("data"))
    if "mcp" in outcome:
        return McpResult(outcome["mcp"])
    return outcome["result"]


def handler_calling(
    name: str,
    spawn: Callable[[Any], SpawnedCall],
    *,
    still_running: type[BaseException],
    ran_too_long: type[BaseException],
    timeout_seconds: float,
) -> Callable[[Any, Report], Any]:
    """A handler that runs the tool in its Function and cancels it when the caller stops waiting.

    `still_running` is what `get(timeout=…)` raises while the call has no output yet, `ran_too_long`
    what it raises once the Function hit its own timeout (modal.exception.TimeoutError and
    FunctionTimeoutError, its subclass; so the subclass is checked first).
    """

    def run(arguments: Any, report: Report) -> Any:
        call = spawn(arguments)
        while True:
            if report.should_stop():
                call.cancel(terminate_containers=False)
                raise CallFailed(f"{name} stopped: the caller left or it ran past its time; its Modal call was cancelled", status=504)
            try:
                return settle(call.get(timeout=POLL_SECONDS))
            except ran_too_long:
                raise CallFailed(f"{name} ran past its Function's timeout of {timeout_seconds:g} s", status=504) from None
            except still_running:
                continue

    return run


def run_elsewhere(name: str, run: Callable[[Any, Report], Any], timeout_seconds: float) -> None:
    """Serves tool `name` with `run` instead of its own function, waiting as long as its Function may run.

    Its arguments are still checked here.
    """
    handler = handler_for(CallTarget("tools", name))
    if handler is None:
        raise ValueError(f'tool "{name}" has no Python handler to run elsewhere (expected @tool("{name}") in app/modal/)')
    HANDLERS[("tools", name, None)] = Handler(handler.parse, run, timeout_seconds + WAIT_SLACK_SECONDS)
