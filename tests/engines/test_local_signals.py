"""Event signals in the local engine's process pool: the serial signals, in order, from workers.

Articles are the team's self-written multilingual stories (tests/events/data/stories.json).
"""
from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import numpy as np
import pytest

from storytrace.engines import local
from storytrace.engines.local import pooled_signals, run_analysis
from storytrace.events import cluster_events
from storytrace.events import signals as signals_module
from storytrace.events.rows import event_row
from storytrace.events.signals import build_signals
from storytrace.events.years import time_key
from storytrace.model import Article
from storytrace.store import Store

STORIES = Path(__file__).resolve().parents[1] / "events" / "data" / "stories.json"


def _stories() -> list[Article]:
    rows = json.loads(STORIES.read_text(encoding="utf-8"))
    return [Article(id=row["id"], source_path=f"stories.json#{row['id']}", title=row["title"],
                    text="\n".join(row["paragraphs"]), language=row["language"], script=row["script"],
                    outlet=row["outlet"], published=row["published"], published_precision="datetime")
            for row in rows]


@pytest.fixture
def builder_pids(tmp_path, monkeypatch) -> Path:
    """`build_signals` still runs for real; each call also writes the id of the process that
    ran it to a file, so a test can see that forked workers did the work."""
    log = tmp_path / "pids"
    real = signals_module.build_signals

    def logged(article):
        with open(log, "a", encoding="utf-8") as fh:
            fh.write(f"{os.getpid()}\n")
        return real(article)

    monkeypatch.setattr(signals_module, "build_signals", logged)
    return log


def test_pooled_signals_equal_serial_in_order_and_come_from_workers(builder_pids):
    articles = _stories()
    expected = [build_signals(a) for a in articles]
    builder_pids.unlink(missing_ok=True)

    got = pooled_signals(articles, workers=2, min_articles=1, chunk=2)
    assert got == expected
    assert [s.id for s in got] == [a.id for a in articles]
    pids = builder_pids.read_text().split()
    assert len(pids) == len(articles)                      # each article built once
    assert pids.count(str(os.getpid())) == 1               # here: only the first (loads the tagger)
    assert len(set(pids) - {str(os.getpid())}) >= 1        # the rest in worker processes


def test_pooled_signals_stay_in_process_below_the_threshold(builder_pids):
    articles = _stories()
    got = pooled_signals(articles, workers=2, min_articles=len(articles) + 1)
    assert got == [build_signals(a) for a in articles]
    assert set(builder_pids.read_text().split()) == {str(os.getpid())}
    assert pooled_signals([], workers=2, min_articles=0) == []


def test_pooled_signals_decide_by_the_work_left(builder_pids, monkeypatch):
    """Default: the first article and a sample are built here; the rest go to the pool only
    when their estimated cost reaches POOL_MIN_SECONDS."""
    articles = _stories()
    expected = [build_signals(a) for a in articles]
    builder_pids.unlink(missing_ok=True)
    assert pooled_signals(articles, workers=2) == expected          # a few ms of work: here
    assert set(builder_pids.read_text().split()) == {str(os.getpid())}

    builder_pids.unlink(missing_ok=True)
    monkeypatch.setattr(local, "POOL_MIN_SECONDS", 0.0)
    assert pooled_signals(articles, workers=2) == expected
    pids = builder_pids.read_text().split()
    assert pids.count(str(os.getpid())) == 1 + min(local.POOL_SAMPLE, len(articles) - 1)
    assert len(set(pids) - {str(os.getpid())}) >= 1                  # the rest in workers


def test_cluster_events_hands_the_step_exactly_its_articles_and_results_match():
    articles = _stories()
    seen: list[list[str]] = []

    def step(batch: list[Article]):
        seen.append([a.id for a in batch])
        return pooled_signals(batch, workers=2, min_articles=1, chunk=3)

    serial = cluster_events(articles, [])
    pooled = cluster_events(list(reversed(articles)) + articles[:2], [], signals_for=step)
    assert [e.to_dict() for e in pooled] == [e.to_dict() for e in serial]
    in_order = sorted(articles, key=lambda a: (time_key(a.published), a.id))   # instants
    assert seen == [[a.id for a in in_order]]            # sorted, each article once

    with pytest.raises(ValueError):
        cluster_events(articles, [], signals_for=lambda batch: [build_signals(a) for a in reversed(batch)])


def test_run_analysis_with_the_pool_equals_serial(tmp_path, monkeypatch, builder_pids):
    monkeypatch.setattr(local, "POOL_MIN_SECONDS", 0.0)     # a small input still takes the pool
    articles = _stories()
    results, pids = [], []
    for workers in (1, 2):
        builder_pids.unlink(missing_ok=True)
        with Store(tmp_path / f"w{workers}.db") as store:
            store.add_articles(articles)
            summary = run_analysis(store, workers=workers)
            results.append((summary.events, [e.to_dict() for e in store.events()],
                            [l.to_dict() for l in store.reuse_links()]))
        pids.append(set(builder_pids.read_text().split()) - {str(os.getpid())})
    assert results[0][0] > 1
    assert results[1] == results[0]
    assert pids[0] == set() and pids[1]                    # serial here; pooled in workers


def test_increment_signals_are_built_in_a_process_started_before_reuse(tmp_path, builder_pids):
    """An increment's new articles get their signals from the process `run_analysis` starts
    after the boilerplate refresh (`SignalsPrefetch`), and the events are those of the same
    increment done all in this process."""
    articles = sorted(_stories(), key=lambda a: (time_key(a.published), a.id))
    first, second = articles[:7], articles[7:]
    results, pids = [], []
    for workers in (1, 2):
        with Store(tmp_path / f"w{workers}.db") as store:
            store.add_articles(first)
            run_analysis(store, workers=workers)
            builder_pids.unlink(missing_ok=True)
            store.add_articles(second)
            run_analysis(store, workers=workers)
            results.append([e.to_dict() for e in store.events()])
            pids.append(builder_pids.read_text().split())
    assert results[1] == results[0]
    assert len(pids[0]) == len(second) and set(pids[0]) == {str(os.getpid())}
    assert len(pids[1]) == len(second) and str(os.getpid()) not in pids[1]    # none built here


def test_signals_prefetch_gives_only_what_it_built_for_the_article_as_it_is(tmp_path):
    """A prefetched record is taken only for an article whose signals key is still the one
    it was built for; a prefetch nobody takes is ended with its process."""
    articles = sorted(_stories(), key=lambda a: (time_key(a.published), a.id))
    with Store(tmp_path / "s.db") as store:
        store.add_articles(articles)
        prefetch = local.SignalsPrefetch(workers=2)
        prefetch.start(store)
        views = [local.stage_article(a) for a in store.get_articles([a.id for a in articles])]
        edited = dataclasses.replace(views[0], title=views[0].title + "（更新）")
        got = prefetch.take([edited] + views[1:])
        assert sorted(got) == sorted(a.id for a in views[1:])
        assert all(got[a.id] == build_signals(a) for a in views[1:])
        assert prefetch.take([edited]) == {}
        for a in views[1:]:                 # the rows made with them, for those very signals only
            row, fresh = prefetch.row_of(got[a.id]), event_row(got[a.id])
            assert row.signals == fresh.signals
            assert all(np.array_equal(x, y) for x, y in zip(row.tokens + row.lead_tokens,
                                                             fresh.tokens + fresh.lead_tokens))
            assert prefetch.row_of(build_signals(a)) is None

        unused = local.SignalsPrefetch(workers=2)
        unused.start(store)
        process = unused._process
        assert process is not None
        unused.close()
        assert not process.is_alive()
        assert local.SignalsPrefetch(workers=1).take(views) == {}


def test_an_untaken_prefetch_ends_even_when_its_process_outlives_sigterm(tmp_path):
    """The forked process inherits this one's signal handlers: under a host whose SIGTERM
    handler only notes the signal (a graceful-shutdown flag), `terminate` would leave it
    blocked writing its signals (more than a pipe holds) and `close` waiting for it forever.
    `close` ends it for good, as `die_with_parent` does."""
    import signal
    import threading

    articles = _stories()
    noted: list[int] = []
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: noted.append(signum))
    try:
        with Store(tmp_path / "s.db") as store:
            store.add_articles(articles)
            prefetch = local.SignalsPrefetch(workers=2)
            prefetch.start(store)
            process = prefetch._process
            assert process is not None
            closing = threading.Thread(target=prefetch.close, daemon=True)
            closing.start()
            closing.join(30)
            hung = closing.is_alive()
            if hung:
                process.kill()               # leave nothing behind when the test fails
                closing.join(10)
            assert not hung
            assert not process.is_alive()
    finally:
        signal.signal(signal.SIGTERM, previous)
