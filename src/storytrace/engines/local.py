"""The local engine: analysis stages in-process, each skipped when its inputs are unchanged.

`run_stages` is the one stage runner both engines use: an engine only says how the heavy
per-article work is done (`reuse_step`, `prepare_events`); the order of stages, their
fingerprints, what is stored and what is skipped are the same whichever engine runs.
"""
from __future__ import annotations

import hashlib
import time
from contextlib import contextmanager
from typing import Callable, Iterator

from ..model import Article, ReuseLink
from ..store import Store

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
               force: bool = False, progress=None, timings: dict | None = None):
    """reuse → events (+ inferred years) → translation links, resumable stage by stage."""
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
                                    existing=None if force else store.events(), progress=progress)
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


def run_analysis(store: Store, *, force: bool = False, progress=None, timings: dict | None = None):
    """All stages in this process (reuse alignment uses its own small process pool)."""
    from ..reuse import detect_reuse

    return run_stages(store, reuse_step=lambda articles: detect_reuse(articles, progress=progress),
                      force=force, progress=progress, timings=timings)
