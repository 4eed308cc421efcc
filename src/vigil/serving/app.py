"""The FastAPI application: routes, error bodies, authentication, scrubbed request logging.

``create_app`` takes an already loaded and verified runtime, so a service whose
model fails its manifest check never binds a port. ``app_from_env`` is the
factory uvicorn's workers import (``vigil serve`` sets the environment).
"""

from __future__ import annotations

import hmac
import json
import logging
import os
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.concurrency import run_in_threadpool

from vigil import __version__
from vigil.log import get_logger
from vigil.monitoring.sink import RotatingJsonlSink
from vigil.monitoring.text_stats import text_stats
from vigil.serving.batching import MicroBatcher
from vigil.serving.middleware import BodySizeLimit, RequestContext
from vigil.serving.runtime import ModelRuntime, load_runtime
from vigil.serving.schemas import ErrorResponse, FeedbackRequest, PredictRequest, PredictResponse
from vigil.serving.settings import ServeSettings
from vigil.serving.telemetry import make_telemetry

TextScrubber = Callable[[list[str]], list[str]]
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorResponse, "description": "malformed JSON"},
    401: {"model": ErrorResponse, "description": "missing or wrong API key (when keys are configured)"},
    413: {"model": ErrorResponse, "description": "body, batch or text larger than the service accepts"},
    422: {"model": ErrorResponse, "description": "well-formed JSON that does not match the schema"},
}


class ApiError(Exception):
    """A 4xx with a stable ``error`` code and a message."""

    def __init__(self, status: int, error: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.error, self.detail = status, error, detail


def _request_id(request: Request) -> str | None:
    return request.scope.get("state", {}).get("request_id")


def _error(request: Request, status: int, error: str, detail: Any) -> JSONResponse:
    return JSONResponse({"error": error, "detail": detail, "request_id": _request_id(request)}, status_code=status)


def _validation_details(exc: RequestValidationError) -> tuple[int, str, list[dict[str, Any]]]:
    """Pydantic errors without their ``input`` (it may echo personal data back or into logs)."""
    errors = exc.errors()
    if any(e.get("type") == "json_invalid" for e in errors):
        return 400, "bad_json", [{"msg": "request body is not valid JSON"}]
    details = [{"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")} for e in errors]
    return 422, "invalid_request", details


def _utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def create_app(
    runtime: ModelRuntime,
    settings: ServeSettings,
    scrub_texts: TextScrubber | None = None,
    training_metrics: dict[str, Any] | None = None,
) -> FastAPI:
    """The service for one loaded model."""
    if settings.log_text == "scrubbed" and scrub_texts is None:
        raise ValueError("log_text=scrubbed needs a scrubber")
    telemetry = make_telemetry(runtime.card.get("family", "unknown"), runtime.model_version, runtime.manifest_digest)
    log = get_logger("serving.predict")
    app = FastAPI(
        title="Vigil failure-mode classifier",
        version=__version__,
        description=(
            "Classifies technical service notes into failure modes. Texts are never stored; logs carry "
            "scrubbed text only when `serve.log_text` is `scrubbed`. Errors are JSON with a stable `error` code."
        ),
    )
    keys = tuple(k.encode() for k in settings.api_keys)

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

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        return _error(request, exc.status, exc.error, exc.detail)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        status, error, details = _validation_details(exc)
        return _error(request, status, error, details)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("unhandled error", extra={"request_id": _request_id(request), "error": type(exc).__name__})
        return _error(request, 500, "internal_error", "the service failed; the request id identifies the log line")

    @app.get("/health", summary="Liveness: the process answers")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/ready", summary="Readiness: model loaded and its self-test prediction passed")
    async def ready() -> JSONResponse:
        body = {"ready": runtime.ready, "model_version": runtime.model_version}
        return JSONResponse(body, status_code=200 if runtime.ready else 503)

    @app.get("/metrics", summary="Prometheus metrics", response_class=Response)
    async def metrics() -> Response:
        return Response(generate_latest(telemetry.registry), media_type=CONTENT_TYPE_LATEST)

    @app.get("/model", summary="Model card summary", dependencies=[Depends(require_api_key)], responses=ERRORS)
    async def model() -> dict[str, Any]:
        card = runtime.card
        return {
            "family": card.get("family"),
            "model_version": runtime.model_version,
            "manifest_digest": runtime.manifest_digest,
            "labels": runtime.labels,
            "inference_path": runtime.inference_path,
            "calibration": card.get("calibration"),
            "decision": card.get("decision"),
            "training_data": card.get("training_data"),
            "metrics_at_training": training_metrics,
            "limits": {"max_batch": settings.max_batch, "max_text_chars": settings.max_text_chars},
        }

    predictions_sink = RotatingJsonlSink(
        settings.sink_dir, "predictions", settings.sink_max_bytes, settings.sink_backups
    )
    feedback_sink = RotatingJsonlSink(settings.sink_dir, "feedback", settings.sink_max_bytes, settings.sink_backups)
    batcher = MicroBatcher(lambda texts: runtime.predict(texts, settings.top_k), max_texts=settings.max_batch)
    app.router.on_shutdown.extend([batcher.close, predictions_sink.close, feedback_sink.close])

    @app.post(
        "/predict",
        summary="Classify one text or a batch",
        dependencies=[Depends(require_api_key)],
        responses={200: {"model": PredictResponse, "description": "one prediction per text, in order"}, **ERRORS},
        response_class=JSONResponse,
    )
    async def predict(body: PredictRequest, request: Request) -> JSONResponse:
        texts = body.items()
        if len(texts) > settings.max_batch:
            raise ApiError(413, "batch_too_large", f"{len(texts)} texts; at most {settings.max_batch} per request")
        for index, text in enumerate(texts):
            if not text.strip():
                raise ApiError(422, "empty_text", f"text #{index} is empty")
            if len(text) > settings.max_text_chars:
                raise ApiError(
                    413, "text_too_long", f"text #{index} has {len(text)} characters; at most {settings.max_text_chars}"
                )
        results = await batcher.submit(texts)
        now = _utc_now()
        records = []
        for text, result in zip(texts, results, strict=True):
            result["record_id"] = f"p-{uuid.uuid4().hex[:16]}"
            telemetry.predictions.labels(label=result["label"]).inc()
            telemetry.input_chars.observe(len(text))
            shape = text_stats(text, runtime.vocabulary)
            records.append(
                {
                    "time": now,
                    "record_id": result["record_id"],
                    "model_version": runtime.model_version,
                    "chars": shape.chars,
                    "words": shape.words,
                    "oov": shape.oov,
                    "label": result["label"],
                    "confidence": result["probability"],
                }
            )
        predictions_sink.write_many(records)
        if log.isEnabledFor(logging.INFO):
            extra: dict[str, Any] = {
                "request_id": _request_id(request),
                "n_texts": len(texts),
                "chars": [len(t) for t in texts],
                "labels": [r["label"] for r in results],
                "record_ids": [r["record_id"] for r in results],
            }
            if scrub_texts is not None and settings.log_text == "scrubbed":
                extra["texts_scrubbed"] = await run_in_threadpool(scrub_texts, texts)
            log.info("predicted", extra=extra)
        # The dicts are built to PredictResponse's shape; skipping its re-validation saves ~0.3 ms a request.
        return JSONResponse(
            {"predictions": results, "model_version": runtime.model_version, "manifest_digest": runtime.manifest_digest}
        )

    @app.post(
        "/feedback",
        status_code=202,
        summary="Report the correct label of an earlier prediction (stored for the next training run)",
        dependencies=[Depends(require_api_key)],
        responses=ERRORS,
    )
    async def feedback(body: FeedbackRequest, request: Request) -> dict[str, Any]:
        if body.label not in runtime.labels:
            raise ApiError(422, "unknown_label", f"label must be one of: {', '.join(runtime.labels)}")
        feedback_sink.write(
            {
                "time": _utc_now(),
                "record_id": body.record_id,
                "text_sha256": body.text_sha256,
                "label": body.label,
                "model_version": runtime.model_version,
                "request_id": _request_id(request),
            }
        )
        return {"stored": True}

    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestContext, telemetry=telemetry)
    return app


def privacy_scrubber(params: dict[str, Any]) -> TextScrubber:
    """The pipeline's own scrubber (same recognizers and operators as the `scrub` stage)."""
    from vigil.privacy.config import ScrubConfig
    from vigil.privacy.scrubber import Scrubber

    scrubber = Scrubber(ScrubConfig.from_params(params["scrub"]))
    return lambda texts: scrubber.scrub_batch(texts).texts


def app_from_env() -> FastAPI:
    """Factory for uvicorn workers: ``VIGIL_MODEL_DIR``, ``VIGIL_MANIFEST``, ``VIGIL_PARAMS``."""
    from vigil.log import adopt
    from vigil.params import load_params

    adopt("uvicorn", "uvicorn.error")  # worker processes start with no logging set up

    params_path = Path(os.environ.get("VIGIL_PARAMS", "params.yaml"))
    params = load_params(params_path) if params_path.exists() else {}
    settings = ServeSettings.from_params(params.get("serve"))
    manifest = os.environ.get("VIGIL_MANIFEST") or None
    runtime = load_runtime(os.environ.get("VIGIL_MODEL_DIR", "models/model"), manifest)
    metrics_path = Path(os.environ.get("VIGIL_TRAINING_METRICS", "reports/metrics.json"))
    metrics = json.loads(metrics_path.read_text("utf-8")) if metrics_path.is_file() else None
    headline = {k: v for k, v in (metrics or {}).items() if isinstance(v, int | float)} or None
    scrubber = privacy_scrubber(params) if settings.log_text == "scrubbed" else None
    return create_app(runtime, settings, scrubber, headline)
