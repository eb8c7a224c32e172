"""The app under test, over the shared sample store (`sample_db` from tests/conftest.py)."""
import pytest


@pytest.fixture
def client(sample_db, tmp_path):
    from fastapi.testclient import TestClient

    from storytrace.web.app import create_app

    with TestClient(create_app(sample_db, tmp_path / "uploads")) as c:
        yield c
