"""Experiments as proposals: params/ from an experiment, the branch a reviewer reads, the 80-column table."""
