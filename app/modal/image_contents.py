"""What the Modal image ships: every module beside modal_app.py except the dev-only ones.

Discovered, not listed, so a new module can't be forgotten. Kept apart from modal_app.py
(which needs `modal`) so that release:build and npm start can ask, with the machine's
Python, which modules the image gets and check they import on their own
(app/src/tools/python-handlers.ts).
"""

from __future__ import annotations

from pathlib import Path

# Never shipped: the conformance fixtures (imported only with MCP_FIXTURES=conformance,
# never set on Modal), the local runner, and modal_app itself (Modal mounts its entrypoint).
DEV_ONLY_MODULES = ("fixtures", "local_server")

SCHEMAS_FILE = "tool_schemas.json"
"""Shipped beside the modules: the tools' input schemas (tool_arguments.py)."""


def image_modules(folder: Path) -> tuple[str, ...]:
    """The module names modal's Image.add_local_python_source gets (modal.com/docs/reference/modal.Image).

    It copies each module's file into the image; a flat folder keeps that one name per file.
    """
    skipped = {*DEV_ONLY_MODULES, "modal_app"}
    return tuple(sorted(path.stem for path in folder.glob("*.py") if path.stem not in skipped))
