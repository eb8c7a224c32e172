"""Figures leave months, clock times and timestamps out, and count less between different outlets.

Self-written reports: one storm told by three outlets whose evacuee counts move as the day
goes on, and one outlet's template series of two places' case counts."""
from __future__ import annotations

import numpy as np
import pytest

from storytrace.events import EventSettings
from storytrace.events.genre import is_commentary
from storytrace.events.signals import build_signals, figures
from storytrace.events.similarity import article_features, evidence
from storytrace.model import Article


def test_months_clock_times_and_timestamps_are_not_figures():
    assert figures("台风“海燕”11月9日晚上8時登陸，已撤離12萬人") == ["12"]
    assert figures("台风2031-11-09T20:30:00Z登陆 撤离12万人 20:30 第二波") == ["12"]
    assert figures("Bão đổ bộ lúc 10h30, 120.000 người sơ tán, tháng 11 mưa lớn") == ["120000"]
    assert figures("Storm makes landfall at 08:45; 120,000 evacuated") == ["120000"]
    # day numbers stay figures (two meetings of the same leaders differ by them) ...
    assert figures("新华社河内3月12日电 两国总理12日举行会谈") == ["12"]
    # ... and so do index points and amounts next to a time word
    assert figures("恒指收报28,779点，跌200点，成交额1,200亿元") == ["1200", "200", "28779"]


def _report(aid: str, outlet: str | None, evacuated: str, hour: str) -> Article:
    return Article(id=aid, source_path=f"{aid}.txt", title=f"台风海燕逼近沿海 {evacuated}人撤离",
                   text=f"气象部门表示，台风海燕{hour}时距离海岸约{evacuated[:2]}0公里，当局已撤离{evacuated}人，学校停课。",
                   language="zh", script="Hans", outlet=outlet, published="2031-11-09T12:00:00+00:00",
                   published_precision="datetime")


def _score(a: Article, b: Article, settings: EventSettings) -> tuple[int, bool, float]:
    signals = [build_signals(a), build_signals(b)]
    vectors = np.eye(2, 4, dtype=np.float32)          # orthogonal: only the other signals speak
    ev = evidence(article_features(signals, vectors, []), np.array([0]), np.array([1]), settings)
    return int(ev.figures[0]), bool(ev.other_outlets[0]), float(ev.score[0])


def test_disjoint_figures_cost_less_between_different_outlets():
    settings = EventSettings()
    morning, evening = _report("a", "Coast Daily", "12万", "8"), _report("b", "Coast Daily", "35万", "20")
    same_fig, same_other, same_score = _score(morning, evening, settings)
    wire = _report("b", "Harbour Wire", "35万", "20")
    fig, other, score = _score(morning, wire, settings)
    assert same_fig == fig == -2 and not same_other and other
    # the full penalty within one outlet, its `figures_other_outlets` share across two
    full = settings.figures_penalty
    assert score - same_score == pytest.approx(full * (1.0 - settings.figures_other_outlets), abs=1e-5)
    # an unknown outlet is not "another outlet": the full penalty stays
    unknown = _report("b", None, "35万", "20")
    assert _score(morning, unknown, settings)[1] is False
    assert _score(morning, unknown, settings)[2] == same_score
    # and with the share at 1 outlets make no difference
    flat = EventSettings(figures_other_outlets=1.0)
    assert _score(morning, wire, flat)[2] == _score(morning, evening, flat)[2]


def test_press_reviews_are_commentary():
    for title in ("德语媒体：边境谈判的两种读法", "德語媒體：邊境談判", "Press review: what the papers say on the summit",
                  "Điểm báo: báo chí quốc tế nói gì"):
        assert is_commentary(title), title
    assert not is_commentary("德国媒体报道边境谈判破裂")
