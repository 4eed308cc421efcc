"""`vigil data init`'s guesses on exports without telling column names, and the configuration it writes."""

from __future__ import annotations

import random
from pathlib import Path

import yaml

from vigil.data.schema import DataSpec
from vigil.onboarding.data_config import TO_CHECK, data_config_yaml
from vigil.onboarding.inspection import inspect_table


def _fixed_width_export(path: Path, n: int = 300) -> None:
    """Columns named c1..c6, every field padded to a fixed width, a label column with some blank rows."""
    rng = random.Random(4)
    causes = ["ENGINE", "GEAR", "FUEL", "PROP"]
    rows = ["c1,c2,c3,c4,c5,c6"]
    for i in range(n):
        remark = " ".join(rng.choice(["OIL", "LEAK", "FOUND", "AFTER", "LANDING", "CHECK"]) for _ in range(12))
        label = "" if i % 10 == 0 else rng.choice(causes)
        rows.append(
            f"{i:08d},{remark:<90},{label:<10},{'A' if i % 2 else 'I':<3},{rng.choice(['CESSNA', 'PIPER']):<8},"
            f"2019{1 + i % 12:02d}{1 + i % 28:02d}"
        )
    path.write_text("\n".join(rows) + "\n")


def test_padding_is_not_a_value_and_a_label_with_blank_rows_says_so(tmp_path: Path):
    path = tmp_path / "export.csv"
    _fixed_width_export(path)
    found = inspect_table(path)
    assert (found.record_id.column, found.text.column, found.created_at.column) == ("c1", "c2", "c6")
    assert found.label.column == "c3" and "10% of rows blank, which ingest refuses" in found.label.why
    assert "" not in found.label_counts and sum(found.label_counts.values()) == 270  # blanks are not a label
    assert found.label.column not in {g.column for g in found.groups}


def test_the_written_configuration_marks_every_guess_and_reads_as_a_data_configuration(tmp_path: Path):
    path = tmp_path / "export.csv"
    _fixed_width_export(path)
    text = data_config_yaml(inspect_table(path), "remarks", "data/external/export.csv")
    config = yaml.safe_load(text)
    for role in ("record_id", "text", "label", "created_at"):
        line = next(line for line in text.splitlines() if line.startswith(f"  {role}: "))
        assert TO_CHECK in line, line
    assert config["vocabulary"] == {"abbreviations": {}, "glossary": {}}
    assert set(config["describe"]["groups"]) == set(config["sensitive_features"])
    assert all(v == "" for v in config["describe"]["data_governance"].values())
    spec = DataSpec.from_params(config)  # what ingest will read
    assert spec.columns["label"] == "c3" and set(spec.group_columns) == set(config["sensitive_features"])
