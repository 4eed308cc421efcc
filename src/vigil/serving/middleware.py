"""Pure ASGI middleware: request ids, access log and metrics, and the request-size limit.

Pure ASGI (not Starlette's ``BaseHTTPMiddleware``) because each layer of the
latter costs a task and a queue per request, which is most of the budget of a
few-millisecond prediction.
"""

from __future__ import annotations

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


class _TooLarge(Exception):
    pass


class BodySizeLimit:
    """413 before parsing when the declared or the received body exceeds ``max_bytes``.

    A body without a length (chunked) is read here, up to the limit, and replayed to
    the app: raised inside the app's own read, the overflow became FastAPI's generic
    400 "error parsing the body" instead of the documented 413.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = scope.get("state", {}).get("request_id")
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await send_json(send, 413, _too_large(self.max_bytes, request_id))
            return
        if declared is None:
            body, more = await _read_up_to(receive, self.max_bytes)
            if more:
                await send_json(send, 413, _too_large(self.max_bytes, request_id))
                return
            await self.app(scope, _replay(body, receive), send)
            return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _TooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if not started:
                await send_json(send, 413, _too_large(self.max_bytes, request_id))


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
    """Request id (client's ``X-Request-ID`` when a UUID or ULID, else new), access log line, metrics."""

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

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (REQUEST_ID_HEADER, request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
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
                    # the client sent an id in another form: replaced, and never logged
                    **({"client_request_id_replaced": True} if supplied and not kept else {}),
                },
            )
