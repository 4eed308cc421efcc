"""Metrics, plot data and the predictions table that the audits read."""
