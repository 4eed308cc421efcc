"""Pure ASGI middleware: request ids, access log and metrics, and the request-size limit.

Pure ASGI (not Starlette's ``BaseHTTPMiddleware``) because each layer of the
latter costs a task and a queue per request, which is most of the budget of a
few-millisecond prediction.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from vigil.log import get_logger
from vigil.serving.telemetry import Telemetry

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

REQUEST_ID_HEADER = b"x-request-id"
# A client's id is kept only as a UUID (with or without dashes) or a ULID: forms that cannot carry a CPF, a
# phone or a name. Anything else was logged verbatim before (a raw CPF reached the log that way); it is replaced.
_CLIENT_ID = re.compile(
    rb"^(?:[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}|[0-9A-HJKMNP-TV-Z]{26})$", re.IGNORECASE
)


async def send_json(send: Send, status: int, body: dict[str, Any]) -> None:
    """A JSON response from middleware (RequestContext, further out, adds the request-id header)."""
    payload = json.dumps(body).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


class BodySizeLimit:
    """The whole body, read here within ``max_bytes`` and ``timeout_seconds``, then replayed to the app.

    413 before parsing when the declared or the received body exceeds ``max_bytes``;
    408 when the body does not arrive in time (a half-sent body held a worker's
    request open for over a minute). Reading here rather than inside the app matters:
    raised within FastAPI's own read, either failure became its generic 400.
    """

    def __init__(self, app: ASGIApp, max_bytes: int, timeout_seconds: float = 10.0) -> None:
        self.app, self.max_bytes, self.timeout_seconds = app, max_bytes, timeout_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = scope.get("state", {}).get("request_id")
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await send_json(send, 413, _too_large(self.max_bytes, request_id))
            return
        try:
            async with asyncio.timeout(self.timeout_seconds):
                body, more = await _read_up_to(receive, self.max_bytes)
        except TimeoutError:
            detail = f"the body did not arrive within {self.timeout_seconds:g} s"
            await send_json(send, 408, {"error": "body_timeout", "detail": detail, "request_id": request_id})
            return
        if more:
            await send_json(send, 413, _too_large(self.max_bytes, request_id))
            return
        await self.app(scope, _replay(body, receive), send)


async def _read_up_to(receive: Receive, limit: int) -> tuple[bytes, bool]:
    """The body, and whether it went past ``limit`` (then reading stops: the rest is never buffered)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks), False
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return b"", True
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks), False


def _replay(body: bytes, receive: Receive) -> Receive:
    """A receive that hands the app the buffered body once, then the connection's own messages."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def _too_large(max_bytes: int, request_id: str | None) -> dict[str, Any]:
    return {"error": "request_too_large", "detail": f"body exceeds {max_bytes} bytes", "request_id": request_id}


class RequestContext:
    """Request id (client's ``X-Request-ID`` when a UUID or ULID, else new), access log line, metrics.

    The log line's ``ms`` runs from the request's headers to the response; ``body_ms`` is the part
    of it spent receiving the body. A slow upload (a busy client, a slow link) shows there rather
    than as a slow service: a 320 kB body took 5-47 ms on loopback with both ends on two busy cores.
    """

    def __init__(self, app: ASGIApp, telemetry: Telemetry) -> None:
        self.app, self.telemetry = app, telemetry
        self.log = get_logger("serving.access")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        supplied = dict(scope["headers"]).get(REQUEST_ID_HEADER, b"")
        kept = bool(_CLIENT_ID.match(supplied))
        request_id = supplied.decode() if kept else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        status = 500
        started = time.perf_counter()
        body_received: float | None = None

        async def timed_receive() -> Message:
            nonlocal body_received
            message = await receive()
            if message["type"] == "http.request" and not message.get("more_body", False):
                body_received = time.perf_counter()
            return message

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (REQUEST_ID_HEADER, request_id.encode())]
            await send(message)

        try:
            await self.app(scope, timed_receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            self.telemetry.requests.labels(route=route, method=scope["method"], status=str(status)).inc()
            self.telemetry.latency.labels(route=route).observe(elapsed)
            self.log.info(
                "request",
                extra={
                    "request_id": request_id,
                    "method": scope["method"],
                    "route": route,
                    "status": status,
                    "ms": round(elapsed * 1000, 3),
                    # how much of it the body took to arrive: the client's and the network's part, not the service's
                    **({"body_ms": round((body_received - started) * 1000, 3)} if body_received else {}),
                    # the client sent an id in another form: replaced, and never logged
                    **({"client_request_id_replaced": True} if supplied and not kept else {}),
                },
            )
