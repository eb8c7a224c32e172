"""The static report: one self-contained HTML file that opens offline.

Every page (front, one per event, one per related pair) is pre-rendered, and CSS `:target`
shows one at a time, so the report reads with JavaScript off. The inline script (allowed by
a per-file CSP nonce, so nothing else can run) adds live filters, script-insensitive search,
comparing any two members, and level scrolling in side-by-side views. Article text is plain
text rendered through Jinja2 autoescape; article HTML is never rendered.
"""
from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import os
import re
import secrets
import sqlite3
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator

from jinja2 import BytecodeCache, ChoiceLoader, Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from ..model import Article, Event, Family, ReuseLink
from ..store import Store
from .compare import PASSAGE_CLASSES, build_pair, pair_payload
from .exports import _SEP, ROW_DIGESTS, _read_snapshot, line_digests_current
from .svg import KIND_COLOURS, KIND_LABELS, LANGUAGE_COLOURS, OTHER_COLOUR, SEGMENT_COLOURS
from .views import LEAD_CHARS, SORTS, ReportData, lang_tag, parse_when, sort_events

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
_SAFE_SCHEMES = ("http://", "https://")


_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


def anchor(kind: str, key: str) -> str:
    """An HTML id from any string (ids come from data, so keep only safe characters)."""
    return f"{kind}-" + _UNSAFE.sub("_", key)


def safe_url(url: str | None) -> str | None:
    """Only http(s) addresses become links; `javascript:` and friends stay plain text."""
    if url and url.strip().lower().startswith(_SAFE_SCHEMES):
        return url.strip()
    return None


def script_json(data: Any) -> Markup:
    """JSON that is safe inside <script type="application/json"> (no `</script>`, no U+2028)."""
    return _script_safe(json.dumps(data, ensure_ascii=False, separators=(",", ":")))


@lru_cache(maxsize=1)
def fold_table() -> str:
    """Pairs of characters (original, folded) for the report's JS search.

    Why a generated table: the search must ignore Simplified/Traditional like the store's
    search does; embedding the folded text of every article would double the report's
    size, while this table (from storytrace.textfold, i.e. OpenCC) is about 16 kB.
    """
    from ..textfold import fold

    pairs = []
    ranges = [(0x3000, 0x303F), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0xFF00, 0xFF65),
              (0x2010, 0x2027)]
    for lo, hi in ranges:
        for code in range(lo, hi + 1):
            ch = chr(code)
            folded = fold(ch)
            if len(folded) == 1 and folded != ch and folded != ch.lower():
                pairs.append(ch + folded)
    return "".join(pairs)


def when_label(article, when) -> str:
    """UTC time for comparisons across outlets; only as precise as the article's date is."""
    if when is None:
        return article.published or "undated"
    if article.published_precision in ("date", "month-day") or "T" not in (article.published or ""):
        return when.strftime("%Y-%m-%d")
    return when.strftime("%Y-%m-%d %H:%M UTC")


class StaticUrls:
    """Links inside the single report file."""

    front = "#front"

    def __init__(self, data: ReportData, prerendered: set[str] | None = None):
        self._event_of = data.event_of
        self._prerendered = prerendered

    def event(self, event_id: str) -> str:
        return "#" + anchor("event", event_id)

    def needs_js(self, a: str, b: str) -> bool:
        """True when this pair's side-by-side view is drawn by the script (not pre-rendered)."""
        return self._prerendered is not None and self.pair_id(a, b) not in self._prerendered

    def article(self, article_id: str) -> str:
        return "#" + anchor("article", article_id)

    def pair(self, a: str, b: str) -> str:
        return "#" + self.pair_id(a, b)

    @staticmethod
    @lru_cache(maxsize=1 << 16)          # asked several times per pair while a report is drawn
    def pair_id(a: str, b: str) -> str:
        """Same id whichever article is named first."""
        return anchor("pair", "-".join(sorted((a, b))))

    def compare_action(self) -> str:
        return "#adhoc"

    @staticmethod
    def source_label(path: str) -> str:
        return path


def environment() -> Environment:
    loaders = [FileSystemLoader(str(TEMPLATES)), FileSystemLoader(str(HERE.parent / "web" / "templates"))]
    env = Environment(loader=ChoiceLoader(loaders), autoescape=select_autoescape(default=True),
                      trim_blocks=True, lstrip_blocks=True)
    env.globals.update(anchor=anchor, safe_url=safe_url, when_label=when_label, kind_colours=KIND_COLOURS,
                       kind_labels=KIND_LABELS, language_colours=LANGUAGE_COLOURS,
                       other_colour=OTHER_COLOUR, segment_colours=SEGMENT_COLOURS,
                       passage_classes=PASSAGE_CLASSES, lang_tag=lang_tag, parse_when=parse_when,
                       sorts=SORTS, count_text="")
    # Plain str, so autoescape quotes it for the attribute (Jinja's tojson leaves `"` raw).
    env.filters["json_attr"] = lambda value: json.dumps(value, ensure_ascii=False)
    env.filters["pct"] = lambda x: f"{round(100 * (x or 0))}%"
    return env


@lru_cache(maxsize=1)
def _report_environment() -> Environment:
    """The report's own environment, compiled once per process (`watch` writes many reports)."""
    return environment()


# Side-by-side views pre-rendered as HTML (readable without JavaScript) up to this many
# characters of article text; beyond it the script renders them from compact segments, which
# keeps a week of news under the 25 MB target.
PRERENDER_CHARS = 600_000


def related_links(data: ReportData) -> list[tuple[Article, Article, ReuseLink]]:
    """(left, right, link) per related pair of an event (the source on the left), newest events first."""
    seen: set[frozenset[str]] = set()
    out = []
    for ev in data.events:
        member_links = [m.source.link for m in ev.members if m.source]
        for link in ev.links + member_links:
            key = frozenset((link.a, link.b))
            if key in seen or link.a == link.b:
                continue
            seen.add(key)
            best = data.link_between(link.a, link.b)
            a, b = data.articles[best.a], data.articles[best.b]
            if best.direction == "b->a":
                a, b = b, a
            out.append((a, b, best))
    return out


def _prerender_ids(pairs: list[tuple[Article, Article]]) -> set[str]:
    ids, budget = set(), PRERENDER_CHARS
    for a, b in pairs:
        cost = len(a.text) + len(b.text)
        if cost <= budget:
            budget -= cost
            ids.add(StaticUrls.pair_id(a.id, b.id))
    return ids


def static_asset(name: str) -> str:
    return (STATIC / name).read_text(encoding="utf-8")


# The static report is one file a browser must open whole, so it holds at most the newest
# REPORT_NEWEST events (about a week of news) plus the REPORT_LARGEST largest ones; the header
# says how many were left out. Every event stays in events.jsonl and in the web app.
REPORT_NEWEST = 2000
REPORT_LARGEST = 200


def cap_events(data: ReportData, newest: int | None = None, largest: int | None = None) -> int:
    """Keep only the `newest` and the `largest` events in `data` (in place; defaults
    REPORT_NEWEST, REPORT_LARGEST); returns how many were left out."""
    newest = REPORT_NEWEST if newest is None else newest
    largest = REPORT_LARGEST if largest is None else largest
    if len(data.events) <= newest + largest:
        return 0
    keep = {ev.id for ev in data.events[:newest]}          # data.events: newest first
    keep |= {ev.id for ev in sorted(data.events, key=lambda ev: (-len(ev.members), ev.id))[:largest]}
    omitted = len(data.events) - len(keep)
    data.events = [ev for ev in data.events if ev.id in keep]
    data.event_by_id = {ev.id: ev for ev in data.events}
    data.event_of = {m.article.id: ev.id for ev in data.events for m in ev.members}
    return omitted


def _rows(store: Store, sql: str, ids: list[str]) -> list[tuple]:
    """`sql` with one `IN ({marks})` over `ids`, in batches."""
    out: list[tuple] = []
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        out += store._conn.execute(sql.format(marks=",".join("?" * len(chunk))), chunk).fetchall()
    return out


def _digest(kind: str, data: bytes) -> str:
    """The digest of one stored row: its kind and its text as UTF-8."""
    return hashlib.md5(kind.encode() + b"\t" + data, usedforsecurity=False).hexdigest()


# The export's table of each kind of record whose digest `_Raw` may take from `export_lines`.
# An article by its own row's digest (ROW_DIGESTS), not its line's: a line also covers the
# article's event and the links touching it, which a page showing the article does not draw
# from (the links it draws are digested themselves; the page is keyed by its events' members).
_LINE_TABLES = {"Article": ROW_DIGESTS, "Event": "events", "ReuseLink": "reuse"}


def _utf8(store: Store) -> bool:
    """True when the store keeps text as UTF-8 (so a row's bytes are read without decoding it)."""
    return store._conn.execute("PRAGMA encoding").fetchone()[0] == "UTF-8"


# An article whose date starts "YYYY-MM-DD" is, whatever follows (a time, an offset of less
# than a day), published before that day's end plus a day; `_choose_bounded` walks the articles
# newest first by that text (index report_published), and reads the others (index
# report_odd_published: dates not written so) whole.
_DATED = "a.published < ':' AND a.published GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*'"
_ODD = ("a.published IS NOT NULL AND a.published != '' AND NOT (a.published < ':' AND "
        "a.published GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*')")

# Covering indexes for report_data's passes (the dates, languages and outlets of every article
# read from small index entries instead of the article rows); made by write_report.
_INDEXES = ("CREATE INDEX IF NOT EXISTS report_published ON articles(published, id)",
            "CREATE INDEX IF NOT EXISTS report_language ON articles(language)",
            "CREATE INDEX IF NOT EXISTS report_outlet ON articles(outlet)",
            "CREATE INDEX IF NOT EXISTS report_odd_published ON articles(id) WHERE " + _ODD.replace("a.", ""))


def _ensure_indexes(store: Store) -> None:
    if store.readonly:
        return
    try:
        with store.transaction() as conn:
            for sql in _INDEXES:
                conn.execute(sql)
    except sqlite3.Error:        # busy or read-only file: the passes read the rows instead
        pass


@dataclasses.dataclass
class _Choice:
    """Which events the report shows: ids newest first (ReportData's order), their members."""

    order: list[str]
    members: dict[str, list[str]]
    stored: set[str]
    omitted: int


def _choose(store: Store, newest: int | None, largest: int | None) -> _Choice:
    """Each event's size and newest member; then the `newest` newest and `largest` largest
    events, as `cap_events` keeps them. A store with more events than that is not read whole
    (`_choose_bounded`); a small one, or one the bounded reading cannot decide, is read in
    one light pass over (article, publication time, event) (`_choose_all`)."""
    newest = REPORT_NEWEST if newest is None else newest
    largest = REPORT_LARGEST if largest is None else largest
    grouped, groups, sizes = _group_sizes(store._conn, largest)
    total = groups + store._conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0] - grouped
    if total > newest + largest:
        choice = _choose_bounded(store._conn, newest, largest, total, sizes)
        if choice is not None:
            return choice
    return _choose_all(store, newest, largest)


def _note_end(ends: dict[str, datetime | None], event: str, published) -> None:
    """Keep an event's latest publication (None while none of its dates parses)."""
    when = parse_when(published)
    if when is not None and (ends.get(event) is None or when > ends[event]):
        ends[event] = when
    else:
        ends.setdefault(event, None)


def _choose_all(store: Store, newest: int, largest: int) -> _Choice:
    """`_choose` by one pass over every article's date and event."""
    conn = store._conn
    stored_events = {r[0] for r in conn.execute("SELECT id FROM events")}
    members: dict[str, list[str]] = {}
    end: dict[str, datetime | None] = {}
    for aid, published, event in conn.execute(
            "SELECT a.id, a.published, m.event FROM articles a LEFT JOIN event_members m ON m.article = a.id"):
        if event not in stored_events:       # not grouped: a one-article event, as ReportData does
            event = f"article-{aid}"
        members.setdefault(event, []).append(aid)
        _note_end(end, event, published)
    low = datetime.min.replace(tzinfo=timezone.utc)
    ids = sorted(members, key=lambda e: (end[e] or low, e), reverse=True)
    if len(ids) > newest + largest:
        keep = set(ids[:newest]) | set(sorted(ids, key=lambda e: (-len(members[e]), e))[:largest])
    else:
        keep = set(ids)
    return _Choice([e for e in ids if e in keep], {e: sorted(members[e]) for e in keep},
                   stored_events & keep, len(ids) - len(keep))


_MARGIN = timedelta(days=3)
_WALK = 500          # rows read between two checks of the walk's stopping rule


def _group_sizes(conn: sqlite3.Connection, largest: int) -> tuple[int, int, list[tuple[str, int]]]:
    """(articles in stored events, stored events with an article, the `largest` + 1 largest
    stored events with two articles or more as (id, size), largest first, then by id)."""
    rows = conn.execute(
        "WITH g AS MATERIALIZED (SELECT m.event AS event, COUNT(*) AS n FROM event_members m "
        "JOIN events e ON e.id = m.event JOIN articles a ON a.id = m.article GROUP BY m.event) "
        "SELECT NULL, (SELECT COALESCE(SUM(n), 0) FROM g), (SELECT COUNT(*) FROM g) "
        "UNION ALL SELECT * FROM (SELECT 1, event, n FROM g WHERE n >= 2 ORDER BY n DESC, event LIMIT ?)",
        (largest + 1,)).fetchall()
    return rows[0][1], rows[0][2], [(e, n) for _, e, n in rows[1:]]


def _choose_bounded(conn: sqlite3.Connection, newest: int, largest: int, total: int,
                    sizes: list[tuple[str, int]]) -> _Choice | None:
    """`_choose_all`'s choice without reading every article: the largest events from SQL
    (when at least `largest` events hold two articles or more, no one-article event can be
    among them), the newest by walking the articles newest first (`_DATED`) until `newest`
    events end after anything not yet read can (its day plus `_MARGIN`); then only the chosen
    events' members are read. None when it cannot decide (too few sizable or dated events)."""
    if len(sizes) < largest:
        return None
    biggest = [e for e, _ in sizes[:largest]]
    end: dict[str, datetime | None] = {}
    lone: dict[str, str] = {}                  # one-article event -> its article

    def seen(rows) -> None:
        for aid, published, event, stored in rows:
            ev = event if stored else f"article-{aid}"
            if not stored:
                lone[ev] = aid
            when = parse_when(published)
            if when is not None and (end.get(ev) is None or when > end[ev]):
                end[ev] = when
            else:
                end.setdefault(ev, None)

    select = ("SELECT a.id, a.published, m.event, e.id IS NOT NULL FROM articles a "
              "LEFT JOIN event_members m ON m.article = a.id LEFT JOIN events e ON e.id = m.event ")
    seen(conn.execute(select + "WHERE " + _ODD))
    cursor = conn.execute(select + "WHERE " + _DATED + " ORDER BY a.published DESC, a.id DESC")
    bound: datetime | None = None              # nothing not yet read ends after it
    final: list[str] = []
    while True:
        rows = cursor.fetchmany(_WALK)
        seen(rows)
        if not rows:
            bound = None
            final = [e for e, when in end.items() if when is not None]
            break
        try:
            day = datetime.fromisoformat(rows[-1][1][:10]).replace(tzinfo=timezone.utc)
            bound = day + _MARGIN
        except ValueError:                     # not a date: the last bound still holds
            pass
        if bound is not None:
            final = [e for e, when in end.items() if when is not None and when > bound]
            if len(final) >= newest:
                break
    cursor.close()
    if len(final) < newest:
        return None
    newest_ids = sorted(final, key=lambda e: (end[e], e), reverse=True)[:newest]
    keep = set(newest_ids) | set(biggest)
    stored = {e for e in keep if e not in lone}
    members: dict[str, list[str]] = {}
    ends: dict[str, datetime | None] = {}
    for aid, published, event in _rows_of(
            conn, "SELECT m.article, a.published, m.event FROM event_members m JOIN articles a ON a.id = m.article "
                  "WHERE m.event IN ({marks})", sorted(stored)):
        members.setdefault(event, []).append(aid)
        _note_end(ends, event, published)
    for e in keep - stored:                    # one-article events
        members[e] = [lone[e]]
        ends[e] = end.get(e)
    low = datetime.min.replace(tzinfo=timezone.utc)
    order = sorted(keep, key=lambda e: (ends[e] or low, e), reverse=True)
    return _Choice(order, {e: sorted(members[e]) for e in keep}, stored, total - len(keep))


def _rows_of(conn: sqlite3.Connection, sql: str, ids: list[str]) -> list[tuple]:
    out: list[tuple] = []
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        out += conn.execute(sql.format(marks=",".join("?" * len(chunk))), chunk).fetchall()
    return out


class _Raw:
    """The digests of the stored rows (JSON text) of the chosen events, their articles, the
    links touching those articles (and the articles at their other ends) and their families.
    Only digests are held (rows are hashed as read, as UTF-8 bytes); the few rows an event or
    pair drawn again needs are read again by id (`data`, `article`, `link`), inside the read
    snapshot the report is drawn in."""

    def __init__(self, store: Store, choice: _Choice):
        self.store = store
        self.choice = choice
        # the JSONL export's digests of the rows, when current: read instead of hashing rows
        self.lines = line_digests_current(store._conn)
        real = sorted(e for e in choice.order if e in choice.stored)
        self._digests: dict[str, dict] = {"Event": {}, "Article": {}, "ReuseLink": {}, "Family": {}}
        self._hash_rows("Event", "SELECT id, {data} FROM events WHERE id IN ({marks})", real)
        lone = [choice.members[e][0] for e in choice.order if e not in choice.stored]
        self.titles = dict(_rows(store, "SELECT id, title FROM articles WHERE id IN ({marks})", lone))
        shown = [a for e in choice.order for a in choice.members[e]]
        for end in ("a", "b"):
            self._hash_rows("ReuseLink", f"SELECT a, b, kind, {{data}} FROM reuse WHERE {end} IN ({{marks}})", shown)
        self.links_of: dict[str, list[tuple[str, str, str]]] = {}
        for key in sorted(self._digests["ReuseLink"]):
            self.links_of.setdefault(key[0], []).append(key)
            if key[1] != key[0]:
                self.links_of.setdefault(key[1], []).append(key)
        self.family_of: dict[str, list[str]] = {}
        for article, family in _rows(store, "SELECT article, family FROM family_members WHERE article IN ({marks})", shown):
            self.family_of.setdefault(article, []).append(family)
        self.families = dict(_rows(store, "SELECT id, data FROM families WHERE id IN ({marks})",
                                   sorted({f for fs in self.family_of.values() for f in fs})))
        for fid, d in self.families.items():
            self._digests["Family"][fid] = _digest("Family", d.encode("utf-8"))
        self.family_members = {fid: [m["id"] for m in json.loads(d).get("members", [])] for fid, d in self.families.items()}
        wanted = set(shown) | {x for k in self._digests["ReuseLink"] for x in k[:2]}
        wanted |= {m for ms in self.family_members.values() for m in ms}
        self._hash_rows("Article", "SELECT id, {data} FROM articles WHERE id IN ({marks})", sorted(wanted))
        conn = store._conn
        self.languages = sorted(r[0] for r in conn.execute("SELECT DISTINCT language FROM articles "
                                                           "WHERE language IS NOT NULL AND language != ''"))
        self.outlets = sorted(r[0] for r in conn.execute("SELECT DISTINCT COALESCE(NULLIF(outlet, ''), "
                                                         "'unknown outlet') FROM articles"))
        self.article_count = conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
        self.link_count = conn.execute("SELECT COUNT(*) FROM reuse").fetchone()[0]
        self.errors = store.errors()

    def _hash_rows(self, kind: str, sql: str, ids: list[str]) -> None:
        """Digest the rows `sql` reads (key columns, then the row's text), one batch at a time.
        When the JSONL export's row digests are current (`line_digests_current`) an article's,
        event's or link's digest is the export's (prefixed "x"): its row is not read at all, so
        an increment reads the rows of what changed only (it redraws what changed, as ever)."""
        into = self._digests[kind]
        table = _LINE_TABLES.get(kind) if self.lines else None
        if table is not None:
            if kind == "ReuseLink":
                # (a, b, kind) rows; a link between two shown articles, met from both ends, once
                keys = {_SEP.join(k): k for k in _rows(self.store, sql.replace(", {data}", ""), ids) if k not in into}
            else:
                keys = {i: i for i in ids}
            for key, digest in _rows(self.store, "SELECT key, digest FROM export_lines WHERE tbl='" + table
                                     + "' AND key IN ({marks})", sorted(keys)):
                into[keys.pop(key)] = "x" + digest
            if not keys:
                return
            # rows the export does not know (none while its digests are current): hashed
            if kind == "ReuseLink":
                sql = "SELECT a, b, kind, {data} FROM reuse WHERE a = ? AND b = ? AND kind = ?"
                for k in keys.values():
                    self._hash_query(kind, sql.replace("{data}", "CAST(data AS BLOB)" if _utf8(self.store) else "data"), k)
                return
            ids = sorted(keys)
        utf8 = _utf8(self.store)
        query = sql.replace("{data}", "CAST(data AS BLOB)" if utf8 else "data")
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            self._hash_query(kind, query.format(marks=",".join("?" * len(chunk))), chunk)

    def _hash_query(self, kind: str, query: str, params) -> None:
        utf8 = _utf8(self.store)
        into = self._digests[kind]
        for *key, data in self.store._conn.execute(query, params):
            into[key[0] if len(key) == 1 else tuple(key)] = _digest(kind, data if utf8 else data.encode("utf-8"))

    def digest(self, kind: str, key: Any) -> str | None:
        """Digest of a stored row's text (kind: Article, ReuseLink, Family, Event), None if absent."""
        return self._digests[kind].get(key)

    def has(self, kind: str, key: Any) -> bool:
        return key in self._digests[kind]

    def article(self, article_id: str) -> Article:
        """One stored article, read again."""
        return self.articles_by_id([article_id])[article_id]

    def articles_by_id(self, ids: list[str]) -> dict[str, Article]:
        return {aid: Article.from_dict(json.loads(d))
                for aid, d in _rows(self.store, "SELECT id, data FROM articles WHERE id IN ({marks})", sorted(ids))}

    def link(self, key: tuple[str, str, str]) -> ReuseLink:
        """One stored link, read again."""
        row = self.store._conn.execute("SELECT data FROM reuse WHERE a=? AND b=? AND kind=?", key).fetchone()
        return ReuseLink.from_dict(json.loads(row[0]))

    def event_inputs(self, e: str) -> list:
        """Everything an event's view is made from, as digests of stored rows."""
        members = sorted(self.choice.members[e])
        links = sorted({k for a in members for k in self.links_of.get(a, ())})
        families = sorted({f for a in members for f in self.family_of.get(a, ())})
        others = sorted({x for k in links for x in k[:2]} | {m for f in families for m in self.family_members.get(f, ())})
        head = (["E", self.digest("Event", e)] if e in self.choice.stored
                else ["P", members[0], self.titles.get(members[0])])
        return [head, [[a, self.digest("Article", a)] for a in members],
                [[list(k), self.digest("ReuseLink", k)] for k in links],
                [[f, self.digest("Family", f)] for f in families],
                [[a, self.digest("Article", a)] for a in others]]

    def event_key(self, e: str, mode: str) -> str:
        """The cache key of an event's row, sort keys and pairs: a digest of `event_inputs(e)`
        (and of the code), written flat (ids and hex digests; the one title as JSON)."""
        # the same text as written from `event_inputs(e)` (tests/present/test_report_cap.py
        # compares them), built without its intermediate lists: this runs once per shown event
        members = sorted(self.choice.members[e])
        links_of, family_of, family_members = self.links_of, self.family_of, self.family_members
        link_set: set[tuple[str, str, str]] = set()
        family_set: set[str] = set()
        for a in members:
            link_set.update(links_of.get(a, ()))
            family_set.update(family_of.get(a, ()))
        links, families = sorted(link_set), sorted(family_set)
        others: set[str] = set()
        for x, y, _ in links:
            others.add(x)
            others.add(y)
        for f in families:
            others.update(family_members.get(f, ()))
        art, lnk, fam = self._digests["Article"], self._digests["ReuseLink"], self._digests["Family"]
        head = (["E", self._digests["Event"].get(e)] if e in self.choice.stored
                else ["P", members[0], self.titles.get(members[0])])
        parts = [code_version(), "meta", mode, json.dumps(head, ensure_ascii=False)]
        parts += [f"{a}={art.get(a)}" for a in members] + ["|"]
        parts += [f"{x}\x1f{y}\x1f{k}={lnk.get((x, y, k))}" for x, y, k in links] + ["|"]
        parts += [f"{f}={fam.get(f)}" for f in families] + ["|"]
        parts += [f"{a}={art.get(a)}" for a in sorted(others)]
        return hashlib.blake2b("\x1e".join(parts).encode("utf-8"), digest_size=20).hexdigest()

    def data(self, event_ids: list[str]) -> ReportData:
        """Views of these events, parsed from the rows (every record they show or compare with)."""
        digests: dict[int, str] = {}

        def note(kind: str, key, record):
            digests[id(record)] = self.digest(kind, key)
            return record

        chosen = set(event_ids)
        real = sorted(e for e in chosen & self.choice.stored if self.has("Event", e))
        events = [Event.from_dict(json.loads(d)) for _, d in sorted(
            _rows(self.store, "SELECT id, data FROM events WHERE id IN ({marks})", real))]
        events += [Event(e, self.titles[self.choice.members[e][0]], self.choice.members[e])
                   for e in self.choice.order if e in chosen and e not in self.choice.stored]
        shown = {a for e in chosen for a in self.choice.members[e]}
        link_keys = sorted({k for a in shown for k in self.links_of.get(a, ())})
        wanted_links = set(link_keys)
        link_rows: dict[tuple[str, str, str], str] = {}
        for end in ("a", "b"):
            for a, b, kind, d in _rows(self.store, f"SELECT a, b, kind, data FROM reuse WHERE {end} IN ({{marks}})",
                                       sorted(shown)):
                if (a, b, kind) in wanted_links:
                    link_rows[(a, b, kind)] = d
        links = [note("ReuseLink", k, ReuseLink.from_dict(json.loads(link_rows[k]))) for k in link_keys]
        fam_ids = sorted({f for a in shown for f in self.family_of.get(a, ())})
        families = [note("Family", f, Family.from_dict(json.loads(self.families[f]))) for f in fam_ids]
        wanted = shown | {x for k in link_keys for x in k[:2]} | {m for f in fam_ids for m in self.family_members[f]}
        read = self.articles_by_id([a for a in wanted if self.has("Article", a)])
        articles = {a: note("Article", a, read[a]) for a in sorted(read)}
        data = ReportData.from_records(articles, links, families, self.errors, events,
                                       article_count=self.article_count, link_count=self.link_count,
                                       languages=self.languages, outlets=self.outlets)
        data.record_digests = digests
        return data


def report_data(store: Store, newest: int | None = None, largest: int | None = None) -> tuple[ReportData, int]:
    """The report's events only, read by id: (their views, how many events were left out).

    The same events, in the same order, as `cap_events(ReportData(store))`, but the store is
    not read whole: one light pass over (article, publication time, event) finds each event's
    size and newest member, the `newest` newest and `largest` largest events are chosen, and
    then only their events, their articles, the links touching those articles (with the
    articles at their other ends) and their families are read. Counts, languages and outlets
    in the header come from SQL aggregates."""
    choice = _choose(store, newest, largest)
    return _Raw(store, choice).data(choice.order), choice.omitted


def render_report(store: Store) -> str:
    return render_data(*report_data(store))


def render_data(data: ReportData, omitted: int = 0, cache: "FragmentCache | None" = None) -> str:
    """The report's HTML for these views (`omitted`: events left out, said in the header).

    With a `cache`, each event page, pair page and pair payload whose inputs are unchanged
    since the last report is taken from it instead of being built and rendered again."""
    cache = cache if cache is not None else FragmentCache(None)
    env = _report_environment()
    nonce = secrets.token_urlsafe(18)
    triples = related_links(data)
    prerendered_ids = _prerender_ids([(a, b) for a, b, _ in triples])
    urls = StaticUrls(data, prerendered_ids)
    mode = "static"
    canon = _Canon(getattr(data, "record_digests", None))

    def event_key(ev) -> str:
        flags = [urls.needs_js(l.a, l.b) for l in ev.links]
        flags += [urls.needs_js(m.source.other.id, m.article.id) for m in ev.members if m.source]
        return fragment_key("event", mode, canon(ev), flags)

    section = env.get_template("report_event.html")
    keys = [event_key(ev) for ev in data.events]
    found = cache.get_many(keys)
    event_sections = []
    for ev, key in zip(data.events, keys):
        html = found.get(key)
        if html is None:
            html = section.render(ev=ev, urls=urls, mode=mode)
        cache.keep(key, html)
        event_sections.append(Markup(html))

    pair_template = env.get_template("report_pair.html")
    pair_keys = []
    for a, b, link in triples:
        pid = StaticUrls.pair_id(a.id, b.id)
        pair_keys.append(fragment_key("pair", mode, canon((a, b, link)), data.event_of.get(a.id),
                                      pid in prerendered_ids))
    found = cache.get_many(pair_keys)
    pieces, pair_sections = [], []
    for (a, b, link), key in zip(triples, pair_keys):
        pid = StaticUrls.pair_id(a.id, b.id)
        value = found.get(key)
        if value is None:
            value = _pair_value(pair_template, build_pair(a, b, link), urls, pid, data.event_of.get(a.id),
                                pid in prerendered_ids)
        cache.keep(key, value)
        pieces.append((pid, value))
        html = _piece_html(value)
        if html is not None:
            pair_sections.append(Markup(html))
    template = env.get_template("report.html")
    return template.render(
        data=data, events=sort_events(data.events), urls=urls, rows=None, event_sections=event_sections,
        pair_sections=pair_sections, nonce=nonce, mode=mode,
        css=Markup(static_asset("report.css")), js=Markup(static_asset("report.js")),
        fold_json=script_json(fold_table()), pairs_json=_pairs_json(pieces), filters={}, omitted=omitted,
        generated=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"))


class _ArticlePlaces:
    """The place names found in each article's title and lead (`search.text_places`, what an
    event's search names are made of), kept in the cache by the article's row digest: an event
    drawn again scans only its new members. Every shown article's entry stays in the cache."""

    def __init__(self, cache: "FragmentCache", raw: "_Raw", shown: list[str]):
        import babel

        self.cache = cache
        self._prefix = fragment_key("places", babel.__version__, LEAD_CHARS)
        self.keys = {a: self._key(d) for a in shown if (d := raw.digest("Article", a)) is not None}
        cache.keep_present(self.keys.values())
        self._found: set[str] = set()

    def _key(self, digest: str) -> str:
        return hashlib.blake2b((self._prefix + digest).encode(), digest_size=20).hexdigest()

    def seed(self, articles: list[Article]) -> None:
        """Before these articles' events are drawn: their places, when the cache has them."""
        from . import search

        keys = {a.id: self.keys[a.id] for a in articles if a.id in self.keys}
        found = self.cache.get_many(list(keys.values()), count=False)
        memo = search.places_memo
        for a in articles:
            value = found.get(keys.get(a.id, ""))
            if value is not None and memo is not None:
                self._found.add(a.id)
                title, lead = json.loads(value)
                memo.setdefault(a.title, title)
                memo.setdefault(a.text[:LEAD_CHARS], lead)

    def keep(self, articles: list[Article]) -> None:
        """After their event was drawn: the places of these articles, for the next report."""
        from . import search

        memo = search.places_memo or {}
        for a in articles:
            key = self.keys.get(a.id)
            if key is None or a.id in self._found:
                continue
            title, lead = memo.get(a.title), memo.get(a.text[:LEAD_CHARS])
            if title is not None and lead is not None:
                self._found.add(a.id)
                self.cache.keep(key, json.dumps([title, lead], ensure_ascii=False, separators=(",", ":")))


class _Header:
    """What the page's header and front page read besides the event rows."""

    def __init__(self, raw: "_Raw", event_of: dict[str, str]):
        self.article_count, self.link_count = raw.article_count, raw.link_count
        self.languages, self.outlets, self.errors = raw.languages, raw.outlets, raw.errors
        self.events = raw.choice.order
        self.event_of = event_of


def render_cached(store: Store, cache: "FragmentCache", newest: int | None = None,
                  largest: int | None = None) -> str:
    """`render_report`, byte for byte, drawing only what changed since the report kept in
    `cache` (see `render_pieces`)."""
    with _read_snapshot(store):
        return "".join(render_pieces(store, cache, newest, largest))


# Pieces taken from the cache this many at a time while the page is written.
_BATCH = 200


def render_pieces(store: Store, cache: "FragmentCache", newest: int | None = None,
                  largest: int | None = None) -> Iterator[str]:
    """The report's HTML in pieces, in order (`_render_pieces`); the pieces found in the last
    report's file (`FragmentCache.last_report`) are read from it."""
    report = cache.last_report()
    splice = _Splice(report)
    try:
        yield from splice.text(_spliced_pieces(store, cache, splice, newest, largest))
    finally:
        splice.close()


def _spliced_pieces(store: Store, cache: "FragmentCache", splice: "_Splice", newest: int | None = None,
                    largest: int | None = None) -> Iterator[str]:
    """`_render_pieces`, with the place names of the search index kept in `cache` too."""
    from . import search

    search.place_source = _place_source(cache)
    search.places_memo = {}
    try:
        yield from _render_pieces(store, cache, splice, newest, largest)
    finally:
        search.place_source = search.places_memo = None


class _Splice:
    """The report's pieces (event pages, pair pages, pair payloads) named in the stream of its
    text by tokens, so that the writer knows where each lands in the new file, and a piece the
    last report's file holds (`spans`: name -> (offset, length)) is copied from that file, byte
    for byte, instead of being read from the cache and written again. A token is a chunk of its
    own (the templates yield each section alone), made with a random mark no text can hold."""

    def __init__(self, report: tuple[int, dict[str, tuple[int, int]]] | None):
        self.fd, self.spans = report if report is not None else (None, {})
        self._mark = "\x00" + secrets.token_hex(8) + ":"
        self._table: dict[str, tuple[str, str | None]] = {}
        self._n = 0

    def piece(self, name: str, text: str | None = None, before: str = "") -> Markup:
        """A token for the piece `name`: `text`, or (None) its span in the last report;
        `before`: a short text written just before it (not part of the piece)."""
        token = f"{self._mark}{self._n}"
        self._n += 1
        self._table[token] = (name, text, before)
        return Markup(token)

    def take(self, chunk: str) -> tuple[str, str | None, str] | None:
        """(name, text, before) when `chunk` is a token, else None."""
        return self._table.pop(chunk, None) if chunk[:1] == "\x00" else None

    def text(self, chunks: Iterator[str]) -> Iterator[str]:
        """The chunks with every token replaced by its text."""
        for chunk in chunks:
            entry = self.take(chunk)
            if entry is None:
                yield chunk
                continue
            name, text, before = entry
            if text is None:
                off, size = self.spans[name]
                text = os.pread(self.fd, size, off).decode("utf-8")
            yield "".join((before, text))       # plain text (a Markup `+` would escape `before`)

    def write(self, chunks: Iterator[str], fd: int) -> dict[str, tuple[int, int]]:
        """Write the chunks into `fd` as UTF-8; runs of pieces (and the short texts between
        them) that lie in the same order in the last report are copied from it in one go.
        Returns where each piece now lies."""
        spans: dict[str, tuple[int, int]] = {}
        pos = 0
        buf = bytearray()
        run_off = run_len = 0                  # a run of the last report still to copy (after buf)

        def flush() -> None:
            nonlocal run_len
            _write_all(fd, buf)
            buf.clear()
            if run_len:
                _copy_range(self.fd, fd, run_off, run_len)
                run_len = 0

        def literal(data: bytes) -> None:
            nonlocal run_len, pos
            if run_len and len(data) <= 256 and os.pread(self.fd, len(data), run_off + run_len) == data:
                run_len += len(data)           # the same text follows the run in the last report
            else:
                if run_len:
                    flush()
                buf.extend(data)
                if len(buf) >= 1 << 20:
                    flush()
            pos += len(data)

        for chunk in chunks:
            entry = self.take(chunk)
            if entry is None:
                literal(chunk.encode("utf-8"))
                continue
            name, text, before = entry
            if before:
                literal(before.encode("utf-8"))
            if text is None:
                off, size = self.spans[name]
                if run_len and off == run_off + run_len:
                    run_len += size
                else:
                    if run_len:
                        flush()
                    run_off, run_len = off, size
            else:
                data = text.encode("utf-8")
                size = len(data)
                if run_len:
                    flush()
                buf.extend(data)
            spans[name] = (pos, size)
            pos += size
        flush()
        return spans

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


def _write_all(fd: int, data) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _copy_range(src: int, dst: int, off: int, size: int) -> None:
    """Copy `size` bytes at `off` in `src` to `dst`'s position (in the kernel where it can)."""
    while size > 0:
        try:
            done = os.copy_file_range(src, dst, size, off)
        except (AttributeError, OSError):      # not Linux, or not between these files
            done = 0
        if done <= 0:
            data = os.pread(src, min(size, 1 << 20), off)
            if not data:
                raise OSError(f"the last report ended before byte {off + size}")
            _write_all(dst, data)
            done = len(data)
        off += done
        size -= done


def _render_pieces(store: Store, cache: "FragmentCache", splice: "_Splice", newest: int | None = None,
                   largest: int | None = None) -> Iterator[str]:
    """The report's HTML in pieces, in order, as `write_report` writes it: the chosen events'
    rows are read and digested (nothing parsed); an event whose inputs all digest as last
    time brings its front-page row, its sort keys and its related pairs from `cache`, and its
    page too unless the pairs drawn by script changed; only the other events are parsed into
    views and drawn, and only changed pairs built. Event pages, pair pages and pair payloads
    are taken from the cache a batch at a time as the page is written, so the page is never
    held whole (memory follows the events that changed, not the report's size). Call it
    inside one read snapshot of the store (`render_cached`, `write_report`)."""
    choice = _choose(store, newest, largest)
    raw = _Raw(store, choice)
    env = _report_environment()
    env.bytecode_cache = _PieceBytecode(cache)      # used when this process first loads a template
    mode = "static"
    event_of = {a: e for e in choice.order for a in choice.members[e]}
    header = _Header(raw, event_of)
    meta_keys = {e: raw.event_key(e, mode) for e in choice.order}
    found = {k: json.loads(v) for k, v in cache.get_many(list(meta_keys.values())).items()}
    built: dict[str, Any] = {}                     # event id -> its view, for the events drawn
    places = _ArticlePlaces(cache, raw, [a for e in choice.order for a in choice.members[e]])

    def build(event_ids: list[str]) -> None:
        todo = [e for e in event_ids if e not in built]
        if todo:
            data = raw.data(todo)
            built.update((ev.id, (ev, data)) for ev in data.events)
            places.seed([m.article for ev in data.events for m in ev.members])

    missing = [e for e in choice.order if meta_keys[e] not in found]
    build(missing)
    row_template = env.get_template("report_row.html")
    plain_urls = StaticUrls(header, None)
    metas: dict[str, dict] = {}
    for e in choice.order:
        meta = found.get(meta_keys[e])
        if meta is None and e in built:
            ev, data = built[e]
            pairs = []
            for link in ev.links + [m.source.link for m in ev.members if m.source]:
                best = data.link_between(link.a, link.b) if link.a != link.b else link
                left, right = (best.b, best.a) if best.direction == "b->a" else (best.a, best.b)
                pairs.append([link.a, link.b, left, right, [best.a, best.b, best.kind],
                              len(data.articles[left].text) + len(data.articles[right].text)])
            js = [[l.a, l.b] for l in ev.links] + [[m.source.other.id, m.article.id] for m in ev.members if m.source]
            end = ev.end.timestamp() if ev.end else None
            meta = {"row": row_template.render(ev=ev, urls=plain_urls),
                    "sort": [ev.end.strftime("%Y-%m-%d") if ev.end else "", ev.size, len(ev.outlets), end],
                    "pairs": pairs, "js": js}
            cache.keep(meta_keys[e], json.dumps(meta, ensure_ascii=False))
        elif meta is not None:
            cache.keep(meta_keys[e], None)
        if meta is None:            # an event whose records are not all stored: drawn as ReportData would
            continue
        metas[e] = meta
    del found
    order = [e for e in choice.order if e in metas]

    # the related pairs, newest events first, each pair once; the first PRERENDER_CHARS drawn as HTML
    seen: set[frozenset[str]] = set()
    triples, budget, prerendered = [], PRERENDER_CHARS, set()
    for e in order:
        for a, b, left, right, link, cost in metas[e]["pairs"]:
            key = frozenset((a, b))
            if key in seen or a == b:
                continue
            seen.add(key)
            triples.append((left, right, tuple(link)))
            if cost <= budget:
                budget -= cost
                prerendered.add(StaticUrls.pair_id(left, right))
    del seen
    urls = StaticUrls(header, prerendered)
    section_keys = {e: fragment_key("event", mode, meta_keys[e], [urls.needs_js(x, y) for x, y in metas[e]["js"]])
                    for e in order}
    for meta in metas.values():                    # what is left of them: the row and the sort keys
        meta.pop("pairs", None)
        meta.pop("js", None)
    section = env.get_template("report_event.html")

    def event_sections() -> Iterator[Markup]:
        for i in range(0, len(order), _BATCH):
            batch = order[i:i + _BATCH]
            keys = [section_keys[e] for e in batch]
            sections = cache.get_many([k for k in keys if k not in splice.spans])
            cache.found_in_report([k for k in keys if k in splice.spans])
            build([e for e in batch if section_keys[e] not in sections and section_keys[e] not in splice.spans])
            for e in batch:
                key = section_keys[e]
                if key in splice.spans:
                    yield splice.piece(key)
                    continue
                html = sections.pop(key, None)
                if html is None:
                    html = section.render(ev=built[e][0], urls=urls, mode=mode)
                    cache.keep(key, html)
                    places.keep([m.article for m in built[e][0].members])
                else:
                    cache.keep(key, None)
                yield splice.piece(key, html)

    # a pair's inputs written flat (digests are hex, the event id as JSON), hashed after the code's key
    pair_prefix = fragment_key("pair", mode)
    event_json = {e: json.dumps(e) for e in order}
    pair_keys = [hashlib.blake2b("\x1e".join((pair_prefix, str(raw.digest("Article", l)), str(raw.digest("Article", r)),
                                               str(raw.digest("ReuseLink", k)),
                                               event_json.get(event_of.get(l)) or json.dumps(event_of.get(l)),
                                               "H" if StaticUrls.pair_id(l, r) in prerendered else "N")).encode(),
                                 digest_size=20).hexdigest() for l, r, k in triples]
    pair_template = env.get_template("report_pair.html")

    def draw_pair(left: str, right: str, link: tuple[str, str, str]) -> str:
        pid = StaticUrls.pair_id(left, right)
        view = build_pair(raw.article(left), raw.article(right), raw.link(link))
        return _pair_value(pair_template, view, urls, pid, event_of.get(left), pid in prerendered)

    # a pair is in the last report's file when its payload is ("j" + key; its page: "h" + key)
    located = {key for key in pair_keys if "j" + key in splice.spans}
    cache.found_in_report(located)

    def pair_pieces(count: bool = True) -> Iterator[tuple[str, str | None]]:
        """(key, piece) per related pair, from the cache or drawn (None: in the last report's
        file); the first pass (`count`) keeps the pieces, a second one finds them kept."""
        for i in range(0, len(triples), _BATCH):
            keys = pair_keys[i:i + _BATCH]
            pieces = cache.get_many([k for k in keys if k not in located], count=count)
            for (left, right, link), key in zip(triples[i:i + _BATCH], keys):
                if key in located:
                    yield key, None
                    continue
                value = pieces.get(key) or (None if count else cache.kept(key))
                if value is None:
                    value = draw_pair(left, right, link)
                    cache.keep(key, value)
                elif count:
                    cache.keep(key, None)
                yield key, value

    def pair_sections() -> Iterator[Markup]:
        for key, value in pair_pieces():
            if value is None:
                if "h" + key in splice.spans:
                    yield splice.piece("h" + key)
            else:
                html = _piece_html(value)
                if html is not None:
                    yield splice.piece("h" + key, html)

    def pairs_json() -> Iterator[Markup]:
        """The pairs' payloads as one JSON object (`script_json` of {pair id: payload}),
        written piece by piece (a second pass over the cache, nothing drawn again)."""
        first = True
        for (left, right, _), (key, value) in zip(triples, pair_pieces(count=False)):
            # a pair id is made of [A-Za-z0-9_-] only: the script's escapes leave it as it is
            yield splice.piece("j" + key, None if value is None else _script_safe(_piece_payload(value)),
                               before=("{" if first else ",") + json.dumps(StaticUrls.pair_id(left, right)) + ":")
            first = False
        yield Markup("{}" if first else "}")

    low = float("-inf")
    ranked = sorted(order, key=lambda e: (metas[e]["sort"][0], metas[e]["sort"][1], metas[e]["sort"][2],
                                          low if metas[e]["sort"][3] is None else metas[e]["sort"][3], e),
                    reverse=True)
    header.events = order
    rows = (Markup(metas[e]["row"]) for e in ranked)
    yield from env.get_template("report.html").generate(
        data=header, events=ranked, urls=urls, rows=rows,
        event_sections=event_sections(), pair_sections=pair_sections(), nonce=secrets.token_urlsafe(18), mode=mode,
        css=Markup(static_asset("report.css")), js=Markup(static_asset("report.js")),
        fold_json=_fold_json(cache), pairs_json=pairs_json(), filters={}, omitted=choice.omitted,
        generated=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"))


# -- pieces of the last report, kept beside it ---------------------------------------------
@lru_cache(maxsize=1)
def code_version() -> str:
    """Digest of the code and templates that draw the report: a change to them makes every
    cached piece stale."""
    h = hashlib.blake2b(digest_size=16)
    files = sorted(p for p in HERE.rglob("*") if p.suffix in (".py", ".html", ".css", ".js")
                   and p.name != "exports.py")
    files += sorted((HERE.parent / "web" / "templates").glob("*.html")) + [HERE.parent / "textfold.py",
                                                                          HERE.parent / "model.py"]
    for path in files:
        h.update(str(path.relative_to(HERE.parent)).encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


_FIELDS: dict[type, tuple[str, ...] | None] = {}
_RECORDS = (Article, ReuseLink, Family)      # shared by many views: digested once per render


class _Canon:
    """Everything a view holds, as JSON-able data (dataclasses field by field, in order);
    a record (article, link, family) stands as the digest of its fields, computed once."""

    def __init__(self, digests: dict[int, str] | None = None) -> None:
        self._memo: dict[int, tuple[Any, str]] = {}
        self._digests = digests or {}        # id(record) -> digest of the stored JSON it came from

    def __call__(self, value: Any) -> Any:
        kind = type(value)
        if value is None or kind in (str, int, float, bool):
            return value
        if kind in (list, tuple):
            return [self(v) for v in value]
        if kind is dict:
            return [[str(k), self(v)] for k, v in value.items()]
        if kind is datetime:
            return value.isoformat()
        names = _FIELDS.get(kind, ())
        if names == ():
            names = _FIELDS[kind] = (tuple(f.name for f in dataclasses.fields(kind))
                                     if dataclasses.is_dataclass(kind) else None)
        if names is None:
            return str(value) if isinstance(value, (str, int, float)) else repr(value)
        if kind in _RECORDS:
            stored = self._digests.get(id(value))
            if stored is not None:
                return stored
            hit = self._memo.get(id(value))
            if hit is None:
                text = json.dumps([kind.__name__] + [self(getattr(value, n)) for n in names],
                                  ensure_ascii=False, separators=(",", ":"))
                hit = self._memo[id(value)] = (value, hashlib.blake2b(text.encode("utf-8"),
                                                                      digest_size=16).hexdigest())
            return hit[1]
        return [kind.__name__] + [self(getattr(value, n)) for n in names]


def fragment_key(*parts: Any) -> str:
    """Digest of one piece's inputs (and of the code that draws it)."""
    text = json.dumps([code_version(), *parts], ensure_ascii=False, separators=(",", ":"))
    return hashlib.blake2b(text.encode("utf-8"), digest_size=20).hexdigest()


class FragmentCache:
    """Rendered pieces of the last report (event pages, pair pages and payloads) by
    `fragment_key`, in a SQLite file beside it. Only the pieces the last report used are
    kept; a missing, unreadable or foreign file just means everything is drawn again.
    `hits` / `misses` count look-ups."""

    def __init__(self, path: str | Path | None):
        self.path = Path(path) if path is not None else None
        self.hits = self.misses = 0
        self._kept: dict[str, str | None] = {}      # None: a piece the file already holds
        self._had: set[str] = set()
        self._present: set[str] = set()
        self._conn: sqlite3.Connection | None = None
        if self.path is None:
            return
        try:
            self._conn = self._open()
        except sqlite3.DatabaseError:
            try:                                  # not a cache we can read: start a new one
                self.path.unlink(missing_ok=True)
                self._conn = self._open()
            except (OSError, sqlite3.Error):      # cannot keep one here: draw everything
                self._conn = None

    def _open(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, isolation_level=None)
        conn.execute("CREATE TABLE IF NOT EXISTS piece (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        # where each piece lies in the report file last written beside this cache (`last_report`)
        conn.execute("CREATE TABLE IF NOT EXISTS report (id INTEGER PRIMARY KEY CHECK (id = 1), "
                     "stamp TEXT NOT NULL, spans TEXT NOT NULL)")
        return conn

    def last_report(self) -> tuple[int, dict[str, tuple[int, int]]] | None:
        """(an open descriptor of the report this cache was saved with, where each of its
        pieces lies in it) when that file is still the one written (same size, time and
        first bytes, which hold the page's random nonce); None otherwise."""
        if (self._conn is None or not hasattr(os, "pread") or not self.path.name.endswith(".cache")
                or not self.path.name.startswith(".")):
            return None
        row = self._conn.execute("SELECT stamp, spans FROM report WHERE id = 1").fetchone()
        if row is None:
            return None
        try:
            fd = os.open(self.path.with_name(self.path.name[1:-len(".cache")]), os.O_RDONLY)
        except OSError:
            return None
        try:
            if _stamp_fd(fd) == row[0]:
                return fd, json.loads(row[1])
        except (OSError, ValueError):
            pass
        os.close(fd)
        return None

    def found_in_report(self, keys) -> None:
        """These pieces are taken from the last report's file: hits, kept if the cache holds them."""
        keys = list(keys)
        self.hits += len(keys)
        self.keep_present(keys)

    def get_many(self, keys: list[str], *, count: bool = True) -> dict[str, str]:
        """The pieces found under `keys` (`count`: add the look-ups to hits / misses)."""
        found: dict[str, str] = {}
        if self._conn is not None:
            unique = list(dict.fromkeys(keys))
            for i in range(0, len(unique), 500):
                chunk = unique[i:i + 500]
                found.update(self._conn.execute(
                    f"SELECT key, value FROM piece WHERE key IN ({','.join('?' * len(chunk))})", chunk))
        self._had |= found.keys()
        if count:
            self.hits += sum(1 for k in keys if k in found)
            self.misses += sum(1 for k in keys if k not in found)
        return found

    def keep(self, key: str, value: str | None) -> None:
        """Keep this piece for the next report; a piece the file already holds (found by
        `get_many` or `lookup`) is kept by its key alone (`value` may then be None), so the
        pieces of a large report are not all held in memory."""
        if key in self._had:
            self._kept[key] = None
        elif value is not None:
            self._kept[key] = value

    def keep_present(self, keys) -> None:
        """Keep these pieces for the next report if the file holds them (not read now)."""
        self._present.update(keys)

    def kept(self, key: str) -> str | None:
        """A piece kept by this report and not yet saved."""
        return self._kept.get(key)

    def lookup(self, key: str) -> str | None:
        """One piece that is not a page (compiled templates, the fold table), kept when found;
        not counted in hits / misses."""
        if self._conn is None:
            return None
        row = self._conn.execute("SELECT value FROM piece WHERE key=?", (key,)).fetchone()
        if row is not None:
            self._had.add(key)
            self._kept[key] = None
        return row[0] if row else None


    def save(self, report: tuple[str, dict[str, tuple[int, int]]] | None = None) -> None:
        """Keep exactly the pieces of the report just drawn (and, `report`: the written file's
        stamp and where each piece lies in it)."""
        if self._conn is None:
            return
        conn = self._conn
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error:                      # another report is saving its pieces: keep theirs
            return
        try:
            # the keys held (read from the key index, not the table's rows), less those kept
            kept, present = self._kept, self._present
            stale = [(k,) for (k,) in conn.execute("SELECT key FROM piece")
                     if k not in kept and k not in present]
            conn.executemany("DELETE FROM piece WHERE key = ?", stale)
            conn.executemany("INSERT OR REPLACE INTO piece VALUES (?,?)",
                             ((k, v) for k, v in self._kept.items() if k not in self._had))
            if report is not None:
                conn.execute("INSERT OR REPLACE INTO report VALUES (1, ?, ?)",
                             (report[0], json.dumps(report[1], separators=(",", ":"))))
            conn.execute("COMMIT")
        except sqlite3.Error:                      # a full disk, say: the report itself is written
            conn.execute("ROLLBACK")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None



class _PieceBytecode(BytecodeCache):
    """Jinja's compiled templates kept with the report's pieces, so a new process does not
    compile the templates again (a third of a second here)."""

    def __init__(self, cache: "FragmentCache"):
        self.cache = cache

    def _key(self, bucket) -> str:
        return f"jinja:{bucket.key}:{bucket.checksum}"

    def load_bytecode(self, bucket) -> None:
        text = self.cache.lookup(self._key(bucket))
        if text is not None:
            bucket.bytecode_from_string(base64.b64decode(text))

    def dump_bytecode(self, bucket) -> None:
        self.cache.keep(self._key(bucket), base64.b64encode(bucket.bytecode_to_string()).decode("ascii"))


def _fold_json(cache: "FragmentCache") -> Markup:
    """The fold table's JSON, from the cache when this code and OpenCC made it before."""
    import opencc

    key = fragment_key("fold-table", getattr(opencc, "__version__", ""))
    text = cache.lookup(key)
    if text is None:
        text = str(script_json(fold_table()))
        cache.keep(key, text)
    return Markup(text)


def _place_source(cache: "FragmentCache"):
    """`search.place_names`' table from the cache when this code and Babel made it before
    (read only if an event is drawn; built from Babel and kept otherwise)."""
    import babel

    from . import search

    key = fragment_key("place-names", babel.__version__)
    text = cache.lookup(key)

    def load() -> dict[str, tuple[str, ...]]:
        if text is not None:
            return {k: tuple(v) for k, v in json.loads(text).items()}
        table = search.babel_place_names()
        cache.keep(key, json.dumps(table, ensure_ascii=False, separators=(",", ":")))
        return table
    return load


def _stamp_fd(fd: int) -> str:
    """A report file's size, modification time and a digest of its head (which holds the
    page's random nonce, so two reports differ there)."""
    st = os.fstat(fd)
    head = hashlib.blake2b(os.pread(fd, 4096, 0), digest_size=16).hexdigest()
    return f"{st.st_size}:{st.st_mtime_ns}:{head}"


def _stamp(path: Path) -> str:
    fd = os.open(path, os.O_RDONLY)
    try:
        return _stamp_fd(fd)
    finally:
        os.close(fd)


def cache_path(report: Path) -> Path:
    """Where the pieces of `report` are kept: a hidden file beside it."""
    return report.with_name(f".{report.name}.cache")


def write_report(store: Store, path: str | Path) -> Path:
    """Render the whole store into one offline HTML file at `path` (written atomically)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    cache = FragmentCache(cache_path(path))
    _ensure_indexes(store)
    try:
        # written as drawn: the page is never held whole; what the last report holds is copied
        splice = _Splice(cache.last_report())
        try:
            with _read_snapshot(store), open(tmp, "wb", buffering=0) as fh:
                spans = splice.write(_spliced_pieces(store, cache, splice), fh.fileno())
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        finally:
            splice.close()
        stamp = _stamp(tmp)
        os.replace(tmp, path)
        cache.save(report=(stamp, spans))
    finally:
        cache.close()
    return path


def _pair_value(template, view, urls, pid: str, event_id, prerender: bool) -> str:
    """A reuse pair's cached piece: its JSON payload (compact, as `script_json` writes it, not
    yet made safe for the script element) and, when the page draws it, its HTML, as
    "H<payload>\0<html>" or "N<payload>" (JSON text never holds a raw NUL)."""
    payload = json.dumps(pair_payload(view, event_id), ensure_ascii=False, separators=(",", ":"))
    if not prerender:
        return "N" + payload
    return "H" + payload + "\0" + template.render(pv=view, urls=urls, pid=pid, event_id=event_id)


def _piece_payload(value: str) -> str:
    return value[1:value.index("\0")] if value[0] == "H" else value[1:]


def _piece_html(value: str) -> str | None:
    return value[value.index("\0") + 1:] if value[0] == "H" else None


_SCRIPT_ESCAPES = (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"),
                   ("\u2029", "\\u2029"))


def _script_safe(text: str) -> Markup:
    """JSON text made safe inside <script type="application/json"> (see `script_json`)."""
    for raw, escaped in _SCRIPT_ESCAPES:
        text = text.replace(raw, escaped)
    return Markup(text)


def _pairs_json(pieces: list[tuple[str, str]]) -> list[Markup]:
    """`script_json({pair id: payload})` of these (pair id, piece) pairs, as a list of parts
    (the report's template writes its pairs' JSON part by part)."""
    body = ",".join(json.dumps(pid) + ":" + _piece_payload(value) for pid, value in pieces)
    return [_script_safe("{" + body + "}")]
