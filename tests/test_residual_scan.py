"""The independent residual scan: what it flags, what it leaves, and that it sees what the scrubber misses."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from vigil.compliance.gate import evaluate
from vigil.compliance.policies import load_policies
from vigil.privacy.config import ScrubConfig
from vigil.privacy.parallel import scrub_parquet
from vigil.privacy.report import privacy_report
from vigil.privacy.residual import RESIDUAL_TYPES, residual_scan, scan_text

ROOT = Path(__file__).resolve().parents[1]
FAA = ROOT.parent / "shared" / "data" / "faa_maintenance" / "Maintenance_Text_data_nona.csv"


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        # a name pair without a cue, in capitals and in lower case
        ("VIVIANE CARDOSO LEVOU O CARRO ONTEM", "PERSON"),
        ("trocado por roberto fonseca na sexta", "PERSON"),
        # a cue word before a word no dictionary knows
        ("cliente Nkemdirim aguarda", "PERSON"),
        ("CUST ZBIGNIEW CALLED", "PERSON"),
        # two rare capitalised words in edited text
        ("Parts picked up by Oddvar Brekkestø today", "PERSON"),
        # a phone glued to a date, in groups, international
        ("tel (602) 418-2277 - 09/14/2023", "NUMBER"),
        ("ligar 61 99123-4455", "NUMBER"),
        ("ph +44 20 7946 0958", "NUMBER"),
        # documents, cards, IBAN in groups
        ("cpf 390 533 447 05", "NUMBER"),
        ("card 4539 1488 0343 6467", "NUMBER"),
        # e-mails, literal and disguised
        ("mail rita.k at provedor dot com dot br", "EMAIL_ADDRESS"),
        ("contato: pedro(at)frota.com", "EMAIL_ADDRESS"),
        ("ana @ gmail.com", "EMAIL_ADDRESS"),
        # addresses
        ("entregar na rua bela cintra, 986", "STREET_ADDRESS"),
        ("pickup 5120 OAK HOLLOW DR", "STREET_ADDRESS"),
        ("cep 04538-133", "STREET_ADDRESS"),
    ],
)
def test_flags_each_kind_of_leak(text, kind):
    assert scan_text(text)[kind] >= 1, scan_text(text)


@pytest.mark.parametrize(
    "text",
    [
        "cliente <PERSON> tel <PHONE_NUMBER_0123456789ab> email <EMAIL_ADDRESS>",
        "cust reorts noise; cliente rleata barulho na suspensao",  # typos after a cue are words
        "PILOT LOST POWER ON CLIMB OUT, LANDED IN A FIELD",
        "part 7867432132 ordered, serial 88412033771",  # long numbers named as codes
        "service date 2024-03-18 10:45, next 2025-03-18",
        "processo 0012843-03.2015.8.07.0001 arquivado",  # case numbers mix dots and dashes
        "Oil Leak at rear main seal, Coolant Leak at pump",
        "torque 110 Nm at 3500 rpm, 148562 km",
    ],
)
def test_leaves_scrubbed_and_technical_text_alone(text):
    assert not scan_text(text), scan_text(text)


def test_shares_nothing_with_the_scrubber():
    """Running the scan loads neither presidio nor a language model: it cannot inherit the scrubber's blind spots."""
    code = (
        "import sys, vigil.privacy.residual as r; r.scan_text('cliente Joana Prado tel 11 99999-0000');"
        "print(sorted(m for m in sys.modules if m.startswith(('presidio', 'en_core', 'mooring'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]", out


def test_counts_only_records_with_suspects():
    counts = residual_scan(["nada aqui", "cliente Nkemdirim", "tel 11 99123-4455 cliente Nkemdirim"])
    assert counts.records_affected == 2
    assert counts.findings == {"PERSON": 2, "NUMBER": 1}


def test_a_leak_the_scrubber_misses_is_counted_and_fails_the_gate(tmp_path: Path):
    """Plant phones while the scrubber is configured not to look for them: the scan still counts them."""
    notes = [f"cliente relata ruido no freio, retorno tel 11 9{n:04d}-{n:04d}" for n in range(1000, 1040)]
    notes += ["motor falhando em marcha lenta"] * 160
    source = tmp_path / "raw.parquet"
    pd.DataFrame({"record_id": [f"r{i}" for i in range(len(notes))], "text": notes}).to_parquet(source, index=False)
    entities = ["PERSON", "EMAIL_ADDRESS", "BR_CPF", "BR_CNPJ"]  # no PHONE_NUMBER: the planted miss
    config = ScrubConfig.from_params({"entities": entities, "workers": 1})
    totals = scrub_parquet(source, tmp_path / "out.parquet", tmp_path / "vault.parquet", config)
    assert pd.read_parquet(tmp_path / "out.parquet")["text"].str.contains(r"9\d{4}-\d{4}").sum() == 40
    report = privacy_report(totals, config, [])
    assert report["residual"]["findings"]["NUMBER"] == 40 and report["residual"]["records_affected"] == 40
    assert report["residual"]["records_affected_share"] == pytest.approx(0.2)
    assert set(report["residual"]["findings"]) == set(RESIDUAL_TYPES)
    outcomes = {o.rule.id: o for o in evaluate(load_policies(ROOT / "policies"), {"privacy": report})}
    assert outcomes["PRIV-001"].status == "fail" and outcomes["PRIV-004"].status == "pass"


@pytest.mark.skipif(not FAA.exists(), reason=f"{FAA} not found (../shared/data is beside the repository in CI)")
def test_real_maintenance_remarks_pass_the_blocking_rule_after_scrubbing():
    """FAA remarks (public, real text the rules were not written on): the scan must not fail them for nothing."""
    from vigil.privacy.scrubber import Scrubber

    frame = pd.read_csv(FAA, usecols=["c119"], dtype=str, keep_default_na=False)
    texts = [t.strip() for t in frame["c119"] if t.strip()]
    scrubbed = Scrubber(ScrubConfig.from_params({})).scrub_batch(texts).texts
    counts = residual_scan(scrubbed)
    assert counts.records_affected / len(texts) <= 0.001, counts.findings


def test_a_sentence_boundary_does_not_join_two_words_into_a_name():
    assert not scan_text("funciona na velocidade maxima. luz de alerta no painel")
    assert scan_text("atendido pelo Sr. Nishiyama hoje").get("PERSON") == 1  # a title keeps the period
