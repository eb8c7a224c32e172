"""SIGKILL `storytrace ingest` and `storytrace analyze` at seeded random points, many times.

After every kill the store must pass SQLite's integrity check and our own consistency
checks; the next start resumes; once a run finally completes, the result (article ids and
sources; reuse links with spans, events, inferred dates) must equal an uninterrupted run.
Ingest and analysis are killed in separate loops because ingesting a small corpus takes a
fraction of a second: a big corpus for ingest, a small one for the (slower) analysis.

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
ARTICLES = int(os.environ.get("STORYTRACE_CRASH_ARTICLES", "60"))          # analysed
INGEST_ARTICLES = int(os.environ.get("STORYTRACE_CRASH_INGEST_ARTICLES", "800"))
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


def crash_loop(make_args, prepare, delays, kills: int, expected: dict, snap, tmp_path: Path) -> dict:
    """Kill runs at the given delays until `kills` kills landed; check the store after each.

    A run that finishes before its kill (a resumed run is shorter) must equal `expected`;
    then a fresh episode starts, so that every kill lands in real work.
    """
    stats = {"kills": 0, "runs": 0, "completed_episodes": 0, "killed_before_store": 0}
    episode = 0
    db = prepare(tmp_path / "episode-0")
    while stats["kills"] < kills:
        assert stats["runs"] < kills * 5, f"kills keep missing the work: {stats}"
        delay = next(delays)
        stats["runs"] += 1
        done = run_cli(make_args(db), tmp_path / "logs", kill_after=delay)
        if done.returncode == 0:
            assert snap(db) == expected, f"episode {episode} resumed to a different result"
            stats["completed_episodes"] += 1
            episode += 1
            db = prepare(tmp_path / f"episode-{episode}")
            continue
        assert done.returncode == -9, f"run failed on its own (rc {done.returncode}):\n{done.stderr[-3000:]}"
        stats["kills"] += 1
        if not db.exists():
            stats["killed_before_store"] += 1
            continue
        problems = consistency_problems(db)
        assert not problems, f"after a kill at {delay:.2f}s: {problems}"
    final = run_cli(make_args(db), tmp_path / "logs-final", timeout=600)
    assert final.returncode == 0, final.stderr[-3000:]
    assert not consistency_problems(db)
    assert snap(db) == expected
    return stats


def ingest_snapshot(db: Path) -> dict:
    from storytrace.store import Store

    with Store(db) as store:
        ids = sorted(store.article_ids())
        sources = sorted(store._conn.execute("SELECT path, article_id FROM sources WHERE status != 'failed'"))
    return {"ids": ids, "sources": sources}


@pytest.mark.slow
def test_sigkill_during_ingest_resumes_to_the_uninterrupted_result(tmp_path: Path):
    corpus = write_reuse_corpus(tmp_path / "corpus", INGEST_ARTICLES, seed=SEED, paragraphs=(2, 3),
                                sentences=2).root
    make_args = lambda db: ["ingest", str(corpus), "--store", str(db), "--no-progress"]  # noqa: E731

    base_db = tmp_path / "baseline" / "store.db"
    with PhaseClock(base_db) as clock:
        base = run_cli(make_args(base_db), tmp_path / "logs-base", timeout=600)
    assert base.returncode == 0, base.stderr[-3000:]
    expected = ingest_snapshot(base_db)
    assert len(expected["ids"]) == INGEST_ARTICLES

    # Documents are read and normalized, then committed in windows: kill anywhere from the
    # middle of start-up (imports) to the end, so kills land in reading, normalizing and commits.
    first_commit, done_at = clock.ingest_window(base.seconds)
    window = (min(0.4 * base.seconds, first_commit), max(done_at, base.seconds))
    delays = iter(kill_points(SEED, KILLS * 5, [window]))
    stats = crash_loop(make_args, lambda d: d / "store.db", delays, KILLS // 2, expected,
                       ingest_snapshot, tmp_path)
    print(f"ingest: {stats}; baseline {base.seconds:.1f}s, kill window {window[0]:.1f}-{window[1]:.1f}s")


@pytest.mark.slow
def test_sigkill_during_analysis_resumes_to_the_uninterrupted_result(tmp_path: Path):
    import shutil

    from storytrace.ingest import ingest
    from storytrace.store import Store

    corpus = write_reuse_corpus(tmp_path / "corpus", ARTICLES, seed=SEED, paragraphs=(2, 3), sentences=2).root
    template = tmp_path / "ingested.db"
    with Store(template) as store:
        ingest([str(corpus)], store, workers=1)

    def prepare(folder: Path) -> Path:
        folder.mkdir(parents=True)
        shutil.copy(template, folder / "store.db")
        return folder / "store.db"

    make_args = lambda db: ["analyze", "--store", str(db), "--no-progress"]  # noqa: E731
    base_db = prepare(tmp_path / "baseline")
    base = run_cli(make_args(base_db), tmp_path / "logs-base", timeout=600)
    assert base.returncode == 0, base.stderr[-3000:]
    expected = snapshot(base_db)
    assert len(expected["ids"]) == ARTICLES
    assert any(l[2] == "partial" for l in expected["links"]), "planted reuse not found: comparison vacuous"

    # Before ~1/4 of the run the process is still importing; kill after that.
    delays = iter(kill_points(SEED + 1, KILLS * 5, [(0.25 * base.seconds, base.seconds)]))
    stats = crash_loop(make_args, prepare, delays, KILLS - KILLS // 2, expected, snapshot, tmp_path)
    print(f"analysis: {stats}; baseline {base.seconds:.1f}s")
