"""Tool handlers are registered by name with @tool; the registry is what a call and the release check see."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path
from unittest import mock

APP_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(APP_DIR))

import handlers  # noqa: E402
import tool_arguments  # noqa: E402
from call_stream import CallTarget  # noqa: E402


class ToolRegistry(unittest.TestCase):
    def test_csv_profile_is_registered_by_its_decorator(self):
        self.assertEqual(handlers.registered_tools(), ["csv_cluster", "csv_profile"])
        self.assertIs(handlers.handler_for(CallTarget("tools", "csv_profile", None)).run, handlers.run_csv_profile)

    def test_a_handler_in_a_new_module_beside_the_others_is_registered_without_being_listed(self):
        with tempfile.TemporaryDirectory() as folder:
            for entry in APP_DIR.glob("*.py"):
                shutil.copy(entry, folder)
            (Path(folder) / "word_count.py").write_text(
                "from handlers import tool\n\n\n@tool(\"word_count\")\n"
                "def word_count(arguments, report):\n    return {\"words\": len(arguments[\"text\"].split())}\n"
            )
            script = "import json, handlers; print(json.dumps(handlers.registered_tools()))"
            listed = subprocess.run([sys.executable, "-c", script], cwd=folder, capture_output=True, text=True, check=True)
            self.assertEqual(json.loads(listed.stdout), ["csv_cluster", "csv_profile", "word_count"])

    def test_a_registered_function_answers_calls_to_its_name_with_arguments_its_schema_accepts(self):
        schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
                  "properties": {"text": {"type": "string", "minLength": 1}}, "required": ["text"]}
        with tempfile.TemporaryDirectory() as folder, mock.patch.dict(handlers.HANDLERS):
            schemas = Path(folder) / "tool_schemas.json"
            schemas.write_text(json.dumps({"tools": {"word_count": schema}}))
            with mock.patch.dict("os.environ", {"MCP_TOOL_SCHEMAS": str(schemas)}):
                @handlers.tool("word_count", parse=lambda arguments: arguments["text"].split())
                def word_count(words, _report):
                    return {"words": len(words)}

                handler = handlers.handler_for(CallTarget("tools", "word_count", None))
                self.assertEqual(handler.run(handler.parse({"text": "a b c"}), None), {"words": 3})
                for bad, message in [({}, "missing argument text"), ({"text": ""}, "argument text: ''"),
                                     ({"text": 3}, "argument text: 3 is not of type 'string'"), ({"text": "a", "n": 1}, r"unknown argument\(s\) n")]:
                    with self.assertRaisesRegex(handlers.BadArguments, message):
                        handler.parse(bad)
        self.assertIsNone(handlers.handler_for(CallTarget("tools", "word_count", None)), "the patch is undone")

    def test_a_tool_the_schemas_file_does_not_cover_is_a_deploy_fault_not_the_callers(self):
        with tempfile.TemporaryDirectory() as folder, mock.patch.dict(handlers.HANDLERS):
            schemas = Path(folder) / "tool_schemas.json"
            schemas.write_text(json.dumps({"tools": {}}))
            with mock.patch.dict("os.environ", {"MCP_TOOL_SCHEMAS": str(schemas)}):
                @handlers.tool("word_count")
                def word_count(arguments, _report):
                    return arguments

                with self.assertRaisesRegex(tool_arguments.SchemasMissing, r'has no input schema for tool "word_count"'):
                    handlers.handler_for(CallTarget("tools", "word_count", None)).parse({"text": "a"})
                schemas.unlink()
                with self.assertRaisesRegex(tool_arguments.SchemasMissing, r"does not exist: the tools' input schemas are written there by npm start"):
                    handlers.handler_for(CallTarget("tools", "word_count", None)).parse({"text": "a"})

    def test_the_schemas_file_is_read_again_when_it_changes(self):
        with tempfile.TemporaryDirectory() as folder:
            schemas = Path(folder) / "tool_schemas.json"
            loose = {"type": "object", "properties": {"n": {"type": "integer"}}}
            schemas.write_text(json.dumps({"tools": {"t": loose}}))
            with mock.patch.dict("os.environ", {"MCP_TOOL_SCHEMAS": str(schemas)}):
                self.assertEqual(tool_arguments.validate_arguments("t", {}), {})
                schemas.write_text(json.dumps({"tools": {"t": {**loose, "required": ["n"]}}}))
                os.utime(schemas, ns=(0, os.stat(schemas).st_mtime_ns + 1_000_000))
                with self.assertRaisesRegex(tool_arguments.BadArguments, "missing argument n"):
                    tool_arguments.validate_arguments("t", {})

    def test_a_second_handler_for_a_name_is_refused_naming_both(self):
        with self.assertRaisesRegex(ValueError, r'tool "csv_profile" has two Python handlers: handlers.run_csv_profile and test_handlers.other'):
            @handlers.tool("csv_profile")
            def other(arguments, _report):
                return arguments

    def test_fixtures_are_not_registered_tools(self):
        with mock.patch.dict("os.environ", {"MCP_FIXTURES": "conformance"}):
            self.assertIsNotNone(handlers.handler_for(CallTarget("tools", "test_error_handling", None)))
            self.assertEqual(handlers.registered_tools(), ["csv_cluster", "csv_profile"])


if __name__ == "__main__":
    unittest.main()
