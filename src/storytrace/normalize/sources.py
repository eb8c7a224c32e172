"""Who the text credits (cited sources) and who published it (outlet).

Wire agencies count wherever they are named: news text names an agency almost only to
credit it. Other outlets count only in a citation cue (`据…报道`, `according to`, `Theo …`),
because stories are often *about* an outlet (a BBC report, a CCTV licence).
Names are canonical English forms so the same source matches across languages.
An outlet no table knows is named by the registered domain of the article's own URL
(`outlet_from_domain`: `chinese.aljazeera.net` → `aljazeera.net`), using the public-suffix
list bundled with `tldextract` (never downloaded at run time).
"""
from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import urlsplit

_AGENCIES = [
    ("Xinhua", r"新华社|新華社|新华网|新華網|Xinhua|Tân Hoa [Xx]ã"),
    ("China News Service", r"中新社|中国新闻社|中國新聞社|中新网|中新網|China News Service"),
    ("Reuters", r"路透|Reuters"),
    ("AFP", r"法新社|\bAFP\b|Agence France-Presse"),
    ("AP", r"美联社|美聯社|\bAP\b(?!\w)|Associated Press"),
    ("CNA", r"中央社|中央通讯社|中央通訊社|Central News Agency"),
    ("Kyodo", r"共同社|共同通信|Kyodo"),
    ("TASS", r"塔斯社|\bTASS\b"),
    ("Yonhap", r"韩联社|韓聯社|Yonhap"),
    ("Bloomberg", r"彭博|Bloomberg"),
    ("VNA", r"TTXVN|Thông tấn xã Việt Nam"),
]
_OUTLETS = [
    ("Nhân Dân", r"nhandan\.vn|Nhân Dân|Nhandan"),
    ("People's Daily", r"人民日报|人民日報|People's Daily"),
    ("CCTV", r"央视|央視|中央电视台|中央電視台|CCTV"),
    ("Global Times", r"环球时报|環球時報|Global Times"),
    ("BBC", r"BBC|英国广播公司|英國廣播公司"),
    ("DW", r"德国之声|德國之聲|Deutsche Welle"),
    ("Lianhe Zaobao", r"联合早报|聯合早報|zaobao"),
    ("VnExpress", r"VnExpress"),
    ("Tuổi Trẻ", r"Tuổi Trẻ|tuoitre\.vn"),
    ("Thanh Niên", r"Thanh Niên|thanhnien\.vn"),
    ("Chinese state media", r"báo chí nhà nước Trung Quốc|truyền thông nhà nước Trung Quốc|truyền thông Trung Quốc|"
                            r"Chinese state media|中国官方媒体|中國官方媒體|中国官媒|中國官媒"),
]
_CUE_BEFORE = r"(?:据|據|根据|根據|引述|援引|引用|转引|轉引|综合|綜合|according to|citing|Theo(?: thông tin từ| nguồn tin từ| nguồn)?|dẫn|cited by|via)\s*"
_CUE_AFTER = r"\s*(?:报道|報道|報導|报导|消息|称|稱|指出|reported|reports|said|cho biết|đưa tin)"
_COMPILED_AGENCIES = [(name, re.compile(rx, re.IGNORECASE if rx.isascii() else 0)) for name, rx in _AGENCIES]
_COMPILED_OUTLETS = [(name, re.compile(rx, re.IGNORECASE), re.compile(rf"{_CUE_BEFORE}(?:{rx})|(?:{rx}){_CUE_AFTER}|^\s*[(（]?(?:{rx})[)）]?\s*$",
                                       re.IGNORECASE | re.MULTILINE)) for name, rx in _OUTLETS]


def cited_sources(text: str) -> list[str]:
    """Canonical names of credited agencies and outlets, in order of first appearance."""
    found: list[tuple[int, str]] = []
    for name, rx in _COMPILED_AGENCIES:
        if m := rx.search(text):
            found.append((m.start(), name))
    for name, quick, rx in _COMPILED_OUTLETS:
        if quick.search(text) and (m := rx.search(text)):
            found.append((m.start(), name))
    return [name for _, name in sorted(found)]


# Short codes used as Jekyll categories / tags, and known site domains.
_OUTLET_CODES = {
    "bbc": "BBC", "cna": "CNA", "dw": "DW", "joins": "JoongAng", "kyodo": "Kyodo", "reuters": "Reuters",
    "rfi": "RFI", "rthk": "RTHK", "afp": "AFP", "ap": "AP", "xinhua": "Xinhua", "zaobao": "Lianhe Zaobao",
    "联合早报": "Lianhe Zaobao", "聯合早報": "Lianhe Zaobao", "新华社": "Xinhua", "新華社": "Xinhua",
    "中新社": "China News Service", "中新网": "China News Service", "人民日报": "People's Daily",
    "nhandan": "Nhân Dân", "vnexpress": "VnExpress", "tuoitre": "Tuổi Trẻ", "thanhnien": "Thanh Niên",
}
_DOMAINS = {
    "zaobao.com": "Lianhe Zaobao", "zaobao.com.sg": "Lianhe Zaobao", "xinhuanet.com": "Xinhua",
    "news.cn": "Xinhua", "chinanews.com": "China News Service", "chinanews.com.cn": "China News Service",
    "nhandan.vn": "Nhân Dân", "vnexpress.net": "VnExpress", "tuoitre.vn": "Tuổi Trẻ", "thanhnien.vn": "Thanh Niên",
    "bbc.com": "BBC", "bbc.co.uk": "BBC", "dw.com": "DW", "reuters.com": "Reuters", "rfi.fr": "RFI",
    "rthk.hk": "RTHK", "cna.com.tw": "CNA", "focustaiwan.tw": "CNA", "kyodonews.net": "Kyodo",
    "joins.com": "JoongAng", "people.com.cn": "People's Daily", "cctv.com": "CCTV", "apnews.com": "AP",
}
_BYLINE = [
    ("China News Service", re.compile(r"^\s*中新社[\u4e00-\u9fff]{0,8}\d{1,2}月\d{1,2}日电")),
    ("China News Service", re.compile(r"^\s*中新網[\u4e00-\u9fff]{0,8}\d{1,2}月\d{1,2}日電|^\s*中新网[\u4e00-\u9fff]{0,8}\d{1,2}月\d{1,2}日电")),
    ("Xinhua", re.compile(r"^\s*[（(]?新华社[\u4e00-\u9fff]{0,8}\d{1,2}月\d{1,2}日电[）)]?")),
    ("Xinhua", re.compile(r"[（(]新华社[\u4e00-\u9fff]{0,8}\d{1,2}月\d{1,2}日电[）)]\s*$")),
]


def outlet_from_code(code: str | None) -> str | None:
    if not code:
        return None
    key = code.strip()
    return _OUTLET_CODES.get(key.lower(), _OUTLET_CODES.get(key))


def outlet_from_url(url: str | None) -> str | None:
    if not url:
        return None
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        return None
    host = host.removeprefix("www.").removeprefix("m.")
    while host:
        if host in _DOMAINS:
            return _DOMAINS[host]
        if "." not in host:
            break
        host = host.split(".", 1)[1]
    return None


def outlet_from_byline(paragraphs: list[str]) -> str | None:
    """A wire's own dateline at the start of the body or its sign-off at the end."""
    head = paragraphs[:3]
    tail = paragraphs[-1:]
    for name, rx in _BYLINE:
        if any(rx.search(p) for p in head + tail):
            return name
    return None


@lru_cache(maxsize=1)
def _suffixes():
    import tldextract

    # suffix_list_urls=() and no cache: the snapshot in the wheel, no network, no files written.
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, include_psl_private_domains=False)


def outlet_from_domain(url: str | None) -> str | None:
    """The registered domain of `url` (`https://chinese.aljazeera.net/news/…` → `aljazeera.net`,
    `news.bbc.co.uk` → `bbc.co.uk`): who published the page, when no known name applies.
    None for a URL without a public suffix (an IP address, `localhost`, a file path)."""
    if not url or "://" not in url:
        return None
    try:
        host = (urlsplit(url.strip()).hostname or "").lower()
    except ValueError:
        return None
    if not host:
        return None
    parts = _suffixes()(host)
    if not parts.domain or not parts.suffix:
        return None
    return f"{parts.domain}.{parts.suffix}"
