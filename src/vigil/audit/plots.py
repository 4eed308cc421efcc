"""Plot data for the audits, in the shapes DVC templates read.

* fairness: one CSV per grouping and metric (``<grouping>__<metric>.csv``),
  read by the custom template ``.dvc/plots/bar_ci.json`` (bars plus interval
  whiskers); groups with insufficient data are not drawn (the JSON lists them).
* explain: one CSV per class with the global top tokens and their weights.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from vigil.audit.fairness import GROUP_METRICS, RESERVED_KEYS
from vigil.evaluation.plots import safe_filename


def fairness_plot_tables(report: Mapping[str, Any]) -> dict[str, pd.DataFrame]:
    """File name -> rows (group, value, ci_low, ci_high, support) for every grouping and group metric."""
    tables: dict[str, pd.DataFrame] = {}
    for key, block in report.items():
        if key in RESERVED_KEYS:
            continue
        for metric in GROUP_METRICS:
            rows = [
                {
                    "group": g["group"],
                    "value": g[metric],
                    "ci_low": g[f"{metric}_ci_low"],
                    "ci_high": g[f"{metric}_ci_high"],
                    "support": g["support"],
                }
                for g in block["groups"]
                if g["status"] == "ok"
            ]
            if rows:
                tables[f"{safe_filename(key)}__{metric}.csv"] = pd.DataFrame(rows)
    return tables


def explain_plot_tables(report: Mapping[str, Any]) -> dict[str, pd.DataFrame]:
    """Per class: the global top tokens as (token, weight) rows for a horizontal bar chart."""
    tables = {}
    for label, ranking in report["global"].items():
        rows = [{"token": t["token"], "weight": t["weight"]} for t in ranking["positive"] + ranking["negative"]]
        if rows:
            tables[f"{safe_filename(label)}.csv"] = pd.DataFrame(rows)
    return tables
