"""modal_app.py wires deploy-time settings into Modal and ships every module it needs.

`modal` is not installed here, so a recording stand-in records what the wrapper
asks Modal for; the assertions are about the wrapper's choices, not the stand-in.
"""

import ast
import importlib
import os
import sys
import tempfile
import types
import unittest
from pathlib import Path
from unittest import mock

APP_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(APP_DIR))

import image_contents  # noqa: E402


class RecordingModal(types.ModuleType):
    """Just enough of the modal 1.x surface that modal_app.py touches."""

    def __init__(self) -> None:
        super().__init__("modal")
        self.calls: dict = {"functions": {}, "images": []}
        calls = self.calls

        class Image:
            def __init__(self) -> None:
                self.layers: list[str] = []
                self.requirements: list[str] = []
                self.local_files: dict[str, Path] = {}
                calls["images"].append(self)

            @staticmethod
            def debian_slim(python_version=None):
                calls["python_version"] = python_version
                return Image()

            def pip_install_from_requirements(self, path, extra_options=""):
                self.layers.append("pip")
                # read now: modal_app writes each image's file to a temporary folder
                self.requirements = Path(path).read_text().split()
                self.pip_options = extra_options
                return self

            def add_local_python_source(self, *modules):
                self.layers.append("local")
                calls["local_modules"] = modules
                return self

            def add_local_file(self, local_path, remote_path):
                self.layers.append("local")
                self.local_files[remote_path] = Path(local_path)
                return self

        class Secret:
            @staticmethod
            def from_name(name):
                calls["secret_name"] = name
                return ("secret", name)

            @staticmethod
            def from_dict(values):
                calls["secret_values"] = values
                return ("secret", "from_dict")

        class Function:
            def __init__(self, fn, options):
                self.raw, self.options = fn, options

            def spawn(self, arguments):
                raise AssertionError("not spawned in these tests")

        class App:
            def __init__(self, name):
                calls["app_name"] = name

            def function(self, **options):
                def register(fn):
                    calls["functions"][options.get("name", fn.__name__)] = options
                    return fn if fn.__name__ == "web" else Function(fn, options)

                return register

        self.App, self.Image, self.Secret, self.Function = App, Image, Secret, Function
        self.concurrent = lambda **options: (lambda fn: fn)
        self.is_local = lambda: True
        self.exception = types.SimpleNamespace(TimeoutError=type("TimeoutError", (Exception,), {}), FunctionTimeoutError=type("FunctionTimeoutError", (Exception,), {}))

        def asgi_app(**options):
            calls["asgi_options"] = options
            return lambda fn: fn

        self.asgi_app = asgi_app


def load_modal_app(env: dict) -> tuple[types.ModuleType, dict]:
    fake = RecordingModal()
    keys = ("MODAL_APP_NAME", "MODAL_SECRET_NAME", "MODAL_MIN_CONTAINERS", "MODAL_SCALEDOWN_WINDOW", "MODAL_WEB_LABEL", "MCP_UPSTREAM_SECRET", "MCP_MODAL_TOOL_OVERRIDES",
            "MCP_RELEASE", "MCP_COLOR", "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_HEADERS")
    clean = {k: v for k, v in os.environ.items() if k not in keys}
    environment = mock.patch.dict(os.environ, {**clean, **env}, clear=True)
    with mock.patch.dict(sys.modules, {"modal": fake, "modal.exception": fake.exception}), environment:
        sys.modules.pop("modal_app", None)
        module = importlib.import_module("modal_app")
    sys.modules.pop("modal_app", None)
    return module, fake.calls


def local_imports(module_name: str) -> set[str]:
    """Top-level modules imported by `module_name` that live beside it."""
    tree = ast.parse((APP_DIR / f"{module_name}.py").read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return {name for name in names if (APP_DIR / f"{name}.py").exists()}


class ModalWrapper(unittest.TestCase):
    def test_defaults(self):
        _, calls = load_modal_app({})
        self.assertEqual(calls["app_name"], "mcp-hosting-compute")
        self.assertEqual(calls["secret_name"], "mcp-hosting-upstream")
        self.assertEqual(calls["python_version"], "3.11")
        options = calls["functions"]["web"]
        self.assertEqual((options["min_containers"], options["scaledown_window"]), (0, 300))
        self.assertEqual(calls["asgi_options"], {"label": None}, "without a label Modal generates <app>-web")

    def test_the_deploy_environment_labels_the_web_url(self):
        _, calls = load_modal_app({"MODAL_WEB_LABEL": "mcp-prod-v1-blue"})
        self.assertEqual(calls["asgi_options"], {"label": "mcp-prod-v1-blue"})

    def test_deploy_environment_sets_name_secret_and_scaling(self):
        _, calls = load_modal_app({
            "MODAL_APP_NAME": "mcp-hosting-compute-green",
            "MODAL_SECRET_NAME": "upstream-prod",
            "MODAL_MIN_CONTAINERS": "1",
            "MODAL_SCALEDOWN_WINDOW": "60",
        })
        self.assertEqual(calls["app_name"], "mcp-hosting-compute-green")
        self.assertEqual(calls["secret_name"], "upstream-prod")
        self.assertEqual(calls["functions"]["web"]["secrets"], [("secret", "upstream-prod")])
        self.assertEqual(calls["functions"]["web"]["min_containers"], 1)
        self.assertEqual(calls["functions"]["web"]["scaledown_window"], 60)

    def test_the_container_gets_the_key_and_the_telemetry_settings_of_the_deploy(self):
        _, calls = load_modal_app({
            "MCP_UPSTREAM_SECRET": "k" * 32,
            "MCP_RELEASE": "r-3f9a1c7e2b4d",
            "MCP_COLOR": "green",
            "OTEL_EXPORTER_OTLP_ENDPOINT": "https://otel.example.com",
            "OTEL_EXPORTER_OTLP_HEADERS": "x-api-key=secret",
        })
        self.assertEqual(calls["secret_values"], {
            "MCP_UPSTREAM_SECRET": "k" * 32,
            "MCP_RELEASE": "r-3f9a1c7e2b4d",
            "MCP_COLOR": "green",
            "OTEL_EXPORTER_OTLP_ENDPOINT": "https://otel.example.com",
            "OTEL_EXPORTER_OTLP_HEADERS": "x-api-key=secret",
        })

    def test_without_an_endpoint_no_telemetry_setting_is_set(self):
        _, calls = load_modal_app({"MCP_UPSTREAM_SECRET": "k" * 32})
        self.assertEqual(calls["secret_values"], {"MCP_UPSTREAM_SECRET": "k" * 32})

    def test_a_non_integer_setting_stops_the_deploy_with_its_name(self):
        with self.assertRaisesRegex(SystemExit, "MODAL_MIN_CONTAINERS must be an integer"):
            load_modal_app({"MODAL_MIN_CONTAINERS": "two"})

    def test_the_image_ships_every_local_module_the_web_function_needs(self):
        module, calls = load_modal_app({})
        shipped = set(calls["local_modules"])
        needed, frontier = set(), ["asgi"]
        while frontier:
            name = frontier.pop()
            if name not in needed:
                needed.add(name)
                frontier.extend(local_imports(name))
        # The conformance fixtures are imported only under MCP_FIXTURES=conformance, never set on Modal: not shipped.
        self.assertEqual(needed - shipped, {"fixtures"})
        self.assertEqual(shipped & set(image_contents.DEV_ONLY_MODULES), set())

    def test_a_new_module_beside_the_others_is_shipped_without_being_listed(self):
        module, _ = load_modal_app({})
        with tempfile.TemporaryDirectory() as folder:
            for name in ("asgi.py", "modal_app.py", "fixtures.py", "local_server.py", "word_count.py"):
                (Path(folder) / name).write_text("")
            self.assertEqual(module.image_modules(Path(folder)), ("asgi", "word_count"))

    def test_the_web_image_installs_exactly_the_locked_closure_of_jsonschema_and_carries_the_tool_schemas(self):
        _, calls = load_modal_app({})
        web = calls["images"][0]
        # bookworm's python3-jsonschema and its dependencies, what the local runner and CI validate with (.ci/run)
        self.assertEqual(web.requirements, ["attrs==22.2.0", "jsonschema==4.10.3", "pyrsistent==0.18.1"])
        self.assertEqual(web.pip_options, "--no-deps")
        self.assertEqual(web.local_files, {"/root/tool_schemas.json": APP_DIR / "tool_schemas.json", "/root/requirements.txt": APP_DIR / "requirements.txt"})
        # Modal builds local files last unless copied: the pip layer must come before them
        self.assertEqual(web.layers, ["pip", "local", "local", "local"])

    def test_a_folder_without_the_tool_schemas_is_not_deployed(self):
        with tempfile.TemporaryDirectory() as folder:
            for name in ("modal_app.py", "image_contents.py"):
                (Path(folder) / name).write_text((APP_DIR / name).read_text())
            fake = RecordingModal()
            with mock.patch.dict(sys.modules, {"modal": fake, "modal.exception": fake.exception}), mock.patch.object(sys, "path", [folder, *sys.path]):
                sys.modules.pop("modal_app", None)
                with self.assertRaisesRegex(SystemExit, r"tool_schemas\.json is missing: deploy a release folder \(npm run release:build\)"):
                    importlib.import_module("modal_app")
            sys.modules.pop("modal_app", None)

    def test_the_web_function_returns_an_asgi_callable(self):
        module, _ = load_modal_app({})
        import handlers

        with mock.patch.dict(handlers.HANDLERS):  # web() hands csv_cluster to its Function: not for the other tests
            app = module.web()
            self.assertIsInstance(handlers.HANDLERS[("tools", "csv_cluster", None)].run, types.FunctionType)
        self.assertTrue(callable(app))
        self.assertEqual(app.__code__.co_varnames[:3], ("scope", "receive", "send"))


if __name__ == "__main__":
    unittest.main()
