"""``vigil score``: a released model over a table of notes, on this machine or on Spark."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vigil.errors import VigilError

if TYPE_CHECKING:  # the CLI imports its engines lazily, to start fast
    from vigil.scoring.parts import InputPart

ENGINES = ("local", "spark")


def _score(args: argparse.Namespace) -> int:
    from vigil.log import get_logger
    from vigil.modeling import load_model
    from vigil.scoring.model_files import released_model_digests
    from vigil.scoring.parts import input_parts
    from vigil.serving.manifest_trust import ManifestTrust

    parts = input_parts(args.input)
    out, source = args.out.resolve(), args.input.resolve()
    if out == source or out.is_relative_to(source) or source.is_relative_to(out):
        raise VigilError(f"--out {args.out}: must be outside the input (a rerun would read its own predictions)")
    trust = ManifestTrust(args.anchors, allow_development=args.allow_development)
    digests = released_model_digests(args.model, args.manifest, trust)  # signer and files, before any unpickling
    columns = (args.id_column, args.text_column)
    progress = sys.stderr.isatty()
    started = time.perf_counter()
    if args.engine == "spark":
        rows = _score_on_spark(args, digests, parts, columns, progress)
    else:
        from vigil.scoring.local_engine import score_locally

        # The directory was just checked against the manifest; load_model checks model.json's own digests.
        rows = score_locally(load_model(args.model), parts, args.out, columns, args.batch_rows, progress)
    seconds = time.perf_counter() - started
    total = sum(rows.values())
    get_logger("score").info(
        "scored",
        extra={"engine": args.engine, "parts": len(rows), "records": total, "seconds": round(seconds, 3),
               "records_per_second": round(total / seconds, 1) if seconds else None},
    )  # fmt: skip
    print(f"{total:,} notes in {len(rows)} part(s) scored ({args.engine}) -> {args.out}")
    return 0


def _score_on_spark(
    args: argparse.Namespace, digests: dict[str, str], parts: list[InputPart], columns: tuple[str, str], progress: bool
) -> dict[str, int]:
    from vigil.modeling.artifact import read_model_card
    from vigil.scoring.spark_engine import score_on_spark
    from vigil.spark.session import spark_session
    from vigil.spark.settings import SparkSettings

    conf = dict(item.split("=", 1) for item in args.spark_conf)
    settings = SparkSettings(master=args.spark_master, window_rows=args.window_rows, log_level=args.spark_log_level,
                             conf=conf)  # fmt: skip
    labels = list(read_model_card(args.model)["labels"])
    with spark_session(settings, "vigil-score", args.batch_rows, "vigil score --engine") as session:
        return score_on_spark(
            session, args.model, digests, labels, parts, args.out, columns, settings, args.batch_rows, progress
        )


def _conf_item(value: str) -> str:
    if "=" not in value or not value.split("=", 1)[0].startswith("spark."):
        raise argparse.ArgumentTypeError(f"expected spark.KEY=VALUE, got {value!r}")
    return value


def add_score_commands(commands: Any) -> None:
    score = commands.add_parser(
        "score",
        help="score a table of notes (a file or a directory of part files) with a released model",
        description="Predictions for every note of INPUT, one output Parquet file per input part, written as "
        "`vigil serve` would answer (the text as given). The model directory must match the signed manifest; "
        "each Spark executor checks its copy again before loading it.",
    )
    score.add_argument("input", type=Path, help="a .parquet or .csv file, or a directory of them (part files)")
    score.add_argument("--out", type=Path, required=True, help="directory for the predictions (replaced at the end)")
    score.add_argument("--model", type=Path, default=Path("models/model"))
    score.add_argument("--manifest", type=Path, default=Path("reports/compliance/manifest.json"))
    score.add_argument("--anchors", type=Path, default=Path("policies/trust/signers.yaml"))
    score.add_argument("--allow-development", action="store_true", help="accept a development-signed manifest")
    score.add_argument("--engine", choices=ENGINES, default="local")
    score.add_argument("--id-column", default="record_id")
    score.add_argument("--text-column", default="text")
    score.add_argument("--batch-rows", type=int, default=4096, help="notes per batch (and per Arrow batch on Spark)")
    score.add_argument("--spark-master", default="local[*]", help="overridden by $VIGIL_SPARK_MASTER")
    score.add_argument("--window-rows", type=int, default=100_000, help="notes per Spark job (the driver's memory)")
    score.add_argument("--spark-log-level", default="WARN")
    score.add_argument("--spark-conf", type=_conf_item, action="append", default=[], help="spark.KEY=VALUE")
    score.set_defaults(handler=_score)
