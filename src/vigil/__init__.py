"""Vigil: a GitOps ML repository for regulated text classification.

The package holds the logic; ``stages/`` scripts and the ``vigil`` command are
thin wiring around it (see docs/architecture.md, "Layout").
"""

__version__ = "0.1.0"
