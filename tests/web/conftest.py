import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "present"))

from sample_store import build_sample_store, sample_articles  # noqa: E402


@pytest.fixture
def sample():
    return sample_articles()


@pytest.fixture
def sample_db(tmp_path):
    path = tmp_path / "sample.db"
    build_sample_store(path).close()
    return path


@pytest.fixture
def client(sample_db, tmp_path):
    from fastapi.testclient import TestClient

    from storytrace.web.app import create_app

    with TestClient(create_app(sample_db, tmp_path / "uploads")) as c:
        yield c
