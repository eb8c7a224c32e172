"""Event clustering on self-written zh-Hans / zh-Hant / vi / en stories with look-alikes."""
from __future__ import annotations

import random

from storytrace.events import EventSettings, cluster_events
from storytrace.model import Article, ReuseLink
from storytrace.store import Store


def _partition(events):
    return sorted(sorted(e.articles) for e in events)


def _gold_partition(gold):
    groups = {}
    for art, event in gold.items():
        groups.setdefault(event, []).append(art)
    return sorted(sorted(g) for g in groups.values())


def test_cross_lingual_events_match_gold_and_keep_look_alikes_apart(stories, encoder):
    articles, gold, _ = stories
    events = cluster_events(articles, [], encoder=encoder)
    assert _partition(events) == _gold_partition(gold)
    ea = next(e for e in events if "ea-vi" in e.articles)
    assert ea.languages == ["en", "vi", "zh"]
    assert ea.event_date == "2024-03-12"
    # Instants, not strings: 18:00+08:00 (10:00 UTC) comes before 11:40+00:00.
    assert (ea.start, ea.end) == ("2024-03-12T18:00:00+08:00", "2024-03-13T07:15:00+07:00")
    names = {e["name"] for e in ea.entities} | {a for e in ea.entities for a in e["aliases"]}
    assert "李强" in names and ({"Lý Cường", "Li Qiang"} & names)
    assert set(ea.reasons) == set(ea.articles)
    assert all(ea.reasons.values())
    assert 2 <= len(ea.summary) <= 3 and all(s["article"] in ea.articles for s in ea.summary)


def test_every_article_in_exactly_one_event_and_order_does_not_matter(stories, encoder):
    articles, _, _ = stories
    first = cluster_events(articles, [], encoder=encoder)
    shuffled = list(articles)
    random.Random(7).shuffle(shuffled)
    second = cluster_events(shuffled, [], encoder=encoder)
    members = [a for e in first for a in e.articles]
    assert sorted(members) == sorted(a.id for a in articles)
    assert [(e.id, sorted(e.articles)) for e in first] == [(e.id, sorted(e.articles)) for e in second]


def test_incremental_attaches_new_articles_and_keeps_existing_ids(stories, encoder, tmp_path):
    articles, gold, _ = stories
    early = [a for a in articles if a.id not in ("ea-en", "ec-vi", "ed-en")]
    with Store(tmp_path / "s.db") as store:
        before = cluster_events(early, [], store=store, encoder=encoder)
        after = cluster_events(articles, [], store=store, existing=before, encoder=encoder)
    assert _partition(after) == _gold_partition(gold)
    # Adding only an August article leaves the March events as they were, unread.
    august = [a for a in articles if a.id != "ed-en"]
    base = cluster_events(august, [], encoder=encoder)
    counted = []

    def progress(description, total):
        counted.append((description, total))
        return lambda n=1: None

    again = cluster_events(articles, [], existing=base, encoder=encoder, progress=progress)
    assert _partition(again) == _gold_partition(gold)
    assert ("event signals", 5) in counted   # ec-hans, ec-vi, ec-en, ed-hant, ed-en; not the 6 March ones
    march = next(e for e in base if "ea-vi" in e.articles)
    assert next(e for e in again if e.id == march.id) is march
    old_ids = {e.id for e in before}
    ea = next(e for e in after if "ea-en" in e.articles)
    assert ea.id in old_ids
    assert "ea-en" in ea.reasons


def test_reuse_link_joins_and_time_gap_vetoes(encoder):
    def art(i, title, text, published):
        return Article(id=i, source_path=i, title=title, text=text, language="en",
                       published=published, published_precision="datetime")

    a = art("a1", "Harbour bridge reopens", "The city reopened the old harbour bridge on Monday.", "2024-05-06T10:00:00Z")
    b = art("b1", "Markets close higher", "Shares rose in afternoon trading across the region.", "2024-05-06T12:00:00Z")
    c = art("c1", "Harbour bridge reopens", "The city reopened the old harbour bridge on Monday.", "2025-05-06T10:00:00Z")
    link = ReuseLink(a="a1", b="b1", kind="reprint", a_coverage=0.8, b_coverage=0.8)
    events = cluster_events([a, b, c], [link], encoder=encoder)
    assert _partition(events) == [["a1", "b1"], ["c1"]]
    formula = ReuseLink(a="a1", b="b1", kind="formula", a_coverage=0.8, b_coverage=0.8)
    assert _partition(cluster_events([a, b], [formula], encoder=encoder)) == [["a1"], ["b1"]]
    lone = next(e for e in events if e.articles == ["c1"])
    assert lone.reasons["c1"].startswith("alone")


def test_empty_input_and_strict_threshold(stories, encoder):
    articles, _, _ = stories
    assert cluster_events([], []) == []
    strict = cluster_events(articles, [], encoder=encoder, settings=EventSettings(threshold=5.0))
    assert len(strict) == len(articles)


def test_odd_articles_do_not_crash(encoder):
    odd = [
        Article(id="e1", source_path="e1", title="", text=""),
        Article(id="e2", source_path="e2", title="只有标题", text="", published="not a date"),
        Article(id="e3", source_path="e3", title="Date only", text="x " * 5000, published="--02-30",
                published_precision="month-day"),
        Article(id="e4", source_path="e4", title="<script>alert(1)</script>", text="13/45/2020 99月99日",
                language=None, published="2021-02-05 09:23:27+08:00"),
    ]
    events = cluster_events(odd, [ReuseLink(a="e1", b="missing", kind="reprint", a_coverage=1, b_coverage=1)],
                            encoder=encoder)
    assert sorted(a for e in events for a in e.articles) == ["e1", "e2", "e3", "e4"]
