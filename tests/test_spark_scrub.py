"""The Spark engine writes what the local engine writes; failures and missing runtimes say so in one line.

The whole pipeline with ``scrub.engine: spark`` (byte-equal output, Spark's INFO logs searched for
canaries, one scrubber per executor process) is the own-data test in tests/test_pipeline.py.
"""

from __future__ import annotations

import json

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from conftest import REPO_ROOT, SHARED_DATA, requires_shared_data
from vigil.errors import VigilError
from vigil.privacy.config import ScrubConfig
from vigil.privacy.operators import decrypt_value
from vigil.privacy.parallel import scrub_parquet
from vigil.privacy.report import privacy_report
from vigil.privacy.scrub_output import VAULT_SCHEMA
from vigil.privacy.spark_partition import OUTPUT_SCHEMA, scrub_batch
from vigil.spark.session import spark_session
from vigil.spark.settings import SparkSettings

KEYS = {"VIGIL_PSEUDONYM_KEY": "5e" * 32, "VIGIL_REID_KEY": "c3" * 32}


def _public_notes(path, n_synthetic: int = 240, n_remarks: int = 120) -> None:
    """Raw records from text nobody here wrote: presidio-research's PII sentences and real FAA remarks."""
    synthetic = json.loads((SHARED_DATA / "pii_eval/synth_dataset_v2.json").read_text())[:n_synthetic]
    remarks = pd.read_csv(SHARED_DATA / "faa_maintenance/Maintenance_Text_data_nona.csv", usecols=["c119"])
    texts = [s["full_text"] for s in synthetic] + remarks["c119"].str.strip().head(n_remarks).tolist()
    frame = pd.DataFrame(
        {"record_id": [f"n{i:05d}" for i in range(len(texts))], "text": texts, "label": "x", "region": "r"}
    )
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path)


def _keyed_config(name_models, **overrides) -> ScrubConfig:
    """The committed scrub configuration (with both trained name models) and the pseudonymize.yaml operators."""
    operators = yaml.safe_load((REPO_ROOT / "params/scrub/pseudonymize.yaml").read_text())["operators"]
    return ScrubConfig.from_params(name_models.scrub_params(operators=operators, **overrides))


@pytest.mark.slow
@pytest.mark.xdist_group("spark")  # the suite's one Spark session lives in one worker
@requires_shared_data
def test_spark_engine_writes_the_local_engines_bytes_pseudonyms_vault_and_counts(
    spark, tmp_path, monkeypatch, name_models
):
    from vigil.privacy.spark_engine import scrub_parquet_on_spark

    for name, value in KEYS.items():
        monkeypatch.setenv(name, value)
    raw = tmp_path / "raw.parquet"
    _public_notes(raw)
    # Several windows of several batches each, split over both executor cores.
    config = _keyed_config(name_models, chunk_rows=60, workers=1)
    settings = SparkSettings(window_rows=120)
    local = scrub_parquet(raw, tmp_path / "local.parquet", tmp_path / "local-vault.parquet", config)
    on_spark = scrub_parquet_on_spark(
        spark, raw, tmp_path / "spark.parquet", tmp_path / "spark-vault.parquet", config, settings
    )

    assert (tmp_path / "spark.parquet").read_bytes() == (tmp_path / "local.parquet").read_bytes()
    assert privacy_report(on_spark, config, []) == privacy_report(local, config, [])
    assert on_spark.records_scanned == 360 and on_spark.entity_counts["PERSON"] > 50
    scrubbed = pd.read_parquet(tmp_path / "spark.parquet")["text"]
    assert scrubbed.str.contains(r"<EMAIL_ADDRESS_[0-9a-f]{10}>").any()  # keyed pseudonyms, equal on both
    local_vault, spark_vault = (pd.read_parquet(tmp_path / f"{e}-vault.parquet") for e in ("local", "spark"))
    assert len(local_vault) > 50 and list(spark_vault.columns) == VAULT_SCHEMA.names
    where = ["record_id", "entity_type", "start", "end"]
    assert spark_vault[where].equals(local_vault[where])
    key = bytes.fromhex(KEYS["VIGIL_REID_KEY"])
    decrypted = [[decrypt_value(key, c) for c in vault["ciphertext"]] for vault in (local_vault, spark_vault)]
    assert decrypted[0] == decrypted[1]  # the same names, under fresh IVs


@pytest.mark.slow
@pytest.mark.xdist_group("spark")
def test_spark_engine_on_an_empty_file_writes_empty_outputs_with_the_schema(spark, tmp_path):
    from vigil.privacy.spark_engine import scrub_parquet_on_spark

    raw = tmp_path / "raw.parquet"
    pq.write_table(pa.table({"record_id": pa.array([], pa.string()), "text": pa.array([], pa.string())}), raw)
    totals = scrub_parquet_on_spark(
        spark, raw, tmp_path / "out.parquet", tmp_path / "vault.parquet", ScrubConfig.from_params({}), SparkSettings()
    )
    assert totals.records_scanned == 0
    assert pq.read_table(tmp_path / "out.parquet").schema.names == ["record_id", "text"]
    assert pq.read_table(tmp_path / "vault.parquet").schema == VAULT_SCHEMA


class _FailingScrubber:
    def scrub_rows(self, texts: list[str]) -> list:
        raise ValueError(f"could not parse {texts[0]!r}")  # a library error quoting its input


def test_an_executor_failure_names_the_records_and_withholds_the_message():
    batch = pa.RecordBatch.from_pydict(
        {"record_id": ["a1", "a2"], "text": ["cliente Aline Martins tel 11 99123-4455", "ok"]}
    )
    with pytest.raises(RuntimeError) as failure:
        scrub_batch(_FailingScrubber(), batch, None)  # type: ignore[arg-type]
    message = str(failure.value)
    assert message == "scrub failed on the batch of records a1..a2 (ValueError; message withheld)"
    assert failure.value.__suppress_context__  # the original (quoting) exception is not printed with it
    assert OUTPUT_SCHEMA.names[:2] == ["record_id", "text"]


def test_spark_without_java_or_with_bad_settings_stops_in_one_line(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no `java` here
    monkeypatch.delenv("JAVA_HOME", raising=False)
    with pytest.raises(VigilError, match=r"scrub.engine is 'spark' but no Java runtime was found"):
        with spark_session(SparkSettings(), "x", 100, "scrub.engine"):
            pass
    with pytest.raises(VigilError, match=r"scrub.spark.window_rows must be at least 1"):
        SparkSettings.from_params({"window_rows": 0}, "scrub.spark")
    with pytest.raises(VigilError, match=r"scrub.spark.executor_memory: unknown key"):
        SparkSettings.from_params({"executor_memory": "4g"}, "scrub.spark")
    with pytest.raises(VigilError, match=r"scrub.engine must be one of \['local', 'spark'\]"):
        ScrubConfig.from_params({"engine": "dask"})


def test_the_engine_is_not_part_of_the_configuration_digest():
    local = ScrubConfig.from_params({"engine": "local"})
    spark = ScrubConfig.from_params({"engine": "spark", "spark": {"master": "spark://cluster:7077"}})
    assert local.digest() == spark.digest() != ScrubConfig.from_params({"score_threshold": 0.5}).digest()


@pytest.mark.slow
@pytest.mark.xdist_group("spark")
def test_a_window_answered_out_of_order_stops_the_run_instead_of_pairing_notes_wrongly(spark):
    from vigil.spark.windows import map_window

    def reversed_rows(batches):  # nested, so Spark ships it by value (this module is not on the workers' path)
        for batch in batches:
            yield batch.take(list(range(batch.num_rows - 1, -1, -1)))

    window = pa.table({"record_id": ["a", "b", "c"], "text": ["x", "y", "z"]})
    with pytest.raises(VigilError, match=r"notes.parquet: Spark returned a window's records out of order"):
        map_window(spark, window, reversed_rows, "record_id string, text string", "notes.parquet")
