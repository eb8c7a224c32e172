"""The local engine: analysis stages in-process, each skipped when its inputs are unchanged.

`run_stages` is the one stage runner both engines use: an engine only says how the heavy
per-article work is done (`reuse_step`, `prepare_events`, `signals_step`); the order of
stages, their fingerprints, what is stored and what is skipped are the same whichever
engine runs. The local engine builds event signals in a small process pool
(`pooled_signals`) when there are enough articles to pay for it.
"""
from __future__ import annotations

import hashlib
import math
import time
from contextlib import contextmanager
from typing import TYPE_CHECKING, Callable, Iterator

from ..model import Article, ReuseLink
from ..store import Store
from ..workers import NoProcesses, default_workers, process_map

if TYPE_CHECKING:
    from ..events.signals import ArticleSignals

REUSE_KINDS = ("duplicate", "reprint", "partial", "formula")


def _fingerprint(ids: list[str], stage: str) -> str:
    digest = hashlib.blake2b(stage.encode(), digest_size=12)
    for article_id in ids:
        digest.update(article_id.encode())
    return digest.hexdigest()


@contextmanager
def _timed(timings: dict | None, name: str) -> Iterator[None]:
    start = time.perf_counter()
    yield
    if timings is not None:
        timings[name] = timings.get(name, 0.0) + time.perf_counter() - start


def run_stages(store: Store, *, reuse_step: Callable[[list[Article]], list[ReuseLink]],
               prepare_events: Callable[[list[Article]], object] | None = None,
               signals_step: Callable[[list[Article]], list[ArticleSignals]] | None = None,
               force: bool = False, progress=None, timings: dict | None = None):
    """reuse → events (+ inferred years) → translation links, resumable stage by stage.

    `signals_step` builds event signals for `cluster_events` (its `signals_for`); None
    builds them one by one in this process."""
    from ..events import cluster_events, infer_missing_years, translation_links
    from ..pipeline import AnalyzeSummary

    summary = AnalyzeSummary()
    articles = store.articles()
    ids = [a.id for a in articles]
    summary.articles = len(articles)

    fp = _fingerprint(ids, "reuse")
    if force or store.stage_fingerprint("reuse") != fp:
        with _timed(timings, "reuse"):
            store.replace_reuse(reuse_step(articles), kinds=REUSE_KINDS)
        store.mark_stage("reuse", fp)
    else:
        summary.skipped_stages.append("reuse")
    links = [l for l in store.reuse_links() if l.kind != "translation"]
    summary.reuse_links = len(links)

    fp = _fingerprint(ids, "events")
    if force or store.stage_fingerprint("events") != fp:
        if prepare_events is not None:
            with _timed(timings, "embedding"):
                prepare_events(articles)
        with _timed(timings, "clustering"):
            events = cluster_events(articles, links, store=store,
                                    existing=None if force else store.events(), progress=progress,
                                    signals_for=signals_step)
            updated = infer_missing_years(articles, events)
        if updated:
            store.update_articles(updated)
        store.replace_events(events)
        store.mark_stage("events", fp)
    else:
        summary.skipped_stages.append("events")
    events = store.events()
    summary.events = len(events)

    fp = _fingerprint(ids, "translation")
    if force or store.stage_fingerprint("translation") != fp:
        with _timed(timings, "translation"):
            tlinks = translation_links(store.articles(), events, store=store)
        store.replace_reuse(tlinks, kinds=["translation"])
        store.mark_stage("translation", fp)
    else:
        summary.skipped_stages.append("translation")
    summary.translation_links = len(store.reuse_links(kind="translation"))
    return summary


def run_analysis(store: Store, *, force: bool = False, progress=None, timings: dict | None = None,
                 workers: int | None = None):
    """All stages in this process, the per-article work in `workers` processes (reuse
    alignment, event signals); default `workers.default_workers()`, 1 = all in-process."""
    from ..reuse import ReuseSettings, detect_reuse

    settings = ReuseSettings() if workers is None else ReuseSettings(workers=workers)
    return run_stages(store, reuse_step=lambda articles: detect_reuse(articles, settings=settings, progress=progress),
                      signals_step=lambda articles: pooled_signals(articles, workers=settings.workers,
                                                                   progress=progress),
                      force=force, progress=progress, timings=timings)


# -- event signals in a process pool -------------------------------------------------------
# Measured on the real week (bench/results/signals.md): a 2-process pool pays for its fork
# and for sending the signals back (about 9 KB pickled per article) from about 50 articles
# and saves a quarter of the time at POOL_MIN_ARTICLES; four chunks per process, at most
# POOL_CHUNK articles each, keep every process busy to the end.
POOL_MIN_ARTICLES = 100
POOL_CHUNK = 200
_pool_articles: list[Article] = []


def _init_signals_worker(articles: list[Article]) -> None:
    global _pool_articles
    _pool_articles = articles


def _signals_task(bounds: tuple[int, int]) -> list[ArticleSignals]:
    from ..events.signals import build_signals

    lo, hi = bounds
    return [build_signals(article) for article in _pool_articles[lo:hi]]


def pooled_signals(articles: list[Article], *, workers: int | None = None, min_articles: int | None = None,
                   chunk: int | None = None, progress=None) -> list[ArticleSignals]:
    """`build_signals` of each article, in order: in `workers` processes when there are at
    least `min_articles` (default POOL_MIN_ARTICLES), else (or where processes cannot
    start) in this one.

    Why a pool by hand, as `reuse.detect` does: with the `fork` start method the workers get
    the articles and the already loaded tagger (the first article is built here, which loads
    jieba once) without pickling; only the signals come back, in chunks of `chunk` articles
    (default: four per process, at most POOL_CHUNK).
    """
    from ..events.signals import build_signals

    advance = progress("event signals", len(articles)) if progress else None
    if not articles:
        return []
    signals = [build_signals(articles[0])]
    if advance:
        advance(1)
    min_articles = POOL_MIN_ARTICLES if min_articles is None else min_articles
    workers = default_workers() if workers is None else workers
    chunk = max(1, chunk or min(POOL_CHUNK, math.ceil(len(articles) / (4 * max(1, workers)))))
    if workers > 1 and len(articles) >= max(2, min_articles):
        bounds = [(lo, min(lo + chunk, len(articles))) for lo in range(1, len(articles), chunk)]
        try:
            for (lo, hi), part in zip(bounds, process_map(_signals_task, bounds, workers,
                                                          initializer=_init_signals_worker,
                                                          initargs=(articles,))):
                signals.extend(part)
                if advance:
                    advance(hi - lo)
            return signals
        except NoProcesses:
            del signals[1:]     # the same work in-process
    for article in articles[1:]:
        signals.append(build_signals(article))
        if advance:
            advance(1)
    return signals
