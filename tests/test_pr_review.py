"""The PR comment that decides: paired significance, decision first, one comment updated on a busy PR."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from conftest import run
from vigil.compliance.summary import INSERT_MARKER, WATERMARK, pr_comment, render_summary
from vigil.evaluation.paired import BETTER, NOISE, SAME, WORSE, paired_changes

LABELS = ["brakes", "engine", "hvac", "electrical"]


def _predictions(n: int, error_rate: float, seed: int) -> tuple[list[str], list[str]]:
    rng = np.random.default_rng(seed)
    truth = [LABELS[i % len(LABELS)] for i in range(n)]
    wrong = rng.random(n) < error_rate
    pred = [LABELS[(LABELS.index(t) + 1) % len(LABELS)] if w else t for t, w in zip(truth, wrong, strict=True)]
    return truth, pred


def _by_metric(changes):
    return {c.metric: c for c in changes}


def test_a_clearly_better_model_is_better_and_the_same_pair_swapped_is_worse():
    truth, base = _predictions(1800, 0.20, seed=1)
    _, head = _predictions(1800, 0.08, seed=2)
    better = _by_metric(paired_changes(truth, base, head, critical_classes=["brakes"], resamples=500))
    worse = _by_metric(paired_changes(truth, head, base, critical_classes=["brakes"], resamples=500))
    for metric in ("accuracy", "f1_macro", "critical.f1_min"):
        assert better[metric].verdict == BETTER and better[metric].ci_low > 0, better[metric]
        assert worse[metric].verdict == WORSE and worse[metric].ci_high < 0
        assert better[metric].change == pytest.approx(-worse[metric].change, abs=1e-4)
    assert better["accuracy"].mcnemar_p < 1e-6 and better["accuracy"].p_value < 0.01


def test_a_handful_of_flipped_notes_is_within_noise_not_a_win():
    """The issue's pattern: +0.004 macro-F1 on 1,800 notes is a few notes, not an improvement."""
    truth, base = _predictions(1800, 0.10, seed=3)
    head = list(base)
    fixed = [i for i, (t, p) in enumerate(zip(truth, base, strict=True)) if t != p][:8]
    broken = [i for i, (t, p) in enumerate(zip(truth, base, strict=True)) if t == p][:3]
    for i in fixed:
        head[i] = truth[i]
    for i in broken:
        head[i] = LABELS[(LABELS.index(truth[i]) + 2) % len(LABELS)]
    changes = _by_metric(paired_changes(truth, base, head, resamples=1000))
    assert 0 < changes["f1_macro"].change < 0.01
    assert changes["f1_macro"].verdict == NOISE
    assert changes["accuracy"].verdict == NOISE and changes["accuracy"].mcnemar_p > 0.05
    assert changes["accuracy"].p_value > 0.05 and changes["f1_macro"].p_value > 0.05


def test_identical_predictions_are_no_change_and_the_paired_interval_is_narrower_than_separate_ones():
    truth, base = _predictions(600, 0.15, seed=4)
    assert {c.verdict for c in paired_changes(truth, base, list(base), resamples=200)} == {SAME}
    _, head = _predictions(600, 0.15, seed=4)
    head = list(head)
    head[:10] = truth[:10]
    change = _by_metric(paired_changes(truth, base, head, resamples=1000))["accuracy"]
    separate = 2 * 1.96 * np.sqrt(2 * 0.85 * 0.15 / 600)  # width of the difference of two independent intervals
    assert change.ci_high - change.ci_low < separate / 2


POLICY = {
    "verdict": "fail",
    "counts": {"passed": 2, "rules": 3, "blocking_failures": 1, "warnings": 0},
    "rules": [
        {
            "id": "PERF-001",
            "title": "Macro-F1 at least 0.80",
            "status": "pass",
            "severity": "blocking",
            "value": 0.9,
            "op": ">=",
            "threshold": 0.8,
            "references": ["EU AI Act Art. 15(1)"],
            "metric": "metrics.f1_macro",
        },
        {
            "id": "FAIR-002",
            "title": "Established macro-F1 gap at most 0.05",
            "status": "pass",
            "severity": "blocking",
            "value": 0.012,
            "op": "<=",
            "threshold": 0.05,
            "references": ["LGPD Art. 6 IX"],
            "metric": "fairness.summary.max_f1_macro_gap_ci_low",
        },
        {
            "id": "PRIV-001",
            "title": "No residual personal data",
            "status": "fail",
            "severity": "blocking",
            "value": 3,
            "op": "<=",
            "threshold": 0,
            "references": ["GDPR Art. 5(1)(c)"],
            "metric": "privacy.residual_entities",
        },
    ],
}
META = {
    "signer": {"development": True, "subject": "CN=dev", "fingerprint_sha256": "ab" * 32},
    "commit": "0123456789abcdef0123456789abcdef01234567",
    "commit_short": "0123456789ab",
    "model_family": "tfidf_logreg",
}


def test_the_comment_puts_the_failing_rule_and_the_base_comparison_before_the_detail():
    summary = render_summary(policy=POLICY, reports={"metrics": {"f1_macro": 0.9}}, meta=META, top_gaps=5)
    failing = summary.index("`PRIV-001`")
    assert summary.index("FAIL") < failing < summary.index(INSERT_MARKER) < summary.index("### Headline metrics")
    assert "0.012 (lower end of the 95% interval" in summary  # a lower bound is never read as the gap
    negative = {**POLICY, "rules": [{**POLICY["rules"][1], "value": -0.04}]}
    assert "below 0: no gap established" in render_summary(policy=negative, reports={}, meta=META, top_gaps=5)
    body = pr_comment(summary, "https://ci.invalid/runs/1", insert="### Against `main`\n", append="## Reproduction\n")
    assert INSERT_MARKER not in body and body.index("`PRIV-001`") < body.index("### Against `main`")
    assert body.index("### Against `main`") < body.index("### Headline metrics") < body.index("## Reproduction")
    assert f"--bundle --rev {META['commit']} --allow-development" in body
    with pytest.raises(ValueError, match="GitHub accepts fewer than"):
        pr_comment(summary, "https://ci.invalid", insert="x" * 70_000)


def test_the_one_vigil_comment_is_updated_on_a_pr_with_45_comments(fake_github, tmp_path: Path):
    url, handler = fake_github
    people = [{"id": i, "body": f"review remark {i}", "user": {"login": "reviewer"}} for i in range(45)]
    ours = {"id": 77, "body": f"{WATERMARK}\nold verdict", "user": {"login": "github-actions[bot]"}}
    quoted = {"id": 78, "body": f"> {WATERMARK} quoting the bot", "user": {"login": "reviewer"}}
    handler.comments.extend(people[:5] + [ours] + people[5:40] + [quoted] + people[40:])
    summary = tmp_path / "summary.md"
    summary.write_text(f"{WATERMARK}\n## verdict\n\n{INSERT_MARKER}\n\nrest\n")
    env = {"GITHUB_TOKEN": "test-token", "GITHUB_API_URL": url, "GITHUB_REPOSITORY": "acme/vigil"}
    command = ["vigil", "pr-comment", "--summary", str(summary), "--evidence-url", "https://ci.invalid", "--post"]
    for attempt in ("first run", "second run"):
        (tmp_path / "base.md").write_text(f"### Against `main` ({attempt})\n")
        done = run([*command, "--pr", "12", "--insert", str(tmp_path / "base.md")], tmp_path, env=env)
        assert "updated comment 77 (2 page(s) of comments read)" in done.stdout, done.stdout
    assert len(handler.comments) == 47  # nothing added: both runs updated the bot's own comment
    assert "second run" in next(c for c in handler.comments if c["id"] == 77)["body"]
    assert "quoting the bot" in next(c for c in handler.comments if c["id"] == 78)["body"]  # never overwritten
    assert [r.split("?")[0] for r in handler.requests].count("PATCH /repos/acme/vigil/issues/comments/77") == 2


def test_a_pr_without_a_vigil_comment_gets_one_created(fake_github, tmp_path: Path):
    url, handler = fake_github
    handler.comments.extend({"id": i, "body": "lgtm", "user": {"login": "reviewer"}} for i in range(3))
    summary = tmp_path / "summary.md"
    summary.write_text(f"{WATERMARK}\nverdict\n")
    env = {"GITHUB_TOKEN": "test-token", "GITHUB_API_URL": url, "GITHUB_REPOSITORY": "acme/vigil"}
    done = run(["vigil", "pr-comment", "--summary", str(summary), "--post", "--pr", "3"], tmp_path, env=env)
    assert "created comment 1003" in done.stdout and handler.comments[-1]["body"].startswith(WATERMARK)
    # Outside GitHub Actions and without --evidence-url, a local preview still works (no exit 2).
    preview = run(["vigil", "pr-comment", "--summary", str(summary)], tmp_path, env={"GITHUB_RUN_ID": ""})
    assert preview.returncode == 0 and preview.stdout.startswith(WATERMARK)


def test_holm_adjusts_for_reading_several_metrics_at_once():
    from vigil.evaluation.paired import holm

    adjusted = holm({"accuracy": 0.03, "f1_macro": 0.01, "critical.f1_min": 0.04})
    assert adjusted == pytest.approx({"f1_macro": 0.03, "accuracy": 0.06, "critical.f1_min": 0.06})
    assert holm({"only": 0.5}) == {"only": 0.5} and holm({"a": 0.6, "b": 0.9}) == {"a": 1.0, "b": 1.0}


def test_a_gap_whose_interval_reaches_zero_reads_not_established_never_a_negative_lower_bound():
    stats = {"max_gap": 0.04, "max_gap_ci_low": -0.004, "max_gap_ci_high": 0.09, "worst_group": "x", "worst": 0.9}
    fairness = {"region": {"groups": {}, "f1_macro": stats, "accuracy": {**stats, "max_gap_ci_low": 0.012}}}
    summary = render_summary(policy=POLICY, reports={"fairness": fairness}, meta=META, top_gaps=5)
    rows = [line for line in summary.splitlines() if line.startswith("| region |")]
    assert "| 0.012 |" in rows[0] and "| not established |" in rows[1] and "[-0.004, " in rows[1], rows
