"""API keys: ``X-API-Key`` or ``Authorization: Bearer``, compared in constant time."""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable, Sequence

from fastapi import Request

from vigil.serving.errors import ApiError


def api_key_dependency(api_keys: Sequence[str]) -> Callable[[Request], Awaitable[None]]:
    """A FastAPI dependency that lets every request through when no key is configured.

    Async on purpose: a sync dependency costs a thread-pool hop on every request.
    """
    keys = tuple(key.encode() for key in api_keys)

    async def require_api_key(request: Request) -> None:
        if not keys:
            return
        supplied = request.headers.get("x-api-key", "")
        bearer = request.headers.get("authorization", "")
        if not supplied and bearer.lower().startswith("bearer "):
            supplied = bearer[7:]
        candidate = supplied.encode()
        if not any(hmac.compare_digest(candidate, key) for key in keys):  # every key compared: no early exit
            raise ApiError(401, "unauthorized", "send a valid API key in X-API-Key or Authorization: Bearer")

    return require_api_key
