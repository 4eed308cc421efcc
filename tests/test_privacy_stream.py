"""Streaming scrub on a worker pool (the residual scan: tests/test_residual_scan.py)."""

from pathlib import Path

import pandas as pd

from vigil.data.synthetic import SyntheticConfig, generate
from vigil.privacy.config import ScrubConfig
from vigil.privacy.parallel import scrub_parquet


def test_pool_of_two_matches_one_process_in_order_and_counts(tmp_path: Path):
    frame, _ = generate(SyntheticConfig(n_records=300, seed=4))
    source = tmp_path / "raw.parquet"
    frame.to_parquet(source, index=False, row_group_size=70)
    outputs = {}
    for workers in (1, 2):
        config = ScrubConfig.from_params({"workers": workers, "chunk_rows": 40})
        target = tmp_path / f"out{workers}.parquet"
        totals = scrub_parquet(source, target, tmp_path / f"vault{workers}.parquet", config)
        outputs[workers] = (pd.read_parquet(target), totals)
    (one, totals_one), (two, totals_two) = outputs[1], outputs[2]
    assert one.equals(two), "chunks must come back in input order, whatever the pool does"
    assert one["record_id"].tolist() == frame["record_id"].tolist()
    assert list(one.columns) == list(frame.columns)
    assert totals_one.entity_counts == totals_two.entity_counts and totals_two.records_scanned == 300
    assert one["text"].str.contains("<PERSON>").sum() > 20


def test_empty_input_gives_empty_outputs(tmp_path: Path):
    frame, _ = generate(SyntheticConfig(n_records=5, seed=4))
    source = tmp_path / "raw.parquet"
    frame.head(0).to_parquet(source, index=False)
    totals = scrub_parquet(source, tmp_path / "out.parquet", tmp_path / "vault.parquet", ScrubConfig.from_params({}))
    assert totals.records_scanned == 0 and pd.read_parquet(tmp_path / "out.parquet").empty
