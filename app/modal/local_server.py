"""Serve the compute runner on the stdlib, for laptops and tests.

    MCP_UPSTREAM_SECRET=... python3 local_server.py --host 127.0.0.1 --port 8790

Prints `compute runner listening on http://HOST:PORT` once it accepts
connections, so a parent process can wait for that line (`--port 0` picks a
free port and prints the real one).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import endpoint
import signing

SECRET_ENV = "MCP_UPSTREAM_SECRET"
READ_TIMEOUT_SECONDS = 15.0
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


class RunnerHandler(BaseHTTPRequestHandler):
    """Turns one HTTP request into one endpoint.handle call."""

    protocol_version = "HTTP/1.1"
    server: "RunnerServer"

    def setup(self) -> None:
        self.timeout = self.server.read_timeout  # socket timeout while reading headers
        super().setup()

    def do_GET(self) -> None:
        self._dispatch()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_GET

    def do_HEAD(self) -> None:
        self._dispatch(send_body=False)

    def _dispatch(self, send_body: bool = True) -> None:
        started = time.monotonic()
        status, headers, body = self._respond_to_request()
        self._write(status, headers, body if send_body else b"")
        if not self.server.quiet:
            elapsed_ms = (time.monotonic() - started) * 1000
            sys.stderr.write(f"{self.command} {self.path.split('?')[0]} {status} {elapsed_ms:.0f}ms\n")

    def _write(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Errors raised by http.server itself (bad request line, unknown method) are JSON too."""
        self.close_connection = True
        _, headers, body = endpoint.error_response(code, message or self.responses.get(code, ("error",))[0])
        send_body = getattr(self, "command", "") != "HEAD" and code >= 200 and code not in (204, 304)
        self._write(code, headers, body if send_body else b"")

    def _respond_to_request(self) -> endpoint.Response:
        body = b""
        if self.command in BODY_METHODS:
            if "chunked" in self.headers.get("transfer-encoding", "").lower():
                self.close_connection = True
                return endpoint.error_response(411, "chunked bodies are not accepted; send Content-Length")
            declared = self.headers.get("content-length")
            if declared is None or not declared.strip().isdigit():
                self.close_connection = True
                return endpoint.error_response(411, "Content-Length header is required")
            length = int(declared)
            if length > endpoint.MAX_BODY_BYTES:
                self.close_connection = True  # the unread body must not be parsed as a request
                return endpoint.too_large_response()
            try:
                body = self._read_body(length, time.monotonic() + self.server.read_timeout)
            except TimeoutError:
                self.close_connection = True
                limit = self.server.read_timeout
                return endpoint.error_response(408, f"request body not received within {limit:g} s")
            if len(body) < length:
                self.close_connection = True
                return endpoint.error_response(400, "request body ended before Content-Length bytes")
        return endpoint.handle(
            self.command,
            self.path,
            {name.lower(): value for name, value in self.headers.items()},
            body,
            secret=self.server.secret,
            replay_guard=self.server.replay_guard,
        )

    def _read_body(self, length: int, deadline: float) -> bytes:
        """Read `length` bytes before `deadline`: a trickling client cannot hold the thread."""
        chunks: list[bytes] = []
        remaining = length
        while remaining > 0:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            self.connection.settimeout(left)
            chunk = self.rfile.read1(min(remaining, 64 * 1024))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
        self.connection.settimeout(self.timeout)
        return b"".join(chunks)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # one compact line per request is written by _dispatch


class RunnerServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], secret: str, *, quiet: bool, read_timeout: float) -> None:
        super().__init__(address, RunnerHandler)
        self.secret = secret
        self.quiet = quiet
        self.read_timeout = read_timeout
        self.replay_guard = signing.ReplayGuard()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Local runner for the Modal-placed MCP tools.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8790, help="0 picks a free port")
    parser.add_argument("--quiet", action="store_true", help="no per-request line on stderr")
    parser.add_argument(
        "--read-timeout", type=float, default=READ_TIMEOUT_SECONDS, help="seconds to receive a request"
    )
    options = parser.parse_args(argv)

    secret = os.environ.get(SECRET_ENV, "")
    if not secret:
        print(
            f"{SECRET_ENV} is not set: set it to the secret the edge Worker signs requests with",
            file=sys.stderr,
        )
        return 2

    server = RunnerServer(
        (options.host, options.port), secret, quiet=options.quiet, read_timeout=options.read_timeout
    )

    def stop(signum: int, _frame: Any) -> None:
        # shutdown() waits for serve_forever to return, so it cannot run on this thread.
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    host, port = server.server_address[:2]
    print(f"compute runner listening on http://{host}:{port}", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
    print("compute runner stopped", file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
