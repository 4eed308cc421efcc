"""The drift verdict as Prometheus metrics, so an alert rule can page on it.

``vigil drift`` runs where the prediction records are (a scheduled job), not in
the serving pods, so Prometheus cannot scrape it. ``vigil drift --metrics FILE``
writes the verdict in the text exposition format, for node-exporter's textfile
collector or a Pushgateway (``curl --data-binary @FILE $PUSHGATEWAY/metrics/job/vigil-drift``);
``deploy/monitoring/alerts.yaml`` alerts on ``vigil_drift_detected`` and on a
check that stopped running (``vigil_drift_last_run_timestamp_seconds``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def check_id(name: str) -> str:
    """``"text length PSI"`` -> ``"text_length_psi"``: a stable label value for a check."""
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def drift_exposition(report: Mapping[str, Any], model_version: str, now: float) -> str:
    """Prometheus text format of one drift report (gauges; the newest run replaces the previous file)."""
    model = _label(model_version)
    lines = [
        "# HELP vigil_drift_detected 1 when the last drift check found drift, else 0",
        "# TYPE vigil_drift_detected gauge",
        f'vigil_drift_detected{{model_version="{model}"}} {1 if report["verdict"] == "drift" else 0}',
        "# HELP vigil_drift_check_failed 1 for each check past its threshold in the last run",
        "# TYPE vigil_drift_check_failed gauge",
    ]
    checks = report["checks"]
    lines += [
        f'vigil_drift_check_failed{{check="{check_id(c["check"])}"}} {int(c["status"] == "drift")}' for c in checks
    ]
    lines += [
        "# HELP vigil_drift_check_value The statistic each check measured (PSI, p-value, rate increase, records)",
        "# TYPE vigil_drift_check_value gauge",
    ]
    lines += [
        f'vigil_drift_check_value{{check="{check_id(c["check"])}"}} {float(c["value"])!r}'
        for c in checks
        if c["value"] is not None
    ]
    lines += [
        "# HELP vigil_drift_last_run_timestamp_seconds When the last drift check ran (Unix time)",
        "# TYPE vigil_drift_last_run_timestamp_seconds gauge",
        f"vigil_drift_last_run_timestamp_seconds {now:.3f}",
    ]
    return "\n".join(lines) + "\n"
