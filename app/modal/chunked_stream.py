"""A streamed answer of the local runner (endpoint.StreamWriter) in HTTP/1.1 chunked encoding."""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler
from typing import Mapping


class ChunkedStream:
    """A streamed answer (endpoint.StreamWriter) in HTTP/1.1 chunked encoding, each chunk sent at once."""

    def __init__(self, handler: BaseHTTPRequestHandler) -> None:
        self._handler = handler
        self._started = False
        self.broken = False
        """Whether a write found the caller gone (the work then stopped)."""

    def start(self, headers: Mapping[str, str]) -> None:
        self._handler.send_response(200)
        for name, value in headers.items():
            self._handler.send_header(name, value)
        self._handler.send_header("transfer-encoding", "chunked")
        self._handler.end_headers()
        self._started = True

    def write(self, chunk: bytes) -> None:
        try:
            self._handler.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        except OSError:
            self.broken = True
            raise

    def end(self) -> None:
        if not self._started:
            return
        try:
            self._handler.wfile.write(b"0\r\n\r\n")
        except OSError:
            self.broken = True
            self._handler.close_connection = True  # the client left before the end; nobody to tell
