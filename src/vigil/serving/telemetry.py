"""Prometheus instruments of one service instance (its own registry, so tests can run several apps)."""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

LATENCY_BUCKETS = (0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
LENGTH_BUCKETS = (16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192)


@dataclass(frozen=True)
class Telemetry:
    registry: CollectorRegistry
    requests: Counter
    latency: Histogram
    predictions: Counter
    input_chars: Histogram
    model_info: Gauge


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
        ),
    )
    telemetry.model_info.labels(family=family, version=version, manifest_digest=manifest_digest or "none").set(1)
    return telemetry
