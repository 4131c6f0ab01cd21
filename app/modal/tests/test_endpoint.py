"""The HTTP contract of the compute runner, without a server."""

import contextlib
import io
import json
import sys
import unittest
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import endpoint  # noqa: E402
import handlers  # noqa: E402
from signing import ReplayGuard, sign  # noqa: E402

NONCE = "00112233445566778899aabbccddeeff"

SECRET = "endpoint-secret"
NOW = 1_700_000_000
PATH = "/tools/csv_profile"


class Client:
    """Calls endpoint.handle the way the edge Worker will: signed JSON POSTs."""

    def __init__(self) -> None:
        self.guard = ReplayGuard()

    def call(self, method, path, body=b"", headers=None, *, secret=SECRET):
        status, response_headers, raw = endpoint.handle(
            method, path, headers or {}, body, secret=secret, now=NOW, replay_guard=self.guard
        )
        self.last_headers = response_headers
        return status, json.loads(raw)

    def profile(self, arguments, *, path=PATH, signed_path=None):
        body = arguments if isinstance(arguments, bytes) else json.dumps(arguments).encode()
        headers = {
            "x-mcp-timestamp": str(NOW),
            "x-mcp-nonce": NONCE, "x-mcp-signature": sign(SECRET, "POST", signed_path or path, NOW, NONCE, body),
        }
        return self.call("POST", path, body, headers)


class Routes(unittest.TestCase):
    def setUp(self):
        self.client = Client()

    def test_health_is_unsigned(self):
        self.assertEqual(self.client.call("GET", "/health"), (200, {"ok": True}))
        self.assertEqual(self.client.last_headers["content-type"], "application/json")

    def test_wrong_method_is_405_with_allow(self):
        status, body = self.client.call("POST", "/health")
        self.assertEqual(status, 405)
        self.assertEqual(self.client.last_headers["allow"], "GET")
        self.assertIn("error", body)
        self.assertEqual(self.client.call("GET", PATH)[0], 405)
        self.assertEqual(self.client.last_headers["allow"], "POST")

    def test_unknown_path_is_404_json(self):
        status, body = self.client.call("GET", "/nope")
        self.assertEqual(status, 404)
        self.assertIn("/nope", body["error"])


class ProfileCalls(unittest.TestCase):
    def setUp(self):
        self.client = Client()

    def test_a_signed_call_returns_the_profile(self):
        status, body = self.client.profile({"csv": "a;b\n1;x\n2;y\n", "max_rows": 10})
        self.assertEqual(status, 200)
        self.assertEqual((body["result"]["rows"], body["result"]["delimiter"]), (2, ";"))

    def test_optional_arguments_may_be_left_out_but_not_null_as_the_zod_definition_says(self):
        self.assertEqual(self.client.profile({"csv": "a\n1\n"})[0], 200)
        status, body = self.client.profile({"csv": "a\n1\n", "delimiter": None})
        self.assertEqual((status, body["error"]), (400, "argument delimiter: None is not of type 'string'"))

    def test_the_query_string_is_part_of_what_is_signed(self):
        self.assertEqual(self.client.profile({"csv": "a\n1\n"}, path=PATH + "?trace=1")[0], 200)
        status, body = self.client.profile({"csv": "a\n2\n"}, path=PATH + "?trace=1", signed_path=PATH)
        self.assertEqual((status, body["error"]), (401, "signature mismatch"))

    def test_unsigned_calls_are_401(self):
        status, body = self.client.call("POST", PATH, b'{"csv":"a\\n1\\n"}')
        self.assertEqual(status, 401)
        self.assertIn("missing", body["error"])

    def test_a_replayed_call_is_401(self):
        body = b'{"csv":"a\\n1\\n"}'
        headers = {"x-mcp-timestamp": str(NOW), "x-mcp-nonce": NONCE, "x-mcp-signature": sign(SECRET, "POST", PATH, NOW, NONCE, body)}
        self.assertEqual(self.client.call("POST", PATH, body, headers)[0], 200)
        status, answer = self.client.call("POST", PATH, body, headers)
        self.assertEqual(status, 401)
        self.assertIn("replayed", answer["error"])

    def test_bad_arguments_are_400(self):
        cases = {
            b"{not json": "JSON object",
            b"[1]": "got an array",
            b"\xff": "JSON object",
            # checked against the input schema csv.ts publishes (tool_schemas.json), as clients see it
            b"{}": "missing argument csv",
            b'{"csv": 5}': "argument csv: 5 is not of type 'string'",
            b'{"csv": "a", "max_rows": "10"}': "argument max_rows: '10' is not of type 'integer'",
            b'{"csv": "a", "max_rows": true}': "argument max_rows: True is not of type 'integer'",
            b'{"csv": "a", "max_rows": 2.5}': "argument max_rows: 2.5 is not of type 'integer'",
            b'{"csv": "a", "max_rows": 0}': "argument max_rows: 0 is less than the minimum of 1",
            b'{"csv": "a", "delimiter": ";;"}': "argument delimiter: ';;' is too long",
            b'{"csv": "a", "max_rows": null}': "argument max_rows: None is not of type 'integer'",
            b'{"csv": "a", "sheet": 1}': "unknown argument(s) sheet",
        }
        for raw, message in cases.items():
            status, body = self.client.profile(raw)
            self.assertEqual(status, 400, raw)
            self.assertIn(message, body["error"], raw)

    def test_json_nested_deeper_than_the_limit_is_400(self):
        status, body = self.client.profile(b'{"csv": "a", "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}")
        self.assertEqual(status, 400)
        self.assertIn("nested at most 64 levels", body["error"])
        status, _ = self.client.profile(b'{"csv": "a\\n1\\n", "x": "' + b"[" * 100 + b'"}')
        self.assertEqual(status, 400)  # brackets inside a string do not count; the unknown argument does
        self.assertIn("unknown argument(s) x", self.client.profile(b'{"csv": "a", "x": "[[[["}')[1]["error"])

    def test_a_caller_that_left_stops_the_profile_with_504(self):
        body = json.dumps({"csv": "a\n1\n"}).encode()
        headers = {
            "x-mcp-timestamp": str(NOW),
            "x-mcp-nonce": NONCE, "x-mcp-signature": sign(SECRET, "POST", PATH, NOW, NONCE, body),
        }
        status, _, raw = endpoint.handle(
            "POST", PATH, headers, body, secret=SECRET, now=NOW, replay_guard=ReplayGuard(), caller_gone=lambda: True
        )
        self.assertEqual(status, 504)
        self.assertIn("the caller left", json.loads(raw)["error"])

    def test_content_length_must_be_ascii_digits_and_agree(self):
        self.assertEqual(endpoint.parse_content_length(["12"]), 12)
        self.assertEqual(endpoint.parse_content_length(["12", " 12"]), 12)
        self.assertEqual(endpoint.parse_content_length(["12", "13"]), "conflicting Content-Length headers")
        for bad in ["\u00b2", "\u0661\u0662", "-1", "1e3", "0x10", ""]:
            self.assertIn("decimal number", endpoint.parse_content_length([bad]), bad)

    def test_unprofilable_csv_is_422_naming_the_line(self):
        status, body = self.client.profile({"csv": "a,b\n1,2\n3,4,5\n"})
        self.assertEqual(status, 422)
        self.assertIn("line 3", body["error"])

    def test_oversized_bodies_are_413_before_anything_else(self):
        status, body = self.client.call("POST", PATH, b" " * (endpoint.MAX_BODY_BYTES + 1))
        self.assertEqual(status, 413)
        self.assertIn("larger than", body["error"])

    def test_no_configured_secret_is_503(self):
        status, _ = self.client.call("POST", PATH, b"{}", secret="")
        self.assertEqual(status, 503)

    def test_unexpected_failures_are_a_generic_500_and_keep_the_secret_out_of_logs(self):
        stderr = io.StringIO()
        with mock.patch.object(handlers, "profile_csv", side_effect=RuntimeError("boom")), \
                contextlib.redirect_stderr(stderr):
            status, body = self.client.profile({"csv": "a\n1\n"})
        self.assertEqual((status, body), (500, {"error": "internal error in the compute runner"}))
        self.assertIn("RuntimeError: boom", stderr.getvalue())
        self.assertNotIn(SECRET, stderr.getvalue())


if __name__ == "__main__":
    unittest.main()
