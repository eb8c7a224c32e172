"""Turn a group of articles into an Event: title, summary, dates, entities, confidence."""
from __future__ import annotations

import hashlib
import re
from collections import Counter

import numpy as np

from ..model import Article, Event
from .signals import ArticleSignals, resolve_date
from .years import time_key

_SENTENCE = re.compile(r"[^。！？!?\n]+[。！？!?]|[^.\n]+?[.](?=\s|$)|[^\n]+")
_DATELINE = re.compile(r"^[（(]?[^）)。\n]{0,24}(?:电|报道|专电|讯)[）)]?\s*")


def event_id(member_ids: list[str]) -> str:
    """Deterministic: a hash of the smallest member id, whatever order members came in."""
    return "ev-" + hashlib.blake2b(min(member_ids).encode(), digest_size=6).hexdigest()


def _centre(score: np.ndarray) -> list[int]:
    """Members ordered from most to least typical (highest mean score to the others)."""
    if len(score) == 1:
        return [0]
    typical = (score.sum(axis=1) - 1.0) / (len(score) - 1)
    return sorted(range(len(score)), key=lambda i: (-round(float(typical[i]), 6), i))


def _first_sentence(article: Article) -> str:
    body = article.text.strip()
    for paragraph in body.split("\n"):
        paragraph = _DATELINE.sub("", paragraph.strip()).lstrip(",，:：;； ")
        if len(paragraph) < 12:
            continue
        match = _SENTENCE.search(paragraph)
        if match:
            return match.group(0).strip()[:300]
    return ""


def summary(articles: list[Article], order: list[int], size: int = 3) -> list[dict[str, str]]:
    """2-3 lead sentences from the most typical members, favouring other languages/outlets."""
    picked: list[dict[str, str]] = []
    seen_sources: set[tuple[str | None, str | None]] = set()
    for rank in (0, 1):  # first pass: one per language/outlet; second: fill up
        for i in order:
            art = articles[i]
            source = (art.language, art.outlet)
            if rank == 0 and source in seen_sources:
                continue
            sentence = _first_sentence(art)
            if not sentence or any(p["article"] == art.id or p["text"] == sentence for p in picked):
                continue
            picked.append({"text": sentence, "article": art.id})
            seen_sources.add(source)
            if len(picked) >= size:
                return picked
    return picked


def _event_date(signals: list[ArticleSignals]) -> str | None:
    """The date most members' leads name, as ISO (or --MM-DD when no year is known)."""
    votes: Counter[str] = Counter()
    for sig in signals:
        if not sig.lead_dates:
            continue
        value = sig.lead_dates[0]
        resolved = resolve_date(value, sig.published)
        votes[resolved.isoformat() if resolved else f"--{value[1]:02d}-{value[2]:02d}"] += 1
    if not votes:
        return None
    full = Counter({k: v for k, v in votes.items() if not k.startswith("--")})
    for key, count in list(votes.items()):
        if key.startswith("--"):
            for day in full:
                if day.endswith(key[1:]):
                    full[day] += count
    chosen = full or votes
    return sorted(chosen.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]


def merged_entities(signals: list[ArticleSignals], title_signal: ArticleSignals) -> list[dict]:
    """Entities merged across members and scripts: 习近平 / 習近平 / Tập Cận Bình share a
    match key, so they become one entry with the other forms as aliases."""
    groups: dict[str, str] = {}          # match key -> group id (first canonical key seen)
    surfaces: dict[str, Counter] = {}
    members: dict[str, set[int]] = {}
    kinds: dict[str, str] = {}
    in_title: set[str] = set()
    for position, sig in enumerate(signals):
        for key, surface in sig.entities.items():
            keys = sig.entity_keys.get(key, [key])
            group = next((groups[k] for k in keys if k in groups), key)
            for k in keys:
                groups.setdefault(k, group)
            surfaces.setdefault(group, Counter())[surface] += 1
            members.setdefault(group, set()).add(position)
            kinds.setdefault(group, sig.entity_types.get(key, "name"))
            if sig is title_signal:
                in_title.add(group)
    counts = {g: len(m) for g, m in members.items()}
    keep = [g for g in counts if counts[g] >= 2 or len(signals) == 1 or g in in_title]
    keep = [g for g in keep if not any(g != o and g in o and counts[o] >= counts[g] for o in keep)]
    keep.sort(key=lambda g: (-counts[g], g))
    out = []
    for group in keep[:20]:
        names = [name for name, _ in surfaces[group].most_common()]
        out.append({"name": names[0], "aliases": names[1:], "type": kinds[group], "key": group,
                    "articles": counts[group]})
    return out


def _published_range(articles: list[Article]) -> tuple[str | None, str | None]:
    """First and last publication as instants (`years.time_key`): values with a full date
    when any member has one, else month-day values; each returned as the member wrote it."""
    keyed = sorted((time_key(a.published), a.published) for a in articles if a.published)
    full = [value for key, value in keyed if key[0] == 1]
    chosen = full or [value for key, value in keyed if key[0] == 2]
    return (chosen[0], chosen[-1]) if chosen else (None, None)


def build_event(eid: str, articles: list[Article], *, signals: list[ArticleSignals],
                score: np.ndarray, reasons: dict[str, str]) -> Event:
    order = _centre(score)
    head = articles[order[0]]
    start, end = _published_range(articles)
    if len(articles) > 1:
        typical = (score.sum(axis=1) - 1.0) / (len(articles) - 1)
        confidence = float(np.clip(np.mean(typical), 0.0, 1.0))
    else:
        confidence = 1.0
    by_time = sorted(range(len(articles)), key=lambda i: (time_key(articles[i].published), articles[i].id))
    return Event(
        id=eid, title=head.title or _first_sentence(head)[:80],
        articles=[articles[i].id for i in by_time],
        summary=summary(articles, order),
        languages=sorted({a.language for a in articles if a.language}),
        outlets=sorted({a.outlet for a in articles if a.outlet}),
        start=start, end=end, event_date=_event_date(signals),
        entities=merged_entities(signals, signals[order[0]]),
        confidence=round(confidence, 3), reasons=reasons)
