"""The five seed articles: E1 = {000, 001, 002, 003}, E2 = {004} (read from ../shared)."""
from __future__ import annotations

from pathlib import Path

import pytest

SEEDS = Path(__file__).resolve().parents[2] / ".." / "shared" / "seeds"


@pytest.fixture(scope="module")
def seed_articles():
    if not SEEDS.is_dir():
        pytest.skip("shared seeds not present")
    try:
        from storytrace.normalize import build_article
        from storytrace.read import iter_documents
    except ImportError:
        pytest.skip("reader/normalizer not available")
    files = sorted(SEEDS.glob("0*.txt"))
    articles = [build_article(raw) for raw in iter_documents([str(f) for f in files])]
    return {f.name[:3]: a for f, a in zip(files, articles)}


def test_seed_events(seed_articles, encoder):
    from storytrace.events import cluster_events, infer_missing_years

    try:
        from storytrace.reuse import detect_reuse
        links = detect_reuse(list(seed_articles.values()))
    except ImportError:
        links = []
    events = cluster_events(list(seed_articles.values()), links, encoder=encoder)
    names = {a.id: n for n, a in seed_articles.items()}
    groups = sorted(sorted(names[i] for i in e.articles) for e in events)
    assert groups == [["000", "001", "002", "003"], ["004"]]
    e1 = next(e for e in events if seed_articles["003"].id in e.articles)
    assert e1.event_date == "2022-11-25"
    assert "vi" in e1.languages and "zh" in e1.languages
    e2 = next(e for e in events if seed_articles["004"].id in e.articles)
    assert e2.event_date == "2021-12-15"
    if seed_articles["001"].published_precision == "month-day":
        changed = {a.id: a for a in infer_missing_years(list(seed_articles.values()), events)}
        fixed = changed[seed_articles["001"].id]
        assert fixed.published.startswith("2022-11-25") and fixed.published_inferred


def test_seed_003_paragraphs_align_with_chinese_ones(seed_articles, encoder):
    from storytrace.events import cluster_events, translation_links

    articles = list(seed_articles.values())
    events = cluster_events(articles, [], encoder=encoder)
    links = translation_links(articles, events, encoder=encoder)
    vi = seed_articles["003"].id
    zh = {seed_articles[n].id for n in ("000", "001")}
    found = [l for l in links if {l.a, l.b} & {vi} and {l.a, l.b} & zh]
    assert found and all(l.passages for l in found)
