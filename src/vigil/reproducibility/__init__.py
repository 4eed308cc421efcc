"""Does this machine reproduce the committed ``dvc.lock``? Identical, equal within tolerance, or different."""

from vigil.reproducibility.compare import Comparison, Verdict, compare_file, compare_model
from vigil.reproducibility.rerun import StageResult, reproduce, summary

__all__ = ["Comparison", "StageResult", "Verdict", "compare_file", "compare_model", "reproduce", "summary"]
