"""One SparkSession with defaults that suit a laptop, and that step aside on a cluster.

Why a helper: the defaults Spark ships with are tuned for clusters (200 shuffle
partitions, a web UI on port 4040, INFO logs on every stage). For a few thousand
articles in `local[2]` those cost more than the work. When `spark-submit` or a test has
already started a session, we reuse it untouched: the user's `--conf` wins.

Environment knobs (all optional): `STORYTRACE_SPARK_MASTER`, `STORYTRACE_SPARK_DRIVER_MEMORY`
(default 2g), `STORYTRACE_SPARK_SHUFFLE_PARTITIONS` (default 2 x local cores, at least 4).
"""
from __future__ import annotations

import os
import re
import signal
import sys
from contextlib import contextmanager

INSTALL_HINT = "The Spark engine needs PySpark and Java 17+: pip install 'storytrace[spark]'"


class SparkUnavailable(RuntimeError):
    """PySpark or Java is missing; the message says how to install them."""


def _require_pyspark():
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:  # pragma: no cover - exercised only without pyspark
        raise SparkUnavailable(INSTALL_HINT) from exc
    return SparkSession


def local_cores(master: str) -> int:
    """Cores a `local[N]` / `local[*]` master uses; 2 for anything else (a cluster sets its own)."""
    match = re.fullmatch(r"local(?:\[(\d+|\*)(?:,\d+)?\])?", master.strip())
    if not match:
        return 2
    if match.group(1) is None:
        return 1
    if match.group(1) == "*":
        return os.cpu_count() or 2
    return int(match.group(1))


def default_master(master: str | None = None) -> str:
    return master or os.environ.get("STORYTRACE_SPARK_MASTER") or "local[2]"


@contextmanager
def _jvm_dies_with_us():
    """While a local session starts, the JVM that PySpark launches is given PR_SET_PDEATHSIG.

    PySpark already ends its JVM when the driver's pipe to it closes, but only after the
    JVM's shutdown hooks, which took more than 5 s after a SIGKILL of the driver (issue 17),
    and not at all when a hook hangs. With PR_SET_PDEATHSIG (inherited across the
    `spark-submit` script's `exec java`) the kernel kills the JVM the moment the thread that
    started it is gone; the JVM's Python daemon then reads end-of-file from it and ends its
    workers. PySpark offers no hook for this (`launch_gateway` replaces any `preexec_fn` it is
    given), so its module's `Popen` is wrapped for the duration of the start only.
    """
    import threading

    if threading.current_thread() is not threading.main_thread():
        # The signal comes when the *thread* that started the JVM ends; a session started
        # from a passing thread would lose its JVM with that thread. Keep PySpark's own way.
        yield
        return
    try:
        from pyspark import java_gateway
    except ImportError:        # pragma: no cover - checked by _require_pyspark first
        yield
        return
    from ..workers import preexec_pdeathsig

    original = java_gateway.Popen

    def popen(command, **kwargs):
        kwargs["preexec_fn"] = preexec_pdeathsig(signal.SIGKILL, then=kwargs.get("preexec_fn"))
        return original(command, **kwargs)

    java_gateway.Popen = popen
    try:
        yield
    finally:
        java_gateway.Popen = original


def get_spark(master: str | None = None, *, app_name: str = "storytrace"):
    """The active session if there is one (spark-submit, tests), else a new one with local defaults."""
    SparkSession = _require_pyspark()
    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    if master is None and os.environ.get("PYSPARK_GATEWAY_PORT"):
        # Launched by spark-submit: its --master and --conf already configure the JVM.
        spark = SparkSession.builder.appName(app_name).getOrCreate()
        spark.sparkContext.setLogLevel(os.environ.get("STORYTRACE_SPARK_LOG_LEVEL", "WARN"))
        return spark
    master = default_master(master)
    shuffle = os.environ.get("STORYTRACE_SPARK_SHUFFLE_PARTITIONS") or str(max(4, 2 * local_cores(master)))
    # Workers must run the same interpreter (and so see the same installed storytrace).
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    builder = (
        SparkSession.builder.appName(app_name)
        .master(master)
        .config("spark.driver.memory", os.environ.get("STORYTRACE_SPARK_DRIVER_MEMORY", "2g"))
        .config("spark.sql.shuffle.partitions", shuffle)
        .config("spark.default.parallelism", shuffle)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.sql.adaptive.enabled", "true")
        .config("spark.python.worker.reuse", "true")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1")
    )
    try:
        with _jvm_dies_with_us():
            spark = builder.getOrCreate()
    except Exception as exc:  # Java missing or JVM failed to start: py4j raises plain Exception
        raise SparkUnavailable(f"{INSTALL_HINT} ({exc})") from exc
    spark.sparkContext.setLogLevel(os.environ.get("STORYTRACE_SPARK_LOG_LEVEL", "ERROR"))
    return spark


def spark_available() -> bool:
    """True when PySpark imports and a `java` is on PATH (what tests check before skipping)."""
    import shutil

    try:
        _require_pyspark()
    except SparkUnavailable:
        return False
    return bool(os.environ.get("JAVA_HOME") or shutil.which("java"))
