"""Which stock market a headline reports on, and which trading session it is.

Why a table: market reports are the most repetitive genre in any news feed (every outlet
files the open, midday and close of several markets each day, in one template), so text
similarity cannot tell Tokyo's session from Seoul's, and the figures that do differ also
differ between the midday and closing reports of *one* session. What separates them is
the market named in the headline and the market's own trading day. No library maps
"港股 / 恒指 / Hang Seng / chứng khoán Hồng Kông" to one market, so this short table does,
for the markets international news reports daily; names are matched on folded text
(Simplified, half-width, lower case), so Traditional and Simplified spellings both hit.
Users can extend it with `STORYTRACE_MARKETS` (a JSON file: {"KEY": {"tz": ..., "names": [...]}}).

A session is the market's local trading day at publication, counted from 04:00 local
(`SESSION_STARTS`) so that a recap filed after midnight still belongs to the session it
recaps while a pre-market preview (05:57 in Hong Kong, on overnight ADRs) belongs to the
day it previews: a report at 07:55 Hong Kong time on Wall Street's record close is the
New York session of the day before, while a 22:57 report the same day is about the next
one; Paris's close reported at 08:55 Hong Kong time (01:55 in Paris) is the day before's.
"""
from __future__ import annotations

import json
import os
import re
from datetime import datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from ..textfold import fold

# key -> (time zone, names as they appear in headlines; folded form is matched)
MARKETS: dict[str, tuple[str, tuple[str, ...]]] = {
    "HK": ("Asia/Hong_Kong", ("港股", "恒指", "恒生指数", "香港股市", "hang seng", "chứng khoán hồng kông")),
    "CN": ("Asia/Shanghai", ("沪股", "沪指", "上证", "上证指数", "上证综指", "深证", "深证成指", "深成指",
                             "沪深股市", "沪深两市", "a股", "内地股市", "中国股市", "中国a股", "shanghai composite", "csi 300", "chứng khoán trung quốc")),
    "TW": ("Asia/Taipei", ("台股", "台湾股市", "加权指数", "台湾加权指数", "taiex", "chứng khoán đài loan")),
    "JP": ("Asia/Tokyo", ("日股", "日经", "日经指数", "日经平均指数", "日经225", "日本股市", "东京股市", "东证",
                          "nikkei", "topix", "chứng khoán nhật")),
    "KR": ("Asia/Seoul", ("韩股", "韩国股市", "韩国综合指数", "南韩股市", "首尔股市", "kospi", "chứng khoán hàn")),
    "ASIA": ("Asia/Hong_Kong", ("亚股", "亚洲股市", "亚太股市", "asian shares", "asian stocks", "chứng khoán châu á")),
    "US": ("America/New_York", ("美股", "道指", "道琼斯", "道琼斯指数", "标普", "标普500", "标普500指数", "纳指",
                                "纳斯达克", "纳斯达克指数", "那斯达克", "那指",
                                "华尔街股市", "dow jones", "s&p 500", "nasdaq", "wall street", "chứng khoán mỹ")),
    "EU": ("Europe/Paris", ("欧股", "欧洲股市", "斯托克", "stoxx", "european shares", "chứng khoán châu âu")),
    "UK": ("Europe/London", ("英股", "伦敦股市", "富时", "富时100指数", "ftse", "chứng khoán anh")),
    "DE": ("Europe/Berlin", ("德股", "法兰克福股市", "dax", "chứng khoán đức")),
    "FR": ("Europe/Paris", ("法股", "巴黎股市", "cac 40", "chứng khoán pháp")),
    "VN": ("Asia/Ho_Chi_Minh", ("越南股市", "胡志明股市", "vn-index", "vnindex", "chứng khoán việt nam")),
    "IN": ("Asia/Kolkata", ("印度股市", "sensex", "nifty")),
    "AU": ("Australia/Sydney", ("澳股", "澳洲股市", "asx 200")),
    "SG": ("Asia/Singapore", ("新加坡股市", "海峡时报指数", "straits times index")),
    # The yuan's daily central parity is a market fixing reported like a session.
    "CNY-FIX": ("Asia/Shanghai", ("人民币中间价", "人民币兑美元中间价", "yuan midpoint", "tỷ giá trung tâm")),
}


SESSION_STARTS = timedelta(hours=4)   # a report filed before 04:00 local recaps the day before


@lru_cache(maxsize=1)
def _table() -> tuple[re.Pattern, dict[str, str], dict[str, str]]:
    markets = dict(MARKETS)
    extra = os.environ.get("STORYTRACE_MARKETS")
    if extra:
        with open(extra, encoding="utf-8") as handle:
            for key, spec in json.load(handle).items():
                markets[key] = (spec["tz"], tuple(spec["names"]))
    by_name = {fold(name): key for key, (_, names) in markets.items() for name in names}
    zones = {key: tz for key, (tz, _) in markets.items()}
    # Longest first, so 中国a股 wins over a股; Latin names only as whole words.
    parts = [re.escape(n) if not n[0].isascii() else rf"(?<![a-z]){re.escape(n)}(?![a-z])"
             for n in sorted(by_name, key=len, reverse=True)]
    return re.compile("|".join(parts)), by_name, zones


def headline_markets(title: str) -> list[str]:
    """Market keys a headline names, in order of first mention (no repeats).

    A Chinese name counts only where jieba's segmentation has a word boundary on both
    sides, so 报道指出 ("the report says") is not 道指 (the Dow) and 今日股市 is not 日股."""
    pattern, by_name, _ = _table()
    folded = fold(title or "")
    keys: list[str] = []
    cuts: set[int] | None = None
    for match in pattern.finditer(folded):
        if not match.group(0)[0].isascii():
            cuts = _boundaries(folded) if cuts is None else cuts
            if match.start() not in cuts or match.end() not in cuts:
                continue
        key = by_name[match.group(0)]
        if key not in keys:
            keys.append(key)
    return keys


def _boundaries(text: str) -> set[int]:
    cuts, position = {0}, 0
    for word in _tokenizer().cut(text):
        position += len(word)
        cuts.add(position)
    return cuts


@lru_cache(maxsize=1)
def _tokenizer():
    """A jieba tokenizer of our own that knows the market names as words (the shared one,
    used for entities, stays untouched)."""
    from .entities import lazy_tokenizer

    tokenizer = lazy_tokenizer()        # reads the dictionary entries its texts need, not all of it
    for name in _table()[1]:
        if not name[0].isascii():
            tokenizer.add_word(name)
    return tokenizer


def sessions(title: str, published: str | None) -> list[str]:
    """`KEY@YYYY-MM-DD` for each market the headline names: the market's local day at
    publication (a date without a time is taken as is; unknown -> `KEY@?`)."""
    keys = headline_markets(title)
    if not keys:
        return []
    _, _, zones = _table()
    stamp = _parse(published)
    out = []
    for key in keys:
        if stamp is None:
            day = (published or "")[:10] if re.match(r"\d{4}-\d{2}-\d{2}", published or "") else "?"
        elif stamp.tzinfo is None:
            day = stamp.date().isoformat()
        else:
            day = (stamp.astimezone(ZoneInfo(zones[key])) - SESSION_STARTS).date().isoformat()
        out.append(f"{key}@{day}")
    return out


def _parse(value: str | None) -> datetime | None:
    if not value or len(value) <= 10:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
