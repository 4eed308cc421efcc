"""Turn the run's reports into the values the PDF template shows (pure functions).

All selection, rounding and ordering happens here so the Jinja templates stay
layout only, and every number in the PDF can be traced to a report key.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from vigil.compliance.report.charts import Bar, bar_chart, confusion_heatmap
from vigil.compliance.report.plain_language import (
    data_quality_in_words,
    drop_in_words,
    established_gap_in_words,
    likely_range,
    removed_at_ingest_in_words,
    small_groups_in_words,
    split_in_words,
)
from vigil.params import flatten
from vigil.privacy.entities import PLACEHOLDER_WORDS

HEADLINE_METRICS = (
    ("accuracy", "Accuracy"),
    ("f1_macro", "Macro-F1"),
    ("f1_weighted", "Weighted F1"),
    ("mcc", "Matthews correlation"),
    ("roc_auc_ovr", "ROC-AUC (one-vs-rest)"),
    ("pr_auc_macro", "PR-AUC (macro)"),
    ("ece", "Expected calibration error"),
    ("log_loss", "Log-loss"),
)
METRIC_NAMES = {"accuracy": "Accuracy", "f1_macro": "Macro-F1", "critical_f1_min": "Lowest critical-class F1"}
GAP_METRICS = ("accuracy", "f1_macro", "recall", "precision", "selection_rate")


def fmt(value: Any, digits: int = 3) -> str:
    """Numbers to ``digits`` decimals, integers with thousands separators, None as a dash."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def fmt_change(value: Any, digits: int = 3) -> str:
    """A signed change to ``digits`` decimals; a change that rounds to zero prints as 0.000, never -0.000."""
    if value is None:
        return "—"
    return f"{round(float(value), digits) + 0.0:.{digits}f}"


def interval(low: Any, high: Any, digits: int = 3) -> str:
    if low is None or high is None:
        return "—"
    return f"[{low:.{digits}f}, {high:.{digits}f}]"


def headline_interval(metrics: Mapping[str, Any], key: str, digits: int = 4) -> str:
    """``[low, high]`` of a headline metric from ``metrics.json``'s ``intervals`` ("" when it has none)."""
    found = (metrics.get("intervals") or {}).get(key)
    return interval(found.get("low"), found.get("high"), digits) if isinstance(found, Mapping) else ""


def data_section(quality: Mapping[str, Any], split: Mapping[str, Any]) -> dict[str, Any]:
    """Training data summary: size, labels, groups, splits, quality findings."""
    distribution = quality.get("label_distribution") or {}
    labels = sorted(
        ((label, info.get("count"), info.get("share")) for label, info in distribution.items()),
        key=lambda row: (-(row[1] or 0), row[0]),
    )
    groups = {
        column: sorted(
            ((value, info.get("count"), info.get("share")) for value, info in values.items()),
            key=lambda row: -(row[1] or 0),
        )
        for column, values in (quality.get("groups") or {}).items()
    }
    return {
        "n_records": quality.get("n_records"),
        "n_labels": quality.get("n_labels"),
        "labels": labels,
        "groups": groups,
        "splits": [(name, (split.get(name) or {}).get("n_records")) for name in ("train", "val", "test")],
        "split_sentence": split_in_words(split),
        "split_by_time": split.get("order") == "time",
        "quality_sentence": data_quality_in_words(quality, split),
        "duplicates": quality.get("duplicates") or {},
        "text_length": quality.get("text_length") or {},
        "dropped": (quality.get("dropped") or {}).get("rare_labels") or {},
        "dropped_sentence": removed_at_ingest_in_words(quality.get("dropped") or {}),
        "source": quality.get("source"),
    }


def privacy_section(privacy: Mapping[str, Any]) -> dict[str, Any]:
    """Counts of detected personal data by type (never values), and the residual scan."""
    entities = privacy.get("entities") or {}
    affected = privacy.get("records_affected") or {}
    residual = privacy.get("residual") or {}
    return {
        "records_scanned": privacy.get("records_scanned"),
        "records_with_pii": privacy.get("records_with_pii"),
        "entities_total": privacy.get("entities_total"),
        "entities": [
            (name, count, affected.get(name)) for name, count in sorted(entities.items(), key=lambda kv: -kv[1])
        ],
        "covered": (privacy.get("config") or {}).get("entities") or [],
        "operators": privacy.get("operators") or {},
        "pseudonymisation": privacy.get("pseudonymisation"),
        "vault": privacy.get("reidentification_vault"),
        "residual_total": privacy.get("residual_entities"),
        "residual_findings": sorted((residual.get("findings") or {}).items()),
        "residual_records": residual.get("records_affected"),
        "residual_share": residual.get("records_affected_share"),
        "residual_rules": sorted((residual.get("rules") or {}).items()),
        "residual_estimate": residual.get("estimate"),
        "residual_model": residual.get("names_model"),
        "score_threshold": (privacy.get("config") or {}).get("score_threshold"),
        "config_digest": (privacy.get("config") or {}).get("digest_sha256"),
        "models": privacy.get("models") or {},
    }


# Below this many test records a class's precision, recall and F1 move in steps of 1/n and are mostly chance:
# with one record its recall is 0 or 1. The report prints "too few" instead of the number's false precision.
MIN_MEASURABLE_SUPPORT = 5


def performance_section(
    metrics: Mapping[str, Any], confusion: Mapping[str, Any] | None, critical_classes: Sequence[str]
) -> dict[str, Any]:
    """Headline metrics, per-class table and the two charts."""
    per_class = metrics.get("per_class") or {}
    rows = [
        {
            "label": label,
            "precision": scores.get("precision"),
            "recall": scores.get("recall"),
            "f1": scores.get("f1"),
            "support": scores.get("support"),
            "critical": label in critical_classes,
            "too_few": (scores.get("support") or 0) < MIN_MEASURABLE_SUPPORT,
        }
        for label, scores in sorted(per_class.items())
    ]
    f1_values = [r["f1"] for r in rows if isinstance(r["f1"], int | float)]
    # From 0, scores of 0.90 to 0.97 look the same: start a tenth below the lowest (the caption says where).
    f1_from = max(0.0, math.floor(min(f1_values, default=0.0) * 10) / 10 - 0.1)
    f1_chart = bar_chart(
        [Bar(r["label"] + (" *" if r["critical"] else ""), r["f1"]) for r in rows], domain=(f1_from, 1.0)
    )
    heatmap = (
        confusion_heatmap(confusion["labels"], confusion["matrix"])
        if confusion and confusion.get("labels") and confusion.get("matrix")
        else None
    )
    return {
        "headline": [
            (name, metrics.get(key), headline_interval(metrics, key))
            for key, name in HEADLINE_METRICS
            if key in metrics
        ],
        "intervals": metrics.get("intervals") or {},
        "in_words": headline_in_words(metrics),
        "critical_interval": headline_interval(metrics, "critical_f1_min"),
        "n_test": metrics.get("n_test"),
        "per_class": rows,
        "too_few": [r["label"] for r in rows if r["too_few"]],
        "min_support": MIN_MEASURABLE_SUPPORT,
        "critical": metrics.get("critical") or {},
        "critical_classes": list(critical_classes),
        "f1_chart": f1_chart,
        "f1_from": f1_from,
        "heatmap": heatmap,
    }


def headline_in_words(metrics: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Each headline metric that has an interval, as the range a reviewer can quote."""
    intervals = metrics.get("intervals") or {}
    level = float(intervals.get("level") or 0.95)
    names = {**dict(HEADLINE_METRICS), "critical_f1_min": METRIC_NAMES["critical_f1_min"]}
    # Shares of notes read naturally as percentages; MCC, AUCs, ECE and log-loss keep their table interval.
    order = ["accuracy", "f1_macro", "critical_f1_min"]
    return [
        (names.get(key, key), likely_range(intervals[key].get("low"), intervals[key].get("high"), level))
        for key in dict.fromkeys(order)
        if isinstance(intervals.get(key), Mapping) and intervals[key].get("low") is not None
    ]


def _gap_row(name: str, stats: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "metric": name,
        "max_gap": stats.get("max_gap"),
        "ci": interval(stats.get("max_gap_ci_low"), stats.get("max_gap_ci_high")),
        "significant": stats.get("significant"),
        "best": f"{stats.get('best_group', '—')} ({fmt(stats.get('best'))})",
        "worst": f"{stats.get('worst_group', '—')} ({fmt(stats.get('worst'))})",
        "min_ratio": stats.get("min_ratio"),
        "status": stats.get("status"),
    }


def _grouping_description(name: str, section: Mapping[str, Any], descriptions: Mapping[str, str]) -> str:
    """The data owner's description of each column of the grouping, or where to write a missing one."""
    columns = list(section.get("columns") or [name])
    described = [
        f"{column}: {text.rstrip('.')}." if (text := str(descriptions.get(column) or "").strip()) else
        f"{column}: MISSING (data.describe.groups.{column})."
        for column in columns
    ]  # fmt: skip
    return " ".join(described)


def fairness_section(
    fairness: Mapping[str, Any], max_groups: int, descriptions: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Per-grouping gap tables with intervals, per-group rows, charts and the error analysis.

    ``descriptions`` (``data.describe.groups``) says what each group column is, in the data owner's words:
    a reviewer cannot judge a gap between groups of ``c148`` or ``shop_kind`` without knowing what they are.
    """
    summary = fairness.get("summary") or {}
    gaps = [
        {
            "metric": metric,
            "gap": summary.get(f"max_{metric}_gap"),
            "ci_low": summary.get(f"max_{metric}_gap_ci_low"),
            "where": summary.get(f"max_{metric}_gap_where"),
        }
        for metric in GAP_METRICS
        if f"max_{metric}_gap" in summary
    ]
    groupings = []
    for name, section in fairness.items():
        if not isinstance(section, Mapping) or "groups" not in section:  # summary, config, ...
            continue
        groups = sorted(section.get("groups") or [], key=lambda g: -(g.get("support") or 0))
        shown = groups[:max_groups]
        groupings.append(
            {
                "name": name,
                "description": _grouping_description(name, section, descriptions or {}),
                "gaps": [_gap_row(metric, section[metric]) for metric in ("accuracy", "f1_macro") if metric in section],
                "groups": [
                    {
                        "group": g.get("group"),
                        "support": g.get("support"),
                        "accuracy": g.get("accuracy"),
                        "accuracy_ci": interval(g.get("accuracy_ci_low"), g.get("accuracy_ci_high")),
                        "f1_macro": g.get("f1_macro"),
                        "f1_macro_ci": interval(g.get("f1_macro_ci_low"), g.get("f1_macro_ci_high")),
                        "status": g.get("status"),
                    }
                    for g in shown
                ],
                "hidden_groups": len(groups) - len(shown),
                "chart": bar_chart(
                    [
                        Bar(
                            str(g.get("group")),
                            g.get("accuracy") if g.get("status") == "ok" else None,
                            g.get("accuracy_ci_low"),
                            g.get("accuracy_ci_high"),
                            note="" if g.get("status") == "ok" else "insufficient data",
                        )
                        for g in shown
                    ],
                    domain=(0.5, 1.0),
                    reference=(fairness.get("overall") or {}).get("accuracy"),
                ),
                "insufficient": section.get("insufficient_data") or [],
                "empty_cells": section.get("n_empty_cells") or 0,
                "n_groups": section.get("n_groups"),
                "groups_compared": section.get("groups_compared"),
            }
        )
    errors = fairness.get("error_analysis") or {}
    return {
        "config": fairness.get("config") or {},
        "small_groups": small_groups_in_words(fairness),
        "established_gap": established_gap_in_words(summary),
        "overall": fairness.get("overall") or {},
        "summary": summary,
        "gaps": gaps,
        "groupings": groupings,
        "confused_pairs": (errors.get("confused_pairs") or [])[:8],
        "worst_cohorts": (errors.get("worst_cohorts") or [])[:8],
        "mitigation": fairness.get("mitigation") or {},
    }


DIGEST_NAMES = {
    "raw_data_md5": "Data after ingest (MD5)",
    "split_md5": "Train / validation / test split (MD5)",
    "model_md5": "Model (MD5)",
}
PAIRED_NAMES = {"accuracy": "Accuracy", "f1_macro": "Macro-F1", "critical.f1_min": "Lowest critical-class F1"}


def release_section(changes: Mapping[str, Any], level: float = 0.95) -> dict[str, Any]:
    """The change log against the recorded previous release, with each metric change read in words."""
    if not changes.get("recorded"):
        digests = changes.get("digests") or {}
        return {"recorded": False, "digests": [(DIGEST_NAMES[k], v) for k, v in digests.items()]}
    paired = [
        {
            "name": PAIRED_NAMES.get(c.metric, c.metric),
            "before": c.base,
            "now": c.head,
            "change": c.change,
            "interval": interval(c.ci_low, c.ci_high, 4),
            # the paired module's change is now minus before; the words speak of a fall as positive
            "words": drop_in_words(-c.change, -c.ci_high, -c.ci_low, level),
            "verdict": c.verdict,
        }
        for c in changes.get("paired") or []
    ]
    return {
        "recorded": True,
        "release": changes["release"],
        "digests": [
            (DIGEST_NAMES[name], before, now, "unchanged" if before == now else "changed")
            for name, before, now in changes["digests"]
        ],
        "params": [(k, _param_text(b), _param_text(n)) for k, b, n in changes["params_changed"]],
        "params_total": changes["params_changed_total"],
        "metrics": changes["metrics"],
        "paired": paired,
        "n_paired": changes["n_paired"],
        "verdict": changes["verdict"],
    }


def _param_text(value: Any) -> str:
    text = "—" if value is None else str(value)
    return text if len(text) <= 60 else text[:57] + "…"


def robustness_section(robustness: Mapping[str, Any]) -> dict[str, Any]:
    """One row per perturbation: what it does, answers changed, and each metric's drop in words."""
    level = float(robustness.get("confidence") or 0.95)
    rows = []
    for name, entry in (robustness.get("perturbations") or {}).items():
        metrics = entry.get("metrics") or {}
        accuracy = metrics.get("accuracy") or {}
        rows.append(
            {
                "name": name.replace("_", " "),
                "description": entry.get("description"),
                "preserves_meaning": entry.get("preserves_meaning"),
                "texts_changed": entry.get("texts_changed"),
                "flip_rate": entry.get("flip_rate"),
                "flip_ci": interval(*(entry.get("flip_rate_ci") or [None, None])),
                "accuracy": accuracy,
                "accuracy_ci": interval(accuracy.get("drop_ci_low"), accuracy.get("drop_ci_high")),
                "f1_drop": (metrics.get("f1_macro") or {}).get("drop"),
                "words": {
                    METRIC_NAMES.get(key, key): drop_in_words(m["drop"], m["drop_ci_low"], m["drop_ci_high"], level)
                    for key, m in metrics.items()
                },
            }
        )
    return {
        "n_test": robustness.get("n_test"),
        "level": level,
        "resamples": robustness.get("resamples"),
        "summary": robustness.get("summary") or {},
        "rows": rows,
        "not_run": [(name.replace("_", " "), why) for name, why in (robustness.get("not_run") or {}).items()],
    }


def is_placeholder_token(token: str) -> bool:
    """True when a model feature contains a scrub placeholder word (the model learnt "a name was here")."""
    return any(word in PLACEHOLDER_WORDS for word in token.lower().split())


def _token_style(weight: float, scale: float) -> str:
    share = min(abs(weight) / scale, 1.0) if scale else 0.0
    if share < 0.08:
        return ""
    colour = "22, 101, 52" if weight > 0 else "153, 27, 27"
    return f"background-color: rgba({colour}, {0.12 + 0.55 * share:.2f});"


def explain_section(
    explain: Mapping[str, Any], top_tokens: int, n_local: int, shows: Callable[[str], bool]
) -> dict[str, Any]:
    """Global top tokens per class and a few local explanations with shaded words.

    ``shows`` says whether an example's scrubbed text may be printed: the independent residual scan
    must find nothing in it (an example it flags is withheld and counted).
    """
    global_tokens = []
    for label, lists in sorted((explain.get("global") or {}).items()):
        positive = (lists.get("positive") or [])[:top_tokens] if isinstance(lists, Mapping) else []
        global_tokens.append(
            {
                "label": label,
                "tokens": [(t["token"], t["weight"], is_placeholder_token(t["token"])) for t in positive],
            }
        )
    local = []
    withheld = 0
    for example in (explain.get("local") or [])[:n_local]:
        if not shows(" ".join(str(t) for t in example.get("tokens") or [])):
            withheld += 1
            continue
        weights = example.get("weights") or []
        scale = max((abs(w) for w in weights), default=0.0)
        local.append(
            {
                "y_true": example.get("y_true"),
                "y_pred": example.get("y_pred"),
                "confidence": example.get("confidence"),
                "reason": str(example.get("reason", "")).replace("_", " "),
                "tokens": [
                    (token, weight, _token_style(weight, scale))
                    for token, weight in zip(example.get("tokens") or [], weights, strict=False)
                ],
            }
        )
    stability = explain.get("stability") or {}
    return {
        "family": explain.get("family"),
        "method": sorted((explain.get("method") or {}).items())
        if isinstance(explain.get("method"), Mapping)
        else [("method", explain.get("method"))],
        "stability": stability,
        "char_ngram_share": explain.get("char_ngram_share"),
        "residual_max": explain.get("local_residual_max"),
        "n_local": explain.get("n_local"),
        "n_confident_errors": explain.get("n_confident_errors"),
        "global": global_tokens,
        "local": local,
        "withheld": withheld,
    }


def policy_section(policy: Mapping[str, Any]) -> dict[str, Any]:
    """Rules grouped by policy file, in file order."""
    by_policy: dict[str, list[Mapping[str, Any]]] = {}
    for rule in policy.get("rules") or []:
        by_policy.setdefault(rule["policy"], []).append(rule)
    titles = policy.get("policies") or {}
    return {
        "verdict": policy.get("verdict"),
        "counts": policy.get("counts") or {},
        "blocking_failures": policy.get("blocking_failures") or [],
        "warnings": policy.get("warnings") or [],
        "groups": [
            {"name": name, "title": titles.get(name, name), "rules": rules} for name, rules in by_policy.items()
        ],
    }


INTERPOLATION = re.compile(r"\$\{\s*([\w.-]+)\s*\}")


def resolve_interpolation(text: str, params: Mapping[str, Any]) -> str:
    """``${data.source}`` as DVC resolves it from params.yaml: a reader needs the path, not the template."""
    values = flatten(params)
    return INTERPOLATION.sub(lambda m: str(values.get(m.group(1), m.group(0))), text)


def lineage_section(
    dvc_yaml: Mapping[str, Any], artifacts: Sequence[Mapping[str, Any]], params: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The stage graph (each stage's command, inputs and outputs, interpolations resolved) and the artifact hashes."""
    stages = []
    for name, stage in (dvc_yaml.get("stages") or {}).items():

        def paths(key: str, stage: Mapping[str, Any] = stage) -> list[str]:
            entries = [e if isinstance(e, str) else next(iter(e)) for e in stage.get(key) or []]
            return [resolve_interpolation(e, params or {}) for e in entries]

        stages.append(
            {
                "name": name,
                "cmd": resolve_interpolation(str(stage.get("cmd") or ""), params or {}),
                "deps": [d for d in paths("deps") if not d.startswith(("src/", "stages/"))],
                "code": [d for d in paths("deps") if d.startswith(("src/", "stages/"))],
                "outs": paths("outs") + paths("metrics"),
            }
        )
    return {"stages": stages, "artifacts": list(artifacts)}
