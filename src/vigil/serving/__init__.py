"""Serving: the FastAPI prediction service behind ``vigil serve``.

``settings`` (limits and switches), ``schemas`` (the HTTP contract),
``model_check`` (refuse a model directory that differs from the signed
manifest), ``runtime`` (the loaded model and one prediction call),
``telemetry`` (Prometheus instruments), ``app`` (routes and middleware).
Imports ``modeling`` and ``privacy`` only (docs/architecture.md "Layout").
"""
