"""A Modal tool's arguments, validated against the JSON Schema its TypeScript definition publishes.

The schema is written once, in zod (app/src/tools/<name>.ts). The release carries it as
`tool_schemas.json` beside these modules (stacks/release/build.ts; locally the compute
runner writes it before it starts, app/src/tools/tool-schemas.ts), so a handler receives
arguments already checked against exactly what clients see in `tools/list`.

Validation uses `jsonschema`, the dialect named by the schema's `$schema` (zod emits
draft 2020-12). The version is Debian bookworm's python3-jsonschema, 4.10.3, which
modal_app.py pins in the image; only API that 4.10 and later share is used here
(`validators.validator_for`, `iter_errors`, `best_match`, `ValidationError.path`).
"""

from __future__ import annotations

import json
import os
import re
from functools import lru_cache
from typing import Any

SCHEMAS_FILE = "tool_schemas.json"
SCHEMAS_ENV = "MCP_TOOL_SCHEMAS"
"""A path that overrides the file beside this module (tests of a tool that is not in the registry)."""


class BadArguments(ValueError):
    """The body is not what the target takes; the message says why (answered 400)."""


class SchemasMissing(RuntimeError):
    """The deploy has no schema for a tool it serves: a build fault, never the caller's (answered 500)."""


def schemas_path() -> str:
    return os.environ.get(SCHEMAS_ENV) or os.path.join(os.path.dirname(os.path.abspath(__file__)), SCHEMAS_FILE)


def _version(path: str) -> int:
    """The file's mtime: `npm run dev` rewrites it when a definition changes, and the runner follows without a restart."""
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return -1


def _load(path: str) -> dict[str, Any]:
    return _load_version(path, _version(path))


@lru_cache(maxsize=4)
def _load_version(path: str, _version: int) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as file:
            document = json.load(file)
    except FileNotFoundError:
        raise SchemasMissing(
            f"{path} does not exist: the tools' input schemas are written there by npm start, "
            "npm run dev and npm run release:build (from the zod definitions in app/src/tools/)"
        ) from None
    except ValueError as exc:
        raise SchemasMissing(f"{path} is not JSON ({exc})") from None
    tools = document.get("tools") if isinstance(document, dict) else None
    if not isinstance(tools, dict):
        raise SchemasMissing(f'{path} has no "tools" object of input schemas by tool name')
    return tools


def _validator(path: str, name: str) -> Any:
    return _validator_version(path, _version(path), name)


@lru_cache(maxsize=64)
def _validator_version(path: str, version: int, name: str) -> Any:
    # Imported here, not at the top: a runner without jsonschema still starts and says what to install.
    try:
        from jsonschema import validators
    except ImportError:
        raise SchemasMissing(
            "the Python package jsonschema is not installed: apt-get install python3-jsonschema "
            "(Debian), or pip install jsonschema==4.10.3 (the Modal image's pin)"
        ) from None
    schema = _load_version(path, version).get(name)
    if not isinstance(schema, dict):
        raise SchemasMissing(f'{path} has no input schema for tool "{name}": it was written before the tool existed (rebuild the release)')
    cls = validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def missing_schemas(names: list[str]) -> list[str]:
    """The tools among `names` the schemas file does not cover (all of them when it is absent)."""
    try:
        tools = _load(schemas_path())
    except SchemasMissing:
        return list(names)
    return [name for name in names if not isinstance(tools.get(name), dict)]


def validate_arguments(name: str, arguments: Any) -> dict[str, Any]:
    """The arguments of tool `name` when its input schema accepts them, or BadArguments naming the first problem.

    zod strips keys an object does not declare before the TypeScript side calls, so an
    undeclared key here means a caller that is not our runtime, or a stale schema: refused,
    where the schema leaves `additionalProperties` open.
    """
    if not isinstance(arguments, dict):
        raise BadArguments(f"body must be a JSON object of tool arguments, got {_json_type(arguments)}")
    validator = _validator(schemas_path(), name)
    schema = validator.schema
    declared = schema.get("properties", {})
    if "additionalProperties" not in schema and "patternProperties" not in schema:
        unknown = sorted(set(arguments) - set(declared))
        if unknown:
            raise BadArguments(f"unknown argument(s) {', '.join(unknown)}; expected {', '.join(declared) or 'none'}")
    errors = sorted(validator.iter_errors(arguments), key=lambda error: (list(error.path), error.validator))
    if errors:
        raise BadArguments(_describe(errors[0]))
    return arguments


def _describe(error: Any) -> str:
    path = list(error.path)
    if error.validator == "required":
        name = re.match(r"'([^']*)' is a required property", error.message)
        return f"{'argument ' + '.'.join(map(str, path)) + ': ' if path else ''}missing argument {name.group(1) if name else error.message}"
    where = "argument " + ".".join(str(part) for part in path) if path else "arguments"
    return f"{where}: {error.message}"


def _json_type(value: Any) -> str:
    names = {bool: "a boolean", int: "an integer", float: "a number", str: "a string", list: "an array", dict: "an object"}
    return "null" if value is None else names.get(type(value), type(value).__name__)
