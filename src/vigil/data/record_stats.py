"""What ingest keeps of each record while the source streams past: a few bytes, never the text.

The data-quality profile, the data dictionary and the table-level checks
(unique ids, label support) need every record, but not every record's text.
Each batch leaves behind lengths, 64-bit hashes (of the id, the text and the
case/space-normalised text), label and group codes and the date: about 50
bytes a record, so 50 M records fit where their text would not. The ids are
kept too, as one compact Arrow array, only to confirm a hash match before a
duplicate id is reported (a report must never name a value that is not there).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from vigil.data.schema import CREATED_AT, LABEL, RECORD_ID, TEXT
from vigil.data.validation import Location


def text_hashes(values: pd.Series) -> np.ndarray:
    """64-bit hashes of strings (pandas' stable hash), for counting equal values without keeping them."""
    return pd.util.hash_array(values.to_numpy(dtype=object))


def normalised(texts: pd.Series) -> pd.Series:
    """Case- and whitespace-insensitive form of a text, the profile's notion of a near duplicate."""
    return texts.str.lower().str.split().str.join(" ")


def type_name(series: pd.Series) -> str:
    """The data dictionary's type of a column."""
    if pd.api.types.is_datetime64_any_dtype(series):
        return "datetime"
    if pd.api.types.is_numeric_dtype(series):
        return "number"
    return "string"


class _Codes:
    """Values of a low-cardinality column as int32 codes, names in order of first appearance."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self._index: dict[str, int] = {}
        self.chunks: list[np.ndarray] = []

    def _code(self, value: str) -> int:
        code = self._index.get(value)
        if code is None:
            code = self._index[value] = len(self.names)
            self.names.append(value)
        return code

    def add(self, values: pd.Series) -> np.ndarray:
        local, uniques = pd.factorize(values.astype(str))  # uniques in order of appearance
        mapping = np.array([self._code(str(u)) for u in uniques], dtype=np.int32)
        codes = mapping[local] if len(local) else np.empty(0, dtype=np.int32)
        self.chunks.append(codes)
        return codes

    def all(self) -> np.ndarray:
        return np.concatenate(self.chunks) if self.chunks else np.empty(0, dtype=np.int32)


def value_counts(codes: np.ndarray, names: list[str]) -> list[tuple[str, int]]:
    """(value, count), most frequent first, ties in order of first appearance (as ``Series.value_counts``)."""
    if codes.size == 0:
        return []
    present, first = np.unique(codes, return_index=True)
    counts = np.bincount(codes, minlength=len(names))[present]
    order = sorted(range(present.size), key=lambda i: (-counts[i], first[i]))
    return [(names[present[i]], int(counts[i])) for i in order]


@dataclass(frozen=True)
class ColumnInfo:
    """One output column as the data dictionary describes it."""

    name: str
    type: str
    missing: int


@dataclass(frozen=True)
class RecordSummary:
    """Per-record arrays of the kept records (rare labels dropped), aligned by position."""

    chars: np.ndarray
    tokens: np.ndarray
    all_caps: np.ndarray
    text_hash: np.ndarray
    normalised_hash: np.ndarray
    labels: np.ndarray
    label_names: list[str]
    groups: Mapping[str, tuple[np.ndarray, list[str]]]
    created_at: np.ndarray | None
    columns: list[ColumnInfo]
    missing_groups: Mapping[str, int]

    @property
    def n_records(self) -> int:
        return int(self.chars.size)

    def counts(self, column: str) -> list[tuple[str, int]]:
        """Value counts of the label or a group column."""
        codes, names = (self.labels, self.label_names) if column == LABEL else self.groups[column]
        return value_counts(codes, names)


class RecordStats:
    """Accumulates :class:`RecordSummary` inputs batch by batch, plus the ids for the duplicate check."""

    def __init__(self, group_columns: Iterable[str]) -> None:
        self.group_columns = list(group_columns)
        self._starts: list[int] = []
        self._batches: list[tuple[str, int]] = []
        self._n = 0
        self._ids: list[pa.Array] = []
        self._arrays: dict[str, list[np.ndarray]] = {}
        self._labels = _Codes()
        self._groups = {g: _Codes() for g in self.group_columns}
        self._types: dict[str, str] = {}
        self.label_counts: dict[str, int] = {}
        self.first_seen: dict[str, Location] = {}

    @property
    def n_records(self) -> int:
        return self._n

    def _keep(self, name: str, values: np.ndarray) -> None:
        self._arrays.setdefault(name, []).append(values)

    def add(
        self,
        frame: pd.DataFrame,
        path: str,
        first_row: int,
        missing_groups: Mapping[str, np.ndarray] | None = None,
    ) -> None:
        """Record a validated batch whose first row is ``first_row`` of file ``path``.

        ``missing_groups`` flags the group values that were missing in the
        source (the frame already shows them as an explicit category).
        """
        self._starts.append(self._n)
        for group in self.group_columns:
            flags = (missing_groups or {}).get(group)
            self._keep(f"group_missing:{group}", np.zeros(len(frame), bool) if flags is None else flags)
        self._batches.append((path, first_row))
        self._n += len(frame)
        for column in frame.columns:
            self._types.setdefault(column, type_name(frame[column]))
            self._keep(f"missing:{column}", frame[column].isna().to_numpy())
        ids, text = frame[RECORD_ID].astype(str), frame[TEXT]
        self._ids.append(pa.array(ids.tolist(), type=pa.large_string()))
        self._keep("id_hash", text_hashes(ids))
        self._keep("chars", text.str.len().to_numpy(dtype=np.int32))
        self._keep("tokens", text.str.split().str.len().to_numpy(dtype=np.int32))
        self._keep("all_caps", text.map(str.isupper).to_numpy(dtype=bool))
        self._keep("text_hash", text_hashes(text))
        self._keep("normalised_hash", text_hashes(normalised(text)))
        if CREATED_AT in frame.columns:
            self._keep(CREATED_AT, frame[CREATED_AT].to_numpy(dtype="datetime64[us]"))
        codes = self._labels.add(frame[LABEL])
        for group in self.group_columns:
            self._groups[group].add(frame[group])
        present, positions = np.unique(codes, return_index=True)
        counts = np.bincount(codes, minlength=len(self._labels.names))
        for code, position in zip(present, positions, strict=True):
            label = self._labels.names[code]
            self.label_counts[label] = self.label_counts.get(label, 0) + int(counts[code])
            self.first_seen.setdefault(label, Location(path, first_row + int(position)))

    def location(self, index: int) -> Location:
        """Where the record at global position ``index`` came from."""
        batch = bisect.bisect_right(self._starts, index) - 1
        path, first_row = self._batches[batch]
        return Location(path, first_row + index - self._starts[batch])

    def _all(self, name: str, dtype: str) -> np.ndarray:
        chunks = self._arrays.get(name)
        return np.concatenate(chunks) if chunks else np.empty(0, dtype=dtype)

    def first_duplicate_id(self) -> tuple[str, Location, Location] | None:
        """The first record (in source order) whose id an earlier record has, with both locations.

        Hash matches are only candidates: the ids themselves decide, so a
        64-bit collision can never be reported as a duplicate.
        """
        hashes = self._all("id_hash", "uint64")
        order = np.argsort(hashes, kind="stable")
        sorted_hashes = hashes[order]
        repeated = np.flatnonzero(sorted_hashes[1:] == sorted_hashes[:-1])
        if repeated.size == 0:
            return None
        candidates = np.unique(np.concatenate([order[repeated], order[repeated + 1]]))
        ids = pa.chunked_array(self._ids, type=pa.large_string()).take(pa.array(candidates)).to_pylist()
        values = pd.Series(ids, index=candidates)
        duplicated = values.duplicated(keep="first")
        if not duplicated.any():
            return None
        second = int(values.index[duplicated.to_numpy().argmax()])
        value = values[second]
        first = int(values.index[(values == value).to_numpy().argmax()])
        return value, self.location(second), self.location(first)

    def ids_with_labels(self, labels: Iterable[str]) -> set[str]:
        """The ids of the records carrying any of ``labels`` (to drop their gold spans with them)."""
        codes = [self._labels.names.index(label) for label in labels]
        positions = np.flatnonzero(np.isin(self._labels.all(), codes))
        ids = pa.chunked_array(self._ids, type=pa.large_string())
        return set(ids.take(pa.array(positions)).to_pylist())

    def summary(self, dropped_labels: Iterable[str] = ()) -> RecordSummary:
        """The kept records' arrays: everything except the labels in ``dropped_labels``."""
        labels = self._labels.all()
        dropped = [self._labels.names.index(label) for label in dropped_labels]
        keep = ~np.isin(labels, dropped)
        created = self._all(CREATED_AT, "datetime64[us]")[keep] if CREATED_AT in self._types else None
        columns = [
            ColumnInfo(name, kind, int(self._all(f"missing:{name}", "bool")[keep].sum()))
            for name, kind in self._types.items()
        ]
        return RecordSummary(
            chars=self._all("chars", "int32")[keep],
            tokens=self._all("tokens", "int32")[keep],
            all_caps=self._all("all_caps", "bool")[keep],
            text_hash=self._all("text_hash", "uint64")[keep],
            normalised_hash=self._all("normalised_hash", "uint64")[keep],
            labels=labels[keep],
            label_names=self._labels.names,
            groups={g: (codes.all()[keep], codes.names) for g, codes in self._groups.items()},
            created_at=created,
            columns=columns,
            missing_groups={g: int(self._all(f"group_missing:{g}", "bool")[keep].sum()) for g in self.group_columns},
        )


def summarise_frame(frame: pd.DataFrame, group_columns: Iterable[str]) -> RecordSummary:
    """The summary of an in-memory frame (one batch), for callers that hold the whole table anyway."""
    stats = RecordStats(group_columns)
    stats.add(frame, "<frame>", 1)
    return stats.summary()
