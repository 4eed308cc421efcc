"""The FastAPI application: routes, error bodies, authentication, scrubbed request logging.

``create_app`` takes an already loaded and verified runtime, so a service whose
model fails its manifest check never binds a port. ``app_from_env`` is the
factory uvicorn's workers import (``vigil serve`` sets the environment).
"""

from __future__ import annotations

import json
import logging
import os
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST

from vigil import __version__
from vigil.errors import VigilError
from vigil.log import get_logger
from vigil.monitoring.sink import RotatingJsonlSink
from vigil.monitoring.text_stats import text_stats
from vigil.serving.auth import api_key_dependency
from vigil.serving.batching import MicroBatcher, QueueLimits
from vigil.serving.draining import Drain
from vigil.serving.errors import ERRORS, ApiError, install_error_handlers, request_id
from vigil.serving.manifest_trust import ManifestTrust
from vigil.serving.middleware import BodySizeLimit, RequestContext
from vigil.serving.record_ids import ID_KEY_ENV, RecordIds, new_key
from vigil.serving.runtime import ModelRuntime, load_runtime
from vigil.serving.schemas import FeedbackRequest, PredictRequest, PredictResponse
from vigil.serving.settings import ServeSettings
from vigil.serving.telemetry import make_telemetry, metrics_payload
from vigil.serving.text_log import ScrubbedTextLog, TextScrubber
from vigil.serving.worker_state import STATE_DIR_ENV, record_failure, record_start, start_failure

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def check_texts(texts: list[str], settings: ServeSettings) -> None:
    """The limits schema validation cannot express: batch size, empty, over-long and not-Unicode texts."""
    if len(texts) > settings.max_batch:
        raise ApiError(413, "batch_too_large", f"{len(texts)} texts; at most {settings.max_batch} per request")
    for index, text in enumerate(texts):
        if not text.strip():
            raise ApiError(422, "empty_text", f"text #{index} is empty")
        if len(text) > settings.max_text_chars:
            raise ApiError(
                413, "text_too_long", f"text #{index} has {len(text)} characters; at most {settings.max_text_chars}"
            )
        surrogate = _LONE_SURROGATE.search(text)
        if surrogate:
            # JSON's \ud800 escape decodes to half of a UTF-16 pair, which no UTF-8 writer (log, scrubber) accepts
            raise ApiError(
                422,
                "invalid_text",
                f"text #{index} has a lone surrogate (U+{ord(surrogate.group()):04X}) at character "
                f"{surrogate.start()}, which is not a Unicode character",
            )


def prediction_record(text: str, result: dict[str, Any], runtime: ModelRuntime, now: str) -> dict[str, Any]:
    """What the monitoring sink keeps of one prediction: statistics of the text, never the text."""
    shape = text_stats(text, runtime.vocabulary)
    return {
        "time": now,
        "record_id": result["record_id"],
        "model_version": runtime.model_version,
        "chars": shape.chars,
        "words": shape.words,
        "oov": shape.oov,
        "label": result["label"],
        "confidence": result["probability"],
    }


async def disconnected(request: Request) -> None:
    """Returns when the client has gone (the body was read already, so the next message is the disconnect)."""
    while (await request.receive())["type"] != "http.disconnect":
        pass


def readiness_problems(
    runtime: ModelRuntime, batcher: MicroBatcher, drain: Drain, worker_state: Path | None = None
) -> list[str]:
    """Why this worker should take no traffic now (empty: ready)."""
    problems = []
    if not runtime.ready:
        problems.append("model not loaded or its self-test failed")
    failure = start_failure(worker_state) if worker_state is not None else None
    if failure:
        problems.append(failure)
    if drain.active:
        problems.append("shutting down")
    if batcher.backlogged():
        problems.append(
            f"backlog: {batcher.queued_texts} texts queued, predicted wait {batcher.estimated_wait():.2f} s "
            f"(bounds {batcher.limits.max_queued_texts} texts, {batcher.limits.max_wait_seconds:g} s)"
        )
    return problems


def model_summary(
    runtime: ModelRuntime, settings: ServeSettings, training_metrics: dict[str, Any] | None
) -> dict[str, Any]:
    """``GET /model``: the card's auditable facts, the manifest digest and the service's limits."""
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
        "limits": {
            "max_batch": settings.max_batch,
            "max_text_chars": settings.max_text_chars,
            "queue_max_texts": settings.queue_max_texts,
            "queue_max_wait_seconds": settings.queue_max_wait_seconds,
        },
    }


def create_app(
    runtime: ModelRuntime,
    settings: ServeSettings,
    scrub_texts: TextScrubber | None = None,
    training_metrics: dict[str, Any] | None = None,
    record_ids: RecordIds | None = None,
    worker_state: Path | None = None,
) -> FastAPI:
    """The service for one loaded model (``record_ids``: the shared signing key; one of its own by default)."""
    record_ids = record_ids or RecordIds(new_key())
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
    require_api_key = api_key_dependency(settings.api_keys)
    install_error_handlers(app, log)

    @app.get("/health", summary="Liveness: the process answers")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    predictions_sink, feedback_sink = (
        RotatingJsonlSink(
            settings.sink_dir, kind, settings.sink_max_bytes, settings.sink_backups, settings.sink_max_total_bytes
        )
        for kind in ("predictions", "feedback")
    )
    limits = QueueLimits(settings.max_batch, settings.queue_max_texts, settings.queue_max_wait_seconds)
    batcher = MicroBatcher(lambda texts: runtime.predict(texts, settings.top_k), limits, telemetry)

    drain = Drain(settings.shutdown_drain_seconds, on_start=batcher.stop_admitting)

    async def startup() -> None:
        drain.install()

    text_log = (
        ScrubbedTextLog(scrub_texts, log, settings.log_text_max_pending, telemetry.texts_not_logged.inc)
        if scrub_texts is not None and settings.log_text == "scrubbed"
        else None
    )

    async def shutdown() -> None:
        await batcher.close(drain_seconds=settings.queue_max_wait_seconds)
        if text_log is not None:
            text_log.close()
        predictions_sink.close()
        feedback_sink.close()

    app.router.on_startup.append(startup)
    app.router.on_shutdown.append(shutdown)

    @app.get("/ready", summary="Readiness: model loaded, self-test passed, and no backlog past the queue's bound")
    async def ready() -> JSONResponse:
        reasons = readiness_problems(runtime, batcher, drain, worker_state)
        body = {"ready": not reasons, "model_version": runtime.model_version, "reasons": reasons}
        return JSONResponse(body, status_code=503 if reasons else 200)

    @app.get("/metrics", summary="Prometheus metrics", response_class=Response)
    async def metrics() -> Response:
        return Response(metrics_payload(telemetry), media_type=CONTENT_TYPE_LATEST)

    @app.get("/model", summary="Model card summary", dependencies=[Depends(require_api_key)], responses=ERRORS)
    async def model() -> dict[str, Any]:
        return model_summary(runtime, settings, training_metrics)

    @app.post(
        "/predict",
        summary="Classify one text or a batch",
        dependencies=[Depends(require_api_key)],
        responses={200: {"model": PredictResponse, "description": "one prediction per text, in order"}, **ERRORS},
        response_class=JSONResponse,
    )
    async def predict(body: PredictRequest, request: Request) -> JSONResponse:
        texts = body.items()
        check_texts(texts, settings)
        results = await batcher.submit(texts, client_gone=lambda: disconnected(request))
        now = _utc_now()
        records = []
        for text, result in zip(texts, results, strict=True):
            result["record_id"] = record_ids.issue()
            telemetry.predictions.labels(label=result["label"]).inc()
            telemetry.input_chars.observe(len(text))
            records.append(prediction_record(text, result, runtime, now))
        predictions_sink.write_many(records)
        if log.isEnabledFor(logging.INFO):
            extra: dict[str, Any] = {
                "request_id": request_id(request),
                "n_texts": len(texts),
                "chars": [len(t) for t in texts],
                "labels": [r["label"] for r in results],
                "record_ids": [r["record_id"] for r in results],
            }
            if text_log is not None:
                text_log.write(extra, texts)  # scrubbed on its own thread, after this answer is sent
            else:
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
        if body.record_id is not None and not record_ids.issued(body.record_id):
            raise ApiError(
                404,
                "unknown_record",
                f"record id not issued by this service (or under another {ID_KEY_ENV}); feedback not stored",
            )
        feedback_sink.write(
            {
                "time": _utc_now(),
                "record_id": body.record_id,
                "text_sha256": body.text_sha256,
                "label": body.label,
                "model_version": runtime.model_version,
                "request_id": request_id(request),
                # a text hash cannot be checked against predictions (texts are never kept); an id can
                "verified": body.record_id is not None,
            }
        )
        return {"stored": True}

    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes, timeout_seconds=settings.body_timeout_seconds)
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
    state_dir = Path(os.environ[STATE_DIR_ENV]) if os.environ.get(STATE_DIR_ENV) else None
    try:
        runtime = load_runtime(
            os.environ.get("VIGIL_MODEL_DIR", "models/model"), manifest, ManifestTrust.from_env(os.environ)
        )
    except Exception as exc:
        # A replacement worker (uvicorn restarts one that died) that cannot start: one log line saying why,
        # and a record that turns every other worker's /ready to 503 until a worker starts again.
        reason = str(exc) if isinstance(exc, VigilError) else f"unexpected {type(exc).__name__}"
        get_logger("serving.worker").error("worker failed to start", extra={"reason": reason})
        if state_dir is not None:
            record_failure(state_dir, reason)
        raise SystemExit(2) from None
    if state_dir is not None:
        record_start(state_dir)
    metrics_path = Path(os.environ.get("VIGIL_TRAINING_METRICS", "reports/metrics.json"))
    metrics = json.loads(metrics_path.read_text("utf-8")) if metrics_path.is_file() else None
    headline = {k: v for k, v in (metrics or {}).items() if isinstance(v, int | float)} or None
    scrubber = privacy_scrubber(params) if settings.log_text == "scrubbed" else None
    key = os.environ.get(ID_KEY_ENV) or new_key()  # `vigil serve` sets one for all its workers
    return create_app(runtime, settings, scrubber, headline, RecordIds(key), state_dir)
