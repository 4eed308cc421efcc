import subprocess
import sys

import yaml

from conftest import REPO_ROOT, offline_env
from vigil.params import compose


def test_committed_params_yaml_equals_fresh_composition():
    committed = (REPO_ROOT / "params.yaml").read_text(encoding="utf-8")
    assert committed == compose(REPO_ROOT), (
        "params.yaml is stale: after editing params/, run `vigil params compose`; after `dvc exp apply`, run "
        "`vigil params absorb` (or propose the experiment with `vigil exp propose <name>`); then commit both"
    )


def test_every_data_and_model_option_composes():
    for group in ("data", "scrub", "model"):
        for option in sorted((REPO_ROOT / "params" / group).glob("*.yaml")):
            composed = yaml.safe_load(compose(REPO_ROOT, [f"{group}={option.stem}"]))
            assert composed[group], option


def test_faa_option_maps_every_required_column():
    data = yaml.safe_load(compose(REPO_ROOT, ["data=faa_maintenance"]))["data"]
    assert set(data["columns"]) >= {"record_id", "text", "label"} and data["rare_labels"] == "drop"


def _vigil(*args, cwd):
    return subprocess.run(
        [sys.executable, "-m", "vigil.cli", *args], cwd=cwd, env=offline_env(), capture_output=True, text=True
    )


def test_cli_check_reports_stale_params(tmp_path):
    for name in ("params",):
        subprocess.run(["cp", "-r", str(REPO_ROOT / name), str(tmp_path / name)], check=True)
    (tmp_path / "params.yaml").write_text("seed: 1\n")
    stale = _vigil("params", "compose", "--check", cwd=tmp_path)
    assert stale.returncode == 1 and "out of sync" in stale.stderr and "+seed: 42" in stale.stdout
    assert _vigil("params", "compose", cwd=tmp_path).returncode == 0
    assert _vigil("params", "compose", "--check", cwd=tmp_path).returncode == 0


def test_cli_generate_writes_a_usable_file(tmp_path):
    result = _vigil("generate", "--out", "notes.csv", "-n", "50", "--gold", "gold.jsonl", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "notes.csv").read_text().startswith("record_id,text,label,created_at,")
    bad = _vigil("generate", "--out", "notes.txt", cwd=tmp_path)
    assert bad.returncode == 2 and bad.stderr.strip() == "vigil: error: notes.txt: output must end in .csv or .parquet"


def test_an_unexpected_failure_ends_in_one_line_unless_debugging(monkeypatch, capsys):
    import pytest

    from vigil import cli

    def broken(args):
        raise RuntimeError("column x vanished\nsecond line of detail")

    monkeypatch.setattr(cli, "_drift", broken)
    monkeypatch.delenv(cli.DEBUG_ENV, raising=False)
    assert cli.main(["drift"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unexpected RuntimeError: column x vanished" in err and "VIGIL_DEBUG=1" in err
    assert "second line" not in err and "Traceback" not in err
    monkeypatch.setenv(cli.DEBUG_ENV, "1")
    with pytest.raises(RuntimeError):
        cli.main(["drift"])
