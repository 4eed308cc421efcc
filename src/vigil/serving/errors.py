"""The service's error contract: every 4xx/5xx is JSON ``{error, detail, request_id}`` with a stable code.

Kept apart from the routes so that every handler, and the middleware, speaks the
same envelope; validation errors drop pydantic's ``input`` echo, which may carry
personal data back to the client or into a log.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from vigil.serving.batching import Rejected
from vigil.serving.schemas import ErrorResponse

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorResponse, "description": "malformed JSON"},
    401: {"model": ErrorResponse, "description": "missing or wrong API key (when keys are configured)"},
    408: {"model": ErrorResponse, "description": "the body did not arrive within serve.body_timeout_seconds"},
    413: {"model": ErrorResponse, "description": "body, batch or text larger than the service accepts"},
    422: {"model": ErrorResponse, "description": "well-formed JSON that does not match the schema"},
    503: {
        "model": ErrorResponse,
        "description": "overloaded (queue_full, wait_too_long, deadline) or shutting_down; retry after Retry-After s",
    },
}
CLIENT_CLOSED = 499  # nginx's code for a client that went away: logged and counted, never received


class ApiError(Exception):
    """A 4xx with a stable ``error`` code and a message."""

    def __init__(self, status: int, error: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.error, self.detail = status, error, detail


def request_id(request: Request) -> str | None:
    return request.scope.get("state", {}).get("request_id")


def error_response(request: Request, status: int, error: str, detail: Any) -> JSONResponse:
    return JSONResponse({"error": error, "detail": detail, "request_id": request_id(request)}, status_code=status)


def validation_details(exc: RequestValidationError) -> tuple[int, str, list[dict[str, Any]]]:
    """Pydantic errors without their ``input`` (it may echo personal data back or into logs)."""
    errors = exc.errors()
    if any(e.get("type") == "json_invalid" for e in errors):
        return 400, "bad_json", [{"msg": "request body is not valid JSON"}]
    details = [{"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")} for e in errors]
    return 422, "invalid_request", details


# Framework errors (routing, body parsing) in the envelope: their own text is generic or framework-specific.
HTTP_ERRORS = {
    400: ("bad_json", "request body is not valid JSON (UTF-8 text, nesting and numbers within limits)"),
    404: ("not_found", "no such route; see /docs"),
    405: ("method_not_allowed", "this route does not accept that method; see /docs"),
}


def install_error_handlers(app: FastAPI, log: logging.Logger) -> None:
    """API errors, schema violations and unexpected failures, all in the one envelope."""

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        return error_response(request, exc.status, exc.error, exc.detail)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        status, error, details = validation_details(exc)
        return error_response(request, status, error, details)

    @app.exception_handler(Rejected)
    async def _rejected(request: Request, exc: Rejected) -> JSONResponse:
        status = CLIENT_CLOSED if exc.reason == "client_gone" else 503
        response = error_response(request, status, exc.reason, exc.detail)
        response.headers["Retry-After"] = str(exc.retry_after)
        if exc.reason == "shutting_down":
            response.headers["Connection"] = "close"  # the client reconnects, to an instance that is staying
        return response

    @app.exception_handler(HTTPException)
    async def _framework(request: Request, exc: HTTPException) -> JSONResponse:
        # FastAPI answers 400 for any body json.loads rejects beyond a syntax error: invalid UTF-8,
        # nesting past the recursion limit, integers past Python's digit limit.
        error, detail = HTTP_ERRORS.get(exc.status_code, ("http_error", str(exc.detail)))
        response = error_response(request, exc.status_code, error, detail)
        for name, value in (exc.headers or {}).items():
            response.headers[name] = value
        return response

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("unhandled error", extra={"request_id": request_id(request), "error": type(exc).__name__})
        return error_response(
            request, 500, "internal_error", "the service failed; the request id identifies the log line"
        )
