"""Service limits and switches: ``serve`` in params.yaml, then ``VIGIL_SERVE_*`` environment overrides.

Limits exist to keep one request from monopolising a worker: a text longer
than any training note, or a batch larger than a client needs, is refused
with a 4xx before the model sees it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from vigil.errors import VigilError

API_KEYS_ENV = "VIGIL_API_KEYS"
LOG_TEXT_MODES = ("none", "scrubbed")
_CASTS = {"str": str, "int": int, "float": float}


@dataclass(frozen=True)
class ServeSettings:
    """What a running service enforces."""

    max_batch: int = 64
    max_text_chars: int = 5000
    max_body_bytes: int = 1_000_000
    body_timeout_seconds: int = 10  # the whole body must arrive within this (a half-sent body gets 408)
    header_timeout_seconds: float = 10.0  # a request's headers must arrive within this (slow headers get 408)
    queue_max_texts: int = 2048  # texts waiting per worker (a memory guard; the wait bound is the latency one)
    queue_max_wait_seconds: float = 2.0  # predicted wait before a request's model call starts; longer gets 503
    shutdown_drain_seconds: float = 5.0  # on SIGTERM: /ready 503 and new requests 503 this long, then stop
    top_k: int = 3
    log_text: str = "none"  # none | scrubbed: request texts in logs, after the scrubber
    log_text_max_pending: int = 256  # texts waiting for the log scrubber; past it a line is written without texts
    sink_dir: str = "data/monitoring"  # prediction records and feedback (JSON Lines, no text)
    sink_max_bytes: int = 10_000_000
    sink_backups: int = 5
    sink_max_total_bytes: int = 200_000_000  # all sink files of one kind in sink_dir, across workers and restarts
    api_keys: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.log_text not in LOG_TEXT_MODES:
            raise VigilError(f"serve.log_text={self.log_text!r}: expected one of {', '.join(LOG_TEXT_MODES)}")
        for name in (
            "max_batch",
            "max_text_chars",
            "max_body_bytes",
            "queue_max_texts",
            "log_text_max_pending",
            "top_k",
            "sink_max_bytes",
            "sink_max_total_bytes",
        ):
            if int(getattr(self, name)) < 1:
                raise VigilError(f"serve.{name} must be at least 1, got {getattr(self, name)!r}")
        if not 0 < float(self.header_timeout_seconds) <= 600:
            raise VigilError(f"serve.header_timeout_seconds must be in (0, 600], got {self.header_timeout_seconds!r}")
        if not 0 <= float(self.shutdown_drain_seconds) <= 600:
            raise VigilError(f"serve.shutdown_drain_seconds must be in [0, 600], got {self.shutdown_drain_seconds!r}")
        if not 0 < float(self.queue_max_wait_seconds) <= 600:
            raise VigilError(f"serve.queue_max_wait_seconds must be in (0, 600], got {self.queue_max_wait_seconds!r}")

    @classmethod
    def from_params(cls, serve: Mapping[str, Any] | None, environ: Mapping[str, str] | None = None) -> ServeSettings:
        """``params.serve`` with ``VIGIL_SERVE_<FIELD>`` and ``VIGIL_API_KEYS`` (comma-separated) on top."""
        env = os.environ if environ is None else environ
        known = {f.name: f for f in fields(cls) if f.name != "api_keys"}
        values: dict[str, Any] = {}
        for name, value in (serve or {}).items():
            if name not in known:
                raise VigilError(f"params.yaml, serve.{name}: unknown setting (known: {', '.join(sorted(known))})")
            values[name] = value
        for name in known:
            raw = env.get(f"VIGIL_SERVE_{name.upper()}")
            if raw:
                values[name] = raw
        try:
            typed: dict[str, Any] = {k: _CASTS[str(known[k].type)](v) for k, v in values.items()}
            settings = cls(**typed)
        except ValueError as exc:
            raise VigilError(f"serve settings: {exc}") from None
        keys = tuple(k.strip() for k in env.get(API_KEYS_ENV, "").split(",") if k.strip())
        return replace(settings, api_keys=keys)
