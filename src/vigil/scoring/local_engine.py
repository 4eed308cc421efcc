"""Score every input part in this process, batch by batch: memory stays at one batch however big the part."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from tqdm import tqdm

from vigil.modeling.predictor import Predictor
from vigil.scoring.output import output_directory, write_part
from vigil.scoring.parts import InputPart, read_columns
from vigil.scoring.prediction import output_schema, score_batch


def score_locally(
    predictor: Predictor,
    parts: Sequence[InputPart],
    out: Path,
    columns: tuple[str, str],
    batch_rows: int,
    progress: bool = False,
) -> dict[str, int]:
    """Rows scored per part (by its path under the input)."""
    schema = output_schema(list(predictor.classes_))
    rows: dict[str, int] = {}
    with output_directory(out) as staged:
        for part in tqdm(parts, desc="score", unit="part", disable=not progress):
            batches = (score_batch(predictor, batch) for batch in read_columns(part.path, *columns, batch_rows))
            rows[part.relative] = write_part(staged, part, schema, batches)
    return rows
