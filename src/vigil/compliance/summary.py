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
from vigil.compliance.report.context import HEADLINE_METRICS, fmt

WATERMARK = "<!-- vigil-compliance -->"
EVIDENCE_LINK_PLACEHOLDER = "EVIDENCE_URL"
STATUS_MARK = {"pass": "✅", "fail": "❌", "missing": "❌"}


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


def _rule_rows(policy: Mapping[str, Any], only_failures: bool) -> list[list[Any]]:
    rows = []
    for rule in policy.get("rules") or []:
        if only_failures and rule["status"] == "pass":
            continue
        mark = (
            STATUS_MARK["pass"]
            if rule["status"] == "pass"
            else (STATUS_MARK["fail"] if rule["severity"] == "blocking" else "⚠️")
        )
        rows.append(
            [
                mark,
                f"`{rule['id']}` {rule['title']}" + (f" ({rule['status']})" if rule["status"] == "missing" else ""),
                format_value(rule["value"]),
                f"{rule['op']} {format_value(rule['threshold'])}",
                rule["severity"],
                "; ".join(rule["references"]),
            ]
        )
    return rows


def render_summary(
    *,
    policy: Mapping[str, Any],
    reports: Mapping[str, Any],
    meta: Mapping[str, Any],
    top_gaps: int,
    compact: bool = False,
) -> str:
    """The Markdown body; ``compact`` lists only rules that did not pass and fewer gaps."""
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
    lines += ["### Policy results" + (" (rules that did not pass)" if compact else ""), ""]
    rule_rows = _rule_rows(policy, only_failures=compact)
    lines += (
        _table(["", "Rule", "Value", "Threshold", "Severity", "References"], rule_rows)
        if rule_rows
        else ["All rules passed."]
    )
    metrics = reports.get("metrics") or {}
    lines += ["", f"### Headline metrics (test split, n = {fmt(metrics.get('n_test'))})", ""]
    lines += _table(
        ["Metric", "Value"], [[name, fmt(metrics.get(key), 4)] for key, name in HEADLINE_METRICS if key in metrics]
    )
    critical = metrics.get("critical") or {}
    if critical:
        lines += [
            "",
            f"Safety-critical classes: lowest F1 {fmt(critical.get('f1_min'))}, "
            f"lowest recall {fmt(critical.get('recall_min'))}.",
        ]
    fairness = reports.get("fairness") or {}
    gaps = fairness_gaps(fairness, 3 if compact else top_gaps)
    lines += ["", "### Largest fairness gaps", ""]
    if gaps:
        lines += _table(
            ["Grouping", "Metric", "Gap", "95% interval (adj.)", "Significant", "Worst group"],
            [
                [
                    g["grouping"],
                    g["metric"],
                    fmt(g.get("max_gap")),
                    f"[{fmt(g.get('max_gap_ci_low'))}, {fmt(g.get('max_gap_ci_high'))}]",
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
            f"{fmt(summary.get('significant_gaps'))} significant gap(s); "
            f"{fmt(summary.get('insufficient_groups'))} group(s) too small to compare.",
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
    lines += [
        "### Evidence",
        "",
        f"Signed PDF report, manifest and signature: [workflow artifact]({EVIDENCE_LINK_PLACEHOLDER}). Signer: "
        f"{signer['subject']} (certificate SHA-256 `{signer['fingerprint_sha256'][:16]}…`).",
        "",
        _trust_sentence(meta),
        "",
        f"Verify in a clone of this repository: `vigil verify <evidence dir> --rev {meta['commit_short']}` "
        "(judges the signer against the certificates committed in `policies/trust/`, never against the "
        "`signer.pem` that travels with the evidence).",
        "",
    ]
    return "\n".join(lines)


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


def pr_comment(summary: str, evidence_url: str) -> str:
    """The comment body: ``summary.md`` with the evidence link filled in, checked against GitHub's limit."""
    body = summary.replace(f"]({EVIDENCE_LINK_PLACEHOLDER})", f"]({evidence_url})")
    if len(body) >= GITHUB_COMMENT_LIMIT:
        raise ValueError(f"comment has {len(body):,} characters; GitHub accepts fewer than {GITHUB_COMMENT_LIMIT:,}")
    return body


def workflow_run_url(environ: Mapping[str, str]) -> str | None:
    """The GitHub Actions run page (where its artifacts are listed), from the runner's environment."""
    keys = ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID")
    if not all(environ.get(k) for k in keys):
        return None
    return f"{environ['GITHUB_SERVER_URL']}/{environ['GITHUB_REPOSITORY']}/actions/runs/{environ['GITHUB_RUN_ID']}"
