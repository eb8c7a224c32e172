"""The figures signal: same-template reports of different happenings state different figures."""
from __future__ import annotations

import numpy as np

from storytrace.events import EventSettings, cluster_events
from storytrace.events.signals import build_signals, figures
from storytrace.events.similarity import article_features, evidence
from storytrace.model import Article


def test_figures_drop_separators_years_single_digits_and_names():
    assert figures("指数收报28,779点，升1.54%") == ["154", "28779"]
    assert figures("Chỉ số đạt 28.779 điểm, tăng 1,54%") == ["154", "28779"]
    assert figures("2021年2月5日 COVID-19 G7 F-16 新增370例") == ["370"]


def _market(aid: str, market: str, index: str, level: str, change: str, leaders: str = "") -> Article:
    # Self-written session reports in one template; market, leading stocks and figures differ.
    return Article(id=aid, source_path=f"{aid}.txt", title=f"{market}股高收{change}%",
                   text=f"{market}股今日收市上升{change}%，{index}收报{level}点，{leaders}领涨，"
                        f"市场等待美国公布就业数据。",
                   language="zh", script="Hans", outlet="T", published="2031-03-07T15:00:00+00:00",
                   published_precision="datetime")


def _pair(a: Article, b: Article):
    signals = [build_signals(a), build_signals(b)]
    vectors = np.eye(2, 4, dtype=np.float32)          # orthogonal: only the other signals speak
    ev = evidence(article_features(signals, vectors, []), np.array([0]), np.array([1]), EventSettings())
    return int(ev.figures[0]), float(ev.score[0])


def test_disjoint_figures_lower_the_score_and_shared_ones_do_not():
    tokyo = _market("tk", "日", "日经平均指数", "28,779", "1.54")
    seoul = _market("se", "韩", "综合指数", "3,120", "1.07")
    tokyo_again = _market("tk2", "日", "日经平均指数", "28,779", "1.54")
    (disjoint, low), (shared, high) = _pair(tokyo, seoul), _pair(tokyo, tokyo_again)
    assert disjoint == -2 and shared == 1
    assert high - low > EventSettings().figures_penalty
    off = EventSettings(figures_penalty=0.0)
    signals = [build_signals(tokyo), build_signals(seoul)]
    ev = evidence(article_features(signals, np.eye(2, 4, dtype=np.float32), []), np.array([0]), np.array([1]), off)
    assert float(ev.score[0]) - low == np.float32(EventSettings().figures_penalty)


def test_sessions_of_several_markets_stay_apart_thanks_to_figures_and_markets(encoder):
    articles = [_market("tk", "日", "日经平均指数", "28,779", "1.54", "丰田及索尼"),
                _market("tk2", "日", "日经平均指数", "28,779", "1.54", "索尼及软银"),
                _market("se", "韩", "综合指数", "3,120", "1.07", "三星电子及现代汽车"),
                _market("tw", "台", "加权指数", "15,802", "0.62", "台积电及联发科"),
                _market("hk", "港", "恒生指数", "29,288", "0.60", "快手及腾讯"),
                _market("sh", "沪", "上证综指", "3,496", "0.47", "白酒及券商")]
    events = cluster_events(articles, [], encoder=encoder)
    assert sorted(sorted(e.articles) for e in events) == [["hk"], ["se"], ["sh"], ["tk", "tk2"], ["tw"]]
    blind = cluster_events(articles, [], encoder=encoder,
                           settings=EventSettings(figures_penalty=0.0, market_penalty=0.0, market_bonus=0.0))
    assert len(blind) < len(events)
