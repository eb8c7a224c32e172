"""One SparkSession (local[2]) for every Spark test in this folder: starting one costs seconds."""
from __future__ import annotations

import pytest

from storytrace.engines.spark_session import spark_available


@pytest.fixture(scope="session")
def spark():
    if not spark_available():
        pytest.skip("PySpark or Java not installed")
    from storytrace.engines.spark_session import get_spark

    session = get_spark("local[2]")
    yield session
    session.stop()
