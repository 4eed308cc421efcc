"""Shared fixtures: the repository root, real temporary DVC repos, the shared data folder."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from built_once import built_once, content_key
from fake_github import fake_github  # noqa: F401 - a fixture for every test module (GitHub API on 127.0.0.1)

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
VENV_BIN = Path(sys.executable).parent

# What a pipeline clone needs: the graph, its config, the stage scripts and the code they depend on.
PIPELINE_FILES = [
    "dvc.yaml",
    "params.yaml",
    "params",
    "stages",
    "src",
    ".dvc/config",
    ".dvc/plots",
    ".dvcignore",
    "policies",
    "releases",
    "data/pii_corpora",
    ".gitignore",
    ".gitattributes",
]

requires_shared_data = pytest.mark.skipif(
    not SHARED_DATA.is_dir(), reason=f"{SHARED_DATA} is absent (only the team workspace and CI have it)"
)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def offline_env(**extra: str) -> dict[str, str]:
    """Environment for subprocesses: the venv first on PATH, no network side-channels, fixed git identity."""
    env = dict(os.environ)
    env.update(
        PATH=f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}",
        DVC_NO_ANALYTICS="1",
        HF_HUB_OFFLINE="1",
        TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS="",
        GIT_AUTHOR_NAME="vigil-tests",
        GIT_AUTHOR_EMAIL="tests@vigil.invalid",
        GIT_COMMITTER_NAME="vigil-tests",
        GIT_COMMITTER_EMAIL="tests@vigil.invalid",
        # Compiled modules are kept (beside the sources: ignored by git, DVC and the image build), so each
        # stage and CLI process does not recompile vigil's modules: about 0.5 s per stage process here.
        PYTHONDONTWRITEBYTECODE="",
        # Pipeline copies sign their evidence with a development key made in the temp repo, also under CI=true.
        VIGIL_DEV_KEYS="create",
    )
    env.update(extra)
    return env


def run(
    args: list[str], cwd: Path, check: bool = True, env: dict[str, str] | None = None, **kwargs
) -> subprocess.CompletedProcess:
    """Run a command with the offline environment (plus ``env``) and captured text output."""
    result = subprocess.run(args, cwd=cwd, env=offline_env(**(env or {})), capture_output=True, text=True, **kwargs)
    if check and result.returncode != 0:
        raise AssertionError(f"{' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result


S3_ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}


def s3_client(endpoint: str):
    """A boto3 S3 client for the moto server at ``endpoint``."""
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=S3_ENV["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=S3_ENV["AWS_SECRET_ACCESS_KEY"],
        region_name=S3_ENV["AWS_DEFAULT_REGION"],
    )


@pytest.fixture
def moto_s3(tmp_path: Path) -> Iterator[str]:
    """An S3 server (moto) on 127.0.0.1 without buckets; yields its endpoint URL."""
    port = free_port()
    log = (tmp_path / "moto.log").open("w")
    server = subprocess.Popen(
        [str(VENV_BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=offline_env(**S3_ENV),
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                s3_client(endpoint).list_buckets()
                break
            except Exception:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.2)
        yield endpoint
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()


def _quick_audit(path: Path) -> None:
    """Fewer resamples and refits in pipeline copies (still every code path; the numbers are not asserted)."""
    import yaml

    audit = yaml.safe_load(path.read_text())
    audit["fairness"]["bootstrap"]["resamples"] = 200
    audit["explain"].update({"global_sample": 40, "stability": {"resamples": 2, "top_k": 10}})
    audit["robustness"]["resamples"] = 200
    path.write_text(yaml.safe_dump(audit, sort_keys=False))


def _quick_name_models(path: Path) -> None:
    """The two name models trained on a few hundred sentences per corpus (every code path, weak models).

    Edited as text, so the rest of params/config.yaml keeps its layout (tests edit it as text too)."""
    text = path.read_text()
    for key, value in (("max_sentences", 150), ("technical_notes", 100), ("calibration_notes", 300)):
        text, count = re.subn(rf"(?m)^(  {key}: )\d+", rf"\g<1>{value}", text)
        assert count >= 1, f"params/config.yaml has no '{key}' to shrink"
    path.write_text(text)


def make_pipeline_repo(root: Path, overrides: list[str], extra_files: dict[str, str | bytes] | None = None) -> Path:
    """A git repo holding a copy of the pipeline, with params.yaml composed under ``overrides``.

    ``extra_files`` (relative path -> content) are written before composing, e.g. a
    ``params/data/<name>.yaml`` for a bring-your-own-data test.
    """
    import yaml

    from vigil.experiments.absorb import apply_changes, plan_changes
    from vigil.params import compose

    repo = root / "repo"
    repo.mkdir()
    for name in PIPELINE_FILES:
        source = REPO_ROOT / name
        target = repo / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        else:
            shutil.copy2(source, target)
    (repo / ".dvc" / ".gitignore").write_text("/config.local\n/tmp\n/cache\n")
    _quick_audit(repo / "params" / "audit" / "default.yaml")
    _quick_name_models(repo / "params" / "config.yaml")
    for relative, content in (extra_files or {}).items():
        path = repo / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    # The overrides go into params/ itself (as `vigil params absorb` does), so a later `dvc exp run`, which
    # recomposes params/, keeps them: an experiment in a test repo runs on the test's small data too.
    target = yaml.safe_load(compose(repo, overrides))
    apply_changes(repo, plan_changes(repo, target), target)
    (repo / "params.yaml").write_text(compose(repo), encoding="utf-8")
    run(["git", "init", "-q", "-b", "main"], repo)
    run(["git", "add", "-A"], repo)
    run(["git", "commit", "-qm", "pipeline under test"], repo)
    return repo


def tfidf_params(**overrides) -> dict:
    """The committed default model config (params/model/tfidf_logreg.yaml), sized down for quick tests."""
    import yaml

    config = yaml.safe_load((REPO_ROOT / "params" / "model" / "tfidf_logreg.yaml").read_text())
    config["params"].update({"char_ngram_range": [2, 4], "max_features": 20000, "max_iter": 500, **overrides})
    return config


def pipeline_key() -> str:
    """What a pipeline fixture's build depends on: the pipeline's files, this recipe, the interpreter."""
    return content_key(REPO_ROOT, PIPELINE_FILES, Path(__file__).read_text(), sys.executable)


@dataclass(frozen=True)
class TrainedNameModels:
    """The scrubber's name model and the residual scan's model, trained with the committed settings."""

    directory: Path

    def scrub_params(self, **overrides) -> dict:
        """The committed ``scrub`` section with both model paths pointing at these models."""
        import yaml

        scrub = yaml.safe_load((REPO_ROOT / "params.yaml").read_text())["scrub"]
        scrub["name_model"] = {**scrub["name_model"], "path": str(self.directory / "name_model")}
        scrub["residual"] = {"model": str(self.directory / "residual_model")}
        return {**scrub, **overrides}


@pytest.fixture(scope="session")
def name_models(tmp_path_factory: pytest.TempPathFactory) -> TrainedNameModels:
    """Both name models as the pipeline builds them (about 70 s, once per test run, shared by every worker; a scan
    model trained on a third of the data no longer flagged ALL-CAPS names its tests expect, so it is the real one)."""
    import yaml

    from vigil.privacy.name_training import NameModelSettings, train_name_model
    from vigil.privacy.residual_calibration import ResidualModelSettings, train_residual_model

    params = yaml.safe_load((REPO_ROOT / "params.yaml").read_text())
    absolute = {"directory": str(REPO_ROOT / "data" / "pii_corpora")}

    def build(directory: Path) -> None:
        section = params["name_model"]
        settings = NameModelSettings.from_params({**section, "corpora": {**section["corpora"], **absolute}})
        train_name_model(settings)[0].save(directory / "name_model")
        models = TrainedNameModels(directory)
        residual = ResidualModelSettings.from_params(
            {**params["residual_model"], "corpora_directory": absolute["directory"]}
        )
        train_residual_model(residual, models.scrub_params()).save(directory / "residual_model")

    key = content_key(REPO_ROOT, ["data/pii_corpora", "src/vigil/privacy", "params.yaml"], sys.executable)
    return TrainedNameModels(built_once("name-models", key, build, tmp_path_factory))


@dataclass(frozen=True)
class BaselineRun:
    """The suite's one full pipeline run: the repo, and what its first `dvc repro` printed."""

    repo: Path
    first_repro_stdout: str


@pytest.fixture(scope="session")
def baseline_run(tmp_path_factory: pytest.TempPathFactory) -> BaselineRun:
    """One pipeline run (900 records) with its signed evidence pushed to the local remote and committed.

    Built once per test run (``built_once``: one build for every xdist worker and both of
    ``make test``'s sessions, each process with its own copy): every test that needs a finished
    pipeline reads this one (read-only) or works on a copy of it (``pipeline_copy``).
    """

    def build(directory: Path) -> None:
        repo = make_pipeline_repo(directory, ["data.synthetic.n_records=900"])
        first = run(["dvc", "repro"], repo)
        run(["dvc", "push"], repo)
        run(["git", "add", "-A"], repo)
        run(["git", "commit", "-qm", "results of the run"], repo)
        (directory / "first-repro.txt").write_text(first.stdout)

    built = built_once("baseline", pipeline_key(), build, tmp_path_factory)
    return BaselineRun(built / "repo", (built / "first-repro.txt").read_text())


@pytest.fixture(scope="session")
def evidence_repo(baseline_run: BaselineRun) -> Path:
    """The baseline repo, for tests that only read its outputs and evidence."""
    return baseline_run.repo


def release_env(keys: Path) -> dict[str, str]:
    """The environment that makes the report stage sign with the key pair in ``keys``."""
    return {"VIGIL_SIGNING_KEY": str(keys / "signing-key.pem"), "VIGIL_SIGNING_CERT": str(keys / "signing-cert.pem")}


@pytest.fixture(scope="session")
def release_repo(evidence_repo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two tagged revisions signed by a release key anchored in policies/trust/; the key pair beside the repo.

    v1 is the baseline run re-signed after ``vigil trust add``; v2 (HEAD) changes an
    audit parameter (so its upstream dvc.lock differs) and the report title. Both are
    pushed to the local remote. Tests copy it before changing anything.
    """

    def build(base: Path) -> None:
        repo = base / "repo"
        shutil.copytree(evidence_repo, repo, symlinks=True)
        keys = base / "release-key"
        run(["vigil", "keys", "create", "--common-name", "Vigil release signer", "--out", str(keys)], repo)
        trust = ["vigil", "trust", "add", str(keys / "signing-cert.pem"), "--id", "release-test", "--role", "release"]
        run(trust, repo)
        run(["git", "add", "policies/trust"], repo)
        run(["git", "commit", "-qm", "anchor the release signer"], repo)
        audit = repo / "params" / "audit" / "default.yaml"
        for tag in ("v1", "v2"):
            if tag == "v2":
                audit.write_text(audit.read_text().replace("resamples: 200", "resamples: 150", 1))
                overrides = ["data.synthetic.n_records=900", "report.title=Quarterly review"]
                run(["vigil", "params", "compose", *overrides], repo)
            run(["dvc", "repro"], repo, env=release_env(keys))
            run(["dvc", "push"], repo)
            run(["git", "add", "-A"], repo)
            run(["git", "commit", "-qm", f"release evidence {tag}"], repo)
            run(["git", "tag", tag], repo)

    return built_once("release", pipeline_key(), build, tmp_path_factory) / "repo"


@pytest.fixture
def pipeline_copy(evidence_repo: Path, tmp_path: Path) -> Path:
    """A private copy of the baseline repo (outputs, cache, local remote, git history) to change freely."""
    repo = tmp_path / "repo"
    shutil.copytree(evidence_repo, repo, symlinks=True)
    return repo


@pytest.fixture(scope="session")
def spark():
    """The suite's one Spark session (local[2], no UI), shared by every test that runs Spark in-process.

    Starting the JVM and warming two Python workers costs seconds; a session per test would
    multiply that. Those tests carry ``xdist_group("spark")`` so that ``make test``'s parallel
    run keeps them on one worker, with one JVM. A stage run under ``dvc repro`` starts its own,
    as a user's would.
    """
    from vigil.spark.session import spark_session
    from vigil.spark.settings import SparkSettings

    settings = SparkSettings(master="local[2]", conf={"spark.ui.enabled": False})
    with spark_session(settings, "vigil-tests", arrow_batch_rows=50, where="tests") as session:
        yield session


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test that needs the baseline pipeline run is slow, whatever module it lives in; and the
    modules holding slow tests run first.

    Longest work first: pytest-xdist hands a worker the next test when it finishes one, so a long
    test that starts near the end keeps one core busy while the other idles (about 17 s at the end
    of one run here). Each module stays in one piece, in its own order, so its module-scoped
    fixtures are still set up once per worker.
    """
    needs_pipeline = {"baseline_run", "evidence_repo", "pipeline_copy", "release_repo"}
    for item in items:
        if needs_pipeline & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
    heavy_modules = {item.path for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.path not in heavy_modules)  # a stable sort: the order within stays


GROUP_NOT_HONOURED = pytest.StashKey[str]()


def pytest_collection_finish(session: pytest.Session) -> None:
    """Fail the grouped tests, rather than run them ungrouped, when ``--dist loadgroup`` ignores ``xdist_group``.

    The groups keep one Spark JVM and one trained fairness model per run. pytest-xdist marks a
    grouped test by appending ``@group`` to its node id; pytest 9.2 ignores that write
    (pytest-xdist#1386), and the tests then spread over every worker with nothing failing.
    """
    if not getattr(session.config.option, "loadgroup", False):  # set in xdist workers under --dist loadgroup
        return
    for item in session.items:
        if item.get_closest_marker("xdist_group") and "@" not in item.nodeid:
            item.stash[GROUP_NOT_HONOURED] = (
                "xdist_group is not honoured by this pytest/pytest-xdist pair, so this test's group is spread "
                "over every worker: see pytest-xdist#1386 and the pytest pin in pyproject.toml"
            )


def pytest_runtest_setup(item: pytest.Item) -> None:
    if GROUP_NOT_HONOURED in item.stash:
        pytest.fail(item.stash[GROUP_NOT_HONOURED], pytrace=False)
