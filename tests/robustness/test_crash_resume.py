"""SIGKILL `storytrace run` at seeded random points during ingest and analysis, many times.

After every kill the store must pass SQLite's integrity check and our own consistency
checks; the next start resumes; once a run finally completes, the result (article ids,
reuse links with spans, events) must equal that of one uninterrupted run.

    STORYTRACE_CRASH_KILLS=50 pytest tests/robustness/test_crash_resume.py   # bench mode
"""
from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from procs import kill_points, run_cli
from synth_corpus import write_reuse_corpus

KILLS = int(os.environ.get("STORYTRACE_CRASH_KILLS", "10"))
ARTICLES = int(os.environ.get("STORYTRACE_CRASH_ARTICLES", "150"))
SEED = 20240305


def snapshot(db: Path) -> dict:
    """The observable result of a run, independent of insertion order and timestamps."""
    from storytrace.store import Store

    with Store(db) as store:
        ids = sorted(store.article_ids())
        links = sorted((l.a, l.b, l.kind, l.direction,
                        tuple((p.a_start, p.a_end, p.b_start, p.b_end) for p in l.passages))
                       for l in store.reuse_links())
        events = sorted(tuple(sorted(e.articles)) for e in store.events())
        published = sorted((a.id, a.published, a.published_inferred) for a in store.articles())
    return {"ids": ids, "links": links, "events": events, "published": published}


def consistency_problems(db: Path) -> list[str]:
    """Integrity check plus cross-table invariants a half-written run could break."""
    from storytrace.store import Store

    problems = []
    with Store(db) as store:
        if not store.integrity_ok():
            problems.append("PRAGMA integrity_check failed")
        conn = store._conn
        for (data,) in conn.execute("SELECT data FROM articles"):
            json.loads(data)
        dangling = conn.execute("SELECT COUNT(*) FROM event_members m LEFT JOIN events e "
                                "ON m.event = e.id WHERE e.id IS NULL").fetchone()[0]
        if dangling:
            problems.append(f"{dangling} event members point to no event")
        orphan = conn.execute("SELECT COUNT(*) FROM sources s LEFT JOIN articles a ON s.article_id = a.id "
                              "WHERE s.status != 'failed' AND a.id IS NULL").fetchone()[0]
        if orphan:
            problems.append(f"{orphan} sources marked stored without their article")
        ids = set(store.article_ids())
        for link in store.reuse_links():
            if link.a not in ids or link.b not in ids:
                problems.append(f"reuse link {link.a}-{link.b} names a missing article")
                break
    return problems


class PhaseClock:
    """Polls the store read-only while a run goes, to learn when ingest ends and analysis does."""

    def __init__(self, db: Path):
        self.db, self.samples, self._stop = db, [], threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def _poll(self) -> None:
        start = time.monotonic()
        while not self._stop.is_set():
            try:
                conn = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=1)
                n = conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
                stages = [r[0] for r in conn.execute("SELECT name FROM stages")]
                conn.close()
                self.samples.append((time.monotonic() - start, n, stages))
            except sqlite3.Error:
                pass
            time.sleep(0.05)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def ingest_window(self, total: float) -> tuple[float, float]:
        final = max((n for _, n, _ in self.samples), default=0)
        first = next((t for t, n, _ in self.samples if n > 0), 0.0)
        done = next((t for t, n, _ in self.samples if n == final), total / 2)
        return max(first - 0.3, 0.0), max(done, first + 0.1)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    return write_reuse_corpus(tmp_path_factory.mktemp("crash") / "corpus", ARTICLES, seed=SEED).root


@pytest.mark.slow
def test_sigkill_loop_resumes_to_the_uninterrupted_result(corpus: Path, tmp_path: Path):
    args = lambda out: ["run", str(corpus), "--out", str(out), "--no-progress", "--no-report"]  # noqa: E731

    base_out = tmp_path / "baseline"
    with PhaseClock(base_out / "storytrace.db") as clock:
        base = run_cli(args(base_out), tmp_path / "logs-base", timeout=600)
    assert base.returncode == 0, base.stderr[-3000:]
    expected = snapshot(base_out / "storytrace.db")
    assert len(expected["ids"]) == ARTICLES
    assert expected["links"], "planted reuse not found: the comparison would be vacuous"

    ingest_from, ingest_to = clock.ingest_window(base.seconds)
    # Kill delays alternate between the ingest and the analysis window of a fresh run.
    delays = iter(kill_points(SEED, KILLS * 4, [(ingest_from, ingest_to), (ingest_to, base.seconds)]))
    killed = {"ingest": 0, "analysis": 0}
    episode, runs = 0, 0
    out = tmp_path / "episode-0"
    while sum(killed.values()) < KILLS:
        delay = next(delays)
        runs += 1
        done = run_cli(args(out), tmp_path / "logs", kill_after=delay)
        db = out / "storytrace.db"
        if done.returncode == 0:
            # This restart finished before its kill: it must equal the uninterrupted run;
            # then start a fresh episode so every later kill lands in real work.
            assert snapshot(db) == expected, f"episode {episode} resumed to a different result"
            episode += 1
            out = tmp_path / f"episode-{episode}"
            continue
        assert done.returncode == -9, f"run failed on its own (rc {done.returncode}):\n{done.stderr[-3000:]}"
        if not db.exists():
            continue            # killed before the store was created: nothing to check
        problems = consistency_problems(db)
        assert not problems, f"after a kill at {delay:.2f}s: {problems}"
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        stages = conn.execute("SELECT COUNT(*) FROM stages").fetchone()[0]
        count = conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
        conn.close()
        killed["ingest" if stages == 0 and count < ARTICLES else "analysis"] += 1

    final = run_cli(args(out), tmp_path / "logs-final", timeout=600)
    assert final.returncode == 0, final.stderr[-3000:]
    assert not consistency_problems(out / "storytrace.db")
    result = snapshot(out / "storytrace.db")
    print(f"kills: {killed} over {runs} runs, {episode + 1} episodes; baseline {base.seconds:.1f}s, "
          f"ingest window {ingest_from:.1f}-{ingest_to:.1f}s")
    assert killed["ingest"] >= 1 and killed["analysis"] >= 1, killed
    assert result["ids"] == expected["ids"]
    assert result["links"] == expected["links"]
    assert result["events"] == expected["events"]
    assert result["published"] == expected["published"]
