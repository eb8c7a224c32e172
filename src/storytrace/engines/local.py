"""The local engine: analysis stages in-process, each skipped when its inputs are unchanged."""
from __future__ import annotations

import hashlib

from ..store import Store

REUSE_KINDS = ("duplicate", "reprint", "partial", "formula")


def _fingerprint(ids: list[str], stage: str) -> str:
    digest = hashlib.blake2b(stage.encode(), digest_size=12)
    for article_id in ids:
        digest.update(article_id.encode())
    return digest.hexdigest()


def run_analysis(store: Store, *, force: bool = False, progress=None):
    """reuse → events (+ inferred years) → translation links, resumable stage by stage."""
    from ..events import cluster_events, infer_missing_years, translation_links
    from ..pipeline import AnalyzeSummary
    from ..reuse import detect_reuse

    summary = AnalyzeSummary()
    articles = store.articles()
    ids = [a.id for a in articles]
    summary.articles = len(articles)

    fp = _fingerprint(ids, "reuse")
    if force or store.stage_fingerprint("reuse") != fp:
        links = detect_reuse(articles, progress=progress)
        store.replace_reuse(links, kinds=REUSE_KINDS)
        store.mark_stage("reuse", fp)
    else:
        summary.skipped_stages.append("reuse")
    links = [l for l in store.reuse_links() if l.kind != "translation"]
    summary.reuse_links = len(links)

    fp = _fingerprint(ids, "events")
    if force or store.stage_fingerprint("events") != fp:
        events = cluster_events(articles, links, store=store, existing=None if force else store.events(),
                                progress=progress)
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
        articles = store.articles()
        tlinks = translation_links(articles, events, store=store)
        store.replace_reuse(tlinks, kinds=["translation"])
        store.mark_stage("translation", fp)
    else:
        summary.skipped_stages.append("translation")
    summary.translation_links = len(store.reuse_links(kind="translation"))
    return summary
