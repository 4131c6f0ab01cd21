"""Modal deployment of the compute runner: one ASGI web function, nothing else.

All behaviour lives in modal-free modules (asgi, endpoint, signing, compute);
this file only says how Modal packages and scales them. Settings come from the
environment of `modal deploy`, which the Pulumi ModalApp component sets per color.
"""

from __future__ import annotations

import os

import modal

from pathlib import Path

# Never shipped: the conformance fixtures (imported only with MCP_FIXTURES=conformance,
# never set on Modal), the local runner, and this file (Modal mounts its entrypoint itself).
DEV_ONLY_MODULES = ("fixtures", "local_server")


def image_modules(folder: Path) -> tuple[str, ...]:
    """Every module beside this file except the dev-only ones: discovered, so a new one can't be forgotten.

    Names go to modal's Image.add_local_python_source (modal.com/docs/reference/modal.Image),
    which copies each module's file into the image; a flat folder keeps that one name per file.
    """
    skipped = {*DEV_ONLY_MODULES, "modal_app"}
    return tuple(sorted(path.stem for path in folder.glob("*.py") if path.stem not in skipped))


LOCAL_MODULES = image_modules(Path(__file__).resolve().parent)


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


image = modal.Image.debian_slim(python_version="3.11").add_local_python_source(*LOCAL_MODULES)


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
