"""A daily list of a war's or crisis's key events strings that day's happenings together:
a roundup, whichever script or language labels it (self-written headlines)."""
from storytrace.events.genre import is_commentary


def test_daily_key_events_lists_are_roundups():
    for title in ("俄乌战争：第900天关键事件概述",        # Simplified
                  "以哈戰爭：第45天關鍵事件",             # Traditional folds to the same label
                  "Russia-Ukraine war: list of key events, day 900",
                  "Gaza war: Key events on day 45"):
        assert is_commentary(title), title


def test_reports_of_one_happening_are_not_roundups():
    for title in ("俄军夜袭基辅能源设施 至少三人死亡",
                  "烏克蘭多地停電　當局呼籲節約用電",
                  "Russian strike cuts power across eastern Ukraine"):
        assert not is_commentary(title), title
