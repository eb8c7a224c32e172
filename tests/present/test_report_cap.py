"""The static report's stated cap (issue 13): newest and largest events in full, the rest
counted in the header and left to events.jsonl and the web app."""
from __future__ import annotations

from storytrace.present import report
from storytrace.present.views import ReportData


def test_cap_keeps_newest_and_largest(sample_store, monkeypatch):
    events = ReportData(sample_store).events            # newest first
    assert len(events) >= 2 and len(events[0].members) < max(len(ev.members) for ev in events), \
        "the sample must have a newest event that is not the largest"
    largest = max(events, key=lambda ev: len(ev.members))

    data = ReportData(sample_store)
    assert report.cap_events(data, newest=1, largest=0) == len(events) - 1
    assert [ev.id for ev in data.events] == [events[0].id]
    assert set(data.event_of.values()) == {events[0].id}

    data = ReportData(sample_store)
    assert report.cap_events(data, newest=0, largest=1) == len(events) - 1
    assert [ev.id for ev in data.events] == [largest.id]

    monkeypatch.setattr(report, "REPORT_NEWEST", 1)
    monkeypatch.setattr(report, "REPORT_LARGEST", 0)
    html = report.render_report(sample_store)
    assert f"{len(events) - 1} older events are not in this file" in html
    assert html.count('class="page event-page"') == 1


def test_small_store_is_whole(sample_store):
    data = ReportData(sample_store)
    n = len(data.events)
    assert report.cap_events(data) == 0 and len(data.events) == n
    assert "older events are not in this file" not in report.render_report(sample_store)
