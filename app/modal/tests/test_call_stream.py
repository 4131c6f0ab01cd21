"""The streamed answer of a signed call (app/src/upstream/call-stream.ts), as the compute runner writes it."""

import http.client
import json
import os
import sys
import time
import unittest
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import asgi  # noqa: E402
import endpoint  # noqa: E402
import handlers  # noqa: E402
from call_stream import CallTarget, parse_call_path  # noqa: E402
from signing import ReplayGuard, sign  # noqa: E402
from test_asgi import exchange  # noqa: E402
from test_local_server import start_runner, stop_runner  # noqa: E402

SECRET = "stream-secret"
PATH = "/tools/csv_profile"
def rows_of(count: int) -> str:
    return "n,parity\n" + "".join(f"{i},{i % 2}\n" for i in range(count))


BIG_CSV = rows_of(20_000)


def signed_headers(body: bytes, path: str = PATH, secret: str = SECRET) -> dict[str, str]:
    ts, nonce = str(int(time.time())), os.urandom(16).hex()
    return {
        "accept": "application/x-ndjson, application/json",
        "content-type": "application/json",
        "x-mcp-timestamp": ts,
        "x-mcp-nonce": nonce,
        "x-mcp-signature": sign(secret, "POST", path, ts, nonce, body),
    }


class RecordingStream:
    """An endpoint.StreamWriter that keeps what it was given, or fails after `fail_after` chunks."""

    def __init__(self, fail_after: int | None = None) -> None:
        self.head, self.chunks, self.fail_after = None, [], fail_after

    def start(self, headers):
        self.head = dict(headers)

    def write(self, chunk):
        if self.fail_after is not None and len(self.chunks) >= self.fail_after:
            raise BrokenPipeError("the caller left")
        self.chunks.append(chunk)

    def events(self):
        return [json.loads(line) for chunk in self.chunks for line in chunk.splitlines()]


def call(body: bytes, stream, path: str = PATH):
    return endpoint.handle("POST", path, signed_headers(body, path), body, secret=SECRET, replay_guard=ReplayGuard(), stream=stream)


class Paths(unittest.TestCase):
    def test_the_paths_of_the_wire_format(self):
        self.assertEqual(parse_call_path("/tools/csv_profile"), CallTarget("tools", "csv_profile"))
        self.assertEqual(parse_call_path("/prompts/p/complete"), CallTarget("prompts", "p", "complete"))
        self.assertEqual(parse_call_path("/resources/r/list"), CallTarget("resources", "r", "list"))
        for path in ("/tools/x/complete", "/prompts/p/list", "/tools/Bad", "/tools/", "/things/x", "/tools/x/"):
            self.assertIsNone(parse_call_path(path), path)


class Streamed(unittest.TestCase):
    def test_a_large_profile_streams_growing_progress_a_log_line_then_its_result(self):
        stream = RecordingStream()
        self.assertIsNone(call(json.dumps({"csv": BIG_CSV}).encode(), stream))
        self.assertEqual(stream.head["content-type"], "application/x-ndjson")
        events = stream.events()
        progress = [event["progress"] for event in events if "progress" in event]
        self.assertGreater(len(progress), 10)
        self.assertEqual(progress, sorted(set(progress)))
        self.assertEqual((progress[0], progress[-1]), (0, 100))
        self.assertIn({"log": "info", "data": "profiled 20000 rows and 2 columns", "logger": "csv_profile"}, events)
        self.assertEqual(events[-1]["result"]["rows"], 20_000)
        self.assertEqual(sum("result" in event for event in events), 1)

    def test_a_failure_is_the_terminal_event_with_its_status(self):
        stream = RecordingStream()
        call(json.dumps({"csv": "a,b\n1,2\n3,4,5\n"}).encode(), stream)
        self.assertEqual(stream.events()[-1], {"error": stream.events()[-1]["error"], "status": 422})
        self.assertIn("line 3", stream.events()[-1]["error"])

    def test_a_caller_that_leaves_mid_stream_stops_the_work(self):
        stream = RecordingStream(fail_after=2)
        with mock.patch.object(handlers, "profile_csv", wraps=handlers.profile_csv) as profile:
            call(json.dumps({"csv": rows_of(60_000)}).encode(), stream)
        self.assertEqual(len(stream.chunks), 2)
        self.assertTrue(profile.called)
        # The next checkpoint after the failed write stopped it: nothing more was even attempted.
        self.assertFalse(any("result" in event for event in stream.events()))

    def test_refusals_come_before_the_stream_as_json(self):
        stream = RecordingStream()
        status, _, body = endpoint.handle("POST", PATH, {"accept": "application/x-ndjson"}, b"{}", secret=SECRET, stream=stream)
        self.assertEqual(status, 401)
        self.assertIsNone(stream.head)
        status, _, body = call(b'{"csv": 5}', stream)
        self.assertEqual((status, stream.head), (400, None))
        self.assertIn("argument csv: 5 is not of type 'string'", json.loads(body)["error"])

    def test_without_accept_the_answer_is_one_json_object_as_before(self):
        body = json.dumps({"csv": "a\n1\n"}).encode()
        headers = {k: v for k, v in signed_headers(body).items() if k != "accept"}
        status, _, raw = endpoint.handle("POST", PATH, headers, body, secret=SECRET, replay_guard=ReplayGuard(), stream=RecordingStream())
        self.assertEqual((status, json.loads(raw)["result"]["rows"]), (200, 1))


class Fixtures(unittest.TestCase):
    def test_the_conformance_fixtures_are_served_only_when_asked_for(self):
        body = b"{}"
        with mock.patch.dict(os.environ, {"MCP_FIXTURES": ""}):
            status, _, raw = call(body, RecordingStream(), "/tools/test_tool_with_progress")
            self.assertEqual(status, 404)
        with mock.patch.dict(os.environ, {"MCP_FIXTURES": "conformance"}):
            stream = RecordingStream()
            self.assertIsNone(call(body, stream, "/tools/test_tool_with_progress"))
        self.assertEqual([event.get("progress") for event in stream.events()][:3], [0, 50, 100])


class OverHttp(unittest.TestCase):
    def test_the_local_runner_sends_each_event_as_it_is_made(self):
        process, port, stderr = start_runner(env_secret=SECRET)
        try:
            body = json.dumps({"csv": rows_of(100_000)}).encode()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            connection.request("POST", PATH, body, signed_headers(body))
            response = connection.getresponse()
            self.assertEqual((response.status, response.getheader("content-type")), (200, "application/x-ndjson"))
            first = json.loads(response.readline())
            self.assertEqual(first["progress"], 0)
            lines = [json.loads(line) for line in response.read().splitlines()]
            self.assertEqual(lines[-1]["result"]["rows"], 100_000)
            connection.close()
        finally:
            stop_runner(process)
            stderr.close()


class OverAsgi(unittest.TestCase):
    def test_the_asgi_app_streams_body_parts_and_ends_the_body(self):
        body = json.dumps({"csv": BIG_CSV}).encode()
        sent, _ = exchange(asgi.make_asgi_app(lambda: SECRET), "POST", PATH, chunks=(body,), headers=list(signed_headers(body).items()))
        self.assertEqual(sent[0]["status"], 200)
        parts = sent[1:]
        self.assertGreater(len(parts), 10)
        self.assertTrue(all(part["more_body"] for part in parts[:-1]))
        self.assertEqual(parts[-1], {"type": "http.response.body", "body": b"", "more_body": False})
        self.assertIn("result", json.loads(parts[-2]["body"]))


if __name__ == "__main__":
    unittest.main()
