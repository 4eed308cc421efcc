"""Small pure pieces of the evidence: canonical JSON, keys from the environment, byte ranges, summary size."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from conftest import REPO_ROOT
from vigil.compliance.canonical import canonical_json, is_canonical
from vigil.compliance.detached_signature import sign_bytes, verify_bytes
from vigil.compliance.evidence_inputs import load_reports
from vigil.compliance.keys import dev_keys_mode, load_identity, make_self_signed, write_identity
from vigil.compliance.manifest import git_state, lock_stages_digest
from vigil.compliance.pdf_verification import byte_range_problems
from vigil.compliance.report.render import _css_string
from vigil.compliance.summary import summary_within_limit
from vigil.errors import VigilError


def test_canonical_json_is_one_byte_sequence_and_refuses_floats():
    assert (
        canonical_json({"b": [1, "é"], "a": {"z": True, "y": None}}) == '{"a":{"y":null,"z":true},"b":[1,"é"]}'.encode()
    )
    assert is_canonical(b'{"a":1}') and not is_canonical(b'{ "a": 1 }') and not is_canonical(b"\xff")
    with pytest.raises(VigilError, match=r"float at \$.x\[0\]"):
        canonical_json({"x": [0.5]})


def test_lock_digest_ignores_the_report_stage_only():
    lock = "schema: '2.0'\nstages:\n  train:\n    cmd: python stages/train.py\n    params:\n      p: {lr: 0.1}\n"
    with_report = lock + "  report:\n    cmd: python stages/report.py\n"
    assert lock_stages_digest(lock) == lock_stages_digest(with_report)
    assert lock_stages_digest(lock) != lock_stages_digest(lock.replace("0.1", "0.2"))


def test_uncommitted_sources_are_named_whole_whatever_their_git_status(tmp_path: Path):
    """Regression: " M params.yaml" was stripped before slicing and listed as "arams.yaml"."""

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    git("init", "-q")
    for name in ("params.yaml", "dvc.yaml", "old.yaml", "staged.yaml"):
        (tmp_path / name).write_text("a: 1\n")
    git("add", ".")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "init")
    (tmp_path / "params.yaml").write_text("a: 2\n")  # worktree change: " M"
    (tmp_path / "staged.yaml").write_text("a: 3\n")
    git("add", "staged.yaml")  # index change: "M "
    git("mv", "old.yaml", "new name.yaml")  # rename: two paths in one -z entry pair
    state = git_state(tmp_path, ["params.yaml", "dvc.yaml", "old.yaml", "new name.yaml", "staged.yaml"])
    assert state["uncommitted_sources"] == ["new name.yaml", "params.yaml", "staged.yaml"]
    assert len(state["commit"]) == 40


def test_identity_from_env_inline_pem_or_path_and_mismatch(tmp_path: Path):
    key, certificate = make_self_signed("CI signer", development=False)
    write_identity(key, certificate, tmp_path / "key.pem", tmp_path / "cert.pem")
    inline = {"VIGIL_SIGNING_KEY": (tmp_path / "key.pem").read_text(), "VIGIL_SIGNING_CERT": str(tmp_path / "cert.pem")}
    identity = load_identity(tmp_path, inline)
    assert not identity.development and identity.subject == "O=Vigil,CN=CI signer"
    assert oct((tmp_path / "key.pem").stat().st_mode)[-3:] == "600"
    assert verify_bytes(certificate, b"manifest", sign_bytes(identity.key, b"manifest"))
    assert not verify_bytes(certificate, b"manifest!", sign_bytes(identity.key, b"manifest"))

    other_key, other_certificate = make_self_signed("Someone else", development=False)
    write_identity(other_key, other_certificate, tmp_path / "k2.pem", tmp_path / "c2.pem")
    with pytest.raises(VigilError, match="does not match the certificate"):
        load_identity(
            tmp_path, {"VIGIL_SIGNING_KEY": str(tmp_path / "key.pem"), "VIGIL_SIGNING_CERT": str(tmp_path / "c2.pem")}
        )
    with pytest.raises(VigilError, match="set both"):
        load_identity(tmp_path, {"VIGIL_SIGNING_KEY": str(tmp_path / "key.pem")})
    with pytest.raises(VigilError, match="is not a file"):
        load_identity(tmp_path, {"VIGIL_SIGNING_KEY": "/nope.pem", "VIGIL_SIGNING_CERT": str(tmp_path / "cert.pem")})
    with pytest.raises(VigilError, match="not a PEM X.509 certificate"):
        load_identity(
            tmp_path, {**inline, "VIGIL_SIGNING_CERT": "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"}
        )


def test_dev_key_policy_defaults_to_never_under_ci(tmp_path: Path):
    assert dev_keys_mode({}) == "create"
    assert dev_keys_mode({"CI": "true"}) == "never"
    assert dev_keys_mode({"CI": "true", "VIGIL_DEV_KEYS": "use"}) == "use"
    with pytest.raises(VigilError, match="VIGIL_DEV_KEYS='sometimes'"):
        dev_keys_mode({"VIGIL_DEV_KEYS": "sometimes"})
    identity = load_identity(tmp_path, {})
    assert identity.development and (tmp_path / ".vigil/signing-key.pem").is_file()
    assert load_identity(tmp_path, {"VIGIL_DEV_KEYS": "use"}).fingerprint == identity.fingerprint


def test_byte_range_must_cover_the_file_but_the_contents_hex():
    signature = bytes([0x30, 0x03, 0x02, 0x01, 0x05])  # a 5-byte DER object
    contents = b"<" + (signature + bytes(4)).hex().encode() + b">"
    data = b"%PDF-1.7 head " + contents + b" tail %%EOF"
    start, end = len(b"%PDF-1.7 head "), len(b"%PDF-1.7 head ") + len(contents)
    assert byte_range_problems(data, [0, start, end, len(data) - end]) == []
    assert (
        "does not cover the whole file (+5 bytes"
        in byte_range_problems(data + b"extra", [0, start, end, len(data) - end])[0]
    )
    padded = data.replace(b"00000000>", b"00000100>")
    assert "padding was altered" in byte_range_problems(padded, [0, start, end, len(data) - end])[0]
    assert "not exactly the /Contents" in byte_range_problems(data, [0, start + 1, end, len(data) - end])[0]
    assert "start at byte 0" in byte_range_problems(data, [1, start, end, len(data) - end])[0]


def test_summary_falls_back_to_compact_then_truncates_below_the_limit():
    reports = load_reports(REPO_ROOT)
    policy = json.loads((REPO_ROOT / "reports/policy.json").read_text())
    signer = {"subject": "CN=x", "fingerprint_sha256": "ab" * 32, "development": True}
    meta = {"signer": signer, "model_family": "tfidf_logreg", "commit_short": "0123456789ab"}
    kwargs = {"policy": policy, "reports": reports, "meta": meta, "top_gaps": 8}
    full = summary_within_limit(60_000, **kwargs)
    assert "| ✅ | `PERF-001`" in full and "development key" in full and len(full) < 60_000
    compact = summary_within_limit(len(full) - 1, **kwargs)
    assert "Rules that did not pass" in compact and "`PERF-001`" not in compact and len(compact) < len(full)
    every_rule = f"All {policy['counts']['rules']} policy rules"
    assert every_rule in full and every_rule not in compact  # the table of every rule is what compact drops
    tiny = summary_within_limit(500, **kwargs)
    assert len(tiny) <= 500 and tiny.endswith("the signed PDF has everything.\n")


def test_css_strings_cannot_close_the_style_element():
    assert str(_css_string('a"b\\c</style><script>')) == '"a\\"b\\\\c\\3c /style\\3e \\3c script\\3e "'


def test_pr_comment_fills_the_evidence_link_and_enforces_githubs_limit():
    from vigil.compliance.summary import pr_comment, workflow_run_url

    body = pr_comment("[workflow artifact](EVIDENCE_URL) and EVIDENCE_URL in prose", "https://ci.invalid/runs/7")
    assert body == "[workflow artifact](https://ci.invalid/runs/7) and EVIDENCE_URL in prose"
    with pytest.raises(ValueError, match="GitHub accepts fewer than 65,536"):
        pr_comment("x" * 70_000, "https://ci.invalid")
    env = {"GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "org/vigil", "GITHUB_RUN_ID": "42"}
    assert workflow_run_url(env) == "https://github.com/org/vigil/actions/runs/42"
    assert workflow_run_url({}) is None


def test_lineage_resolves_dvc_templates_from_params():
    from vigil.compliance.report.context import lineage_section

    dvc_yaml = {"stages": {"ingest": {"cmd": "python stages/ingest.py ${seed}", "deps": ["${data.source}", "x.csv"]}}}
    params = {"seed": 42, "data": {"source": "data/external/notes.csv"}}
    (stage,) = lineage_section(dvc_yaml, [], params)["stages"]
    assert stage["deps"] == ["data/external/notes.csv", "x.csv"] and stage["cmd"] == "python stages/ingest.py 42"
    (unresolved,) = lineage_section({"stages": {"s": {"deps": ["${missing.key}"]}}}, [], params)["stages"]
    assert unresolved["deps"] == ["${missing.key}"]  # shown as written rather than guessed


def test_a_section_added_or_removed_since_the_release_is_one_row_and_changed_values_are_listed():
    from vigil.compliance.release_changes import collapse_sections

    before = {"model.C": 10.0, "audit.fairness.k": 1, "old.a": 1, "old.b": 2, "seed": 42}
    now = {
        "model.C": 1.0,
        "audit.fairness.k": 1,
        "audit.robustness.x": 1,
        "audit.robustness.y.z": 2,
        "seed": 42,
        "n": 3,
    }
    assert collapse_sections(before, now) == [
        ("audit.robustness.*", None, "added: 2 keys"),
        ("model.C", 10.0, 1.0),
        ("n", None, 3),
        ("old.*", "removed: 2 keys", None),
    ]


def test_the_annex_iv_index_names_every_item_and_marks_a_blank_fact_missing():
    import yaml

    from vigil.compliance.annex_iv import ITEMS, annex_iv_index
    from vigil.compliance.organisation import with_data_governance

    describe = yaml.safe_load((REPO_ROOT / "params/data/synthetic.yaml").read_text())["describe"]
    organisation = yaml.safe_load((REPO_ROOT / "policies/organisation/organisation.yaml").read_text())
    card = describe["model_card"]
    reports = {name: {"x": 1} for name in ("data_quality", "metrics", "robustness", "fairness", "privacy")}
    rows = annex_iv_index(with_data_governance(organisation, describe), card, reports, release_recorded=True)
    # The shipped organisation file is the example's: its facts are never "filled", they are placeholders.
    placeholders = [r for r in rows if r["status"] == "example placeholder"]
    assert placeholders and all(r["sources"].endswith("organisation file") for r in placeholders)
    assert "provider.name" in placeholders[0]["gaps"]
    organisation.pop("example")
    organisation = yaml.safe_load(yaml.safe_dump(organisation).replace("(fictitious)", ""))
    rows = annex_iv_index(with_data_governance(organisation, describe), card, reports, release_recorded=True)
    assert len(rows) == len(ITEMS) and {r["status"] for r in rows} == {"filled"}
    # Collection, labelling and biases describe the dataset: they come from the data configuration.
    governance = next(r for r in rows if r["heading"].startswith("Data governance"))
    assert governance["sources"] == "pipeline, data configuration"
    blank = annex_iv_index(with_data_governance(organisation, {}), card, reports, release_recorded=True)
    assert [r["gaps"] for r in blank if r["status"] == "MISSING"] == [
        ["data_governance.collection", "data_governance.labelling", "data_governance.known_biases"]
    ]
    organisation["risk_management"]["reference"] = " "
    del reports["robustness"]
    organisation = with_data_governance(organisation, describe)
    rows = {r["heading"].split(" (")[0]: r for r in annex_iv_index(organisation, card, reports, release_recorded=False)}
    assert rows["Risk management system"]["status"] == "MISSING"
    assert rows["Risk management system"]["gaps"] == ["risk_management.reference"]
    assert rows["Robustness"]["gaps"] == ["reports/robustness.json"]
    assert rows["Version and change log against the previous release"]["status"] == "not recorded"


def test_blank_data_description_fields_are_counted_for_doc_006(tmp_path: Path):
    from vigil.compliance.documentation import documentation_facts

    blank = documentation_facts({}, tmp_path, {}, {"title": "", "organisation": "  ", "system_name": None})
    governance = ["data_governance.collection", "data_governance.labelling", "data_governance.known_biases"]
    assert blank["describe_missing"] == ["title", "organisation", "system_name", *governance]
    assert blank["describe_missing_count"] == 6
    governance = {"collection": "export", "labelling": "technicians", "known_biases": " "}
    written = documentation_facts(
        {}, tmp_path, {}, {"title": "T", "organisation": "Acme", "system_name": "Triage", "data_governance": governance}
    )
    assert written["describe_missing"] == ["data_governance.known_biases"]
    grouped = documentation_facts(
        {}, tmp_path, {}, {"title": "T", "groups": {"region": "Where the shop is", "shift": ""}}, ["region", "shift"]
    )
    assert grouped["describe_missing"][-1:] == ["groups.shift"]  # a group column nobody described
    assert "data_governance.known_biases" not in written["organisation_missing"]  # DOC-006's, not DOC-005's


def test_an_organisation_file_with_data_governance_says_where_it_moved(tmp_path: Path):
    from vigil.compliance.organisation import ORGANISATION_FILE, example_facts, load_organisation

    path = tmp_path / ORGANISATION_FILE
    path.parent.mkdir(parents=True)
    shipped = (REPO_ROOT / ORGANISATION_FILE).read_text()
    path.write_text(shipped + "data_governance:\n  collection: exported monthly\n")
    with pytest.raises(VigilError, match=r"move it to the data configuration \(params/data/<name>.yaml, data.describe"):
        load_organisation(tmp_path)
    path.write_text(shipped)
    every = example_facts(load_organisation(tmp_path))  # the shipped file says example: true: all of it
    assert "provider.name" in every and "system.version_policy" in every and len(every) == 17
    own = shipped.replace("example: true\n", "")
    path.write_text(own)  # the marker deleted, the facts still marked (fictitious) are still the example's
    assert "provider.name" in example_facts(load_organisation(tmp_path))
    assert "system.version_policy" not in example_facts(load_organisation(tmp_path))
    path.write_text(own.replace("(fictitious)", ""))
    assert example_facts(load_organisation(tmp_path)) == []
