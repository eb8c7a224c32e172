"""Fixtures shared across test folders: the hand-written sample store (tests/present/sample_store.py)."""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "present"))

from sample_store import build_sample_store, sample_articles  # noqa: E402


@pytest.fixture
def sample():
    return sample_articles()


@pytest.fixture
def sample_db(tmp_path):
    path = tmp_path / "sample.db"
    build_sample_store(path).close()
    return path
