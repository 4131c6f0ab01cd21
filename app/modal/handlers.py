"""What the compute runner serves: a handler per signed call target.

A tool's handler is one function registered by name with `@tool("name")`. Its arguments
are checked first against the input schema the tool's TypeScript definition publishes
(tool_arguments.py; BadArguments is a 400, before anything runs); an optional `parse=`
turns the checked arguments into what the function takes. The function does the work
and may report progress and log messages while it runs.
The conformance suite's fixtures (fixtures.py) are added only when MCP_FIXTURES=conformance.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
from dataclasses import dataclass
from typing import Any, Callable, Protocol

from call_stream import CallTarget
from compute import CsvProfileError, CsvProfileStopped, profile_csv
from tool_arguments import BadArguments, validate_arguments

WORK_TIMEOUT_SECONDS = 120.0
"""Longest a call may run, however long its caller waits; the Modal function's own timeout."""

__all__ = ["BadArguments", "CallFailed", "Handler", "McpResult", "Report", "handler_for", "registered_tools", "tool"]


class CallFailed(Exception):
    """The work failed. `status` is what a JSON answer carries (422, 504); `code`/`data` a JSON-RPC error to pass on."""

    def __init__(self, message: str, status: int = 422, code: int | None = None, data: Any = None) -> None:
        super().__init__(message)
        self.status, self.code, self.data = status, code, data


@dataclass(frozen=True)
class McpResult:
    """A tool result already in MCP's shape (content blocks), passed to the client unchanged."""

    result: dict[str, Any]


class Report(Protocol):
    """What a running handler may tell its caller; best effort, never raises."""

    def progress(self, progress: float, total: float | None = None, message: str | None = None) -> None: ...

    def log(self, level: str, data: Any, logger: str | None = None) -> None: ...

    def should_stop(self) -> bool: ...


@dataclass(frozen=True)
class Handler:
    parse: Callable[[Any], Any]
    run: Callable[[Any, Report], Any]
    timeout_seconds: float = WORK_TIMEOUT_SECONDS
    """Longest a call may run here: a tool with a Modal Function of its own waits as long as that Function may run."""


HANDLERS: dict[tuple[str, str, str | None], Handler] = {}


def tool(name: str, parse: Callable[[dict[str, Any]], Any] | None = None) -> Callable[[Callable[[Any, Report], Any]], Callable[[Any, Report], Any]]:
    """Registers the decorated function as the handler of the Modal-placed tool `name`.

    The function receives the arguments once the tool's input schema accepts them
    (and `parse` has turned them into something else, when given).
    """

    def checked(arguments: Any) -> Any:
        valid = validate_arguments(name, arguments)
        return parse(valid) if parse is not None else valid

    def register(run: Callable[[Any, Report], Any]) -> Callable[[Any, Report], Any]:
        key = ("tools", name, None)
        if key in HANDLERS:
            raise ValueError(f'tool "{name}" has two Python handlers: {_where(HANDLERS[key].run)} and {_where(run)}; expected one @tool("{name}")')
        HANDLERS[key] = Handler(checked, run)
        return run

    return register


def percent_progress(report: Report) -> Callable[[float, str], None]:
    """An `on_progress(done, message)` for work that counts 0 to 1: whole percents, each reported once."""
    reported = -1

    def on_progress(done: float, message: str) -> None:
        nonlocal reported
        percent = int(done * 100)
        if percent > reported:
            reported = percent
            report.progress(percent, 100, message)

    return on_progress


def _where(function: Callable[..., Any]) -> str:
    return f"{function.__module__}.{function.__name__}"


# Not imported to find handlers: modal_app needs modal, local_server is the local runner's
# entry point, fixtures are loaded only with MCP_FIXTURES=conformance.
_NOT_HANDLER_MODULES = frozenset({"modal_app", "local_server", "fixtures"})
_modules_imported = False


def _import_handler_modules() -> None:
    """Imports every module beside this one, once, so each @tool registers: no list to keep in step."""
    global _modules_imported
    if _modules_imported:
        return
    _modules_imported = True
    folder = os.path.dirname(os.path.abspath(__file__))
    for module in pkgutil.iter_modules([folder]):
        if not module.ispkg and module.name not in _NOT_HANDLER_MODULES:
            importlib.import_module(module.name)


def registered_tools() -> list[str]:
    """The names of the tools with a registered handler (fixtures excluded), sorted."""
    _import_handler_modules()
    return sorted(name for kind, name, _ in HANDLERS if kind == "tools")


def handler_for(target: CallTarget) -> Handler | None:
    """The handler of a target, the fixtures' too when MCP_FIXTURES=conformance (read per call)."""
    _import_handler_modules()
    key = (target.kind, target.name, target.action)
    if key in HANDLERS:
        return HANDLERS[key]
    if os.environ.get("MCP_FIXTURES") == "conformance":
        import fixtures  # only then: the deployed app never loads them

        return fixtures.HANDLERS.get(key)
    return None


@tool("csv_profile")
def run_csv_profile(arguments: dict[str, Any], report: Report) -> dict[str, Any]:
    """Profiles, reporting progress in whole percents (at most one report per percent) and one log line."""
    on_progress = percent_progress(report)
    try:
        profile = profile_csv(
            arguments["csv"],
            delimiter=arguments.get("delimiter"),
            # JSON Schema's integer admits 2.0, as zod's int() does; the profiler counts in ints.
            max_rows=None if arguments.get("max_rows") is None else int(arguments["max_rows"]),
            should_stop=report.should_stop,
            on_progress=on_progress,
        )
    except CsvProfileError as exc:
        raise CallFailed(str(exc)) from None
    except CsvProfileStopped as exc:
        limit = f"{WORK_TIMEOUT_SECONDS:g} s"
        raise CallFailed(f"csv_profile stopped ({exc}): the caller left or it ran past {limit}", status=504) from None
    report.log("info", f"profiled {profile['rows']} rows and {profile['columns']} columns", "csv_profile")
    return profile

