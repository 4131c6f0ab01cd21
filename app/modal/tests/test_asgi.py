"""The ASGI adapter Modal serves, driven by a hand-made scope/receive/send."""

import asyncio
import json
import os
import sys
import time
import unittest
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import asgi  # noqa: E402
import endpoint  # noqa: E402
from signing import sign  # noqa: E402

NONCE = "00112233445566778899aabbccddeeff"

SECRET = "asgi-secret"
PATH = "/tools/csv_profile"


def exchange(app, method, path, *, chunks=(b"",), headers=(), query=b"", raw_path=None):
    """One request through `app`, as a server drives it; returns (every message sent, chunks left unread)."""
    pending = [
        {"type": "http.request", "body": chunk, "more_body": i < len(chunks) - 1}
        for i, chunk in enumerate(chunks)
    ]
    sent = []

    async def receive():
        # As a server does: once the body is read, receive() waits until the client leaves.
        if pending:
            return pending.pop(0)
        await asyncio.Event().wait()

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "query_string": query,
        "headers": [(k.encode(), v.encode()) for k, v in headers],
    }
    if raw_path is not None:
        scope["raw_path"] = raw_path
    asyncio.run(app(scope, receive, send))
    return sent, len(pending)


def run(app, method, path, **request):
    """One request answered in one body; returns (status, headers, json body, chunks left unread)."""
    (start, body), left = exchange(app, method, path, **request)
    response_headers = {k.decode(): v.decode() for k, v in start["headers"]}
    return start["status"], response_headers, json.loads(body["body"]), left


def signed(body: bytes, target: str = PATH, secret: str = SECRET):
    ts = str(int(time.time()))
    return [("X-MCP-Timestamp", ts), ("X-MCP-Nonce", NONCE), ("X-MCP-Signature", sign(secret, "POST", target, ts, NONCE, body))]


class AsgiAdapter(unittest.TestCase):
    def setUp(self):
        self.app = asgi.make_asgi_app(lambda: SECRET)

    def test_health(self):
        status, headers, body, _ = run(self.app, "GET", "/health")
        self.assertEqual((status, body), (200, {"ok": True}))
        self.assertEqual(headers["content-type"], "application/json")

    def test_a_signed_body_split_across_messages_is_profiled(self):
        body = json.dumps({"csv": "n\n1\n2\n3\n"}).encode()
        status, _, answer, _ = run(self.app, "POST", PATH, chunks=(body[:7], body[7:]), headers=signed(body))
        self.assertEqual(status, 200)
        self.assertEqual(answer["result"]["column_profiles"][0]["max"], 3)

    def test_the_target_is_verified_as_sent_not_as_decoded(self):
        body = b'{"csv":"a\\n1\\n"}'
        raw = {"query": b"q=a%20b", "raw_path": PATH.encode()}
        status, _, answer, _ = run(
            self.app, "POST", PATH, chunks=(body,), headers=signed(body, PATH + "?q=a%20b"), **raw
        )
        self.assertEqual(status, 200, answer)
        status, _, answer, _ = run(
            self.app, "POST", PATH, chunks=(body,), headers=signed(body, PATH + "?q=a b"), **raw
        )
        self.assertEqual((status, answer["error"]), (401, "signature mismatch"))

    def test_bad_signature_is_401(self):
        body = b'{"csv":"a\\n1\\n"}'
        status, _, answer, _ = run(self.app, "POST", PATH, chunks=(body,), headers=signed(body, secret="x"))
        self.assertEqual((status, answer["error"]), (401, "signature mismatch"))

    def test_a_declared_oversized_body_is_refused_unread(self):
        headers = [("content-length", str(endpoint.MAX_BODY_BYTES + 1))]
        status, _, _, unread = run(self.app, "POST", PATH, chunks=(b"x", b"y"), headers=headers)
        self.assertEqual((status, unread), (413, 2))

    def test_an_oversized_streamed_body_stops_being_read(self):
        chunk = b" " * (1024 * 1024)
        status, _, _, unread = run(self.app, "POST", PATH, chunks=(chunk,) * 8)
        self.assertEqual(status, 413)
        self.assertEqual(unread, 2)

    def test_the_secret_is_read_per_request_from_the_environment(self):
        app = asgi.make_asgi_app()
        body = b'{"csv":"a\\n1\\n"}'
        with mock.patch.dict(os.environ, {asgi.SECRET_ENV: "rotated"}):
            status, _, _, _ = run(app, "POST", PATH, chunks=(body,), headers=signed(body, secret="rotated"))
        self.assertEqual(status, 200)
        with mock.patch.dict(os.environ, {}, clear=True):
            status, _, _, _ = run(app, "POST", PATH, chunks=(body,), headers=signed(body))
        self.assertEqual(status, 503)

    def test_lifespan_is_acknowledged(self):
        incoming = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]
        sent = []

        async def receive():
            return incoming.pop(0)

        async def send(message):
            sent.append(message["type"])

        asyncio.run(self.app({"type": "lifespan"}, receive, send))
        self.assertEqual(sent, ["lifespan.startup.complete", "lifespan.shutdown.complete"])


if __name__ == "__main__":
    unittest.main()
