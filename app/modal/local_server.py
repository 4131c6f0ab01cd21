"""Serve the compute runner on the stdlib, for laptops and tests.

    MCP_UPSTREAM_SECRET=... python3 local_server.py --host 127.0.0.1 --port 8790

Prints `compute runner listening on http://HOST:PORT` once it accepts
connections, so a parent process can wait for that line (`--port 0` picks a
free port and prints the real one). With `--lifeline` it stops when its
standard input reaches end of file: the parent that holds the other end of
the pipe died, whatever the signal (even SIGKILL), and the kernel closed it.
"""

from __future__ import annotations

import argparse
import os
import select
import signal
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import endpoint
import signing
from chunked_stream import ChunkedStream
from deadline_reader import DeadlineReader

SECRET_ENV = "MCP_UPSTREAM_SECRET"
READ_TIMEOUT_SECONDS = 15.0
HEADER_TIMEOUT_SECONDS = 10.0
"""Like the Node server's MCP_HEADERS_TIMEOUT_MS: one header line a second must not hold a thread."""
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


class RunnerHandler(BaseHTTPRequestHandler):
    """Turns one HTTP request into one endpoint.handle call."""

    protocol_version = "HTTP/1.1"
    server: "RunnerServer"
    # TCP_NODELAY on each connection: the headers and the body leave in separate writes, and with
    # Nagle's algorithm the body waited for the client's delayed ACK (about 40 ms a call, measured by
    # npm run bench's placement table). Streamed progress lines must leave at once too.
    disable_nagle_algorithm = True

    def setup(self) -> None:
        self.timeout = self.server.read_timeout  # how long an idle keep-alive connection is kept
        super().setup()
        self.rfile = DeadlineReader(self.rfile, self.connection)

    def handle_one_request(self) -> None:
        """One request: from its first byte, the request line and headers must arrive within the header timeout."""
        try:
            self.connection.settimeout(self.server.read_timeout)
            if not self.rfile.peek(1):
                self.close_connection = True  # the client closed an idle connection
                return
        except OSError:  # TimeoutError included: an idle connection is closed without an answer
            self.close_connection = True
            return
        self.rfile.deadline = time.monotonic() + self.server.header_timeout
        self.rfile.expired = False
        self.request_version = self.protocol_version  # what a 408 goes out as if the request line never came
        super().handle_one_request()  # a read past the deadline ends it with close_connection set
        if self.rfile.expired:
            limit = self.server.header_timeout
            self._write(*endpoint.error_response(408, f"request headers not received within {limit:g} s"))

    def parse_request(self) -> bool:
        parsed = super().parse_request()
        self.rfile.deadline = None  # the headers are in; the body has a deadline of its own
        self.connection.settimeout(self.timeout)
        return parsed

    def do_GET(self) -> None:
        self._dispatch()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_GET

    def do_HEAD(self) -> None:
        self._dispatch(send_body=False)

    def _dispatch(self, send_body: bool = True) -> None:
        started = time.monotonic()
        stream = ChunkedStream(self)
        answer = self._respond_to_request(stream)
        if answer is None:
            status = 200
            stream.end()
        else:
            status, headers, body = answer
            self._write(status, headers, body if send_body else b"")
        if not self.server.quiet:
            elapsed_ms = (time.monotonic() - started) * 1000
            left = ", caller left" if stream.broken else ""
            sys.stderr.write(f"{self.command} {self.path.split('?')[0]} {status} {elapsed_ms:.0f}ms{left}\n")

    def _write(self, status: int, headers: dict[str, str], body: bytes) -> None:
        try:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            if self.close_connection:
                self.send_header("connection", "close")
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client left before its answer; nobody to tell

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Errors raised by http.server itself (bad request line, unknown method) are JSON too."""
        self.close_connection = True
        _, headers, body = endpoint.error_response(code, message or self.responses.get(code, ("error",))[0])
        send_body = getattr(self, "command", "") != "HEAD" and code >= 200 and code not in (204, 304)
        self._write(code, headers, body if send_body else b"")

    def _respond_to_request(self, stream: ChunkedStream) -> endpoint.Response | None:
        body = b""
        if self.command in BODY_METHODS:
            if "chunked" in self.headers.get("transfer-encoding", "").lower():
                self.close_connection = True
                return endpoint.error_response(411, "chunked bodies are not accepted; send Content-Length")
            declared = self.headers.get_all("content-length")
            if not declared:
                self.close_connection = True
                return endpoint.error_response(411, "Content-Length header is required")
            length = endpoint.parse_content_length(declared)
            if isinstance(length, str):
                self.close_connection = True  # where the body ends is unknown
                return endpoint.error_response(400, length)
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
            caller_gone=self._caller_gone,
            stream=stream,
        )

    def _caller_gone(self) -> bool:
        """Whether the client closed the connection: readable, yet nothing to read."""
        try:
            readable, _, _ = select.select([self.connection], [], [], 0)
            return bool(readable) and self.connection.recv(1, socket.MSG_PEEK) == b""
        except (OSError, ValueError):
            return True

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

    def __init__(
        self,
        address: tuple[str, int],
        secret: str,
        *,
        quiet: bool,
        read_timeout: float,
        header_timeout: float = HEADER_TIMEOUT_SECONDS,
        replay_guard: signing.AnyReplayGuard | None = None,
    ) -> None:
        super().__init__(address, RunnerHandler)
        self.secret = secret
        self.quiet = quiet
        self.read_timeout = read_timeout
        self.header_timeout = header_timeout
        self.replay_guard = replay_guard or signing.ReplayGuard()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Local runner for the Modal-placed MCP tools.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8790, help="0 picks a free port")
    parser.add_argument("--quiet", action="store_true", help="no per-request line, nor the stop line, on stderr")
    parser.add_argument(
        "--read-timeout", type=float, default=READ_TIMEOUT_SECONDS, help="seconds to receive a request body"
    )
    parser.add_argument(
        "--header-timeout", type=float, default=HEADER_TIMEOUT_SECONDS, help="seconds to receive the headers"
    )
    parser.add_argument(
        "--replay-db", help="SQLite file remembering admitted signatures across restarts (default: memory only)"
    )
    parser.add_argument("--lifeline", action="store_true", help="stop when standard input reaches end of file")
    options = parser.parse_args(argv)

    secret = os.environ.get(SECRET_ENV, "")
    if not secret:
        print(
            f"{SECRET_ENV} is not set: set it to the secret the edge Worker signs requests with",
            file=sys.stderr,
        )
        return 2

    try:
        server = RunnerServer(
            (options.host, options.port),
            secret,
            quiet=options.quiet,
            read_timeout=options.read_timeout,
            header_timeout=options.header_timeout,
            replay_guard=signing.SqliteReplayGuard(options.replay_db) if options.replay_db else None,
        )
    except OSError as error:
        print(f"compute runner cannot listen on {options.host}:{options.port}: {error.strerror}", file=sys.stderr)
        return 1

    def stop(*_: Any) -> None:
        # shutdown() waits for serve_forever to return, so it cannot run on this thread.
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    parent_gone = threading.Event()
    if options.lifeline:
        threading.Thread(target=_stop_at_end_of_input, args=(stop, parent_gone), daemon=True).start()
    host, port = server.server_address[:2]
    print(f"compute runner listening on http://{host}:{port}", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
    # Said here, not on the lifeline thread: the interpreter ends daemon threads as
    # soon as this one returns, which under load was before their line was written.
    if parent_gone.is_set():
        _say("compute runner: parent gone (standard input closed), stopping")
    if not options.quiet:
        _say("compute runner stopped")
    return 0


def _stop_at_end_of_input(stop: Any, parent_gone: threading.Event) -> None:
    """Reads standard input until end of file (the parent is gone), then stops the server.

    Straight from the file descriptor: a thread blocked in sys.stdin's buffered
    reader holds its lock, which aborts the interpreter's shutdown.
    """
    try:
        while os.read(0, 65536):
            pass
    except OSError:
        pass
    parent_gone.set()
    stop()


def _say(line: str) -> None:
    """A line on stderr, if anyone still reads it."""
    try:
        print(line, file=sys.stderr, flush=True)
    except OSError:
        pass


if __name__ == "__main__":
    sys.exit(main())
