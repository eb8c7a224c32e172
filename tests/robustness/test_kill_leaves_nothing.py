"""SIGKILL the storytrace CLI while it works: within 5 s no process of that run remains (issue 17).

The CLI runs as the leader of a process group of its own; the test kills the leader only
(never the group: that would prove nothing) at a moment its workers are busy, then watches
the group. Ingest and the local analysis run process pools; the Spark engine starts a JVM,
which starts Python workers of its own.
"""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from procs import cmdline, descendants, kill_leader_and_wait_group, start_cli_group, wait_until
from synth_corpus import write_reuse_corpus


def _python_children(pid: int) -> list[int]:
    return [p for p in descendants(pid) if "python" in cmdline(p)]


def _kill_once_busy(proc, busy, logs: Path, *, timeout: float, settle: float = 0.3) -> None:
    """Wait until `busy()` (the run's workers are up), SIGKILL the leader only, and assert
    that nothing of its process group is left 5 s later."""
    try:
        assert wait_until(busy, timeout=timeout, interval=0.2), (logs / "stderr.txt").read_text()[-2000:]
        time.sleep(settle)
        assert proc.poll() is None, "the run ended before it could be killed"
    except BaseException:
        proc.kill()
        raise
    left = kill_leader_and_wait_group(proc, timeout=5)
    assert not left, left


def _ingested(tmp_path: Path, n: int) -> Path:
    from storytrace.ingest import ingest
    from storytrace.store import Store

    corpus = write_reuse_corpus(tmp_path / "corpus", n, seed=3)
    db = tmp_path / "store.db"
    with Store(db) as store:
        ingest([str(corpus.root)], store, workers=1)
    return db


def test_sigkill_during_ingest_leaves_no_worker(tmp_path):
    corpus = write_reuse_corpus(tmp_path / "corpus", 1500, seed=5)
    proc = start_cli_group(["ingest", str(corpus.root), "--store", str(tmp_path / "s.db"), "--workers", "2",
                            "--no-progress"], tmp_path / "logs")
    _kill_once_busy(proc, lambda: len(_python_children(proc.pid)) >= 2, tmp_path / "logs", timeout=60)


def test_sigkill_during_local_analysis_leaves_no_worker(tmp_path):
    db = _ingested(tmp_path, 400)
    proc = start_cli_group(["analyze", "--store", str(db), "--no-progress"], tmp_path / "logs",
                           env={"STORYTRACE_WORKERS": "2"})
    _kill_once_busy(proc, lambda: len(_python_children(proc.pid)) >= 2, tmp_path / "logs", timeout=120)


@pytest.mark.spark
@pytest.mark.slow
def test_sigkill_during_spark_analysis_leaves_no_jvm_or_worker(tmp_path):
    from storytrace.engines.spark_session import spark_available

    if not spark_available():
        pytest.skip("Spark engine needs PySpark and Java")
    db = _ingested(tmp_path, 150)
    proc = start_cli_group(["analyze", "--store", str(db), "--engine", "spark", "--no-progress"],
                           tmp_path / "logs", env={"STORYTRACE_SPARK_MASTER": "local[2]"})

    def spark_workers_running():
        tree = [cmdline(p) for p in descendants(proc.pid)]
        return any("java" in c for c in tree) and any("pyspark" in c for c in tree)
    _kill_once_busy(proc, spark_workers_running, tmp_path / "logs", timeout=240, settle=0.0)
