"""The events stage inside the local engine, on a real store: events, inferred years,
translation links, and an incremental second run that keeps earlier events."""
from __future__ import annotations

import dataclasses

import pytest

from storytrace.store import Store


def test_analyze_stores_events_and_translation_links(stories, tmp_path):
    pytest.importorskip("storytrace.reuse")
    from storytrace.pipeline import analyze

    articles, gold, _ = stories
    first = [a for a in articles if a.id != "ed-en"]
    # A dateline without a year: the year must come from the event it joins.
    first = [dataclasses.replace(a, published="--03-12", published_precision="month-day")
             if a.id == "ea-hant" else a for a in first]
    with Store(tmp_path / "s.db") as store:
        store.add_articles(first)
        analyze(store)
        events = {e.id: e for e in store.events()}
        ea = store.event_of("ea-vi")
        assert sorted(events[ea].articles) == ["ea-en", "ea-hans", "ea-hant", "ea-vi"]
        fixed = store.get_article("ea-hant")
        assert fixed.published == "2024-03-12" and fixed.published_inferred
        tlinks = store.reuse_links(kind="translation")
        assert any({l.a, l.b} == {"ea-hans", "ea-vi"} for l in tlinks)

        store.add_articles([a for a in articles if a.id == "ed-en"])
        analyze(store)
        assert store.event_of("ea-vi") == ea          # earlier events keep their ids
        assert store.event_of("ed-en") == store.event_of("ed-hant")
        assert sorted(a for e in store.events() for a in e.articles) == sorted(gold)
