"""Times compare as instants, whatever their offset; date-only and month-day values sort by
the rule in `events.years.time_key` (issue 15). Inferred years are stored as inferred and
taken back out before analysis."""
from __future__ import annotations

import numpy as np
from hypothesis import given, settings, strategies as st
from datetime import datetime, timedelta, timezone

from storytrace.events.describe import build_event
from storytrace.events.signals import build_signals
from storytrace.events.years import AS_FOUND_KEY, as_found, infer_missing_years, time_key
from storytrace.model import Article, Event

TEXT = "据报道，乙市今天举行新闻发布会，介绍跨江大桥工程的最新进展。负责人表示，工程将于明年完工。"


def _article(aid: str, published: str | None, precision: str | None = "datetime") -> Article:
    return Article(id=aid, source_path=f"{aid}.txt", title="乙市跨江大桥工程进展", text=TEXT, language="zh",
                   script="Hans", published=published, published_precision=precision)


def _event(articles: list[Article]) -> Event:
    n = len(articles)
    return build_event("ev-test", articles, signals=[build_signals(a) for a in articles],
                       score=np.ones((n, n), dtype=np.float32), reasons={})


def test_event_start_end_and_member_order_follow_instants_not_strings():
    members = [
        _article("a", "2024-03-12T18:00:00+08:00"),    # 10:00 UTC
        _article("b", "2024-03-12T11:40:00+00:00"),    # 11:40 UTC
        _article("c", "2024-03-13T07:15:00+07:00"),    # 00:15 UTC on the 13th: the last
        _article("d", "2024-03-12T05:30:00-05:00"),    # 10:30 UTC
        _article("e", "2024-03-12", "date"),           # a date: counts as 12:00 UTC
        _article("f", "--03-12", "month-day"),         # no year: after every dated member
        _article("g", None, None),                     # unknown: last
    ]
    # As strings, "2024-03-12T05:30-05:00" would be first and "2024-03-13T07:15+07:00" last
    # only by luck; "2024-03-12T18:00+08:00" would sort after 11:40Z.
    event = _event(members)
    assert event.start == "2024-03-12T18:00:00+08:00"
    assert event.end == "2024-03-13T07:15:00+07:00"
    assert event.articles == ["a", "d", "b", "e", "c", "f", "g"]


def test_month_day_only_events_range_over_month_and_day():
    event = _event([_article("x", "--11-25", "month-day"), _article("y", "--03-02", "month-day")])
    assert (event.start, event.end) == ("--03-02", "--11-25")
    assert event.articles == ["y", "x"]


def test_time_key_rule():
    assert time_key("2024-03-12T08:00:00+08:00") == time_key("2024-03-12T00:00:00Z")
    assert time_key("2024-03-12T00:00:00") == time_key("2024-03-12T00:00:00+00:00")   # no offset: UTC
    assert time_key("2024-03-12T11:59:59Z") < time_key("2024-03-12") < time_key("2024-03-12T12:00:01Z")
    assert time_key("2024-03-12T12:00:00Z") < time_key("2024-03-12")          # same instant: the time first
    assert time_key("2099-01-01") < time_key("--01-01") < time_key("--12-31") < time_key(None)
    assert time_key("not a date") < time_key(None)


_instants = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2030, 1, 1))
_offsets = st.integers(-12 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m)))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_instants, _offsets), min_size=2, max_size=8))
def test_sorting_by_time_key_is_sorting_by_instant(stamps):
    values = [moment.replace(tzinfo=timezone.utc).astimezone(zone).isoformat() for moment, zone in stamps]
    by_key = sorted(values, key=time_key)
    assert [datetime.fromisoformat(v) for v in by_key] == sorted(datetime.fromisoformat(v) for v in values)


def test_inferred_year_is_kept_as_inferred_and_taken_back_out():
    dated = _article("dated", "2022-11-26T09:00:00+08:00")
    undated = _article("undated", "--11-25", "month-day")
    undated.published_evidence = "dateline 北京11月25日电"
    event = Event(id="ev-1", title="t", articles=["dated", "undated"])
    (inferred,) = infer_missing_years([dated, undated], [event])
    assert (inferred.published, inferred.published_precision, inferred.published_inferred) == \
        ("2022-11-25", "date", True)
    assert inferred.metadata[AS_FOUND_KEY] == {"published": "--11-25", "precision": "month-day",
                                               "evidence": "dateline 北京11月25日电"}
    back = as_found(inferred)
    assert back.to_dict() == undated.to_dict()
    # An inferred year is never an anchor for another one.
    lone = Event(id="ev-2", title="t", articles=["undated", "other"])
    other = _article("other", "--11-24", "month-day")
    assert infer_missing_years([inferred, other], [lone]) == []


def test_records_inferred_before_the_original_was_kept_are_rebuilt():
    old = _article("old", "2021-11-25", "date")
    old.published_inferred = True
    old.published_evidence = "dateline 北京11月25日电; year 2021 inferred from event ev-x (member m published 2021-11-26)"
    back = as_found(old)
    assert (back.published, back.published_precision, back.published_evidence, back.published_inferred) == \
        ("--11-25", "month-day", "dateline 北京11月25日电", False)
