"""A socket reader whose reads, together, must finish by a deadline (local_server.py's header timeout)."""

from __future__ import annotations

import socket
import time
from typing import Any, BinaryIO


class DeadlineReader:
    """The connection's reader; while `deadline` is set, each read must finish by then.

    A socket timeout alone bounds each read, not their sum: a client sending
    one header line a second never trips it.
    """

    def __init__(self, inner: BinaryIO, connection: socket.socket) -> None:
        self._inner = inner
        self._connection = connection
        self.deadline: float | None = None
        self.expired = False

    def readline(self, limit: int = -1) -> bytes:
        return self._bounded(lambda: self._inner.readline(limit))

    def read(self, size: int = -1) -> bytes:
        return self._bounded(lambda: self._inner.read(size))

    def read1(self, size: int = -1) -> bytes:
        return self._bounded(lambda: self._inner.read1(size))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)  # peek, close, closed…

    def _bounded(self, read: Any) -> bytes:
        if self.deadline is None:
            return read()
        left = self.deadline - time.monotonic()
        if left <= 0:
            self.expired = True
            raise TimeoutError
        self._connection.settimeout(left)
        try:
            return read()
        except TimeoutError:
            self.expired = True
            raise
