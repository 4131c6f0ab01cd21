"""Tools with a Modal Function of their own: the specs, the locked packages, and the hand-over from the web function."""

import json
import sys
import tempfile
import threading
import time
import unittest
import unittest.mock
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import remote_function  # noqa: E402
from function_specs import SpecError, function_specs  # noqa: E402
from handlers import CallFailed, McpResult  # noqa: E402
from locked_requirements import LockError, closure, read_lock  # noqa: E402
from test_modal_app import APP_DIR, load_modal_app  # noqa: E402

SCHEMAS = {"tools": {}, "compute": {"csv_cluster": {"gpu": "T4", "cpu": 2, "memoryMb": 4096, "packages": ["torch"], "memorySnapshot": True}}}


class Specs(unittest.TestCase):
    def test_a_declaration_becomes_a_spec_and_the_stack_overrides_gpu_and_scaling(self):
        [spec] = function_specs(SCHEMAS, json.dumps({"csv_cluster": {"gpu": "L4", "minContainers": 1, "maxContainers": 4}}), scaledown_window=300)
        self.assertEqual((spec.gpu, spec.cpu, spec.memory_mb, spec.packages), ("L4", 2, 4096, ("torch",)))
        self.assertEqual((spec.min_containers, spec.max_containers, spec.scaledown_window, spec.timeout_seconds), (1, 4, 300, 300))
        self.assertEqual(spec.function_name, "tool_csv_cluster")

    def test_gpu_none_runs_on_cpu(self):
        [spec] = function_specs(SCHEMAS, '{"csv_cluster": {"gpu": "none"}}', scaledown_window=60)
        self.assertIsNone(spec.gpu)
        self.assertEqual(spec.scaledown_window, 60)

    def test_an_override_of_a_tool_without_compute_or_of_a_declared_setting_is_refused(self):
        with self.assertRaisesRegex(SpecError, r"names csv_profile, which declare no compute of their own \(tools with a Function: csv_cluster\)"):
            function_specs(SCHEMAS, '{"csv_profile": {"gpu": "T4"}}', scaledown_window=300)
        with self.assertRaisesRegex(SpecError, r"csv_cluster: packages cannot be overridden per stack"):
            function_specs(SCHEMAS, '{"csv_cluster": {"packages": ["numpy"]}}', scaledown_window=300)
        with self.assertRaisesRegex(SpecError, "is not JSON"):
            function_specs(SCHEMAS, "{", scaledown_window=300)


class Lock(unittest.TestCase):
    def lock(self, text):
        folder = tempfile.mkdtemp()
        path = Path(folder) / "requirements.txt"
        path.write_text(text)
        return read_lock(path)

    def test_the_closure_follows_via_lines_and_keeps_hashes(self):
        pins = self.lock(
            "a==1.0 \\\n    --hash=sha256:aaa \\\n    --hash=sha256:bbb\n    # via -r requirements.in\n"
            "b==2.0\n    # via\n    #   a\n    #   c\n"
            "c==3.0\n    # via -r requirements.in\n"
            "d==4.0\n    # via b\n"
        )
        self.assertEqual(closure(pins, ["a"]), ["a==1.0 --hash=sha256:aaa --hash=sha256:bbb", "b==2.0", "d==4.0"])
        self.assertEqual(closure(pins, ["C"]), ["b==2.0", "c==3.0", "d==4.0"], "names compare as PEP 503 does")

    def test_a_line_without_an_exact_version_and_an_unlocked_package_are_refused(self):
        with self.assertRaisesRegex(LockError, r"line 1: 'torch>=2' is not an exact pin"):
            self.lock("torch>=2\n")
        with self.assertRaisesRegex(LockError, r"numpy not in requirements.txt; add it to requirements.in"):
            closure(self.lock("a==1\n"), ["numpy"])

    def test_every_package_a_tool_declares_is_locked(self):
        pins = read_lock(APP_DIR / "requirements.txt")
        schemas = json.loads((APP_DIR / "tool_schemas.json").read_text())
        for tool, compute in schemas["compute"].items():
            with self.subTest(tool=tool):
                closure(pins, compute.get("packages", []))
        self.assertIn("torch==1.13.1", closure(pins, ["torch"]))


class SpawnedCall:
    def __init__(self, outcome=None, delay=0.0, error=None):
        self.outcome, self.ready_at, self.error, self.cancelled = outcome, time.monotonic() + delay, error, False

    def get(self, timeout=None):
        if self.error:
            raise self.error
        if time.monotonic() < self.ready_at:
            time.sleep(min(timeout or 0, 0.05))
            raise StillRunning()
        return self.outcome

    def cancel(self, terminate_containers=False):
        self.cancelled = True


class StillRunning(Exception):
    pass


class RanTooLong(StillRunning):
    pass


class Report:
    def __init__(self, stop=lambda: False):
        self.should_stop = stop

    def progress(self, *args, **kwargs):
        pass

    def log(self, *args, **kwargs):
        pass


def handler(call):
    return remote_function.handler_calling("csv_cluster", lambda arguments: call, still_running=StillRunning, ran_too_long=RanTooLong, timeout_seconds=300)


class HandOver(unittest.TestCase):
    def test_the_functions_result_error_and_content_blocks_come_back_as_the_handler_gave_them(self):
        self.assertEqual(handler(SpawnedCall({"result": {"k": 2}}))({}, Report()), {"k": 2})
        mcp = handler(SpawnedCall({"mcp": {"content": []}}))({}, Report())
        self.assertIsInstance(mcp, McpResult)
        with self.assertRaises(CallFailed) as caught:
            handler(SpawnedCall({"failed": {"message": "no numeric column", "status": 422}}))({}, Report())
        self.assertEqual((str(caught.exception), caught.exception.status), ("no numeric column", 422))

    def test_a_caller_that_stops_waiting_cancels_the_modal_call(self):
        call = SpawnedCall({"result": {}}, delay=30)
        stop_at = time.monotonic() + 0.3
        started = time.monotonic()
        with self.assertRaises(CallFailed) as caught:
            handler(call)({}, Report(lambda: time.monotonic() > stop_at))
        self.assertTrue(call.cancelled)
        self.assertEqual(caught.exception.status, 504)
        self.assertLess(time.monotonic() - started, 0.3 + remote_function.POLL_SECONDS + 0.5)

    def test_the_functions_own_timeout_is_a_504_naming_it(self):
        with self.assertRaisesRegex(CallFailed, r"csv_cluster ran past its Function's timeout of 300 s"):
            handler(SpawnedCall(error=RanTooLong()))({}, Report())

    def test_the_function_body_runs_the_registered_handler_and_returns_plain_data(self):
        outcome = remote_function.run_in_function("csv_cluster", {"csv": "a\n1\n2\n9\n10\n", "k": 2}, 60)
        self.assertEqual(sorted(cluster["size"] for cluster in outcome["result"]["clusters"]), [2, 2])
        failed = remote_function.run_in_function("csv_cluster", {"csv": "a\nx\n", "k": 2}, 60)
        self.assertEqual(failed["failed"]["status"], 422)
        self.assertEqual(remote_function.run_in_function("nope", {}, 60)["failed"]["status"], 404)


class ModalApp(unittest.TestCase):
    def test_a_tool_that_declares_compute_gets_its_own_function_with_its_gpu_and_packages(self):
        module, calls = load_modal_app({"MCP_MODAL_TOOL_OVERRIDES": '{"csv_cluster": {"gpu": "L4", "minContainers": 1}}'})
        options = calls["functions"]["tool_csv_cluster"]
        self.assertEqual((options["gpu"], options["cpu"], options["memory"], options["min_containers"]), ("L4", 2, 4096, 1))
        self.assertTrue(options["enable_memory_snapshot"])
        self.assertEqual(options["timeout"], 300)
        self.assertIn("torch==1.13.1", options["image"].requirements)
        self.assertIn("jsonschema==4.10.3", options["image"].requirements)
        self.assertNotIn("torch==1.13.1", calls["images"][0].requirements, "the web function's image stays light")
        # Modal finds a non-serialized Function by its qualname among the module's globals
        self.assertIs(getattr(module, "tool_csv_cluster"), module.TOOL_FUNCTIONS["csv_cluster"])
        self.assertEqual(module.tool_csv_cluster.raw.__qualname__, "tool_csv_cluster")

    def test_without_overrides_the_declared_gpu_is_used(self):
        _, calls = load_modal_app({})
        self.assertEqual(calls["functions"]["tool_csv_cluster"]["gpu"], "T4")
        self.assertNotIn("gpu", calls["functions"]["web"])

    def test_a_bad_override_stops_the_deploy_with_the_reason(self):
        with self.assertRaisesRegex(SystemExit, "declare no compute of their own"):
            load_modal_app({"MCP_MODAL_TOOL_OVERRIDES": '{"echo": {"gpu": "T4"}}'})


if __name__ == "__main__":
    unittest.main()


class Deadlines(unittest.TestCase):
    def test_the_web_function_waits_as_long_as_the_tools_function_may_run(self):
        module, calls = load_modal_app({})
        import handlers

        self.assertEqual(calls["functions"]["web"]["timeout"], 310, "csv_cluster's 300 s and the wait's 10 s of slack")
        with unittest.mock.patch.dict(handlers.HANDLERS):
            module.web()
            self.assertEqual(handlers.HANDLERS[("tools", "csv_cluster", None)].timeout_seconds, 310)
            self.assertEqual(handlers.HANDLERS[("tools", "csv_profile", None)].timeout_seconds, handlers.WORK_TIMEOUT_SECONDS)
