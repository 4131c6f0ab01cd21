"""local_server.py as a parent process sees it: a subprocess spoken to over real HTTP."""

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from signing import sign  # noqa: E402

NONCE = "00112233445566778899aabbccddeeff"

SERVER = Path(__file__).resolve().parents[1] / "local_server.py"
SECRET = "local-secret"
PATH = "/tools/csv_profile"
READY = re.compile(r"compute runner listening on http://127\.0\.0\.1:(\d+)\n")


def start_runner(*extra_args: str, env_secret: str | None = SECRET):
    """Start the runner on a free port; returns (process, port, stderr file)."""
    env = {k: v for k, v in os.environ.items() if k != "MCP_UPSTREAM_SECRET"}
    if env_secret is not None:
        env["MCP_UPSTREAM_SECRET"] = env_secret
    stderr = tempfile.TemporaryFile(mode="w+")
    process = subprocess.Popen(
        [sys.executable, str(SERVER), "--host", "127.0.0.1", "--port", "0", *extra_args],
        stdout=subprocess.PIPE, stderr=stderr, env=env, text=True,
    )
    watchdog = threading.Timer(10, process.kill)  # never let a broken start hang the suite
    watchdog.start()
    line = process.stdout.readline()
    watchdog.cancel()
    match = READY.fullmatch(line)
    return process, int(match.group(1)) if match else None, stderr


def stop_runner(process) -> int:
    process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=10)
    finally:
        process.stdout.close()


class LocalRunner(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.process, cls.port, cls.stderr = start_runner("--read-timeout", "0.5", "--header-timeout", "0.5")
        if cls.port is None:
            cls.process.kill()
            raise RuntimeError("the runner did not print its ready line")

    @classmethod
    def tearDownClass(cls):
        cls.exit_code = stop_runner(cls.process)
        cls.stderr.close()

    def request(self, method, path, body=None, headers=None):
        req = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}", data=body, method=method, headers=headers or {}
        )
        try:
            with urllib.request.urlopen(req, timeout=10) as response:
                return response.status, response.headers, json.loads(response.read())
        except urllib.error.HTTPError as error:
            with error:
                return error.code, error.headers, json.loads(error.read())

    def signed_call(self, arguments: dict, *, ts: int | None = None, secret: str = SECRET):
        body = json.dumps(arguments).encode()
        ts = int(time.time()) if ts is None else ts
        headers = {
            "content-type": "application/json",
            "x-mcp-timestamp": str(ts),
            "x-mcp-nonce": NONCE, "x-mcp-signature": sign(secret, "POST", PATH, ts, NONCE, body),
        }
        return body, headers, self.request("POST", PATH, body, headers)

    def raw_exchange(self, lines: list[str], body: bytes = b""):
        """Send exactly these bytes (urllib would add Content-Length) and read one response."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        connection.connect()
        connection.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        response = http.client.HTTPResponse(connection.sock, method=lines[0].split()[0])
        response.begin()
        answer = response.status, json.loads(response.read())
        connection.close()
        return answer

    def test_ready_line_names_the_real_port(self):
        self.assertGreater(self.port, 0)

    def test_health(self):
        status, headers, body = self.request("GET", "/health")
        self.assertEqual((status, body), (200, {"ok": True}))
        self.assertEqual(headers["content-type"], "application/json")

    def test_a_valid_signed_call_is_profiled(self):
        _, _, (status, _, body) = self.signed_call({"csv": "city,temp\nOslo,3.5\nRome,18\nLima,NA\n"})
        self.assertEqual(status, 200)
        temp = body["result"]["column_profiles"][1]
        self.assertEqual((temp["type"], temp["nulls"], temp["max"]), ("number", 1, 18.0))

    def test_a_bad_signature_is_401(self):
        _, _, (status, _, body) = self.signed_call({"csv": "a\n1\n"}, secret="wrong")
        self.assertEqual((status, body), (401, {"error": "signature mismatch"}))

    def test_a_stale_timestamp_is_401(self):
        _, _, (status, _, body) = self.signed_call({"csv": "a\n1\n"}, ts=int(time.time()) - 120)
        self.assertEqual(status, 401)
        self.assertIn("stale or future timestamp", body["error"])

    def test_an_exact_replay_is_401(self):
        body, headers, (first, _, _) = self.signed_call({"csv": "a\n1\n2\n"})
        self.assertEqual(first, 200)
        status, _, answer = self.request("POST", PATH, body, headers)
        self.assertEqual(status, 401)
        self.assertIn("replayed", answer["error"])

    def test_a_post_without_content_length_is_411(self):
        status, body = self.raw_exchange([f"POST {PATH} HTTP/1.1", "Host: x"])
        self.assertEqual(status, 411)
        self.assertIn("Content-Length", body["error"])

    def test_a_declared_oversized_body_is_413_without_sending_it(self):
        lines = [f"POST {PATH} HTTP/1.1", "Host: x", f"Content-Length: {6 * 1024 * 1024}"]
        status, _ = self.raw_exchange(lines)
        self.assertEqual(status, 413)

    def test_a_client_that_stops_sending_gets_408(self):
        lines = [f"POST {PATH} HTTP/1.1", "Host: x", "Content-Length: 100"]
        status, body = self.raw_exchange(lines, body=b'{"csv":')  # then silence
        self.assertEqual(status, 408)
        self.assertIn("not received within 0.5 s", body["error"])

    def test_headers_sent_one_line_at_a_time_get_408_at_the_header_deadline(self):
        started = time.monotonic()
        with socket.create_connection(("127.0.0.1", self.port), timeout=10) as connection:
            connection.sendall(f"POST {PATH} HTTP/1.1\r\n".encode())
            answer = b""
            for i in range(20):  # one header line every 0.2 s: each read is quick, their sum is not
                try:
                    connection.sendall(f"x-slow-{i}: 1\r\n".encode())
                except OSError:
                    break
                time.sleep(0.2)
                connection.setblocking(False)
                try:
                    answer += connection.recv(4096)
                except BlockingIOError:
                    pass
                connection.setblocking(True)
                if answer:
                    break
        self.assertTrue(answer.startswith(b"HTTP/1.1 408 "), answer)
        self.assertIn(b"request headers not received within 0.5 s", answer)
        self.assertLess(time.monotonic() - started, 2)

    def test_a_content_length_that_is_not_ascii_digits_is_400_without_a_traceback(self):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        connection.connect()
        connection.sock.sendall(f"POST {PATH} HTTP/1.1\r\nHost: x\r\nContent-Length: ".encode() + "²".encode("latin-1") + b"\r\n\r\n")
        response = http.client.HTTPResponse(connection.sock, method="POST")
        response.begin()
        self.assertEqual((response.status, json.loads(response.read())["error"]), (400, "Content-Length must be a decimal number of bytes"))
        connection.close()
        self.assertEqual(self.status_after_health(), 200)
        self.stderr.seek(0)
        self.assertNotIn("Traceback", self.stderr.read())

    def test_two_content_lengths_that_disagree_are_400(self):
        status, body = self.raw_exchange([f"POST {PATH} HTTP/1.1", "Host: x", "Content-Length: 5", "Content-Length: 6"], b"{}")
        self.assertEqual((status, body["error"]), (400, "conflicting Content-Length headers"))

    def test_a_caller_that_hangs_up_stops_the_profile(self):
        csv_text = "n\n" + "".join(f"{i}\n" for i in range(150_000))
        body = json.dumps({"csv": csv_text}).encode()
        ts = int(time.time())
        nonce = "ffeeddccbbaa99887766554433221100"
        signature = sign(SECRET, "POST", PATH, ts, nonce, body)
        head = (
            f"POST {PATH} HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\ncontent-length: {len(body)}\r\n"
            f"x-mcp-timestamp: {ts}\r\nx-mcp-nonce: {nonce}\r\nx-mcp-signature: {signature}\r\n\r\n"
        )
        with socket.create_connection(("127.0.0.1", self.port), timeout=10) as connection:
            connection.sendall(head.encode() + body)
        # The runner notices the closed connection at its next check and stops: its log line says 504.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            self.stderr.seek(0)
            if f"POST {PATH} 504" in self.stderr.read():
                break
            time.sleep(0.05)
        self.stderr.seek(0)
        self.assertIn(f"POST {PATH} 504", self.stderr.read())

    def status_after_health(self) -> int:
        return self.request("GET", "/health")[0]

    def test_an_unsupported_method_is_answered_in_json(self):
        status, body = self.raw_exchange([f"BREW {PATH} HTTP/1.1", "Host: x"])
        self.assertEqual(status, 501)
        self.assertIn("error", body)

    def test_unknown_path_is_404(self):
        self.assertEqual(self.request("GET", "/nope")[0], 404)
        self.assertEqual(self.request("GET", "/tools/nope")[0], 405)  # a call's path: only POST is served there


class Lifecycle(unittest.TestCase):
    def test_refuses_to_start_without_a_secret(self):
        process, port, stderr = start_runner(env_secret=None)
        with stderr:
            self.assertEqual(process.wait(timeout=10), 2)
            process.stdout.close()
            stderr.seek(0)
            self.assertIn("MCP_UPSTREAM_SECRET is not set", stderr.read())
        self.assertIsNone(port)

    def test_a_replay_is_refused_after_a_restart_on_the_same_replay_db(self):
        with tempfile.TemporaryDirectory(prefix="mcp-runner-") as directory:
            db = os.path.join(directory, "replays.sqlite")
            body = json.dumps({"csv": "a\n1\n"}).encode()
            ts = int(time.time())
            headers = {"x-mcp-timestamp": str(ts), "x-mcp-nonce": NONCE, "x-mcp-signature": sign(SECRET, "POST", PATH, ts, NONCE, body)}
            statuses = []
            for _ in range(2):
                process, port, stderr = start_runner("--quiet", "--replay-db", db)
                with stderr:
                    request = urllib.request.Request(f"http://127.0.0.1:{port}{PATH}", data=body, method="POST", headers=headers)
                    try:
                        with urllib.request.urlopen(request, timeout=10) as response:
                            statuses.append(response.status)
                    except urllib.error.HTTPError as error:
                        with error:
                            statuses.append((error.code, json.loads(error.read())["error"]))
                    process.kill()  # a crash: nothing is flushed on the way out
                    process.wait(timeout=10)
                    process.stdout.close()
            self.assertEqual(statuses, [200, (401, "replayed request: this signature was already used")])

    def test_with_a_lifeline_it_stops_when_its_parent_is_gone(self):
        env = {**os.environ, "MCP_UPSTREAM_SECRET": SECRET}
        process = subprocess.Popen(
            [sys.executable, str(SERVER), "--port", "0", "--quiet", "--lifeline"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True,
        )
        self.assertRegex(process.stdout.readline(), READY)
        process.stdin.close()  # what the kernel does when the parent dies, whatever the signal
        self.assertEqual(process.wait(timeout=10), 0)
        self.assertIn("parent gone", process.stderr.read())
        process.stdout.close()
        process.stderr.close()

    def test_sigterm_stops_it_cleanly(self):
        process, port, stderr = start_runner()
        with stderr:
            self.assertIsNotNone(port)
            self.assertEqual(stop_runner(process), 0)
            stderr.seek(0)
            self.assertIn("compute runner stopped", stderr.read())


if __name__ == "__main__":
    unittest.main()
