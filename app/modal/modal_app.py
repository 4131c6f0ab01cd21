"""Modal deployment of the compute runner: one ASGI web function, nothing else.

All behaviour lives in modal-free modules (asgi, endpoint, signing, compute);
this file only says how Modal packages and scales them. Settings come from the
environment of `modal deploy`, which the Pulumi ModalApp component sets per color.
"""

from __future__ import annotations

import os

import modal

from pathlib import Path

from image_contents import SCHEMAS_FILE, image_modules

HERE = Path(__file__).resolve().parent
LOCAL_MODULES = image_modules(HERE)

# The tools' input JSON Schemas, written by release:build from the zod definitions
# (tool_arguments.py validates every call against them). A folder without them was not
# built as a release: deploying it would serve tools whose arguments nothing checks.
TOOL_SCHEMAS = HERE / SCHEMAS_FILE
if not TOOL_SCHEMAS.is_file():
    raise SystemExit(f"{TOOL_SCHEMAS} is missing: deploy a release folder (npm run release:build), or write it with npm run tool:schemas")

# Debian bookworm's python3-jsonschema is 4.10.3: the local runner and CI validate with it, and so does the image.
JSONSCHEMA = "jsonschema==4.10.3"


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


# modal.com/docs/reference/modal.Image: add_local_python_source copies each module to /root,
# the container's working directory, and add_local_file puts the schemas beside them, where
# tool_arguments.py looks; local files come last, after the pip layer, as Modal requires.
image = (
    modal.Image.debian_slim(python_version="3.11")
    .pip_install(JSONSCHEMA)
    .add_local_python_source(*LOCAL_MODULES)
    .add_local_file(TOOL_SCHEMAS, f"/root/{SCHEMAS_FILE}")
)


@app.function(
    image=image,
    secrets=[_upstream_secret()],  # provides MCP_UPSTREAM_SECRET and the telemetry settings
    min_containers=MIN_CONTAINERS,
    scaledown_window=SCALEDOWN_WINDOW,
    timeout=120,
)
@modal.concurrent(max_inputs=4)  # CPU-bound work runs in a thread; this keeps /health answering
@modal.asgi_app(label=WEB_LABEL)
def web():
    import asgi  # imported in the container, where add_local_python_source put it

    return asgi.make_asgi_app()
