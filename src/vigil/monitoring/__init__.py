"""Monitoring: what the service records about its inputs, and drift against the training data.

``text_stats`` (length and out-of-vocabulary counts, the same on both sides),
``sink`` (rotating JSON Lines of prediction records, never text), ``drift``
(population stability, chi-square and the thresholds that trigger retraining).
"""
