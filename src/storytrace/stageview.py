"""An article as the analysis stages read it, and the keys the store files it under.

Light to import (no events or reuse code): the store calls these as it writes articles,
so every stored article carries, in table `article_digests`, the digest of its stage view
(`view_digest`, what stage fingerprints sum up), and its publication as an instant
(`published_instant`) and as a calendar day (`published_day`) for window queries.

The stage view of a stored article: as found (an inferred publication year taken back out,
`as_found`) with the hidden outlet boilerplate blanked (`normalize.boilerplate.visible_text`:
same length, so offsets into it are offsets into the stored text).
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from datetime import date, datetime, timezone

from .model import Article

# Bump when what `view_digest` covers changes: stores rebuild their digests on open.
DIGEST_VERSION = "1"

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


def published_instant(published: str | None) -> float | None:
    """The publication as UTC seconds by the `time_key` rule (a bare date is 12:00 UTC of
    that day); None for a month-day, an unknown or an unreadable value."""
    key = time_key(published)
    return key[1] if key[0] == 1 else None


def published_day(published: str | None) -> int | None:
    """The full date as written (in the value's own offset), as `date.toordinal()`; None
    without a full date. The same day `events.signals.parse_published` reads."""
    if not published or published.startswith("--"):
        return None
    try:
        return datetime.fromisoformat(published.replace("Z", "+00:00")).date().toordinal()
    except ValueError:
        match = re.match(r"(\d{4})-(\d{2})-(\d{2})", published)
        if not match:
            return None
        try:
            return date(int(match.group(1)), int(match.group(2)), int(match.group(3))).toordinal()
        except ValueError:
            return None


def stage_article(stored: Article) -> Article:
    """One stored article as every stage reads it: as found, hidden boilerplate blanked."""
    from .normalize.boilerplate import visible_text

    found = as_found(stored)
    text = visible_text(found)
    return found if text == found.text else dataclasses.replace(found, text=text)


def record_digest(article: Article) -> bytes:
    """16-byte digest of every field of one record (sorted keys, JSON)."""
    row = json.dumps(article.to_dict(), ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.blake2b(row.encode("utf-8"), digest_size=16).digest()


def view_digest(stored: Article) -> bytes:
    """Digest of the stage view of a stored article (what stage fingerprints cover)."""
    return record_digest(stage_article(stored))
