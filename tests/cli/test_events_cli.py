"""`storytrace events` and `storytrace event ID` against a real store."""
from __future__ import annotations

from typer.testing import CliRunner

from storytrace.cli import app
from storytrace.model import Article, Event
from storytrace.store import Store


def _store(path):
    articles = [
        Article(id="a1", source_path="a1", title="Bridge reopens", text="The bridge reopened.",
                language="en", outlet="Wire A", published="2024-05-06T10:00:00Z"),
        Article(id="b1", source_path="b1", title="大桥重新开放", text="大桥今天重新开放。",
                language="zh", outlet="Daily B", published="--05-06", published_inferred=True),
        Article(id="c1", source_path="c1", title="Older story", text="Something else.",
                language="en", outlet="Wire A", published="2023-01-01T10:00:00Z"),
    ]
    events = [Event(id="ev-new", title="Bridge reopens", articles=["a1", "b1"], languages=["en", "zh"],
                    outlets=["Daily B", "Wire A"], start="2024-05-06T10:00:00Z", end="2024-05-06T10:00:00Z",
                    reasons={"a1": "embedding 0.91 with b1", "b1": "same date 05-06"},
                    summary=[{"text": "The bridge reopened.", "article": "a1"}]),
              Event(id="ev-old", title="Older story", articles=["c1"], start="2023-01-01T10:00:00Z",
                    end="2023-01-01T10:00:00Z", reasons={"c1": "alone"})]
    with Store(path) as st:
        st.add_articles(articles)
        st.replace_events(events)


def test_events_lists_newest_first(tmp_path):
    db = tmp_path / "s.db"
    _store(db)
    result = CliRunner().invoke(app, ["events", "--store", str(db)])
    assert result.exit_code == 0, result.output
    assert result.output.index("ev-new") < result.output.index("ev-old")
    assert "2 events" in result.output


def test_event_shows_members_and_reasons(tmp_path, monkeypatch):
    from storytrace.cli import common

    monkeypatch.setattr(common.console, "width", 240)  # one line per row, as in a wide terminal
    db = tmp_path / "s.db"
    _store(db)
    result = CliRunner().invoke(app, ["event", "ev-n", "--store", str(db)])
    assert result.exit_code == 0, result.output
    for text in ("Bridge reopens", "a1", "b1", "embedding 0.91", "same date 05-06", "year inferred"):
        assert text in result.output
    missing = CliRunner().invoke(app, ["event", "nope", "--store", str(db)])
    assert missing.exit_code == 2
    no_store = CliRunner().invoke(app, ["events", "--store", str(tmp_path / "none.db")])
    assert no_store.exit_code == 2
