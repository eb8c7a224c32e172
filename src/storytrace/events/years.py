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
from datetime import date

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


# `as_found` and `time_key` live in `storytrace.stageview` (light to import: the store
# keys every article by them as it is written); they are re-exported here.
from ..stageview import AS_FOUND_KEY, as_found, time_key  # noqa: E402,F401
