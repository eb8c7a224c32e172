"""Boilerplate: page furniture that is not part of the story.

Two kinds of rules. Generic line patterns (view counters, keyword menus, copyright and
feed footers, machine-translation disclaimers, photo-caption openers) apply to one
article. The data-driven rule, `recurring_lines`, finds lines that recur across many
articles of the same outlet in the whole collection. Those lines are never cut from the
stored text (an article's text and id depend on its own document alone): analysis records
them as *hidden spans* (`collection_hidden_spans`, kept in `metadata["boilerplate_hidden"]`)
and the analysis stages read `visible_text`, a same-length copy with the hidden characters
blanked, so every offset still points into the stored text.
A trailer block (`Author`, `相关报道`, `Related`) cuts everything after it when it sits in
the last part of the article.
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from typing import Iterable

_LINE_PATTERNS = [
    # view / read counters: "4,466 lượt xem", "1234 views", "阅读 1.2万", "次阅读"
    r"[\d.,]+\s*(?:lượt xem|lượt đọc|views?|reads?|次阅读|次閱讀|人阅读|人閱讀)",
    r"(?:阅读|閱讀|浏览|瀏覽)(?:量|数|數)?\s*[:：]?\s*[\d.,]+\s*万?",
    # keyword / tag menus
    r"[•·\-*]?\s*(?:Từ khóa|Từ khoá|Tags?|Keywords?|Topics?|关键词|關鍵詞|关键字|關鍵字|标签|標籤)\s*[:：]?.{0,120}",
    # copyright and rights footers
    r"(?:©|\(c\)|Copyright\s*(?:©|\(c\)|\d{4})).{0,160}",
    r".{0,80}(?:版权所有|版權所有|版权声明|版權聲明|All rights reserved|保留所有权利|保留一切權利).{0,80}",
    # feed / syndication footers
    r"获取更多RSS.{0,160}|獲取更多RSS.{0,160}",
    # machine translation disclaimers
    r"AI[ -]?Translated|This article (?:has been|was) (?:translated|generated) (?:using|by|with) .{0,240}",
    r"(?:本文|此文)(?:由|经|經)(?:AI|人工智能|機器|机器)(?:翻译|翻譯).{0,120}",
    # paywall placeholders that survive as text
    r"(?:Subscribe|Sign in|Log in) to (?:read|continue).{0,80}|(?:订阅|訂閱)(?:后|後)?(?:阅读|閱讀)全文.{0,40}",
    # photo caption openers in scraped text (Vietnamese "Quang cảnh …", "Ảnh: …", Chinese "图为 …")
    r"(?:Quang cảnh|Ảnh\s*:|\(Ảnh|Photo\s*:|图为|圖為|图片来源|圖片來源|图像来源|圖像來源).{0,160}",
    # a bare link or a bare timestamp on its own line (feed footers, page clocks)
    r"(?:https?://|www\.)\S+",
    r"\d{1,4}[./-]\d{1,2}[./-]\d{1,4}(?:\s*[-|,]?\s*\d{1,2}:\d{2}(?::\d{2})?)?",
    # captions that end in a photo credit: "… tại Bắc Kinh. Ảnh: TTXVN", "……（新华社记者某某摄）"
    r".{0,200}(?:Ảnh|Photo|Image|图|圖|图片|圖片)\s*[:：]\s*[^.。:：]{1,40}",
    r".{0,200}[（(][^()（）]{0,30}(?:摄|攝)[)）]",
    # editor credits and correction links
    r"(?:【纠错】|【糾錯】)?\s*(?:责任编辑|責任編輯|编辑|編輯|责编|責編)\s*[:：].{0,30}",
    r"[（(](?:责任编辑|責任編輯|编辑|編輯|责编|責編)\s*[:：].{0,30}[)）]",
    # "share this" rows
    r"(?:Share|Chia sẻ|分享到?)\s*[:：]?\s*(?:Facebook|Twitter|Zalo|微信|微博|WhatsApp|LINE|\s|,|/)*",
]
_LINE_RE = re.compile(r"^\s*(?:" + "|".join(_LINE_PATTERNS) + r")\s*$", re.IGNORECASE)
_TRAILER_RE = re.compile(r"^\s*(?:Author|Authors|作者|相关报道|相關報道|相关新闻|相關新聞|相关阅读|相關閱讀|"
                         r"延伸阅读|延伸閱讀|Related(?: (?:news|articles|stories))?|Tin liên quan|Bài liên quan|"
                         r"Read more|更多新闻|更多新聞)\s*[:：]?\s*$", re.IGNORECASE)
_MD_LINK_LINE = re.compile(r"^\[(?P<text>[^\]]+)\]\((?P<url>[^)\s]+)\)$")
_RULE_LINE = re.compile(r"^[-=_*~]{3,}$")


def is_boilerplate_line(line: str, title: str = "") -> bool:
    stripped = line.strip()
    if not stripped or _RULE_LINE.match(stripped):
        return True
    if title and _same_title(stripped, title):
        return True
    link = _MD_LINK_LINE.match(stripped)
    if link and (not title or _same_title(link.group("text"), title)):
        return True
    return bool(_LINE_RE.match(stripped))


def _squash(value: str) -> str:
    return re.sub(r"[\s\W_]+", "", value).lower()


def _same_title(line: str, title: str) -> bool:
    return len(_squash(title)) >= 4 and _squash(line) == _squash(title)


def strip_boilerplate(paragraphs: list[str], title: str = "") -> tuple[list[str], list[str]]:
    """Return (kept, dropped). The trailer rule only fires in the last third of the text."""
    cut = len(paragraphs)
    for i, para in enumerate(paragraphs):
        if i >= max(1, (2 * len(paragraphs)) // 3) and _TRAILER_RE.match(para):
            cut = i
            break
    kept, dropped = [], paragraphs[cut:]
    for para in paragraphs[:cut]:
        (dropped if is_boilerplate_line(para, title) else kept).append(para)
    return kept, list(dropped)


def recurring_lines(articles: Iterable[tuple[str | None, str]], *, min_articles: int = 5,
                    min_share: float = 0.01, edge: int = 3, max_length: int = 200) -> dict[str, set[str]]:
    """Per outlet, the lines that open or close at least `min_articles` distinct articles
    (and at least `min_share` of that outlet's articles).

    Input: (outlet, text) pairs. Only the first and last `edge` paragraphs count: furniture
    sits there, while a statement quoted verbatim in many stories sits in the middle and
    must survive for reuse detection. Identical texts count once, so a story re-posted
    under two titles does not make its own sentences look like boilerplate.
    """
    counts: dict[str, Counter] = defaultdict(Counter)
    totals: Counter = Counter()
    seen_texts: set[tuple[str, str]] = set()
    for outlet, text in articles:
        # Per outlet, so the result does not depend on which outlet's copy came first.
        if not outlet or (outlet, text) in seen_texts:
            continue
        seen_texts.add((outlet, text))
        totals[outlet] += 1
        paragraphs = [p.strip() for p in text.split("\n\n") if p.strip()]
        edges = paragraphs[:edge] + paragraphs[-edge:]
        counts[outlet].update({p for p in edges if len(p) <= max_length})
    learned: dict[str, set[str]] = {}
    for outlet, counter in counts.items():
        needed = max(min_articles, int(min_share * totals[outlet] + 0.999))
        lines = {line for line, n in counter.items() if n >= needed}
        if lines:
            learned[outlet] = lines
    return learned


def remove_lines(text: str, lines: set[str]) -> str:
    """Drop whole paragraphs that are in `lines`; keep paragraph separators tidy."""
    if not lines:
        return text
    kept = [p for p in text.split("\n\n") if p.strip() not in lines]
    return "\n\n".join(kept)


MIN_RECURRING = 5     # distinct articles of one outlet a line must open or close to be hidden
HIDDEN_KEY = "boilerplate_hidden"


def line_spans(text: str, lines: set[str]) -> list[list[int]]:
    """[start, end) of every paragraph of `text` (split on blank lines) whose stripped form is
    in `lines`; the span covers the stripped paragraph."""
    spans: list[list[int]] = []
    if not lines:
        return spans
    for match in re.finditer(r"(?:(?!\n\n).)+", text, re.DOTALL):
        para = match.group(0)
        stripped = para.strip()
        if stripped and stripped in lines:
            start = match.start() + (len(para) - len(para.lstrip()))
            spans.append([start, start + len(stripped)])
    return spans


def collection_hidden_spans(articles: Iterable, *, min_articles: int = MIN_RECURRING) -> dict[str, list[list[int]]]:
    """Article id -> spans of its outlet's recurring lines, learned from all `articles` at
    once: a function of the collection as a set, whatever order or batches it came in."""
    articles = list(articles)
    learned = recurring_lines(((a.outlet, a.text) for a in articles), min_articles=min_articles)
    out: dict[str, list[list[int]]] = {}
    for art in articles:
        spans = line_spans(art.text, learned.get(art.outlet or "", set()))
        if spans:
            out[art.id] = spans
    return out


def mask_spans(text: str, spans: Iterable) -> str:
    """Same length as `text`, the characters inside `spans` replaced by spaces (line breaks
    kept): matching finds nothing there, and offsets stay offsets into `text`."""
    chars = list(text)
    for start, end in spans or ():
        for i in range(max(0, start), min(end, len(chars))):
            if chars[i] != "\n":
                chars[i] = " "
    return "".join(chars)


def visible_text(article) -> str:
    """The text the analysis stages read: hidden outlet boilerplate blanked (see module doc)."""
    spans = (article.metadata or {}).get(HIDDEN_KEY)
    return mask_spans(article.text, spans) if spans else article.text
