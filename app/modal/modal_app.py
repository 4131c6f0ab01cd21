"""Modal deployment of the compute runner: one ASGI web function, and a Function per tool that declares compute.

All behaviour lives in modal-free modules (asgi, endpoint, signing, compute, remote_function,
function_specs, locked_requirements); this file only says how Modal packages and scales them.
Settings come from the environment of `modal deploy`, which the Pulumi ModalApp component sets per color.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import tempfile

import modal
import modal.exception

from pathlib import Path

from function_specs import WAIT_SLACK_SECONDS, FunctionSpec, SpecError, function_specs
from image_contents import SCHEMAS_FILE, image_modules
from locked_requirements import BASE_PACKAGES, REQUIREMENTS_FILE, LockError, closure, read_lock

HERE = Path(__file__).resolve().parent
LOCAL_MODULES = image_modules(HERE)

# The tools' input JSON Schemas, written by release:build from the zod definitions
# (tool_arguments.py validates every call against them). A folder without them was not
# built as a release: deploying it would serve tools whose arguments nothing checks.
TOOL_SCHEMAS = HERE / SCHEMAS_FILE
if not TOOL_SCHEMAS.is_file():
    raise SystemExit(f"{TOOL_SCHEMAS} is missing: deploy a release folder (npm run release:build), or write it with npm run tool:schemas")


def _int_env(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise SystemExit(f"{name} must be an integer, got {raw!r}") from None


APP_NAME = os.environ.get("MODAL_APP_NAME", "mcp-hosting-compute")
SECRET_NAME = os.environ.get("MODAL_SECRET_NAME", "mcp-hosting-upstream")
MIN_CONTAINERS = _int_env("MODAL_MIN_CONTAINERS", 0)
SCALEDOWN_WINDOW = _int_env("MODAL_SCALEDOWN_WINDOW", 300)
# The web function's URL label. The Pulumi ModalApp sets it (the app name) so the
# URL is known before the deploy: https://<workspace>[-<web suffix>]--<label>.modal.run
# (modal.com/docs/guide/webhook-urls). Unset, Modal generates <app>-<function>.
WEB_LABEL = os.environ.get("MODAL_WEB_LABEL", "").strip() or None

try:
    LOCK = read_lock(HERE / REQUIREMENTS_FILE)
    SPECS = function_specs(json.loads(TOOL_SCHEMAS.read_text(encoding="utf-8")), os.environ.get("MCP_MODAL_TOOL_OVERRIDES"), scaledown_window=SCALEDOWN_WINDOW)
    for _spec in SPECS:
        closure(LOCK, _spec.packages)  # a package missing from the lock fails the deploy here, by name
except (LockError, SpecError) as exc:
    raise SystemExit(str(exc)) from None

app = modal.App(APP_NAME)


# What the container's telemetry reads (telemetry.py): the release and color it
# records, and where spans go; OTEL_EXPORTER_OTLP_HEADERS holds an API key.
TELEMETRY_SETTINGS = ("MCP_RELEASE", "MCP_COLOR", "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_HEADERS")


def _upstream_secret() -> modal.Secret:
    # The Pulumi ModalApp passes the key and the telemetry settings in the deploy's
    # environment (never on the command line); without the key, a Modal Secret
    # created by hand is used.
    value = os.environ.get("MCP_UPSTREAM_SECRET")
    if value:
        telemetry = {name: os.environ[name] for name in TELEMETRY_SETTINGS if os.environ.get(name)}
        return modal.Secret.from_dict({"MCP_UPSTREAM_SECRET": value, **telemetry})
    return modal.Secret.from_name(SECRET_NAME)


def _image(packages: tuple[str, ...]) -> modal.Image:
    """Debian slim with exactly the locked closure of `packages`, then our modules and the schemas.

    modal.com/docs/reference/modal.Image: pip_install_from_requirements installs a requirements file
    (--no-deps: its lines are already the whole closure, so pip resolves nothing of its own);
    add_local_python_source copies each module to /root, the container's working directory, and
    add_local_file puts the schemas beside them, where tool_arguments.py looks; local files come
    last, after the pip layer, as Modal requires.
    """
    lines = closure(LOCK, (*BASE_PACKAGES, *packages))
    requirements = Path(tempfile.mkdtemp(prefix="mcp-modal-")) / REQUIREMENTS_FILE
    requirements.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return (
        modal.Image.debian_slim(python_version="3.11")
        .pip_install_from_requirements(str(requirements), extra_options="--no-deps")
        .add_local_python_source(*LOCAL_MODULES)
        .add_local_file(TOOL_SCHEMAS, f"/root/{SCHEMAS_FILE}")
        .add_local_file(HERE / REQUIREMENTS_FILE, f"/root/{REQUIREMENTS_FILE}")  # this module reads it at import, in the container too
    )


image = _image(())


@app.function(
    image=image,
    secrets=[_upstream_secret()],  # provides MCP_UPSTREAM_SECRET and the telemetry settings
    min_containers=MIN_CONTAINERS,
    scaledown_window=SCALEDOWN_WINDOW,
    # As long as its longest call may wait: a tool's own Function, plus the slack the wait keeps.
    timeout=int(max([120, *(spec.timeout_seconds + WAIT_SLACK_SECONDS for spec in SPECS)])),
)
@modal.concurrent(max_inputs=4)  # CPU-bound work runs in a thread; this keeps /health answering
@modal.asgi_app(label=WEB_LABEL)
def web():
    import asgi  # imported in the container, where add_local_python_source put it
    import remote_function

    # Each tool with a Function of its own: the web function still checks its calls, then spawns it
    # (py/modal/_functions.py, _Function.spawn; _FunctionCall.get and cancel) and waits, cancelling
    # the call when its caller stops waiting.
    for spec in SPECS:
        remote_function.run_elsewhere(
            spec.tool,
            remote_function.handler_calling(
                spec.tool,
                TOOL_FUNCTIONS[spec.tool].spawn,
                still_running=modal.exception.TimeoutError,
                ran_too_long=modal.exception.FunctionTimeoutError,
                timeout_seconds=spec.timeout_seconds,
            ),
            spec.timeout_seconds,
        )
    return asgi.make_asgi_app()


def _tool_function(spec: FunctionSpec) -> modal.Function:
    """The tool's own Function, with its declared compute (py/modal/app.py, _App.function).

    Modal finds a non-serialized Function in the container by its qualname among this module's
    globals (py/modal/_runtime/user_code_imports.py), so it is named like the global it is kept in.
    """

    def run(arguments, _tool=spec.tool, _timeout=spec.timeout_seconds):
        import remote_function

        return remote_function.run_in_function(_tool, arguments, _timeout)

    run.__name__ = run.__qualname__ = spec.function_name
    options = {
        "image": _image(spec.packages),
        "secrets": [_upstream_secret()],  # the telemetry settings; the key is not used here
        "timeout": spec.timeout_seconds,
        "min_containers": spec.min_containers,
        "scaledown_window": spec.scaledown_window,
        "enable_memory_snapshot": spec.memory_snapshot,
        "name": spec.function_name,
    }
    optional = {"gpu": spec.gpu, "cpu": spec.cpu, "memory": spec.memory_mb, "max_containers": spec.max_containers}
    options.update({key: value for key, value in optional.items() if value is not None})
    return app.function(**options)(run)


TOOL_FUNCTIONS: dict[str, modal.Function] = {}
for _spec in SPECS:
    TOOL_FUNCTIONS[_spec.tool] = globals()[_spec.function_name] = _tool_function(_spec)

# With enable_memory_snapshot, Modal snapshots a container once this module is imported
# (modal.com/docs/guide/memory-snapshot), so a tool Function's heavy imports happen here, at
# import, where its image has them; the web function's image lacks them and skips them.
if not modal.is_local():
    for _spec in SPECS:
        for _package in _spec.packages if _spec.memory_snapshot else ():
            if importlib.util.find_spec(_package) is not None:
                importlib.import_module(_package)
