"""What a file that did not parse probably is, so the error can say what to set instead.

Real exports arrive in shapes the default settings refuse: a semicolon-separated
CSV (the default in locales that write decimals with a comma, Brazil among
them), a Windows-1252 or Latin-1 export, an Excel workbook renamed or saved as
``.csv``. Each gave an error about the symptom ("Expected 1 fields in line 9,
saw 2", "new-line character seen in unquoted field") instead of the cause. The
guesses here are used only to word errors: the data contract stays explicit,
so a run reads the file the same way whatever it looks like today.
"""

from __future__ import annotations

import csv

CANDIDATE_DELIMITERS = (",", ";", "\t", "|")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
_SAMPLE_LINES = 50


def excel_kind(raw: bytes) -> str | None:
    """``"xlsx"`` or ``"xls"`` when the bytes are an Excel workbook, else None."""
    if raw.startswith(b"PK\x03\x04") and (b"xl/" in raw[:65536] or b"[Content_Types].xml" in raw[:65536]):
        return "xlsx"
    if raw.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):  # OLE2 compound file: legacy .xls
        return "xls"
    return None


def likely_delimiter(text: str, current: str = ",") -> str | None:
    """Another delimiter that splits the first lines into the same number (2+) of fields, when ``current`` does not.

    Quoted fields are honoured (``csv`` module); None when ``current`` already gives a consistent table or no
    candidate does better.
    """
    lines = [line for line in text.splitlines()[:_SAMPLE_LINES] if line.strip()]
    if len(lines) < 2:
        return None

    def widths(delimiter: str) -> list[int]:
        return [len(row) for row in csv.reader(lines, delimiter=delimiter)]

    def consistent(delimiter: str) -> bool:
        counts = widths(delimiter)
        return counts[0] >= 2 and all(count == counts[0] for count in counts)

    if consistent(current):
        return None
    better = [d for d in CANDIDATE_DELIMITERS if d != current and consistent(d)]
    return max(better, key=lambda d: widths(d)[0]) if better else None


def likely_encoding(raw: bytes) -> str:
    """The single-byte encoding a non-UTF-8 export most likely uses (cp1252 unless it cannot decode)."""
    try:
        raw.decode("cp1252")
    except UnicodeDecodeError:
        return "latin-1"  # cp1252 leaves 5 bytes undefined; Latin-1 decodes every byte
    return "cp1252"
