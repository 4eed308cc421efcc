"""The one exception type users see as a clean one-line error instead of a traceback."""

from __future__ import annotations


class VigilError(Exception):
    """A problem the user can fix (bad input, bad config); printed as one line, exit code 2."""


class DataValidationError(VigilError):
    """Bad input data, located as precisely as possible: file, row and column.

    ``row`` is 1-based and counts data rows as a spreadsheet shows them below
    the header, so a user can jump straight to it.
    """

    def __init__(self, path: str, message: str, *, row: int | None = None, column: str | None = None) -> None:
        self.path, self.row, self.column, self.reason = path, row, column, message
        where = [path]
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column '{column}'")
        super().__init__(f"{', '.join(where)}: {message}")
