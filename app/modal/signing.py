"""Verify that a request to the compute runner was signed by the edge Worker.

Scheme v1 (the TypeScript signer implements the same bytes):

    x-mcp-timestamp: <unix seconds, decimal integer>
    x-mcp-nonce:     <16-64 lowercase hex digits, random per request>
    x-mcp-signature: v1=<lowercase hex HMAC-SHA256>

    message = METHOD "\\n" path_with_query "\\n" timestamp "\\n" nonce "\\n" sha256_hex(body)
    key     = the shared secret, UTF-8

A timestamp more than WINDOW_SECONDS away from now is refused, and a signature
seen before inside that window is refused as a replay. The nonce keeps two
identical calls in the same second (a retry) from looking like a replay. Reasons never contain
the secret.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import sqlite3
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Mapping

TIMESTAMP_HEADER = "x-mcp-timestamp"
NONCE_HEADER = "x-mcp-nonce"
SIGNATURE_HEADER = "x-mcp-signature"
WINDOW_SECONDS = 60
SCHEME = "v1"

_TIMESTAMP = re.compile(r"[0-9]{1,15}", re.ASCII)
_NONCE = re.compile(r"[0-9a-f]{16,64}", re.ASCII)
_SIGNATURE = re.compile(r"v1=([0-9a-f]{64})", re.ASCII)


class SignatureError(Exception):
    """The request is not signed acceptably; `reason` is safe to return."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class VerifiedRequest:
    timestamp: int
    signature: str


def canonical_message(method: str, target: str, timestamp: int | str, nonce: str, body: bytes) -> bytes:
    """The exact bytes that are signed."""
    body_hash = hashlib.sha256(body).hexdigest()
    return f"{method.upper()}\n{target}\n{timestamp}\n{nonce}\n{body_hash}".encode("utf-8")


def sign(secret: str, method: str, target: str, timestamp: int | str, nonce: str, body: bytes) -> str:
    """Return the `x-mcp-signature` header value; used by tests and local callers."""
    digest = hmac.new(
        secret.encode("utf-8"), canonical_message(method, target, timestamp, nonce, body), hashlib.sha256
    ).hexdigest()
    return f"{SCHEME}={digest}"


class ReplayGuard:
    """Remembers signatures until their timestamp leaves the window.

    Bounded: past `max_entries` the oldest entry is forgotten, trading a small
    replay hole under extreme load for bounded memory. Per process only, so
    several containers do not share it.
    """

    def __init__(self, window_seconds: int = WINDOW_SECONDS, max_entries: int = 100_000) -> None:
        self._window = window_seconds
        self._max = max_entries
        self._expiry: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def first_sighting(self, signature: str, timestamp: int, now: float) -> bool:
        """Record `signature`; False if it was already recorded and not yet expired."""
        with self._lock:
            self._forget_expired(now)
            if signature in self._expiry:
                return False
            self._expiry[signature] = timestamp + self._window
            while len(self._expiry) > self._max:
                self._expiry.popitem(last=False)
            return True

    def __len__(self) -> int:
        return len(self._expiry)

    def _forget_expired(self, now: float) -> None:
        # Insertion order is close to expiry order; stopping at the first live
        # entry can keep a few dead ones a little longer but never drops a live one.
        while self._expiry:
            signature, expiry = next(iter(self._expiry.items()))
            if expiry >= now:
                return
            del self._expiry[signature]


class SqliteReplayGuard:
    """A ReplayGuard kept in a SQLite file, so a restart does not forget what it admitted.

    The local runner uses it (docs/architecture.md promises exact replays are refused,
    and a crash must not reopen the window). One insert per signed call;
    expired rows are swept every `sweep_every` calls.
    """

    def __init__(self, path: str, window_seconds: int = WINDOW_SECONDS, sweep_every: int = 256) -> None:
        self._window = window_seconds
        self._sweep_every = sweep_every
        self._calls = 0
        self._lock = threading.Lock()
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=5)
        self._db.execute("PRAGMA journal_mode = WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS seen_signatures (signature TEXT PRIMARY KEY, expires_at REAL NOT NULL)"
        )

    def first_sighting(self, signature: str, timestamp: int, now: float) -> bool:
        with self._lock:
            self._calls += 1
            if self._calls % self._sweep_every == 1:
                self._db.execute("DELETE FROM seen_signatures WHERE expires_at < ?", (now,))
            row = self._db.execute(
                "SELECT expires_at FROM seen_signatures WHERE signature = ?", (signature,)
            ).fetchone()
            if row is not None and row[0] >= now:
                return False
            self._db.execute(
                "INSERT OR REPLACE INTO seen_signatures (signature, expires_at) VALUES (?, ?)",
                (signature, timestamp + self._window),
            )
            return True

    def close(self) -> None:
        with self._lock:
            self._db.close()


AnyReplayGuard = ReplayGuard | SqliteReplayGuard


def verify(
    method: str,
    target: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    secret: str,
    guard: AnyReplayGuard,
    now: float | None = None,
) -> VerifiedRequest:
    """Check the v1 signature of a request or raise SignatureError."""
    if not secret:
        raise SignatureError("server has no shared secret configured")
    lowered = {key.lower(): value for key, value in headers.items()}
    raw_timestamp = lowered.get(TIMESTAMP_HEADER)
    raw_nonce = lowered.get(NONCE_HEADER)
    raw_signature = lowered.get(SIGNATURE_HEADER)
    if raw_timestamp is None or raw_nonce is None or raw_signature is None:
        raise SignatureError(f"missing {TIMESTAMP_HEADER}, {NONCE_HEADER} or {SIGNATURE_HEADER} header")
    nonce = raw_nonce.strip()
    if not _NONCE.fullmatch(nonce):
        raise SignatureError(f"malformed {NONCE_HEADER}: expected 16 to 64 lowercase hex digits")
    timestamp_text = raw_timestamp.strip()
    if not _TIMESTAMP.fullmatch(timestamp_text):
        raise SignatureError(f"malformed {TIMESTAMP_HEADER}: expected unix seconds as an integer")
    match = _SIGNATURE.fullmatch(raw_signature.strip())
    if match is None:
        raise SignatureError(f"malformed {SIGNATURE_HEADER}: expected v1=<64 lowercase hex digits>")
    timestamp = int(timestamp_text)
    current = time.time() if now is None else now
    if abs(current - timestamp) > WINDOW_SECONDS:
        raise SignatureError(f"stale or future timestamp (allowed skew is {WINDOW_SECONDS} s)")
    expected = sign(secret, method, target, timestamp_text, nonce, body)  # the bytes as sent
    if not hmac.compare_digest(expected, raw_signature.strip()):
        raise SignatureError("signature mismatch")
    if not guard.first_sighting(match.group(1), timestamp, current):
        raise SignatureError("replayed request: this signature was already used")
    return VerifiedRequest(timestamp=timestamp, signature=match.group(1))
