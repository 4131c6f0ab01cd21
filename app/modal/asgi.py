"""ASGI adapter around endpoint.handle, kept free of `modal` so it is testable here.

Modal serves it with @modal.asgi_app(); any ASGI server would do.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any, Awaitable, Callable, Mapping

import endpoint
import signing

SECRET_ENV = "MCP_UPSTREAM_SECRET"

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
AsgiApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def make_asgi_app(
    read_secret: Callable[[], str] = lambda: os.environ.get(SECRET_ENV, ""),
    *,
    replay_guard: signing.ReplayGuard | None = None,
) -> AsgiApp:
    """Build the ASGI callable; the secret is read per request, never captured at import."""
    guard = signing.ReplayGuard() if replay_guard is None else replay_guard

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return  # websockets are not served
        body = await _read_body(scope, receive)
        if body is None:
            await _send_response(send, endpoint.too_large_response())
            return
        # After the body, receive() waits for the client to leave (ASGI HTTP spec): then the work stops.
        gone = asyncio.Event()
        watcher = asyncio.create_task(_wait_for_disconnect(receive, gone))
        stream = _AsgiStream(send, asyncio.get_running_loop())
        try:
            # The work is CPU-bound: run it off the event loop so /health stays responsive.
            response = await asyncio.to_thread(
                endpoint.handle,
                scope["method"],
                request_target(scope),
                request_headers(scope),
                body,
                secret=read_secret(),
                replay_guard=guard,
                caller_gone=gone.is_set,
                stream=stream,
            )
        finally:
            watcher.cancel()
        if response is None:
            await stream.end()
        else:
            await _send_response(send, response)

    return app


def request_target(scope: Scope) -> str:
    """Path and query exactly as sent: the signature covers the undecoded bytes."""
    raw_path = scope.get("raw_path")
    path = raw_path.decode("latin-1") if raw_path else scope.get("path", "/")
    query = scope.get("query_string", b"")
    if not query or "?" in path:  # some servers leave the query inside raw_path
        return path
    return f"{path}?{query.decode('latin-1')}"


def request_headers(scope: Scope) -> dict[str, str]:
    headers: dict[str, str] = {}
    for raw_name, raw_value in scope.get("headers", []):
        name, value = raw_name.decode("latin-1").lower(), raw_value.decode("latin-1")
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return headers


async def _read_body(scope: Scope, receive: Receive) -> bytes | None:
    """The whole body, or None as soon as it exceeds the limit."""
    declared = endpoint.parse_content_length([request_headers(scope).get("content-length", "")])
    if isinstance(declared, int) and declared > endpoint.MAX_BODY_BYTES:
        return None
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > endpoint.MAX_BODY_BYTES:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def _wait_for_disconnect(receive: Receive, gone: asyncio.Event) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass
    gone.set()


class _AsgiStream:
    """A streamed answer (endpoint.StreamWriter) written from the worker thread through the event loop."""

    def __init__(self, send: Send, loop: asyncio.AbstractEventLoop) -> None:
        self._send = send
        self._loop = loop
        self._started = False

    def _deliver(self, message: dict[str, Any]) -> None:
        try:
            asyncio.run_coroutine_threadsafe(self._send(message), self._loop).result()
        except Exception as exc:  # noqa: BLE001 - whatever the server raises for a client that left
            raise OSError(f"the caller is gone: {exc}") from exc

    def start(self, headers: Mapping[str, str]) -> None:
        encoded = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
        self._deliver({"type": "http.response.start", "status": 200, "headers": encoded})
        self._started = True

    def write(self, chunk: bytes) -> None:
        self._deliver({"type": "http.response.body", "body": chunk, "more_body": True})

    async def end(self) -> None:
        if self._started:
            await self._send({"type": "http.response.body", "body": b"", "more_body": False})


async def _send_response(send: Send, response: endpoint.Response) -> None:
    status, headers, body = response
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
