"""The ``vigil`` command: repository chores that are not DVC stages.

Sub-commands are added by the capabilities that own them (gate, verify,
retrieve, keys, serve, ...); each parses its arguments here and delegates to
the library, so the command stays a thin shell like the stage scripts.
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from vigil import __version__
from vigil.data_cli import add_data_commands
from vigil.deploy_cli import add_deploy_commands
from vigil.errors import VigilError
from vigil.evidence_cli import add_evidence_commands
from vigil.experiment_cli import add_experiment_commands
from vigil.log import configure
from vigil.score_cli import add_score_commands


def _generate(args: argparse.Namespace) -> int:
    """Write a synthetic dataset to CSV/Parquet (e.g. to try the bring-your-own-data path)."""
    from vigil.data.synthetic import SyntheticConfig, generate
    from vigil.io import atomic_path, write_jsonl

    out = Path(args.out)
    if out.suffix not in {".csv", ".parquet"}:
        raise VigilError(f"{out}: output must end in .csv or .parquet")
    frame, gold = generate(SyntheticConfig(n_records=args.n, seed=args.seed), progress=sys.stderr.isatty())
    with atomic_path(out) as staged:
        if out.suffix == ".csv":
            frame.to_csv(staged, index=False)
        else:
            frame.to_parquet(staged, index=False)
    if args.gold:
        write_jsonl(args.gold, gold)
    print(f"wrote {len(frame)} records to {out}")
    return 0


def _gate(args: argparse.Namespace) -> int:
    """Evaluate the policies against the reports; write reports/policy.json; exit 1 on a blocking failure."""
    from vigil.compliance.evidence import gate
    from vigil.compliance.gate import format_table
    from vigil.compliance.policies import load_policies
    from vigil.contracts import write_report
    from vigil.params import load_params

    root = Path(args.repo)
    policies = load_policies(root / args.policies)
    report, _ = gate(root, load_params(root / "params.yaml"), policies)
    if not args.no_write:
        write_report("policy", report, root)
    print(format_table(report))
    if args.release:
        stopped = report["release_blocking_failures"]
        print(f"release verdict: {report['release_verdict'].upper()}" + (f" ({', '.join(stopped)})" if stopped else ""))
        return 0 if report["release_verdict"] == "pass" else 1
    return 0 if report["verdict"] == "pass" else 1


def _pr_comment(args: argparse.Namespace) -> int:
    """Print (or write) the PR comment body: summary.md with the evidence link, the base comparison inserted."""
    from vigil.compliance.summary import pr_comment, workflow_run_url
    from vigil.io import write_text

    summary = Path(args.summary)
    if not summary.is_file():
        raise VigilError(f"{summary}: not found (run `dvc repro` first)")
    # Outside GitHub Actions the evidence is the local directory (a preview of the comment).
    url = args.evidence_url or workflow_run_url(os.environ) or summary.parent.as_posix()

    def read(paths: list[str], option: str) -> str:
        for extra in paths:
            if not Path(extra).is_file():
                raise VigilError(f"{extra}: not found ({option})")
        return "\n".join(Path(extra).read_text(encoding="utf-8") for extra in paths)

    try:
        body = pr_comment(
            summary.read_text(encoding="utf-8"), url, read(args.insert, "--insert"), read(args.append, "--append")
        )
    except ValueError as exc:
        raise VigilError(f"{summary}: {exc}") from None
    if args.out:
        write_text(args.out, body)
    elif not args.post:
        sys.stdout.write(body)
    if args.post:
        _post(body, args)
    return 0


DEBUG_ENV = "VIGIL_DEBUG"


def _post(body: str, args: argparse.Namespace) -> None:
    """Create or update the PR's one Vigil comment through the GitHub API (token from the environment)."""
    from vigil.compliance.summary import WATERMARK
    from vigil.github_api import DEFAULT_API, GitHubApi
    from vigil.pr_comment_post import post_comment

    token = os.environ.get("GITHUB_TOKEN") or os.environ.get("REPO_TOKEN")
    repository = args.repository or os.environ.get("GITHUB_REPOSITORY")
    if not token or not repository or not args.pr:
        raise VigilError("--post needs --pr N, GITHUB_REPOSITORY (or --repository) and GITHUB_TOKEN")
    api = GitHubApi(os.environ.get("GITHUB_API_URL") or DEFAULT_API, token)
    posted = post_comment(api, repository, args.pr, body, WATERMARK, args.author)
    print(f"{posted.action} comment {posted.comment_id} ({posted.pages} page(s) of comments read) {posted.url}")


def _base_diff(args: argparse.Namespace) -> int:
    """Parameters and metrics against the base branch, with a paired significance test (Markdown/JSON)."""
    from vigil.compliance.base_comparison import base_comparison_markdown, compare_with_base
    from vigil.io import write_text

    result = compare_with_base(Path(args.repo), args.base, args.head_sha, resamples=args.resamples)
    markdown = base_comparison_markdown(result)
    if args.json:
        write_text(args.json, result.to_json())
    if args.md:
        write_text(args.md, markdown)
    else:
        sys.stdout.write(markdown)
    return 0


def _release_baseline(args: argparse.Namespace) -> int:
    """Record release ``--tag`` in releases/previous.json for the next report's change log."""
    from vigil.compliance.release_baseline import record_baseline, write_baseline

    record = record_baseline(Path(args.repo), args.tag)
    target = write_baseline(Path(args.repo), record)
    print(
        f"recorded {args.tag} ({record['release']['commit'][:12]}): {len(record['params'])} parameters, "
        f"{len(record['metrics'])} metrics, {len(record['predictions']['rows']):,} test predictions in {target}"
    )
    print(f"next: git add {target.relative_to(Path(args.repo))} && git commit -m 'Record release {args.tag}'")
    return 0


def _serve(args: argparse.Namespace) -> int:
    """Verify the model, then run the prediction service with uvicorn."""
    import uvicorn

    from vigil.params import load_params
    from vigil.serving.header_timeout import PROTOCOL as HEADER_TIMEOUT_PROTOCOL
    from vigil.serving.header_timeout import TIMEOUT_ENV as HEADER_TIMEOUT_ENV
    from vigil.serving.manifest_trust import ManifestTrust
    from vigil.serving.record_ids import ID_KEY_ENV, new_key
    from vigil.serving.runtime import load_runtime
    from vigil.serving.settings import ServeSettings
    from vigil.serving.telemetry import MULTIPROC_ENV
    from vigil.serving.worker_state import STATE_DIR_ENV

    manifest = None if args.no_manifest else args.manifest
    if manifest and not Path(manifest).is_file():
        raise VigilError(f"{manifest}: not found (pass --manifest PATH, or --no-manifest for a local model)")
    params_path = Path(args.params)
    settings = ServeSettings.from_params(load_params(params_path).get("serve") if params_path.is_file() else None)
    trust = ManifestTrust(Path(args.anchors), args.allow_development)
    # refuses to start on an unsigned or unanchored manifest or a model that differs from it, before binding a port
    runtime = load_runtime(args.model, manifest, trust)
    print(f"serving {runtime.model_version} on http://{args.host}:{args.port} with {args.workers} worker(s)")
    os.environ.update(VIGIL_MODEL_DIR=args.model, VIGIL_MANIFEST=manifest or "", VIGIL_PARAMS=args.params)
    os.environ.update(trust.to_env())
    os.environ[HEADER_TIMEOUT_ENV] = str(settings.header_timeout_seconds)  # read by the protocol, per connection
    # One record-id key for all workers of this process (feedback may reach another worker than the prediction).
    os.environ.setdefault(ID_KEY_ENV, new_key())
    shared_dirs = []
    if args.workers > 1 and not os.environ.get(MULTIPROC_ENV):
        # Spawned workers import prometheus_client afresh and write their values here; a scrape sums them.
        os.environ[MULTIPROC_ENV] = tempfile.mkdtemp(prefix="vigil-metrics-")
        shared_dirs.append(os.environ[MULTIPROC_ENV])
    if args.workers > 1:
        # Each worker records whether it started; a replacement that cannot start makes /ready 503 everywhere.
        os.environ[STATE_DIR_ENV] = tempfile.mkdtemp(prefix="vigil-workers-")
        shared_dirs.append(os.environ[STATE_DIR_ENV])
    try:
        uvicorn.run(
            "vigil.serving.app:app_from_env",
            factory=True,
            host=args.host,
            port=args.port,
            workers=args.workers,
            http=HEADER_TIMEOUT_PROTOCOL,  # httptools with a deadline for each request's headers
            log_config=None,  # the JSON logging set up by vigil.log
            access_log=False,  # the service writes its own access line with the request id
            # after the drain, what is in flight is at most one queue's worth (the wait bound) plus one call
            timeout_graceful_shutdown=max(10, math.ceil(2 * settings.queue_max_wait_seconds)),
        )
    finally:
        for directory in shared_dirs:
            shutil.rmtree(directory, ignore_errors=True)
    return 0


def _drift(args: argparse.Namespace) -> int:
    """Compare served traffic (the prediction sink) with the training data; exit 1 on drift."""
    import numpy as np
    import pandas as pd

    from vigil.io import write_json
    from vigil.modeling.artifact import load_model, model_version
    from vigil.monitoring.drift import DriftThresholds, drift_report
    from vigil.monitoring.sink import read_records
    from vigil.monitoring.text_stats import model_vocabulary, text_stats
    from vigil.params import load_params

    params = load_params(args.params) if Path(args.params).exists() else {}
    thresholds = DriftThresholds.from_params((params.get("monitoring") or {}).get("drift"))
    current_path = Path(args.current)
    if current_path.is_dir():
        current = read_records(current_path, "predictions")
    elif current_path.is_file():
        current = read_records(current_path.parent, current_path.name.split("-")[0])
    else:
        raise VigilError(f"{current_path}: no prediction sink here (a directory or a predictions-*.jsonl file)")
    predictor = load_model(args.model)

    def texts_of(path: str) -> list[str]:
        try:
            return pd.read_parquet(path, columns=["text"])["text"].astype(str).tolist()
        except (OSError, KeyError, ValueError) as exc:
            raise VigilError(f"{path}: cannot read a 'text' column ({exc})") from None

    # Inputs are compared with the training data; the model's outputs with held-out data, because on
    # its own training notes the model is more confident than it will ever be on new traffic.
    texts, held_out = texts_of(args.reference), texts_of(args.outputs_reference)
    proba = predictor.predict_proba(held_out)
    labels = predictor.decide(proba)
    index = {label: i for i, label in enumerate(predictor.classes_)}
    vocabulary = model_vocabulary(predictor.model)
    shapes = [text_stats(text, vocabulary) for text in texts]
    reference = {
        "chars": [s.chars for s in shapes],
        "words": [s.words for s in shapes],
        "oov": [s.oov for s in shapes],
        "label": labels,
        "confidence": proba[np.arange(len(labels)), [index[label] for label in labels]].tolist(),
    }
    report = drift_report(reference, current, list(predictor.classes_), thresholds)
    report.update(
        reference_path=str(args.reference),
        outputs_reference_path=str(args.outputs_reference),
        current_path=str(current_path),
    )
    write_json(args.out, report)
    if args.metrics:
        from vigil.io import atomic_path
        from vigil.monitoring.drift_metrics import drift_exposition

        version = model_version(args.model, predictor.card)
        with atomic_path(Path(args.metrics)) as staged:  # the textfile collector must never read half a file
            staged.write_text(drift_exposition(report, version, time.time()), "utf-8")
    for check in report["checks"]:
        value = "—" if check["value"] is None else f"{check['value']:.4g}"
        print(f"{check['status']:<8} {check['check']:<30} {value:>10} {check['op']} {check['threshold']}")
    print(f"drift verdict: {report['verdict'].upper()} ({len(current)} current records) -> {args.out}")
    return 1 if report["verdict"] == "drift" else 0


def _print_reproduction(result: dict) -> None:
    for stage in result["stages"]:
        print(
            f"{stage['stage']:<10} {stage['verdict']:<24} largest probability difference "
            f"{stage['largest_probability_difference']:.3g}, metric {stage['largest_metric_difference']:.3g}"
        )
        for output in stage["outputs"]:
            if output["verdict"] != "identical":
                print(f"  {output['path']}: {output['verdict']} ({output['detail']})")
        if stage["error"]:
            print(f"  {stage['error']}")
    machine = result["machine"]
    print(
        f"overall: {result['verdict']} (here: {machine['processor']}, BLAS kernel {', '.join(machine['blas_kernels'])})"
    )


def _reproduce(args: argparse.Namespace) -> int:
    """Re-run locked stages here and say whether the committed outputs were reproduced (exit 1 = different)."""
    from vigil.io import write_json
    from vigil.reproducibility import reproduce, summary

    result = summary(reproduce(Path(args.repo), args.stages, rev=args.rev, tolerance=args.tolerance))
    _print_reproduction(result)
    if args.json:
        write_json(args.json, result)
    return 1 if result["verdict"] == "different" else 0


def _lock_diff(args: argparse.Namespace) -> int:
    """After CI re-ran every stage: compare the author's dvc.lock with the computed one (exit 1 = different)."""
    from vigil.io import write_json, write_text
    from vigil.reproducibility import summary
    from vigil.reproducibility.lock_diff import compare_locks, reproduction_markdown

    repo = Path(args.repo)
    texts = []
    for name in (args.author_lock, args.computed):
        path = repo / name if not Path(name).is_absolute() else Path(name)
        if not path.is_file():
            raise VigilError(f"{path}: no such lock file")
        texts.append(path.read_text("utf-8"))
    result = summary(compare_locks(repo, texts[0], texts[1], rev=args.rev, tolerance=args.tolerance))
    _print_reproduction(result)
    if args.json:
        write_json(args.json, result)
    if args.md:
        write_text(args.md, reproduction_markdown(result))
    return 1 if result["verdict"] == "different" else 0


def _lock_check(args: argparse.Namespace) -> int:
    """Do the workspace's outputs hold the bytes dvc.lock records? (after `dvc pull`, which trusts the remote)"""
    from vigil.compliance.lock_hashes import locked_outputs, mismatches

    repo = Path(args.repo)
    lock = repo / "dvc.lock"
    if not lock.is_file():
        raise VigilError(f"{lock}: not found")
    outputs = {p: o for p, o in locked_outputs(lock.read_text("utf-8")).items() if o.stage not in args.skip_stage}
    missing = sorted(p for p in outputs if not (repo / p).exists())
    problems = [f"{p}: missing" for p in missing]
    problems += mismatches(repo, outputs, [p for p in outputs if p not in missing], {})
    for problem in problems:
        print(f"FAIL  {problem}")
    print(f"{len(outputs) - len(problems)}/{len(outputs)} locked outputs hold the bytes dvc.lock records")
    return 1 if problems else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="vigil", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"vigil {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    add_experiment_commands(commands)

    generate = commands.add_parser("generate", help="write a synthetic service-comment dataset to a file")
    generate.add_argument("--out", required=True, help="output .csv or .parquet")
    generate.add_argument("-n", type=int, default=1000, help="number of records (default 1000)")
    generate.add_argument("--seed", type=int, default=42)
    generate.add_argument("--gold", help="also write gold PII spans (JSON Lines) here")
    generate.set_defaults(handler=_generate)

    gate = commands.add_parser(
        "gate", help="evaluate policies/*.yaml against the reports (exit 1 on a blocking failure)"
    )
    gate.add_argument("--repo", default=".", help="repository root (default: current directory)")
    gate.add_argument("--policies", default="policies", help="policy directory, relative to --repo")
    gate.add_argument("--no-write", action="store_true", help="do not (re)write reports/policy.json")
    gate.add_argument(
        "--release",
        action="store_true",
        help="judge a release: rules with release_severity: blocking block too (the release job runs this)",
    )
    gate.set_defaults(handler=_gate)

    add_evidence_commands(commands)
    add_deploy_commands(commands)
    add_data_commands(commands)
    add_score_commands(commands)

    comment = commands.add_parser("pr-comment", help="the PR comment body: summary.md with the evidence link")
    comment.add_argument("--summary", default="reports/compliance/summary.md")
    comment.add_argument(
        "--evidence-url",
        help="link to the signed evidence (default: this GitHub Actions run; outside it, the local directory)",
    )
    comment.add_argument(
        "--insert", action="append", default=[], metavar="FILE", help="Markdown put right after the verdict"
    )
    comment.add_argument("--out", help="write here instead of standard output")
    comment.add_argument("--post", action="store_true", help="create or update the PR's Vigil comment (GitHub API)")
    comment.add_argument("--pr", type=int, help="pull request number (with --post)")
    comment.add_argument("--repository", help="owner/name (default: GITHUB_REPOSITORY)")
    comment.add_argument(
        "--author", default="github-actions[bot]", help="only this account's comment is updated (default: %(default)s)"
    )
    comment.add_argument(
        "--append", action="append", default=[], metavar="FILE", help="Markdown added after the summary; repeatable"
    )
    comment.set_defaults(handler=_pr_comment)

    base = commands.add_parser(
        "base-diff", help="parameters and metrics vs the base branch, with a paired test on the same test notes"
    )
    base.add_argument("--base", default="main", help="base revision (default: main; in CI origin/<base branch>)")
    base.add_argument("--head-sha", help="the pull request's head commit to name (default: HEAD)")
    base.add_argument("--repo", default=".", help="repository root (default: current directory)")
    base.add_argument("--resamples", type=int, default=2000, help="paired bootstrap resamples (default 2000)")
    base.add_argument("--md", help="write the Markdown section here (default: standard output)")
    base.add_argument("--json", help="also write the comparison as JSON")
    base.set_defaults(handler=_base_diff)

    release = commands.add_parser("release", help="releases: record one for the next report's change log")
    release_commands = release.add_subparsers(dest="release_command", required=True)
    baseline = release_commands.add_parser(
        "baseline", help="write releases/previous.json from a release tag (params, metrics, digests, predictions)"
    )
    baseline.add_argument("--tag", required=True, help="the release's tag (its predictions must be in DVC)")
    baseline.add_argument("--repo", default=".", help="repository root (default: current directory)")
    baseline.set_defaults(handler=_release_baseline)

    serve = commands.add_parser("serve", help="run the prediction API (FastAPI + uvicorn)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--model", default="models/model", help="model directory (default: models/model)")
    serve.add_argument(
        "--manifest", default="reports/compliance/manifest.json", help="signed manifest to check against"
    )
    serve.add_argument("--no-manifest", action="store_true", help="skip the manifest check (local experiments only)")
    serve.add_argument(
        "--anchors",
        default="policies/trust/signers.yaml",
        help="trust anchors the manifest's signer must be in, for releases (default: policies/trust/signers.yaml)",
    )
    serve.add_argument(
        "--allow-development",
        action="store_true",
        help="accept a development signature (a local `make run`): the files are as signed, by no one in particular",
    )
    serve.add_argument("--params", default="params.yaml", help="params file with the `serve` section")
    serve.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="worker processes (default: cores)")
    serve.set_defaults(handler=_serve)

    drift = commands.add_parser("drift", help="drift of served traffic vs the training data (exit 1 = drift)")
    drift.add_argument(
        "--reference", default="data/processed/train.parquet", help="training data: text length and vocabulary"
    )
    drift.add_argument(
        "--outputs-reference",
        default="data/processed/val.parquet",
        help="held-out data: predicted-class and confidence distributions (training data would overstate confidence)",
    )
    drift.add_argument("--current", default="data/monitoring", help="prediction sink directory or file")
    drift.add_argument("--model", default="models/model")
    drift.add_argument("--params", default="params.yaml", help="params file with monitoring.drift thresholds")
    drift.add_argument("--out", default="reports/drift.json")
    drift.add_argument(
        "--metrics",
        help="also write the verdict as Prometheus metrics to this file (textfile collector or Pushgateway)",
    )
    drift.set_defaults(handler=_drift)

    again = commands.add_parser(
        "reproduce", help="re-run locked stages and compare with dvc.lock: identical, within tolerance, different"
    )
    again.add_argument("stages", nargs="*", help="stages to re-run (default: all but report)")
    again.add_argument("--rev", default="HEAD", help="commit whose dvc.lock is checked (default: HEAD)")
    again.add_argument("--repo", default=".", help="repository root (default: current directory)")
    again.add_argument(
        "--tolerance", type=float, default=1e-6, help="largest absolute difference of a probability or metric"
    )
    again.add_argument("--json", help="also write the result here as JSON")
    again.set_defaults(handler=_reproduce)

    lock = commands.add_parser("lock", help="dvc.lock as evidence: compare two locks, check the workspace's bytes")
    lock_commands = lock.add_subparsers(dest="lock_command", required=True)
    diff = lock_commands.add_parser(
        "diff", help="after re-running every stage: the author's dvc.lock vs the computed one (exit 1 = different)"
    )
    diff.add_argument("author_lock", help="the dvc.lock the pull request committed (saved before re-running)")
    diff.add_argument("--computed", default="dvc.lock", help="the lock the re-run wrote (default: dvc.lock)")
    diff.add_argument("--repo", default=".", help="repository root (default: current directory)")
    diff.add_argument("--rev", default="HEAD", help="commit holding the author's cache: false outputs (default: HEAD)")
    diff.add_argument("--tolerance", type=float, default=1e-6, help="largest absolute difference accepted")
    diff.add_argument("--json", help="also write the result here as JSON")
    diff.add_argument("--md", help="also write the PR comment's reproduction section here (Markdown)")
    diff.set_defaults(handler=_lock_diff)
    check = lock_commands.add_parser("check", help="every locked output in the workspace has the MD5 dvc.lock records")
    check.add_argument("--repo", default=".", help="repository root (default: current directory)")
    check.add_argument("--skip-stage", action="append", default=[], help="stage whose outputs are not checked")
    check.set_defaults(handler=_lock_check)
    return parser


def with_passthrough(argv: list[str]) -> list[str]:
    """``vigil exp run ARGS``: ARGS are dvc's (``-S data=notes``), so argparse must not read them as vigil's."""
    if argv[:2] == ["exp", "run"] and argv[2:3] not in (["-h"], ["--help"]):
        return ["exp", "run", "--", *argv[2:]]
    return list(argv)


def main(argv: list[str] | None = None) -> int:
    configure()
    args = build_parser().parse_args(with_passthrough(sys.argv[1:] if argv is None else argv))
    try:
        return int(args.handler(args))
    except VigilError as exc:
        print(f"vigil: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("vigil: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        # Every path ends in one line; a traceback is for whoever debugs Vigil, on request.
        if os.environ.get(DEBUG_ENV):
            raise
        first = (str(exc).strip().splitlines() or [""])[0][:300]
        print(
            f"vigil: error: unexpected {type(exc).__name__}: {first} "
            f"(a bug in Vigil: rerun with {DEBUG_ENV}=1 for the traceback and report it)",
            file=sys.stderr,
        )
        return 2


if __name__ == "__main__":
    sys.exit(main())
