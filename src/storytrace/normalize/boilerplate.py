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

import dataclasses
import re
import time
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
        counts[outlet].update(edge_lines(text, edge=edge, max_length=max_length))
    learned: dict[str, set[str]] = {}
    for outlet, counter in counts.items():
        needed = needed_articles(totals[outlet], min_articles=min_articles, min_share=min_share)
        lines = {line for line, n in counter.items() if n >= needed}
        if lines:
            learned[outlet] = lines
    return learned


def edge_lines(text: str, *, edge: int = 3, max_length: int = 200) -> set[str]:
    """The distinct stripped paragraphs among the first and last `edge` of `text` that are at
    most `max_length` long: what one text counts towards `recurring_lines`."""
    paragraphs = [p.strip() for p in text.split("\n\n") if p.strip()]
    return {p for p in paragraphs[:edge] + paragraphs[-edge:] if len(p) <= max_length}


def needed_articles(total: int, *, min_articles: int = 5, min_share: float = 0.01) -> int:
    """How many of an outlet's `total` distinct texts a line must open or close to recur."""
    return max(min_articles, int(min_share * total + 0.999))


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


# -- hidden spans kept current in the store -------------------------------------------------
# `collection_hidden_spans` learns from every article at once. A growing store keeps what
# that learning counts in tables instead (created by `store.Store`) and updates them from
# the articles added or changed since the last refresh:
#   bp_articles  article id -> (outlet, text key) it is counted under;
#   bp_texts     (outlet, text key) -> how many stored articles have it (a text counts once);
#   bp_totals    outlet -> distinct texts;
#   bp_line_counts (key of outlet + line) -> outlet, line, distinct texts with that line among
#                their edge paragraphs;
#   bp_paras     (key of outlet + paragraph, article id) for every short paragraph of every
#                article: which articles a line that starts or stops recurring touches.
# Keys are 64-bit hashes of outlet + line: two lines sharing one (odds about N^2 / 2^65 for
# N distinct lines: 3e-8 for a million) would share a count.
# An outlet's recurring lines are those of bp_line_counts with n >= needed_articles(total): the
# set `recurring_lines` gives over the whole store. Only articles whose outlet's set changed
# by a line they hold, and the articles added or changed themselves, get their spans
# recomputed; only those whose spans differ are rewritten.
BOILERPLATE_STAGE = "boilerplate"
EDGE, MAX_LINE = 3, 200
STATS_VERSION = f"2:{MIN_RECURRING}:0.01:{EDGE}:{MAX_LINE}"
_PARAGRAPH = re.compile(r"(?:(?!\n\n).)+", re.DOTALL)


def short_paragraphs(text: str, max_length: int = MAX_LINE) -> set[str]:
    """Distinct stripped paragraphs (as `line_spans` splits them) of at most `max_length`."""
    out = set()
    for match in _PARAGRAPH.finditer(text):
        stripped = match.group(0).strip()
        if stripped and len(stripped) <= max_length:
            out.add(stripped)
    return out


def _para_key(outlet: str, line: str) -> int:
    import hashlib

    digest = hashlib.blake2b(f"{outlet}\0{line}".encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _text_key(text: str) -> bytes:
    import hashlib

    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()


class _Stats:
    """The boilerplate tables seen through one write transaction."""

    def __init__(self, conn) -> None:
        self.conn = conn
        self.before: dict[str, set[str]] = {}      # outlet -> recurring lines before this refresh

    def learned(self, outlet: str) -> set[str]:
        if not outlet:
            return set()
        row = self.conn.execute("SELECT total FROM bp_totals WHERE outlet=?", (outlet,)).fetchone()
        if row is None:
            return set()
        needed = needed_articles(row[0], min_articles=MIN_RECURRING)
        return {r[0] for r in self.conn.execute("SELECT line FROM bp_line_counts WHERE outlet=? AND n>=?",
                                                (outlet, needed))}

    def _touch(self, outlet: str) -> None:
        if outlet not in self.before:
            self.before[outlet] = self.learned(outlet)

    def count(self, article_id: str, outlet: str, text: str, key: bytes, step: int) -> None:
        """Count one article in (step=1) or out (step=-1) under `outlet`."""
        conn = self.conn
        self._touch(outlet)
        row = conn.execute("SELECT n FROM bp_texts WHERE outlet=? AND text_key=?", (outlet, key)).fetchone()
        n = (row[0] if row else 0) + step
        if n > 0:
            conn.execute("INSERT OR REPLACE INTO bp_texts VALUES (?,?,?)", (outlet, key, n))
        else:
            conn.execute("DELETE FROM bp_texts WHERE outlet=? AND text_key=?", (outlet, key))
        if (step > 0 and n == 1) or (step < 0 and n == 0):     # a distinct text came or went
            conn.execute("INSERT INTO bp_totals VALUES (?, ?) ON CONFLICT(outlet) DO UPDATE SET total=total+?",
                         (outlet, step, step))
            lines = [(_para_key(outlet, line), outlet, line, step, step)
                     for line in edge_lines(text, edge=EDGE, max_length=MAX_LINE)]
            conn.executemany("INSERT INTO bp_line_counts VALUES (?,?,?,?) ON CONFLICT(key) DO UPDATE SET n=n+?",
                             lines)
            if step < 0:
                conn.execute("DELETE FROM bp_line_counts WHERE outlet=? AND n<=0", (outlet,))
                conn.execute("DELETE FROM bp_totals WHERE outlet=? AND total<=0", (outlet,))
        paras = [(_para_key(outlet, p), article_id) for p in short_paragraphs(text)]
        if step > 0:
            conn.executemany("INSERT OR IGNORE INTO bp_paras VALUES (?,?)", paras)
        else:
            conn.executemany("DELETE FROM bp_paras WHERE key=? AND id=?", paras)

    def affected(self) -> set[str]:
        """Ids of articles holding a line that started or stopped recurring in its outlet."""
        out: set[str] = set()
        for outlet, before in self.before.items():
            for line in before ^ self.learned(outlet):
                out.update(r[0] for r in self.conn.execute("SELECT id FROM bp_paras WHERE key=?",
                                                           (_para_key(outlet, line),)))
        return out


def refresh_hidden_spans(store, *, batch: int = 500) -> int:
    """Bring every stored article's hidden spans (`metadata[HIDDEN_KEY]`) to what
    `collection_hidden_spans` over the whole store gives, reading only the articles added or
    changed since the last refresh (all of them the first time, or after STATS_VERSION
    changes) and those whose outlet's recurring lines changed by a line they hold. One
    write transaction. Returns how many stored articles were rewritten."""
    with store.transaction() as conn:
        row = conn.execute("SELECT fingerprint FROM stages WHERE name=?", (BOILERPLATE_STAGE,)).fetchone()
        if row is None or row[0] != STATS_VERSION:
            for table in ("bp_articles", "bp_texts", "bp_totals", "bp_line_counts", "bp_paras"):
                conn.execute(f"DELETE FROM {table}")
            conn.execute("DELETE FROM stage_marks WHERE name=?", (BOILERPLATE_STAGE,))
        mark = conn.execute("SELECT rev FROM stage_marks WHERE name=?", (BOILERPLATE_STAGE,)).fetchone()
        # CROSS JOIN: the changed rows through the `rev` index, then only those sorted by seq
        # (a plain JOIN walks every article in seq order: a cost that grows with the store)
        pending = [r[0] for r in conn.execute(
            "SELECT d.id FROM article_digests d CROSS JOIN articles a ON a.id = d.id WHERE d.rev > ? ORDER BY a.seq",
            (mark[0] if mark else 0,))]
        stats = _Stats(conn)
        for lo in range(0, len(pending), batch):
            for art in store.get_articles(pending[lo:lo + batch]):
                outlet, text = art.outlet or "", art.text
                key = _text_key(text)
                old = conn.execute("SELECT outlet, text_key FROM bp_articles WHERE id=?", (art.id,)).fetchone()
                if old is not None and (old[0], bytes(old[1])) == (outlet, key):
                    continue
                if old is not None:
                    stats.count(art.id, old[0], text, bytes(old[1]), -1)
                    conn.execute("DELETE FROM bp_articles WHERE id=?", (art.id,))
                if outlet:
                    stats.count(art.id, outlet, text, key, 1)
                    conn.execute("INSERT INTO bp_articles VALUES (?,?,?)", (art.id, outlet, key))
        todo = sorted(stats.affected() | set(pending))
        learned: dict[str, set[str]] = {}
        rewritten = 0
        for lo in range(0, len(todo), batch):
            changed = []
            for art in store.get_articles(todo[lo:lo + batch]):
                outlet = art.outlet or ""
                if outlet not in learned:
                    learned[outlet] = stats.learned(outlet)
                spans = line_spans(art.text, learned[outlet])
                if (spans or None) != art.metadata.get(HIDDEN_KEY):
                    metadata = {k: v for k, v in art.metadata.items() if k != HIDDEN_KEY}
                    if spans:
                        metadata[HIDDEN_KEY] = spans
                    changed.append(dataclasses.replace(art, metadata=metadata))
            store._update_articles(conn, changed)
            rewritten += len(changed)
        seq, rev = store._articles_mark(conn)
        conn.execute("INSERT OR REPLACE INTO stages VALUES (?,?,?)", (BOILERPLATE_STAGE, STATS_VERSION, time.time()))
        conn.execute("INSERT OR REPLACE INTO stage_marks VALUES (?,?,?)", (BOILERPLATE_STAGE, seq, rev))
    return rewritten
