"""Prometheus instruments of one service instance (its own registry, so tests can run several apps).

With several worker processes each had its own counters, and a scrape read
whichever worker answered (one counter read 45,536 then 33,809 on consecutive
scrapes). ``vigil serve --workers N`` (N > 1) therefore runs prometheus_client's
multiprocess mode: every worker writes its values to files in
``PROMETHEUS_MULTIPROC_DIR`` and a scrape sums them (:func:`metrics_payload`).
Latency buckets reach 120 s: requests that waited minutes used to land in "+Inf".
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
LATENCY_BUCKETS = (
    0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0
)  # fmt: skip
LENGTH_BUCKETS = (16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192)
REFUSALS = ("queue_full", "wait_too_long", "deadline", "shutting_down", "client_gone")
WAIT_BUCKETS = (0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0)


@dataclass(frozen=True)
class Telemetry:
    registry: CollectorRegistry
    requests: Counter
    latency: Histogram
    predictions: Counter
    input_chars: Histogram
    model_info: Gauge
    queue_texts: Gauge
    queue_wait: Histogram
    rejected: Counter
    texts_not_logged: Counter

    # The queue's reports (serving.batching.QueueMetrics)
    def depth(self, texts: int) -> None:
        self.queue_texts.set(texts)

    def waited(self, seconds: float) -> None:
        self.queue_wait.observe(seconds)

    def refused(self, reason: str) -> None:
        self.rejected.labels(reason=reason).inc()


def make_telemetry(family: str, version: str, manifest_digest: str | None) -> Telemetry:
    """Request counts by route/status, latency, predictions by class, input length, model identity."""
    registry = CollectorRegistry(auto_describe=True)
    telemetry = Telemetry(
        registry=registry,
        requests=Counter(
            "vigil_http_requests_total",
            "HTTP requests by route, method and status",
            ["route", "method", "status"],
            registry=registry,
        ),
        latency=Histogram(
            "vigil_http_request_seconds",
            "Request latency by route",
            ["route"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        ),
        predictions=Counter("vigil_predictions_total", "Predicted labels", ["label"], registry=registry),
        input_chars=Histogram(
            "vigil_input_chars", "Characters per classified text", buckets=LENGTH_BUCKETS, registry=registry
        ),
        model_info=Gauge(
            "vigil_model_info",
            "The served model (value 1)",
            ["family", "version", "manifest_digest"],
            registry=registry,
            multiprocess_mode="max",  # every worker serves the same model: 1, not the sum over workers
        ),
        queue_texts=Gauge(
            "vigil_queue_texts",
            "Texts waiting for the model (summed over live workers)",
            registry=registry,
            multiprocess_mode="livesum",
        ),
        queue_wait=Histogram(
            "vigil_queue_wait_seconds",
            "Time an admitted request waited before its model call",
            buckets=WAIT_BUCKETS,
            registry=registry,
        ),
        rejected=Counter(
            "vigil_requests_rejected_total",
            "Requests not computed, by reason (" + ", ".join(REFUSALS) + ")",
            ["reason"],
            registry=registry,
        ),
        texts_not_logged=Counter(
            "vigil_log_texts_not_logged_total",
            "Texts logged without their (scrubbed) text: log_text scrubber backlog or failure",
            registry=registry,
        ),
    )
    for reason in REFUSALS:  # present at 0 from the start, so a rate() alert has a series to read
        telemetry.rejected.labels(reason=reason)
    telemetry.model_info.labels(family=family, version=version, manifest_digest=manifest_digest or "none").set(1)
    return telemetry


def metrics_payload(telemetry: Telemetry) -> bytes:
    """The exposition text: this process's registry, or every worker's values summed in multiprocess mode."""
    if os.environ.get(MULTIPROC_ENV):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        return bytes(generate_latest(registry))
    return bytes(generate_latest(telemetry.registry))
