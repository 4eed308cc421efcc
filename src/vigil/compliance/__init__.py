"""Compliance: policies and the gate, the signed PDF report, the manifest, verification, retrieval.

Modules hold one idea each: ``policies`` (load and validate rule files),
``gate`` (evaluate rules), ``keys`` (signing identities), ``canonical`` and
``manifest`` (what is signed), ``detached_signature`` and ``pdf_signing``
(how), ``verification`` and ``pdf_verification`` (checking it later),
``retrieval`` (fetching an old revision's evidence), ``summary`` (the PR
comment) and ``evidence`` (the report stage's assembly of all of these).
"""
