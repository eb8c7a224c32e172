"""Fill in a missing publication year from the event an article joined (seed 001: a
dateline `北京11月25日电` with no year), and order publication times.

An inferred year is a conclusion, not evidence: the article keeps what its page said in
`metadata["published_as_found"]`, and `as_found` gives the article back as ingested.
Analysis runs every stage on articles as found, so a re-run (`analyze --force`) sees
exactly what a fresh run sees and no step treats an inferred year as a date.

Times compare as instants (`time_key`): see its docstring for the rule.
"""
from __future__ import annotations

import dataclasses
import re
from collections import Counter
from datetime import date, datetime, timezone

from ..model import Article, Event


def _year_candidates(members: list[Article]) -> Counter[int]:
    years: Counter[int] = Counter()
    for art in members:
        if art.published and re.match(r"\d{4}-\d{2}-\d{2}", art.published) and not art.published_inferred:
            years[int(art.published[:4])] += 1
    return years


def infer_missing_years(articles: list[Article], events: list[Event]) -> list[Article]:
    """Articles published as `--MM-DD` get the year that puts them nearest the event's
    dated members; marked `published_inferred` with the evidence. Returns changed ones."""
    by_id = {a.id: a for a in articles}
    changed: list[Article] = []
    for event in events:
        members = [by_id[i] for i in event.articles if i in by_id]
        dated = [a for a in members if a.published and re.match(r"\d{4}-\d{2}-\d{2}", a.published)
                 and not a.published_inferred]
        if not dated:
            continue
        anchors = [date.fromisoformat(a.published[:10]) for a in dated]
        for art in members:
            match = re.fullmatch(r"--(\d{2})-(\d{2})", art.published or "")
            if not match or art.published_precision not in ("month-day", None):
                continue
            month, day = int(match.group(1)), int(match.group(2))
            best = None
            for anchor in anchors:
                for year in (anchor.year - 1, anchor.year, anchor.year + 1):
                    try:
                        candidate = date(year, month, day)
                    except ValueError:
                        continue
                    gap = abs((candidate - anchor).days)
                    if best is None or (gap, candidate) < best[0]:
                        best = ((gap, candidate), anchor)
            if best is None:
                continue
            (gap, candidate), anchor = best
            source = next(a.id for a in dated if a.published[:10] == anchor.isoformat())
            note = (f"year {candidate.year} inferred from event {event.id} "
                    f"(member {source} published {anchor.isoformat()})")
            evidence = f"{art.published_evidence}; {note}" if art.published_evidence else note
            found = {"published": art.published, "precision": art.published_precision,
                     "evidence": art.published_evidence}
            changed.append(dataclasses.replace(art, published=candidate.isoformat(),
                                               published_precision="date", published_inferred=True,
                                               published_evidence=evidence,
                                               metadata={**art.metadata, AS_FOUND_KEY: found}))
    return changed


AS_FOUND_KEY = "published_as_found"


def as_found(article: Article) -> Article:
    """The article as ingested: an inferred year taken back out (the page's own value,
    precision and evidence restored). Articles without an inferred year come back as is."""
    if not article.published_inferred:
        return article
    metadata = dict(article.metadata)
    found = metadata.pop(AS_FOUND_KEY, None)
    if found is None:       # stored before the original was kept: rebuild it
        evidence = (article.published_evidence or "").split("; year ", 1)[0]
        if evidence.startswith("year ") and " inferred from event " in evidence:
            evidence = ""
        found = {"published": f"--{article.published[5:10]}" if article.published else None,
                 "precision": "month-day", "evidence": evidence or None}
    return dataclasses.replace(article, published=found["published"], published_precision=found["precision"],
                               published_evidence=found["evidence"], published_inferred=False,
                               metadata=metadata)


_FULL_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})$")
_MONTH_DAY = re.compile(r"--(\d{2})-(\d{2})$")


def time_key(published: str | None) -> tuple:
    """Sort key for a publication time; the rule, in order:

    1. values with a full date, by instant: a time with an offset is converted to UTC
       (`2022-11-25T08:00+08:00` equals `2022-11-25T00:00Z`); a time without an offset
       counts as UTC; a date without a time counts as 12:00 UTC of that day (the middle of
       the day across time zones); at the same instant a time sorts before a bare date;
    2. then month-day values (`--MM-DD`, no year known), by month and day;
    3. then unknown or unreadable values (unreadable ones by their text).
    Callers break remaining ties by article id."""
    if published:
        value = published.strip()
        match = _MONTH_DAY.match(value)
        if match:
            return (2, int(match.group(1)), int(match.group(2)), 0, "")
        if _FULL_DATE.match(value):
            try:
                day = date.fromisoformat(value)
                noon = datetime(day.year, day.month, day.day, 12, tzinfo=timezone.utc)
                return (1, noon.timestamp(), 1, 0, "")
            except ValueError:
                pass
        else:
            try:
                when = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
                if when.tzinfo is None:
                    when = when.replace(tzinfo=timezone.utc)
                return (1, when.timestamp(), 0, 0, "")
            except ValueError:
                pass
        return (3, 0, 0, 0, value)
    return (3, 0, 0, 1, "")
