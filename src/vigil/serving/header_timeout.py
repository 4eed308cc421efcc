"""uvicorn's httptools protocol with a deadline for each request's headers.

uvicorn bounds idle keep-alive connections but not a request whose headers
arrive slowly: a client that connects and sends nothing, or one header line a
minute, holds a connection (and a file descriptor) for as long as it likes, and
a few thousand such clients exhaust a worker (slowloris). The body has its own
deadline in the ASGI middleware (``BodySizeLimit``), but headers are parsed
before the application sees the request, so this deadline lives in the protocol:
from the connection's start (and from the first byte of each later request on a
kept-alive connection) the headers must be complete within
``serve.header_timeout_seconds``, or the client gets 408 ``header_timeout`` and the
connection is closed, as nginx's ``client_header_timeout`` does.
"""

from __future__ import annotations

import asyncio
import json
import os

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

TIMEOUT_ENV = "VIGIL_SERVE_HEADER_TIMEOUT_SECONDS"  # `vigil serve` exports the resolved setting to its workers
PROTOCOL = "vigil.serving.header_timeout:HeaderTimeoutProtocol"  # uvicorn's `http` setting


def _response(seconds: float) -> bytes:
    body = json.dumps(
        {"error": "header_timeout", "detail": f"the headers did not arrive within {seconds:g} s", "request_id": None}
    ).encode()
    head = (
        b"HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\nconnection: close\r\n"
        b"content-length: " + str(len(body)).encode() + b"\r\n\r\n"
    )
    return head + body


class HeaderTimeoutProtocol(HttpToolsProtocol):
    """``HttpToolsProtocol`` that answers 408 and closes when a request's headers are too slow."""

    _deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._start_deadline()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._start_deadline()

    def on_headers_complete(self) -> None:
        self._cancel_deadline()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_deadline()
        super().connection_lost(exc)

    def _start_deadline(self) -> None:
        if self._deadline is None:
            self._deadline = self.loop.call_later(_seconds(), self._headers_too_slow)

    def _cancel_deadline(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _headers_too_slow(self) -> None:
        self._deadline = None
        if self.transport.is_closing() or (self.cycle is not None and not self.cycle.response_complete):
            return  # closed already, or a request is being answered on this connection
        self.transport.write(_response(_seconds()))
        self.transport.close()


def _seconds() -> float:
    return float(os.environ.get(TIMEOUT_ENV) or 10)
