"""Bringing one's own data: inspect a file, write its data configuration, track it (``vigil data init``).

Kept apart from ``vigil.data`` (what the pipeline runs): these guesses help a
person write the configuration once; the pipeline only ever reads what was written.
"""
