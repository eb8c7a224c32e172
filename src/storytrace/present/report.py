"""The static report: one self-contained HTML file that opens offline.

Every page (front, one per event, one per related pair) is pre-rendered, and CSS `:target`
shows one at a time, so the report reads with JavaScript off. The inline script (allowed by
a per-file CSP nonce, so nothing else can run) adds live filters, script-insensitive search,
comparing any two members, and level scrolling in side-by-side views. Article text is plain
text rendered through Jinja2 autoescape; article HTML is never rendered.
"""
from __future__ import annotations

import json
import os
import re
import secrets
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from ..model import Event, Family, ReuseLink
from ..store import Store
from .compare import PASSAGE_CLASSES, PairView, build_pair, pair_payload
from .svg import KIND_COLOURS, KIND_LABELS, LANGUAGE_COLOURS, OTHER_COLOUR, SEGMENT_COLOURS
from .views import SORTS, ReportData, lang_tag, parse_when, sort_events

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
_SAFE_SCHEMES = ("http://", "https://")


def anchor(kind: str, key: str) -> str:
    """An HTML id from any string (ids come from data, so keep only safe characters)."""
    return f"{kind}-" + re.sub(r"[^A-Za-z0-9_-]", "_", key)


def safe_url(url: str | None) -> str | None:
    """Only http(s) addresses become links; `javascript:` and friends stay plain text."""
    if url and url.strip().lower().startswith(_SAFE_SCHEMES):
        return url.strip()
    return None


def script_json(data: Any) -> Markup:
    """JSON that is safe inside <script type="application/json"> (no `</script>`, no U+2028)."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for raw, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                         ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(raw, escaped)
    return Markup(text)


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


# Side-by-side views pre-rendered as HTML (readable without JavaScript) up to this many
# characters of article text; beyond it the script renders them from compact segments, which
# keeps a week of news under the 25 MB target.
PRERENDER_CHARS = 600_000


def related_pairs(data: ReportData) -> list[PairView]:
    """One side-by-side view per related pair of an event (the source on the left), newest events first."""
    seen: set[frozenset[str]] = set()
    views = []
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
            views.append(build_pair(a, b, best))
    return views


def split_prerendered(views: list[PairView]) -> tuple[list[PairView], set[str]]:
    """Pairs to pre-render: those inside multi-article events first, within PRERENDER_CHARS."""
    chosen, ids, budget = [], set(), PRERENDER_CHARS
    for view in views:
        cost = len(view.a.text) + len(view.b.text)
        if cost <= budget:
            budget -= cost
            chosen.append(view)
            ids.add(StaticUrls.pair_id(view.a.id, view.b.id))
    return chosen, ids


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


def report_data(store: Store, newest: int | None = None, largest: int | None = None) -> tuple[ReportData, int]:
    """The report's events only, read by id: (their views, how many events were left out).

    The same events, in the same order, as `cap_events(ReportData(store))`, but the store is
    not read whole: one light pass over (article, publication time, event) finds each event's
    size and newest member, the `newest` newest and `largest` largest events are chosen, and
    then only their events, their articles, the links touching those articles (with the
    articles at their other ends) and their families are read. Counts, languages and outlets
    in the header come from SQL aggregates."""
    newest = REPORT_NEWEST if newest is None else newest
    largest = REPORT_LARGEST if largest is None else largest
    conn = store._conn
    stored_events = {r[0] for r in conn.execute("SELECT id FROM events")}
    members: dict[str, list[str]] = {}
    end: dict[str, datetime | None] = {}
    titles: dict[str, str] = {}
    for aid, published, title, event in conn.execute(
            "SELECT a.id, a.published, a.title, m.event FROM articles a "
            "LEFT JOIN event_members m ON m.article = a.id ORDER BY a.seq"):
        if event not in stored_events:       # not grouped: a one-article event, as ReportData does
            event = f"article-{aid}"
            titles[event] = title
        members.setdefault(event, []).append(aid)
        when = parse_when(published)
        if when is not None and (end.get(event) is None or when > end[event]):
            end[event] = when
        else:
            end.setdefault(event, None)
    low = datetime.min.replace(tzinfo=timezone.utc)
    ids = sorted(members, key=lambda e: (end[e] or low, e), reverse=True)
    if len(ids) > newest + largest:
        keep = set(ids[:newest]) | set(sorted(ids, key=lambda e: (-len(members[e]), e))[:largest])
    else:
        keep = set(ids)
    omitted = len(ids) - len(keep)
    real = sorted(e for e in keep if e in stored_events)
    events = [Event.from_dict(json.loads(d)) for _, d in _rows(
        store, "SELECT id, data FROM events WHERE id IN ({marks}) ORDER BY id", real)]
    events += [Event(e, titles[e], members[e]) for e in ids if e in keep and e not in stored_events]
    shown = [a for e in keep for a in members[e]]
    link_rows = {}
    for end_ in ("a", "b"):
        for a, b, kind, d in _rows(store, f"SELECT a, b, kind, data FROM reuse WHERE {end_} IN ({{marks}})", shown):
            link_rows[(a, b, kind)] = d
    links = [ReuseLink.from_dict(json.loads(link_rows[k])) for k in sorted(link_rows)]
    fam_ids = sorted({r[0] for r in _rows(store, "SELECT DISTINCT family FROM family_members "
                                                "WHERE article IN ({marks})", shown)})
    families = [Family.from_dict(json.loads(d)) for _, d in _rows(
        store, "SELECT id, data FROM families WHERE id IN ({marks}) ORDER BY id", fam_ids)]
    wanted = set(shown) | {x for l in links for x in (l.a, l.b)} | {m for f in families for m in f.member_ids}
    articles = {a.id: a for a in store.get_articles(sorted(wanted))}
    languages = sorted(r[0] for r in conn.execute("SELECT DISTINCT language FROM articles "
                                                  "WHERE language IS NOT NULL AND language != ''"))
    outlets = sorted(r[0] for r in conn.execute("SELECT DISTINCT COALESCE(NULLIF(outlet, ''), "
                                                "'unknown outlet') FROM articles"))
    data = ReportData.from_records(
        articles, links, families, store.errors(), events,
        article_count=conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0],
        link_count=conn.execute("SELECT COUNT(*) FROM reuse").fetchone()[0],
        languages=languages, outlets=outlets)
    return data, omitted


def render_report(store: Store) -> str:
    return render_data(*report_data(store))


def render_data(data: ReportData, omitted: int = 0) -> str:
    """The report's HTML for these views (`omitted`: events left out, said in the header)."""
    nonce = secrets.token_urlsafe(18)
    views = related_pairs(data)
    prerendered, prerendered_ids = split_prerendered(views)
    payload = {StaticUrls.pair_id(v.a.id, v.b.id): pair_payload(v, data.event_of.get(v.a.id)) for v in views}
    template = environment().get_template("report.html")
    return template.render(
        data=data, events=sort_events(data.events), urls=StaticUrls(data, prerendered_ids), pairs=prerendered,
        nonce=nonce, mode="static",
        css=Markup(static_asset("report.css")), js=Markup(static_asset("report.js")),
        fold_json=script_json(fold_table()), pairs_json=script_json(payload), filters={}, omitted=omitted,
        generated=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"))


def write_report(store: Store, path: str | Path) -> Path:
    """Render the whole store into one offline HTML file at `path` (written atomically)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(render_report(store), encoding="utf-8")
    os.replace(tmp, path)
    return path
