"""Audits that turn predictions and the model into evidence: fairness, errors, explanations."""
