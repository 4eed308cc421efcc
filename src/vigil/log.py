"""Structured logging: one JSON object per line on stderr.

Stages run unattended in CI and their logs are evidence, so they are machine
readable (``jq``-able) rather than free text. Never pass raw record text to a
logger: log counts, ids and digests.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import sys
from typing import Any

_RESERVED = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """Render a record and its ``extra=`` fields as a single JSON line."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        payload.update({k: v for k, v in record.__dict__.items() if k not in _RESERVED})
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        return json.dumps(payload, default=str, ensure_ascii=False)


def configure(level: str | None = None) -> None:
    """Install the JSON handler on the ``vigil`` logger (idempotent); level from VIGIL_LOG_LEVEL."""
    logger = logging.getLogger("vigil")
    logger.setLevel((level or os.environ.get("VIGIL_LOG_LEVEL", "INFO")).upper())
    if not any(isinstance(h.formatter, JsonFormatter) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        logger.addHandler(handler)
    logger.propagate = False


def adopt(*names: str) -> None:
    """Send third-party loggers (e.g. ``uvicorn.error``) through the same JSON handler."""
    configure()
    handlers = logging.getLogger("vigil").handlers
    for name in names:
        logger = logging.getLogger(name)
        logger.handlers = list(handlers)
        logger.setLevel(logging.INFO)
        logger.propagate = False


def get_logger(name: str) -> logging.Logger:
    """A child of the ``vigil`` logger."""
    return logging.getLogger(name if name.startswith("vigil") else f"vigil.{name}")
