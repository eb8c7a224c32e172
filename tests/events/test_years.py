"""Inferring a missing publication year from the event an article joined."""
from __future__ import annotations

from storytrace.events import infer_missing_years
from storytrace.model import Article, Event


def test_month_day_article_gets_the_event_year_marked_inferred():
    dated = Article(id="d", source_path="d", title="t", text="x", published="2022-11-25T09:53:00Z",
                    published_precision="datetime")
    wire = Article(id="w", source_path="w", title="t", text="x", published="--11-25",
                   published_precision="month-day", published_evidence="dateline 11月25日")
    lone = Article(id="l", source_path="l", title="t", text="x", published="--01-02",
                   published_precision="month-day")
    events = [Event(id="e1", title="t", articles=["d", "w"]), Event(id="e2", title="t", articles=["l"])]
    changed = infer_missing_years([dated, wire, lone], events)
    assert [a.id for a in changed] == ["w"]
    fixed = changed[0]
    assert fixed.published == "2022-11-25" and fixed.published_precision == "date"
    assert fixed.published_inferred is True
    assert "dateline 11月25日" in fixed.published_evidence and "2022" in fixed.published_evidence
    assert wire.published == "--11-25"  # input untouched


def test_year_boundary_picks_the_nearest_year():
    dated = Article(id="d", source_path="d", title="t", text="x", published="2023-01-02",
                    published_precision="date")
    late = Article(id="w", source_path="w", title="t", text="x", published="--12-31",
                   published_precision="month-day")
    changed = infer_missing_years([dated, late], [Event(id="e", title="t", articles=["d", "w"])])
    assert changed[0].published == "2022-12-31"
