"""Fixtures for the reuse tests; plain helpers live in reuse_samples.py (importable by name)."""
from reuse_samples import shared_dir  # noqa: F401  (fixture)
