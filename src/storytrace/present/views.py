"""View models for the report and the web app: events with members in time order, reuse
graphs, cited sources, and what each member kept, cut and added relative to its source.

Built once from a store snapshot; templates only display them. Articles not yet grouped
into an event (analysis not run, or a step missing) each get a one-article event, so the
report still shows everything that was ingested.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from datetime import datetime, timedelta, timezone

from ..model import Article, Event, Family, InputError, ReuseLink
from ..store import Store
from .search import added_names, index_text
from .svg import GraphEdge, GraphNode, TimelinePoint, reuse_graph_svg, segments_bar_svg, timeline_svg

SOURCE_KINDS = ("duplicate", "reprint", "partial", "translation")
LEAD_CHARS = 400   # of each text, scanned for place names (search in other languages)


def parse_when(published: str | None) -> datetime | None:
    """An ISO 8601 time as aware UTC; dates count as midnight UTC; anything else is unknown."""
    if not published:
        return None
    try:
        when = datetime.fromisoformat(published.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.astimezone(timezone.utc)


def lang_tag(article: Article | None) -> str:
    """BCP 47 tag for a text's `lang` attribute: zh-Hans / zh-Hant for Chinese (screen readers
    pick the voice, browsers the glyphs), the bare language otherwise, "" when unknown."""
    if article is None or not article.language:
        return ""
    if article.language == "zh" and article.script in ("Hans", "Hant"):
        return f"zh-{article.script}"
    return article.language


def _covered(spans: list[tuple[int, int]]) -> int:
    total, last = 0, -1
    for start, end in sorted(spans):
        start = max(start, last)
        if end > start:
            total += end - start
            last = end
    return total


def _after(first: datetime | None, when: datetime | None) -> str:
    if first is None or when is None:
        return ""
    minutes = int((when - first).total_seconds() // 60)
    if minutes <= 0:
        return "first" if minutes == 0 else ""
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    return "+" + " ".join(p for p in (f"{days}d" if days else "", f"{hours}h" if hours else "",
                                       f"{mins}m" if mins and not days else "") if p)


@dataclass(slots=True)
class SourceRelation:
    """Member compared with its (presumed) source: the other article, or its sibling via an absent source."""

    other: Article
    link: ReuseLink
    via: str | None
    note: str
    kept: int
    cut: int
    added: int

    @property
    def bar(self):
        return segments_bar_svg(self.kept, self.cut, self.added)

    @property
    def kept_share(self) -> int:
        total = self.kept + self.cut
        return round(100 * self.kept / total) if total else 0

    @property
    def compared(self) -> bool:
        """True when the other article is not this one's source but a sibling (both took
        from a source outside the collection, or the direction is a guess)."""
        return self.via is not None


@dataclass(slots=True)
class Member:
    article: Article
    when: datetime | None
    after_first: str
    source: SourceRelation | None


@dataclass(slots=True)
class FamilyView:
    """A family of near-identical copies inside an event: one source, N reprints."""

    family: Family
    representative: Article
    source: Article | None
    reprints: list[Article]

    @property
    def size(self) -> int:
        return len(self.family.members)


@dataclass
class EventView:
    id: str
    title: str
    members: list[Member]
    languages: list[str]
    outlets: list[str]
    start: datetime | None
    end: datetime | None
    event_date: str | None
    links: list[ReuseLink] = field(default_factory=list)
    cited: list[tuple[str, list[str]]] = field(default_factory=list)
    grouped: bool = True
    entities: list[dict] = field(default_factory=list)
    families: list[FamilyView] = field(default_factory=list)

    @cached_property
    def title_lang(self) -> str:
        """Language of the headline: the member whose title it is, else the first member."""
        for m in self.members:
            if m.article.title == self.title:
                return lang_tag(m.article)
        return lang_tag(self.members[0].article) if self.members else ""

    @property
    def happened(self) -> str | None:
        """The event date, unless it is after the last publication (a date named in the text
        that is a later plan, not when it happened); a day's slack for time zones."""
        if not self.event_date:
            return None
        when = parse_when(self.event_date)
        if when is not None and self.end is not None and when > self.end + timedelta(days=1):
            return None
        return self.event_date

    def _search_texts(self) -> list[str]:
        # Titles and leads: where the places a story is about are named.
        return [t for m in self.members for t in (m.article.title, m.article.text[:LEAD_CHARS])]

    @cached_property
    def search_index(self) -> str:
        """Folded title, member titles and leads, merged entity names, other-language place names."""
        return index_text(self.title, self.entities, self._search_texts())

    @cached_property
    def search_names(self) -> str:
        """Only the names the page's own text lacks (entity aliases, place names in other
        languages): what the static report adds to its script's search index."""
        return added_names([self.title, *self._search_texts()], self.entities)

    @property
    def chart_label(self) -> str:
        """Chart name unique to this event, for screen readers."""
        return f"{self.title[:80]} ({self.size} articles, {len(self.outlets)} outlets)"

    @property
    def timeline_text(self) -> list[tuple[str, list[str]]]:
        """The timeline as text: each outlet with its publication times, in order."""
        rows: dict[str, list[str]] = {}
        for m in self.members:
            if m.when:
                rows.setdefault(_outlet(m.article), []).append(m.when.strftime("%Y-%m-%d %H:%M UTC"))
        return list(rows.items())

    @property
    def graph_text(self) -> list[str]:
        """The reuse graph as sentences."""
        nodes, edges = reuse_graph_parts(self)
        names = {n.key: n.label + (" (not in the collection)" if n.absent else "") for n in nodes}
        out = []
        for e in edges:
            src, dst = names.get(e.source, e.source), names.get(e.target, e.target)
            what = KIND_WORDS.get(e.kind, e.kind)
            if e.source == e.target:
                out.append(f"within {src}: {what}, {e.label} of a later article")
            elif e.directed:
                out.append(f"{src} → {dst}: {what}, {e.label} of {dst}'s text")
            else:
                out.append(f"{src} ↔ {dst}: {what}, {e.label} shared (direction unknown)")
        return out

    @property
    def size(self) -> int:
        return len(self.members)

    @property
    def span(self) -> str:
        if not self.start:
            return "date unknown"
        first, last = self.start.strftime("%Y-%m-%d %H:%M"), self.end.strftime("%Y-%m-%d %H:%M")
        return first if first == last else f"{first} – {last}"

    def _points(self) -> list[TimelinePoint]:
        return [TimelinePoint(m.article.outlet or "unknown outlet", m.when, m.article.language,
                              m.article.title[:60]) for m in self.members if m.when]

    @property
    def timeline_compact(self):
        return timeline_svg(self._points(), compact=True, label="When each outlet published: " + self.chart_label)

    @property
    def timeline(self):
        return timeline_svg(self._points(), label="When each outlet published: " + self.chart_label)

    @cached_property
    def article(self) -> dict[str, Article]:
        return {m.article.id: m.article for m in self.members}

    @cached_property
    def graph(self):
        return reuse_graph(self)

    @property
    def undated(self) -> int:
        return sum(1 for m in self.members if m.when is None)


def _outlet(article: Article) -> str:
    return article.outlet or "unknown outlet"


KIND_WORDS = {"duplicate": "duplicate", "reprint": "reprint", "partial": "partial reuse",
              "formula": "stock phrases", "translation": "translation", "common-source": "from this common source"}


def reuse_graph(ev: EventView):
    nodes, edges = reuse_graph_parts(ev)
    return reuse_graph_svg(nodes, edges, label="Who reused whose text: " + ev.chart_label) if edges else None


def reuse_graph_parts(ev: EventView) -> tuple[list[GraphNode], list[GraphEdge]]:
    """Outlet-level graph: the highest share per (source, copier, kind), absent sources first;
    reuse between two articles of one outlet is a loop on that outlet."""
    by_id = {m.article.id: m.article for m in ev.members}
    outlets = list(dict.fromkeys(_outlet(m.article) for m in ev.members))
    best: dict[tuple[str, str, str, bool], float] = {}
    absent: list[str] = []

    def add(src: str, dst: str, kind: str, share: float, directed: bool = True) -> None:
        key = (src, dst, kind, directed)
        best[key] = max(best.get(key, 0.0), share)

    for link in ev.links:
        a, b = by_id[link.a], by_id[link.b]
        if link.direction == "common-source" and link.common_source:
            # Always its own node: even when an article by that outlet is in the event, the
            # link says the shared text came from a version of it that is not.
            name = link.common_source
            node = "source:" + name
            if name not in absent:
                absent.append(name)
            add(node, _outlet(a), "common-source", link.a_coverage)
            add(node, _outlet(b), "common-source", link.b_coverage)
        elif link.direction == "a->b":
            add(_outlet(a), _outlet(b), link.kind, link.b_coverage)
        elif link.direction == "b->a":
            add(_outlet(b), _outlet(a), link.kind, link.a_coverage)
        else:
            add(_outlet(a), _outlet(b), link.kind, max(link.a_coverage, link.b_coverage), directed=False)
    counts = Counter(_outlet(m.article) for m in ev.members)
    # An agency that is also a member outlet: its node says the shared text is another version.
    nodes = [GraphNode("source:" + n, n, absent=True, also_member=n in counts) for n in absent]
    nodes += [GraphNode(o, o, count=counts[o]) for o in outlets]
    edges = [GraphEdge(src, dst, kind, f"{round(100 * share)}%", directed)
             for (src, dst, kind, directed), share in best.items()]
    return nodes, edges


def source_relation(article: Article, links: list[ReuseLink], by_id: dict[str, Article],
                    when: dict[str, datetime | None]) -> SourceRelation | None:
    """The link that best explains where this article's text came from, if any."""
    best: tuple[float, SourceRelation] | None = None
    for link in links:
        if link.kind not in SOURCE_KINDS or not link.passages:
            continue
        mine_is_a = link.a == article.id
        other = by_id.get(link.b if mine_is_a else link.a)
        if other is None:
            continue
        coverage = link.a_coverage if mine_is_a else link.b_coverage
        via = None
        if link.direction == "common-source":
            via = link.common_source or "a common source"
            note = f"both from {via} (not in the collection); compared with {_outlet(other)}"
        elif link.direction == ("b->a" if mine_is_a else "a->b"):
            note = f"reused from {_outlet(other)}"
        elif link.direction in ("a->b", "b->a"):
            continue  # this article is the source of that link
        else:
            t_mine, t_other = when.get(article.id), when.get(other.id)
            if not (t_mine and t_other and t_other < t_mine):
                continue
            note = f"probably from {_outlet(other)} (published earlier; direction not certain)"
        mine = [(p.a_start, p.a_end) if mine_is_a else (p.b_start, p.b_end) for p in link.passages]
        theirs = [(p.b_start, p.b_end) if mine_is_a else (p.a_start, p.a_end) for p in link.passages]
        kept = _covered(theirs)  # characters of the source that this article kept
        relation = SourceRelation(other, link, via, note, kept, max(0, len(other.text) - kept),
                                  max(0, len(article.text) - _covered(mine)))
        if best is None or coverage > best[0]:
            best = (coverage, relation)
    return best[1] if best else None


class ReportData:
    """A snapshot of the store, indexed for the views (the web app: everything stored).

    `ReportData.from_records` indexes a part of a store instead (the static report's events,
    read by id: `report.report_data`); then `article_count`, `link_count`, `languages` and
    `outlets` still describe the whole store."""

    def __init__(self, store: Store):
        articles = {a.id: a for a in store.articles()}
        events = store.events()
        grouped = {a for ev in events for a in ev.articles}
        events += [Event(f"article-{a.id}", a.title, [a.id]) for a in articles.values()
                   if a.id not in grouped]
        self._index(articles, store.reuse_links(), store.families(), store.errors(), events)

    @classmethod
    def from_records(cls, articles: dict[str, Article], links: list[ReuseLink], families: list[Family],
                     errors: list[InputError], events: list[Event], *, article_count: int,
                     link_count: int, languages: list[str], outlets: list[str]) -> "ReportData":
        """Views of `events` only (one-article events included as given), with every article
        they show or compare with in `articles` and every link touching their members in `links`."""
        data = cls.__new__(cls)
        data._index(articles, links, families, errors, events)
        data._counts = (article_count, link_count)
        data._languages, data._outlets = languages, outlets
        return data

    def _index(self, articles: dict[str, Article], links: list[ReuseLink], families: list[Family],
               errors: list[InputError], events: list[Event]) -> None:
        self.articles: dict[str, Article] = articles
        self.links: list[ReuseLink] = links
        self.families: list[Family] = families
        self.family_of: dict[str, Family] = {m: fam for fam in self.families for m in fam.member_ids}
        self._derived: dict[tuple[str, str], ReuseLink | None] = {}
        self.errors: list[InputError] = errors
        self._counts: tuple[int, int] | None = None
        self._languages: list[str] | None = None
        self._outlets: list[str] | None = None
        self.when = {a.id: parse_when(a.published) for a in self.articles.values()}
        self.links_of: dict[str, list[ReuseLink]] = defaultdict(list)
        for link in self.links:
            self.links_of[link.a].append(link)
            self.links_of[link.b].append(link)
        self.events = [self._event_view(ev) for ev in events]
        self.events = [ev for ev in self.events if ev.members]
        self.events.sort(key=lambda ev: (ev.end or datetime.min.replace(tzinfo=timezone.utc), ev.id),
                         reverse=True)
        self.event_by_id = {ev.id: ev for ev in self.events}
        self.event_of = {m.article.id: ev.id for ev in self.events for m in ev.members}

    def _event_view(self, ev: Event) -> EventView:
        arts = [self.articles[a] for a in ev.articles if a in self.articles]
        far_future = datetime.max.replace(tzinfo=timezone.utc)
        arts.sort(key=lambda a: (self.when[a.id] or far_future, a.id))
        times = [self.when[a.id] for a in arts if self.when[a.id]]
        first = times[0] if times else None
        ids = {a.id for a in arts}
        links = [l for a in arts for l in self.links_of.get(a.id, []) if l.a == a.id and l.b in ids]
        links.sort(key=lambda l: (l.kind == "formula", -max(l.a_coverage, l.b_coverage)))
        members = [Member(a, self.when[a.id], _after(first, self.when[a.id]),
                          source_relation(a, self.links_of.get(a.id, []), self.articles, self.when))
                   for a in arts]
        cited: dict[str, list[str]] = {}
        for a in arts:
            for src in a.cited_sources:
                outlets = cited.setdefault(src, [])
                if _outlet(a) not in outlets:
                    outlets.append(_outlet(a))
        languages = list(dict.fromkeys(a.language for a in arts if a.language)) or list(ev.languages)
        families = []
        seen_families = {}
        for a in arts:
            fam = self.family_of.get(a.id)
            if fam is not None and fam.representative in ids:
                seen_families.setdefault(fam.id, fam)
        for fam in seen_families.values():
            rep = self.articles[fam.representative]
            families.append(FamilyView(fam, rep, self.articles.get(fam.source) if fam.source else None,
                                       [self.articles[m] for m in fam.member_ids[1:] if m in self.articles]))
        return EventView(ev.id, ev.title or (arts[0].title if arts else ev.id), members, languages,
                         list(dict.fromkeys(_outlet(a) for a in arts)), first, times[-1] if times else None,
                         ev.event_date, links, sorted(cited.items(), key=lambda kv: -len(kv[1])),
                         grouped=not ev.id.startswith("article-"), entities=list(ev.entities or []),
                         families=families)

    def link_between(self, a: str, b: str) -> ReuseLink | None:
        """The most informative link between two articles (text reuse before translation)."""
        found = [l for l in self.links_of.get(a, []) if {l.a, l.b} == {a, b}]
        found.sort(key=lambda l: (l.kind == "translation", l.kind == "formula", -len(l.passages)))
        if found:
            return found[0]
        fam = self.family_of.get(a)
        if fam is not None and fam is self.family_of.get(b) and a != b:
            # two members of one family are stored linked to the representative only: derive theirs
            key = (min(a, b), max(a, b))
            if key not in self._derived:
                from ..reuse import pair_link
                self._derived[key] = pair_link(self.articles[key[0]], self.articles[key[1]])
            return self._derived[key]
        return None

    @property
    def article_count(self) -> int:
        """Articles in the store (also those whose events are not in this view)."""
        return self._counts[0] if self._counts else len(self.articles)

    @property
    def link_count(self) -> int:
        return self._counts[1] if self._counts else len(self.links)

    @property
    def languages(self) -> list[str]:
        if self._languages is not None:
            return self._languages
        return sorted({a.language for a in self.articles.values() if a.language})

    @property
    def outlets(self) -> list[str]:
        if self._outlets is not None:
            return self._outlets
        return sorted({_outlet(a) for a in self.articles.values()})


def _day(ev: EventView) -> str:
    return ev.end.strftime("%Y-%m-%d") if ev.end else ""


# name -> (label, key); every key sorts descending. "day" is the default: the newest day
# first and, within a day, the largest stories, so the page opens on the day's big stories.
SORTS = {
    "day": ("day by day, largest first",
            lambda ev: (_day(ev), ev.size, len(ev.outlets), ev.end or _MIN, ev.id)),
    "size": ("most articles", lambda ev: (ev.size, len(ev.outlets), ev.end or _MIN, ev.id)),
    "outlets": ("most outlets", lambda ev: (len(ev.outlets), ev.size, ev.end or _MIN, ev.id)),
    "languages": ("most languages", lambda ev: (len(ev.languages), ev.size, ev.end or _MIN, ev.id)),
    "newest": ("newest first", lambda ev: (ev.end or _MIN, ev.id)),
}
_MIN = datetime.min.replace(tzinfo=timezone.utc)


def sort_events(events: list[EventView], how: str = "day") -> list[EventView]:
    return sorted(events, key=SORTS.get(how, SORTS["day"])[1], reverse=True)
