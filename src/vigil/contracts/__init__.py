"""Declared contracts between stages: JSON Schemas of the reports, checked when written and when read."""

from vigil.contracts.reports import (
    REPORT_NAMES,
    RULE_NAMESPACES,
    read_report,
    report_path,
    validate_report,
    write_report,
)

__all__ = ["REPORT_NAMES", "RULE_NAMESPACES", "read_report", "report_path", "validate_report", "write_report"]
