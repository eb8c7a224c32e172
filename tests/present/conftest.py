import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sample_store import build_sample_store, sample_articles  # noqa: E402


@pytest.fixture
def sample_store(tmp_path):
    store = build_sample_store(tmp_path / "sample.db")
    yield store
    store.close()

