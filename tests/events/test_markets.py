"""Market sessions named by headlines: which market, which trading day, and what it does to scores."""
from __future__ import annotations

import numpy as np

from storytrace.events import EventSettings, cluster_events
from storytrace.events.markets import headline_markets, sessions
from storytrace.events.signals import build_signals
from storytrace.events.similarity import article_features, evidence
from storytrace.model import Article


def test_one_market_under_its_names_in_every_script_and_language():
    assert headline_markets("港股半日升152點") == ["HK"]
    assert headline_markets("恆指高收175點") == ["HK"]
    assert headline_markets("Hang Seng ends higher as tech rallies") == ["HK"]
    assert headline_markets("Chứng khoán Hồng Kông tăng điểm") == ["HK"]
    assert headline_markets("滬股初段升0.4%") == ["CN"] == headline_markets("內地股市低收")
    assert headline_markets("港股美國預託證券大多上升 道指升") == ["HK", "US"]
    assert headline_markets("外交部：中美難免存在分歧") == []
    assert headline_markets("Daxter wins the cup") == []          # Latin names only as whole words
    assert headline_markets("美股動盪平息 帶動日經指數收漲") == ["US", "JP"]
    # Chinese names only on word boundaries: 报道指 is "the report says", not the Dow (道指),
    # 今日经济 ("economy today") is not Tokyo (日经), 平台股 not Taipei (台股).
    assert headline_markets("莫斯科法庭開審　報道指面臨監禁") == []
    assert headline_markets("法国人仍爱藏匿钞票 - 今日经济") == []
    assert headline_markets("今日股市平淡 平台股大涨") == []


def test_a_session_is_the_markets_local_trading_day():
    # 07:55 in Hong Kong is the evening before in New York: the recap of that session.
    assert sessions("美股標普500創新高", "2031-03-07T07:55:00+08:00") == ["US@2031-03-06"]
    assert sessions("美股上升", "2031-03-07T22:57:00+08:00") == ["US@2031-03-07"]
    # Paris's close reported at 01:55 Paris time still belongs to the day before ...
    assert sessions("歐股漲多跌少", "2031-03-07T08:55:00+08:00") == ["EU@2031-03-06"]
    # ... while a pre-market note at 05:57 in Hong Kong previews that day's session.
    assert sessions("港股預託證券上升", "2031-03-07T05:57:00+08:00") == ["HK@2031-03-07"]
    assert sessions("日股收高", "2031-03-07") == ["JP@2031-03-07"]
    assert sessions("日股收高", None) == ["JP@?"]


def _report(aid: str, title: str, text: str, published: str) -> Article:
    # Self-written market briefs (one template, different markets and moments).
    return Article(id=aid, source_path=f"{aid}.txt", title=title, text=text, language="zh", script="Hant",
                   outlet="T", published=published, published_precision="datetime")


def _pair(a: Article, b: Article, settings: EventSettings):
    signals = [build_signals(a), build_signals(b)]
    ev = evidence(article_features(signals, np.eye(2, 4, dtype=np.float32), []),
                  np.array([0]), np.array([1]), settings)
    return int(ev.market[0]), float(ev.score[0])


MIDDAY = _report("m", "港股半日升152點", "恒生指數半日收報29,265點，升152點，成交額1,120億元。", "2031-03-07T12:11:00+08:00")
CLOSE = _report("c", "港股高收175點", "恒生指數收報29,288點，升175點，全日成交1,890億元。", "2031-03-07T16:27:00+08:00")
TAIPEI = _report("t", "台股高收0.6%", "加權指數收報15,802點，升96點，成交額3,010億元。", "2031-03-07T14:34:00+08:00")
NEXT_DAY = _report("n", "港股低收80點", "恒生指數收報29,208點，跌80點，全日成交1,650億元。", "2031-03-08T16:30:00+08:00")


def test_same_session_adds_other_markets_subtract_other_days_veto():
    settings = EventSettings()
    same, joined = _pair(MIDDAY, CLOSE, settings)
    other_market, apart = _pair(CLOSE, TAIPEI, settings)
    other_day, later = _pair(CLOSE, NEXT_DAY, settings)
    assert (same, other_market, other_day) == (1, -1, -2)
    assert later == -1.0                       # another session of the same market: a veto
    blind = EventSettings(market_bonus=0.0, market_penalty=0.0)
    assert joined - _pair(MIDDAY, CLOSE, blind)[1] > settings.market_bonus   # figures penalty lifted too
    assert _pair(CLOSE, TAIPEI, blind)[1] - apart == np.float32(settings.market_penalty)
    assert joined > settings.threshold > max(apart, later)


def test_midday_and_close_of_one_session_form_one_event(encoder):
    events = cluster_events([MIDDAY, CLOSE, TAIPEI, NEXT_DAY], [], encoder=encoder)
    assert sorted(sorted(e.articles) for e in events) == [["c", "m"], ["n"], ["t"]]
