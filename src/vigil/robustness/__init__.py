"""Robustness audit (EU AI Act Art. 15): the model under realistic rewrites of its input notes."""

from vigil.robustness.audit import robustness_audit
from vigil.robustness.perturbations import Perturbation, build_perturbations, not_run
from vigil.robustness.settings import RobustnessSettings

__all__ = ["Perturbation", "RobustnessSettings", "build_perturbations", "not_run", "robustness_audit"]
