"""The compute runner's telemetry: the same names as the TypeScript side, spans parented by the edge's call, bounded export."""

import contextlib
import io
import json
import re
import sys
import threading
import time
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import endpoint  # noqa: E402
import telemetry  # noqa: E402
import trace_context  # noqa: E402
from signing import ReplayGuard, sign  # noqa: E402

CONVENTIONS = (Path(__file__).resolve().parents[2] / "src" / "telemetry" / "conventions.ts").read_text()
SECRET = "telemetry-secret"
PATH = "/tools/csv_profile"
PARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


class Collector:
    """A local OTLP/HTTP receiver: keeps every JSON body posted to it."""

    def __init__(self, answer=True):
        bodies = self.bodies = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["content-length"]))
                if not answer:
                    time.sleep(30)
                bodies.append((self.path, json.loads(body)))
                self.send_response(200)
                self.send_header("content-length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def spans(self):
        return [span for path, body in self.bodies if path == "/v1/traces" for rs in body["resourceSpans"] for ss in rs["scopeSpans"] for span in ss["spans"]]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def signed_call(body: bytes, headers=None, *, secret=SECRET):
    now = int(time.time())
    nonce = trace_context.new_id(16)
    signed = {"x-mcp-timestamp": str(now), "x-mcp-nonce": nonce, "x-mcp-signature": sign(secret, "POST", PATH, now, nonce, body)}
    return endpoint.handle("POST", PATH, {**signed, **(headers or {})}, body, secret=SECRET, replay_guard=ReplayGuard())


class Telemetry(unittest.TestCase):
    def use(self, collector_url):
        self.addCleanup(setattr, telemetry, "_telemetry", None)
        telemetry._telemetry = telemetry.Telemetry({"OTEL_EXPORTER_OTLP_ENDPOINT": collector_url, "MCP_RELEASE": "r-0123456789ab"})
        self.addCleanup(telemetry._telemetry.exporter.stop)
        return telemetry._telemetry

    def test_the_names_are_the_ones_the_typescript_side_spells(self):
        for name in (telemetry.METHOD_NAME, telemetry.TOOL_NAME, telemetry.OPERATION_NAME, telemetry.ERROR_TYPE, telemetry.RELEASE,
                     telemetry.COLOR, telemetry.API_VERSION, telemetry.SYNTHETIC, telemetry.EXECUTE_TOOL, telemetry.TOOL_ERROR, telemetry.DURATION_METRIC):
            self.assertIn(f'"{name}"', CONVENTIONS)
        buckets = re.search(r"buckets: \[([^\]]*)\]", CONVENTIONS).group(1)
        self.assertEqual(tuple(float(b) for b in buckets.split(",")), tuple(float(b) for b in telemetry.DURATION_BUCKETS))

    def test_a_signed_call_is_a_server_span_under_the_edges_call_with_the_edges_color(self):
        collector = Collector()
        self.addCleanup(collector.close)
        observed = self.use(collector.url)
        status, _, _ = signed_call(b'{"csv": "x\\n1\\n"}', {"traceparent": PARENT, "baggage": "mcp_hosting.color=green,mcp_hosting.api_version=v2"})
        self.assertEqual(status, 200)
        status, _, _ = signed_call(b'{"csv": "a,b\\n1,2,3\\n"}', {"traceparent": PARENT})
        self.assertEqual(status, 422)
        observed.exporter.flush()
        ok, failed = collector.spans()
        self.assertEqual((ok["name"], ok["kind"], ok["traceId"], ok["parentSpanId"]), ("tools/call csv_profile", 2, "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"))
        attributes = {a["key"]: a["value"]["stringValue"] for a in ok["attributes"]}
        self.assertEqual(attributes["mcp_hosting.color"], "green")
        self.assertEqual(attributes["mcp_hosting.api_version"], "v2")
        self.assertEqual(attributes["mcp_hosting.release"], "r-0123456789ab")
        self.assertEqual(attributes["gen_ai.operation.name"], "execute_tool")
        self.assertEqual({a["key"]: a["value"]["stringValue"] for a in failed["attributes"]}["error.type"], "tool_error")
        self.assertEqual(failed["status"]["code"], 2)
        points = {tuple(sorted((a["key"], a["value"]["stringValue"]) for a in p["attributes"])): p for p in
                  next(body for path, body in collector.bodies if path == "/v1/metrics")["resourceMetrics"][0]["scopeMetrics"][0]["metrics"][0]["histogram"]["dataPoints"]}
        self.assertEqual(sorted(p["count"] for p in points.values()), ["1", "1"])

    def test_a_request_refused_before_it_ran_is_not_a_call(self):
        collector = Collector()
        self.addCleanup(collector.close)
        observed = self.use(collector.url)
        status, _, _ = signed_call(b'{"csv": "x\\n1\\n"}', {"traceparent": PARENT}, secret="forged-secret")
        self.assertEqual(status, 401)
        observed.exporter.flush()
        self.assertEqual(collector.spans(), [])
        self.assertEqual(observed.histogram.snapshot(), [], "a forged call never labels the canary's numbers")

    def test_a_malformed_traceparent_is_ignored_and_logged_once(self):
        self.addCleanup(trace_context._logged.clear)
        trace_context._logged.clear()
        stderr = io.StringIO()
        with contextlib.redirect_stderr(stderr):
            for _ in range(3):
                self.assertEqual(signed_call(b'{"csv": "x\\n1\\n"}', {"traceparent": "00-garbage"})[0], 200)
        self.assertEqual(stderr.getvalue().count("ignored a malformed W3C trace context"), 1)

    def test_a_collector_that_never_answers_never_holds_a_call(self):
        collector = Collector(answer=False)
        self.addCleanup(collector.close)
        self.use(collector.url)
        done = threading.Event()
        threading.Thread(target=lambda: (signed_call(b'{"csv": "x\\n1\\n"}'), done.set()), daemon=True).start()
        # The call answers while the export thread is still to send (or stuck sending) its span.
        self.assertTrue(done.wait(10))


if __name__ == "__main__":
    unittest.main()
