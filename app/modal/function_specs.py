"""Which tools get a Modal Function of their own, and with what: their declaration, then the stack's overrides.

A tool declares its compute in its TypeScript definition (`compute`, app/src/tools/modal-compute.ts);
release:build writes it into tool_schemas.json beside the schemas. A stack may override the GPU and
the scaling per tool (`modal.tools`), which the Pulumi ModalApp passes to `modal deploy` as
MCP_MODAL_TOOL_OVERRIDES. Modal-free, so it is tested with the machine's Python.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

DEFAULT_TIMEOUT_SECONDS = 300
"""A Function's timeout when its tool declares none; the same as Modal's own default (py/modal/app.py)."""
OVERRIDABLE = ("gpu", "minContainers", "maxContainers", "scaledownWindow")
WAIT_SLACK_SECONDS = 10
"""How much longer the web function waits than a tool's Function may run, so the Function's own timeout is what ends it."""


class SpecError(ValueError):
    """The declarations or the overrides are malformed, or an override names a tool without its own Function."""


@dataclass(frozen=True)
class FunctionSpec:
    tool: str
    gpu: str | None
    cpu: float | None
    memory_mb: int | None
    timeout_seconds: int
    packages: tuple[str, ...]
    memory_snapshot: bool
    min_containers: int
    max_containers: int | None
    scaledown_window: int

    @property
    def function_name(self) -> str:
        """The Function's name in the app and in modal_app's globals (Modal finds it there by qualname)."""
        return f"tool_{self.tool}"


def function_specs(schemas_document: dict[str, Any], overrides_json: str | None, *, scaledown_window: int) -> list[FunctionSpec]:
    """One spec per tool that declares compute, in name order, with the stack's overrides applied."""
    declared: dict[str, Any] = schemas_document.get("compute") or {}
    overrides = _overrides(overrides_json)
    unknown = sorted(set(overrides) - set(declared))
    if unknown:
        own = ", ".join(sorted(declared)) or "none"
        raise SpecError(f"MCP_MODAL_TOOL_OVERRIDES names {', '.join(unknown)}, which declare no compute of their own (tools with a Function: {own})")
    specs = []
    for tool in sorted(declared):
        compute = {**declared[tool], **overrides.get(tool, {})}
        if not re.fullmatch(r"[a-z][a-z0-9_]{0,63}", tool):
            raise SpecError(f"tool name {tool!r} in tool_schemas.json is not snake_case")
        gpu = compute.get("gpu")
        specs.append(
            FunctionSpec(
                tool=tool,
                gpu=None if gpu in (None, "none") else str(gpu),
                cpu=compute.get("cpu"),
                memory_mb=compute.get("memoryMb"),
                timeout_seconds=int(compute.get("timeoutSeconds", DEFAULT_TIMEOUT_SECONDS)),
                packages=tuple(compute.get("packages", ())),
                memory_snapshot=bool(compute.get("memorySnapshot", False)),
                min_containers=int(compute.get("minContainers", 0)),
                max_containers=None if compute.get("maxContainers") is None else int(compute["maxContainers"]),
                scaledown_window=int(compute.get("scaledownWindow", scaledown_window)),
            )
        )
    return specs


def _overrides(text: str | None) -> dict[str, dict[str, Any]]:
    if not text or not text.strip():
        return {}
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SpecError(f"MCP_MODAL_TOOL_OVERRIDES is not JSON: {exc}") from None
    if not isinstance(parsed, dict) or not all(isinstance(value, dict) for value in parsed.values()):
        raise SpecError('MCP_MODAL_TOOL_OVERRIDES must be an object of objects, e.g. {"csv_cluster": {"gpu": "L4"}}')
    for tool, override in parsed.items():
        extra = sorted(set(override) - set(OVERRIDABLE))
        if extra:
            raise SpecError(f"MCP_MODAL_TOOL_OVERRIDES.{tool}: {', '.join(extra)} cannot be overridden per stack (expected {', '.join(OVERRIDABLE)})")
    return parsed
