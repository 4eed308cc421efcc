"""`vigil data init`'s guesses on exports without telling column names, and the configuration it writes."""

from __future__ import annotations

import random
from pathlib import Path

import yaml

from messy_export import RARE_LABEL, messy_export, without_header
from vigil.data.schema import DataSpec
from vigil.data.sources import load_dataset
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
    assert found.label.column == "c3" and "10% of rows without a label, set aside" in found.label.why
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


def test_a_messy_export_is_read_as_a_person_would(tmp_path: Path):
    """Named columns count before content; the label is what the notes explain; no id, NA labels, a shifted row.

    The notes are shorter than the label values (content alone would swap `text` and `label`), and an
    `order_type` column of a few repeated values is a decoy label the notes do not explain.
    """
    text, planted = messy_export()
    path = tmp_path / "export.csv"
    path.write_text(text)
    found = inspect_table(path)
    assert (found.text.column, found.label.column, found.record_id) == ("text", "label", None)
    assert [g.column for g in found.label_candidates] == ["label", "order_type"]
    explained = [float(g.why.split("the notes explain it ")[1].split()[0]) for g in found.label_candidates]
    assert explained[0] > 0.5 > explained[1]  # the evidence that separates them, shown to the user
    assert sum(found.unlabelled.values()) == planted["unlabelled"] and set(found.unlabelled) <= {"NA", "N/A", "(empty)"}
    assert "NA" not in found.label_counts and found.label_counts[RARE_LABEL] == planted["rare"]
    assert [b.row for b in found.bad_rows] == [planted["bad_row"]] and found.header
    config = yaml.safe_load(data_config_yaml(found, "messy", "data/external/export.csv"))
    assert config["columns"]["record_id"] is None and config["bad_rows"] == "quarantine"
    assert config["critical_classes"] == [] and DataSpec.from_params(config).derives_ids

    # The same export without its header row: the first row is a record, and content alone finds the roles.
    bare = tmp_path / "bare.csv"
    bare.write_text(without_header(text))
    found = inspect_table(bare)
    assert not found.header and found.columns == ("column_1", "column_2", "column_3", "column_4")
    assert (found.text.column, found.label.column) == ("column_1", "column_2")
    config = yaml.safe_load(data_config_yaml(found, "bare", "data/external/bare.csv"))
    assert config["csv_options"] == {"header": None, "names": list(found.columns)}
    spec = DataSpec.from_params(config)
    loaded = load_dataset({**config, "source": str(bare)}, seed=1, min_examples_per_label=3)
    assert loaded.summary.n_records == planted["rows"] - planted["unlabelled"] - 1 and spec.derives_ids
    assert [q["row"] for q in loaded.quarantined] == [1] and len(loaded.frame) == loaded.summary.n_records


def test_a_header_is_kept_when_only_one_cell_looks_like_a_value(tmp_path: Path):
    """Doubt is said, not acted on: one numeric header cell over a numeric column keeps the header, with a CHECK."""
    rows = ["2019,note,failure"] + [f"{2000 + i % 20},brake pads worn at {i} km,{'BRAKE' if i % 2 else 'ENGINE'}"
                                    for i in range(60)]  # fmt: skip
    path = tmp_path / "years.csv"
    path.write_text("\n".join(rows) + "\n")
    found = inspect_table(path)
    assert found.header and found.columns[0] == "2019" and found.header_doubt
    assert "# CHECK: the first row was read as the header, but column 1" in data_config_yaml(found, "y", "y.csv")
