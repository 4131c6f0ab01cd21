"""The Modal app's locked Python packages (requirements.txt): what each function's image installs.

The file is pip-compile's format: `name==version` lines (hash options allowed), each followed by
`# via` lines naming what needs it. A function declares top-level packages by name (its tool's
`compute.packages`); its image gets those and, through the `via` lines, everything they need,
each at its locked version and nothing else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

REQUIREMENTS_FILE = "requirements.txt"
BASE_PACKAGES = ("jsonschema",)
"""What every function imports: tool_arguments.py validates each call's arguments with it."""

_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")
_VIA = re.compile(r"^\s+#\s+via\s*(.*)$")


class LockError(ValueError):
    """requirements.txt is malformed, or a declared package is not in it."""


def canonical(name: str) -> str:
    """PEP 503 normalisation: case and runs of -_. don't matter."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass
class Pin:
    name: str
    version: str
    line: str
    """The requirement line as written, hashes included."""
    needed_by: set[str] = field(default_factory=set)
    """Canonical names of the packages that need it; empty for a top-level one."""


def read_lock(path: Path) -> dict[str, Pin]:
    """The pins of requirements.txt by canonical name; refuses a line without an exact version."""
    pins: dict[str, Pin] = {}
    current: Pin | None = None
    in_via = False
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        stripped = raw.strip()
        indented = raw[:1] in (" ", "\t")
        if indented and current is not None:
            if stripped.startswith("--hash"):  # pip-compile --generate-hashes continues the pin's line
                current.line += " " + stripped.rstrip("\\").strip()
            elif via := _VIA.match(raw):
                in_via = True
                _add_needers(current, via.group(1))
            elif in_via and stripped.startswith("#"):
                _add_needers(current, stripped.lstrip("#"))  # "# via" on its own line, one name per line after it
            continue
        in_via = False
        if not stripped or stripped.startswith("#"):
            continue
        line = stripped.rstrip("\\").strip()
        pin = _PIN.match(line)
        if not pin:
            raise LockError(f"{path.name} line {number}: {stripped!r} is not an exact pin (expected name==version, as pip-compile writes)")
        current = Pin(pin.group(1), pin.group(2), line)
        pins[canonical(current.name)] = current
    return pins


def _add_needers(pin: Pin, text: str) -> None:
    for name in re.split(r"[,\s]+", text.strip()):
        if name and not name.startswith("-") and name not in ("requirements.in", "via"):
            pin.needed_by.add(canonical(name))


def closure(pins: dict[str, Pin], packages: list[str] | tuple[str, ...]) -> list[str]:
    """The requirement lines a function declaring `packages` installs: those and their dependencies, sorted."""
    missing = [name for name in packages if canonical(name) not in pins]
    if missing:
        raise LockError(f"{', '.join(missing)} not in {REQUIREMENTS_FILE}; add it to requirements.in and regenerate (pip-compile --generate-hashes)")
    wanted = {canonical(name) for name in packages}
    changed = True
    while changed:  # a dependency is wanted when something wanted needs it
        changed = False
        for name, pin in pins.items():
            if name not in wanted and pin.needed_by & wanted:
                wanted.add(name)
                changed = True
    return sorted(pins[name].line for name in wanted)
