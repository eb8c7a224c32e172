"""One writer per store: the analysis lease (issue 15, "One writer per store").

The lease is a row in the store, taken in one transaction, renewed by a heartbeat and
expiring when its holder dies. Real SQLite files, real processes, real SIGKILL.
"""
from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from procs import CLI, wait_until
from storytrace.store import LeaseHeld, Store, acquire_lease, lease_holder
from synth_corpus import write_reuse_corpus

HOLD = """
import sys, time
from storytrace.store import Store, acquire_lease
store = Store(sys.argv[1])
lease = acquire_lease(store, purpose="test holder", ttl=float(sys.argv[2]))
print("held", flush=True)
time.sleep(600)
"""


def _holder(db: Path, ttl: float = 30.0) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(db), str(ttl)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_a_second_taker_is_told_who_holds_it_and_gets_it_after_release(tmp_path):
    store = Store(tmp_path / "s.db")
    first = acquire_lease(store, purpose="first analysis")
    other = Store(tmp_path / "s.db")
    with pytest.raises(LeaseHeld) as err:
        acquire_lease(other, wait=0)
    assert "first analysis" in str(err.value) and str(tmp_path / "s.db") in str(err.value)
    assert lease_holder(other)["purpose"] == "first analysis"
    first.release()
    assert lease_holder(other) is None
    with acquire_lease(other, wait=0):
        assert lease_holder(store) is not None
    store.close(), other.close()


def test_a_waiting_taker_gets_the_lease_when_the_holder_ends(tmp_path):
    db = tmp_path / "s.db"
    Store(db).close()
    holder = _holder(db)
    told = []
    try:
        with Store(db) as store:
            started = time.monotonic()
            import threading
            threading.Timer(1.0, holder.terminate).start()
            with acquire_lease(store, wait=20, poll=0.1, on_wait=told.append):
                waited = time.monotonic() - started
    finally:
        holder.kill()
        holder.wait()
    assert told and told[0]["purpose"] == "test holder"
    assert 0.9 <= waited < 15


def test_a_killed_holders_lease_is_free_at_once_on_this_host(tmp_path):
    db = tmp_path / "s.db"
    Store(db).close()
    holder = _holder(db)
    with Store(db) as store:
        assert lease_holder(store)["pid"] == holder.pid
        holder.kill()
        holder.wait()
        with acquire_lease(store, wait=0):
            pass


def test_a_lease_from_another_host_holds_until_it_expires(tmp_path):
    db = tmp_path / "s.db"
    with Store(db) as store:
        now = time.time()
        with store.transaction() as conn:
            conn.execute("INSERT INTO leases VALUES ('analysis','elsewhere:1:x','elsewhere',1,'spark analysis',?,?,?)",
                         (now, now, now + 1.5))
        with pytest.raises(LeaseHeld, match="spark analysis by pid 1 on elsewhere"):
            acquire_lease(store, wait=0)
        with acquire_lease(store, wait=10, poll=0.1):    # no heartbeat came: it expired
            assert time.time() >= now + 1.5


def test_the_heartbeat_keeps_a_live_lease_from_expiring(tmp_path):
    db = tmp_path / "s.db"
    with Store(db) as store, acquire_lease(store, ttl=0.6) as lease:
        first = store._conn.execute("SELECT expires FROM leases").fetchone()[0]
        time.sleep(1.5)
        later = store._conn.execute("SELECT expires FROM leases").fetchone()[0]
        assert later > first + 0.5 and not lease.lost
        # Another host's view: it has not expired, so it is still held.
        assert later > time.time()


def test_two_cli_analyses_on_one_store_one_runs_the_other_says_why(tmp_path):
    from storytrace.ingest import ingest

    corpus = write_reuse_corpus(tmp_path / "corpus", n=40)
    db = tmp_path / "s.db"
    with Store(db) as store:
        ingest([str(corpus.root)], store, workers=1)
        assert store.count_articles() == 40
    env_args = ["analyze", "--store", str(db), "--no-progress"]
    first = subprocess.Popen([*CLI, *env_args, "--force"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             text=True)
    try:
        def held():
            try:
                conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
                return conn.execute("SELECT pid FROM leases").fetchone()
            except sqlite3.Error:
                return None
        assert wait_until(held, timeout=60), "the first analysis never took the lease"
        second = subprocess.run([*CLI, *env_args, "--no-wait"], capture_output=True, text=True, timeout=120,
                                env={**__import__("os").environ, "COLUMNS": "300"})
        assert second.returncode == 1
        assert "holds this store" in second.stdout + second.stderr
        assert "local analysis" in second.stdout + second.stderr
        # A third one waits instead, and runs once the first is done.
        third = subprocess.run([*CLI, *env_args], capture_output=True, text=True, timeout=600,
                               env={**__import__("os").environ, "COLUMNS": "300"})
        out, _ = first.communicate(timeout=600)
        assert first.returncode == 0, out
        assert third.returncode == 0, third.stdout + third.stderr
    finally:
        first.kill()
        first.wait()
    with Store(db) as store:
        assert lease_holder(store) is None
        assert store.events()


def _export(db: Path, out: Path) -> dict[str, bytes]:
    done = subprocess.run([*CLI, "export", "--store", str(db), "--format", "jsonl", "--out", str(out)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return {name: (out / name).read_bytes() for name in ("articles.jsonl", "events.jsonl", "reuse.jsonl")}


@pytest.mark.slow
def test_contending_writers_lose_nothing_and_end_as_a_serial_run(tmp_path):
    """An analysis runs while more articles are ingested and a second analysis is asked for:
    the second waits, every article ends in an event, and the store exports exactly what
    one serial ingest + analysis of the same files gives."""
    first_half = write_reuse_corpus(tmp_path / "a", n=30, seed=11)
    second_half = write_reuse_corpus(tmp_path / "b", n=12, seed=12)
    db = tmp_path / "s.db"
    run = lambda *args: subprocess.run([*CLI, *args, "--store", str(db), "--no-progress"],  # noqa: E731
                                       capture_output=True, text=True, timeout=600)
    assert run("ingest", str(first_half.root)).returncode == 0
    analysis = subprocess.Popen([*CLI, "analyze", "--store", str(db), "--no-progress"],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        def held():
            try:
                return sqlite3.connect(f"file:{db}?mode=ro", uri=True).execute("SELECT pid FROM leases").fetchone()
            except sqlite3.Error:
                return None
        assert wait_until(held, timeout=60), "the first analysis never took the lease"
        added = run("ingest", str(second_half.root))            # a writer of articles, meanwhile
        assert added.returncode == 0, added.stdout + added.stderr
        waited = run("analyze", "--force")                       # waits for the first, then runs
        assert waited.returncode == 0, waited.stdout + waited.stderr
        out, _ = analysis.communicate(timeout=600)
        assert analysis.returncode == 0, out
    finally:
        analysis.kill()
        analysis.wait()
    with Store(db) as store:
        placed = {a for e in store.events() for a in e.articles}
        assert {a.id for a in store.articles()} == placed      # no article lost its event
    serial_db = tmp_path / "serial.db"
    subprocess.run([*CLI, "ingest", str(first_half.root), str(second_half.root), "--store", str(serial_db),
                    "--no-progress"], check=True, capture_output=True, timeout=600)
    subprocess.run([*CLI, "analyze", "--store", str(serial_db), "--no-progress"], check=True,
                   capture_output=True, timeout=600)
    assert _export(db, tmp_path / "out-contended") == _export(serial_db, tmp_path / "out-serial")
