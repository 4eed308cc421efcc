"""Data contract, readers, validation, profiling, splitting and the synthetic generator."""
