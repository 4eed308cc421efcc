"""``summary.md``: the PR comment body a compliance reviewer reads first.

One screen: verdict, every policy rule with value, threshold and regulation,
the headline metrics, the largest fairness gaps and the privacy counts. No
images (a comment image would need an upload to a third-party host) and a
hard size limit below GitHub's 65,536-character comment limit.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from vigil.compliance.gate import format_value
from vigil.compliance.report.context import HEADLINE_METRICS, MIN_MEASURABLE_SUPPORT, fmt, headline_interval
from vigil.compliance.report.plain_language import (
    data_quality_in_words,
    drop_in_words,
    established_gap_in_words,
    removed_at_ingest_in_words,
    small_groups_in_words,
    split_in_words,
)

WATERMARK = "<!-- vigil-compliance -->"
EVIDENCE_LINK_PLACEHOLDER = "EVIDENCE_URL"
STATUS_MARK = {"pass": "✅", "fail": "❌", "missing": "❌", "not_assessable": "⚪"}


def _cell(value: Any) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def _table(header: list[str], rows: list[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return lines


def fairness_gaps(fairness: Mapping[str, Any], limit: int) -> list[dict[str, Any]]:
    """The largest accuracy / macro-F1 gaps across groupings, largest established gap first."""
    gaps = []
    for grouping, section in fairness.items():
        if not isinstance(section, Mapping) or "groups" not in section:  # summary, config, ...
            continue
        for metric in ("accuracy", "f1_macro"):
            stats = section.get(metric)
            if isinstance(stats, Mapping) and stats.get("max_gap") is not None:
                gaps.append({"grouping": grouping, "metric": metric, **stats})
    gaps.sort(key=lambda g: (-(g.get("max_gap_ci_low") or -1.0), -(g.get("max_gap") or 0.0), g["grouping"]))
    return gaps[:limit]


# What a rule's value is, by the end of its metric path: the reviewer must not read a lower bound as the gap.
INSERT_MARKER = "<!-- vigil:insert -->"
MEASURED = (("gap", "gap"), ("drop", "drop"), ("rate", "share"))


def _measured(metric: str) -> str:
    """What the interval is of ('gap', 'drop', 'share'), named from the metric path."""
    leaf = metric.rsplit(".", 1)[-1]
    return next((word for part, word in MEASURED if part in leaf), "value")


def _reads(metric: str, value: Any) -> str:
    what = _measured(metric)
    if metric.endswith("_ci_high"):
        return "upper end of the 95% interval"
    if not metric.endswith("_ci_low"):
        return ""
    if isinstance(value, int | float) and value <= 0 and what != "value":
        return f"lower end of the 95% interval, below 0: no {what} established"
    return f"lower end of the 95% interval: the {what} is at least this"


def _not_measured(critical: Mapping[str, Any]) -> str:
    """Critical classes the model does not know (dropped at ingest as too rare), said beside the scores."""
    absent = critical.get("not_measured") or {}
    if not absent:
        return ""
    return " Not measured: " + "; ".join(f"'{label}' ({why})" for label, why in absent.items()) + "."


def _rule_rows(policy: Mapping[str, Any], only_failures: bool) -> list[list[Any]]:
    rows = []
    for rule in policy.get("rules") or []:
        if only_failures and rule["status"] == "pass":
            continue
        assessable = rule["status"] != "not_assessable"
        blocks = rule["severity"] == "blocking" and (assessable or rule.get("when_not_assessable") == "block")
        mark = STATUS_MARK["pass"] if rule["status"] == "pass" else (STATUS_MARK["fail"] if blocks else "⚠️")
        reads = _reads(str(rule.get("metric", "")), rule["value"]) if rule["value"] is not None else ""
        note = {"missing": " (missing)", "not_assessable": f" (not assessable: {rule.get('detail', '')})"}
        rows.append(
            [
                mark,
                f"`{rule['id']}` {rule['title']}" + note.get(rule["status"], ""),
                format_value(rule["value"]) + (f" ({reads})" if reads else ""),
                f"{rule['op']} {format_value(rule['threshold'])}",
                rule["severity"]
                + (
                    f" ({rule['release_severity']} for a release)"
                    if rule.get("release_severity", rule["severity"]) != rule["severity"]
                    else ""
                ),
                "; ".join(rule["references"]),
            ]
        )
    return rows


def robustness_lines(robustness: Mapping[str, Any], compact: bool) -> list[str]:
    """The rewrites of the test notes: accuracy drop in words, answers changed (worst first)."""
    entries = robustness.get("perturbations") or {}
    if not entries:
        return []
    level = float(robustness.get("confidence") or 0.95)
    ordered = sorted(entries.items(), key=lambda kv: -kv[1]["metrics"]["accuracy"]["drop"])
    rows = [
        [
            name.replace("_", " ") + ("" if entry["preserves_meaning"] else " (loses information)"),
            f"{entry['flip_rate'] * 100:.1f}%",
            drop_in_words(
                entry["metrics"]["accuracy"]["drop"],
                entry["metrics"]["accuracy"]["drop_ci_low"],
                entry["metrics"]["accuracy"]["drop_ci_high"],
                level,
            ),
        ]
        for name, entry in ordered[: 3 if compact else len(ordered)]
    ]
    skipped = robustness.get("not_run") or {}
    return [
        "",
        f"### Robustness (the {fmt(robustness.get('n_test'))} test notes rewritten)",
        "",
        *_table(["Rewrite", "Answers changed", "Accuracy"], rows),
        *(
            [
                "",
                "Not run, so not measured: "
                + "; ".join(f"{n.replace('_', ' ')} ({why})" for n, why in skipped.items())
                + ".",
            ]
            if skipped
            else []
        ),
    ]


RULE_HEADER = ["", "Rule", "Value", "Threshold", "Severity", "References"]


def render_summary(
    *,
    policy: Mapping[str, Any],
    reports: Mapping[str, Any],
    meta: Mapping[str, Any],
    top_gaps: int,
    compact: bool = False,
) -> str:
    """The Markdown body, decision first: verdict, rules that did not pass, then the detail.

    ``INSERT_MARKER`` follows the decision: ``vigil pr-comment`` puts the comparison
    with the base branch there. ``compact`` drops the table of every rule and
    shows fewer gaps.
    """
    verdict = policy["verdict"]
    counts = policy["counts"]
    signer = meta["signer"]
    lines = [
        WATERMARK,
        f"## {STATUS_MARK[verdict]} Vigil compliance: **{verdict.upper()}**",
        "",
        f"{counts['passed']} of {counts['rules']} policy rules passed · **{counts['blocking_failures']} blocking "
        f"failure(s)** · {counts['warnings']} warning(s) · model `{meta['model_family']}` · commit "
        f"`{meta['commit_short']}`",
        "",
    ]
    if signer["development"]:
        lines += ["> ⚠️ Signed with a **development key**: not release evidence.", ""]
    failing = _rule_rows(policy, only_failures=True)
    if failing:
        lines += ["### Rules that did not pass", "", *_table(RULE_HEADER, failing), ""]
    lines += [INSERT_MARKER, ""]
    metrics = reports.get("metrics") or {}
    lines += [f"### Headline metrics (test split, n = {fmt(metrics.get('n_test'))})", ""]
    lines += _table(
        ["Metric", "Value", "95% interval"],
        [
            [name, fmt(metrics.get(key), 4), headline_interval(metrics, key) or "—"]
            for key, name in HEADLINE_METRICS
            if key in metrics
        ],
    )
    too_few = sorted(
        label
        for label, scores in (metrics.get("per_class") or {}).items()
        if (scores.get("support") or 0) < MIN_MEASURABLE_SUPPORT
    )
    if too_few:
        lines += [
            "",
            f"{len(too_few)} class(es) with fewer than {MIN_MEASURABLE_SUPPORT} test records "
            f"({', '.join(too_few[:8])}{', ...' if len(too_few) > 8 else ''}): their scores are mostly chance, and "
            "macro-F1 and its interval average them without showing it.",
        ]
    critical = metrics.get("critical") or {}
    if critical.get("not_assessable"):
        lines += ["", f"Safety-critical classes: {critical['not_assessable'].get('recall_min')}."]
    elif critical:
        lines += [
            "",
            f"Safety-critical classes: lowest F1 {fmt(critical.get('f1_min'))} "
            f"{headline_interval(metrics, 'critical_f1_min')}, lowest recall {fmt(critical.get('recall_min'))}."
            + _not_measured(critical),
        ]
    fairness = reports.get("fairness") or {}
    gaps = fairness_gaps(fairness, 3 if compact else top_gaps)
    lines += ["", "### Largest fairness gaps", ""]
    if gaps:
        lines += [
            "The fairness rules read the lower end of the interval: a gap is *established* when even that end "
            "exceeds the threshold, so a large gap measured on small groups can be significant and still pass.",
            "",
        ]
        lines += _table(
            ["Grouping", "Metric", "Gap", "95% interval (adj.)", "Established at least", "Significant", "Worst group"],
            [
                [
                    g["grouping"],
                    g["metric"],
                    fmt(g.get("max_gap")),
                    f"[{fmt(g.get('max_gap_ci_low'))}, {fmt(g.get('max_gap_ci_high'))}]",
                    fmt(g["max_gap_ci_low"]) if (g.get("max_gap_ci_low") or 0.0) > 0 else "not established",
                    "yes" if g.get("significant") else "no",
                    f"{g.get('worst_group')} ({fmt(g.get('worst'))})",
                ]
                for g in gaps
            ],
        )
    else:
        lines.append("No grouping had two groups large enough to compare.")
    summary = fairness.get("summary") or {}
    if summary:
        lines += [
            "",
            f"{established_gap_in_words(summary)} {fmt(summary.get('significant_gaps'))} gap(s) have intervals "
            f"excluding zero (a count that grows with the test set; the rules read sizes). "
            f"{small_groups_in_words(fairness)}",
        ]
    lines += robustness_lines(reports.get("robustness") or {}, compact)
    quality = reports.get("data_quality") or {}
    lines += [
        "",
        "### Data",
        "",
        f"{fmt(quality.get('n_records'))} records after validation, {fmt(quality.get('n_labels'))} labels. "
        + removed_at_ingest_in_words(quality.get("dropped") or {})
        + " "
        + split_in_words(reports.get("split") or {})
        + " "
        + data_quality_in_words(quality, reports.get("split") or {}),
    ]
    privacy = reports.get("privacy") or {}
    lines += ["", "### Privacy (counts only)", ""]
    lines += [
        f"{fmt(privacy.get('entities_total'))} personal-data values removed from "
        f"{fmt(privacy.get('records_with_pii'))} of {fmt(privacy.get('records_scanned'))} records; "
        f"independent residual scan: **{fmt(privacy.get('residual_entities'))} suspected** in "
        f"{fmt((privacy.get('residual') or {}).get('records_affected'))} records; "
        f"pseudonymisation: {privacy.get('pseudonymisation', '—')}.",
        "",
    ]
    entities = sorted((privacy.get("entities") or {}).items(), key=lambda kv: -kv[1])
    if entities and not compact:
        lines += _table(["Entity type", "Values removed"], [[name, fmt(count)] for name, count in entities])
        lines.append("")
    if not compact:
        lines += [
            f"<details><summary>All {counts['rules']} policy rules</summary>",
            "",
            *_table(RULE_HEADER, _rule_rows(policy, only_failures=False)),
            "",
            "</details>",
            "",
        ]
    lines += [
        "### Evidence",
        "",
        f"Signed PDF report, manifest and signature: [workflow artifact]({EVIDENCE_LINK_PLACEHOLDER}). Signer: "
        f"{signer['subject']} (certificate SHA-256 `{signer['fingerprint_sha256'][:16]}…`).",
        "",
        _trust_sentence(meta),
        "",
        "Verify in a clone of this repository, with the artifact unpacked into `evidence/` "
        f"(it holds `reports/compliance/`): `{verify_command(meta)}` (judges the signer against the "
        "certificates committed in `policies/trust/`, never against the `signer.pem` that travels with it).",
        "",
    ]
    return "\n".join(lines)


def verify_command(meta: Mapping[str, Any], evidence: str = "evidence/reports/compliance") -> str:
    """The command that checks this evidence as the artifact holds it (the four bundle files)."""
    trust = meta.get("trust") or {}
    if meta["signer"]["development"]:
        scope = "--allow-development"
    elif trust.get("anchored"):
        scope = f"--role {trust['role']}"
    else:
        scope = "--trust <certificate you were given out of band>"
    if meta.get("commit") and not meta.get("uncommitted"):
        rev = f" --rev {meta['commit']}"
    elif meta.get("commit"):  # run on uncommitted changes (a local experiment): bound to the commit that holds them
        rev = " --rev <the commit holding this run's params.yaml and dvc.lock>"
    else:
        rev = ""
    return f"vigil verify {evidence} --bundle{rev} {scope}"


def _trust_sentence(meta: Mapping[str, Any]) -> str:
    trust = meta.get("trust") or {}
    if meta["signer"]["development"]:
        return "**Development signature**: a local key; this is not evidence anyone else can rely on."
    if trust.get("anchored"):
        return (
            f"Signer anchored as `{trust['id']}` ({trust['role']}) at `{trust['path']}`: "
            "trust that committed certificate."
        )
    return (
        f"**Signer not anchored** in `{trust.get('anchors_file', 'policies/trust/signers.yaml')}`: do not rely on it."
    )


def summary_within_limit(max_chars: int, **kwargs: Any) -> str:
    """The full summary, or the compact one when the full one exceeds ``max_chars``; never longer."""
    text = render_summary(**kwargs)
    if len(text) <= max_chars:
        return text
    text = render_summary(compact=True, **kwargs)
    if len(text) <= max_chars:
        return text
    note = "\n\n… truncated to fit a PR comment; the signed PDF has everything.\n"
    return text[: max_chars - len(note)] + note


GITHUB_COMMENT_LIMIT = 65_536


def pr_comment(summary: str, evidence_url: str, insert: str = "", append: str = "") -> str:
    """The comment body: ``summary.md`` with the evidence link filled in, ``insert`` after the decision
    (the comparison with the base branch), ``append`` at the end; checked against GitHub's limit."""
    body = summary.replace(f"]({EVIDENCE_LINK_PLACEHOLDER})", f"]({evidence_url})")
    if insert:
        if INSERT_MARKER not in body:
            raise ValueError(f"no {INSERT_MARKER} line to insert after the verdict (re-run the report stage)")
        body = body.replace(INSERT_MARKER, insert.rstrip("\n"), 1)
    if append:
        body = body.rstrip("\n") + "\n\n" + append
    if len(body) >= GITHUB_COMMENT_LIMIT:
        raise ValueError(f"comment has {len(body):,} characters; GitHub accepts fewer than {GITHUB_COMMENT_LIMIT:,}")
    return body


def workflow_run_url(environ: Mapping[str, str]) -> str | None:
    """The GitHub Actions run page (where its artifacts are listed), from the runner's environment."""
    keys = ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID")
    if not all(environ.get(k) for k in keys):
        return None
    return f"{environ['GITHUB_SERVER_URL']}/{environ['GITHUB_REPOSITORY']}/actions/runs/{environ['GITHUB_RUN_ID']}"
