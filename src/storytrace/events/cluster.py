"""Group articles into events: average-link clustering over combined pair evidence.

Why average link: a story's articles must agree with the group as a whole, so one strong
pair (a stock phrase, a shared leader) cannot chain two look-alike events together the way
single link would. Two groups can only average ≥ the threshold if some pair between them
scores ≥ it, so only pairs proposed by `candidates.py` (nearest neighbours per article,
within the time window) are scored, and `linkage.py` runs exact average link over that
sparse graph, scoring other pairs only between groups it is about to weigh: time and memory
grow with the article count, not its square.

Incremental: articles already in `existing` events stay where they are; new articles are
clustered among themselves, then each new group joins the existing event it averages best
with (if that clears the threshold) or opens a new event. Only existing events with a
member published within `max_days` of a new article are read at all; the rest come back
untouched, so an incremental run costs the time window, not the store. Results never depend on input
order: articles are sorted by (publication, id) first. Across batches, an article's event is
fixed when it arrives, so feeding a corpus in batches can differ from one run over all of
it only for groups that would have formed from articles split over batches; ties between
two existing events go to the one with the smaller id.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from ..model import Article, Event, ReuseLink
from .describe import build_event, event_id
from .encoder import embed_cached, get_encoder
from .candidates import candidate_pairs
from .linkage import merge_by_strong_share, sparse_average_link
from .signals import ArticleSignals, build_signals
from .similarity import EventSettings, PairEvidence, article_features, block_evidence, evidence
from .years import time_key


# How an engine builds the signals of a list of articles (one per article, same order).
SignalsStep = Callable[[list[Article]], list[ArticleSignals]]


def _sort_key(article: Article) -> tuple:
    """Publication as an instant (`years.time_key`: offsets honoured), then id."""
    return (time_key(article.published), article.id)


def cluster_events(articles: list[Article], links: list[ReuseLink], *, store=None,
                   existing: list[Event] | None = None, encoder=None, progress=None,
                   settings: EventSettings | None = None,
                   signals_for: SignalsStep | None = None) -> list[Event]:
    """Every article in exactly one event; see the module docstring for how.

    `signals_for(articles)` builds the `ArticleSignals` of exactly the articles this call
    clusters (sorted, deduplicated, those an incremental run leaves untouched dropped), in
    their order: engines pass one that spreads the per-article work over processes or Spark
    executors and reports its own progress. Default: `build_signals` here, one by one.
    """
    settings = settings or EventSettings()
    articles = sorted({a.id: a for a in articles}.values(), key=_sort_key)
    if not articles:
        return []
    untouched, articles, existing = _split_by_time(articles, existing or [], settings)
    if not articles:
        return sorted(untouched, key=lambda e: e.id)
    encoder = encoder if encoder is not None else get_encoder()
    if isinstance(encoder, str):
        encoder = get_encoder(encoder)
    signals = _signals(articles, signals_for, progress)
    vectors = embed_cached([s.lead for s in signals], encoder, store, progress=progress)
    features = article_features(signals, vectors, links)
    pair_i, pair_j = candidate_pairs(features, settings)
    pair_score = evidence(features, pair_i, pair_j, settings).score
    index = {a.id: i for i, a in enumerate(articles)}

    kept: list[tuple[str, list[int], dict[str, str]]] = []   # (id, members, reasons)
    owner = np.full(len(articles), -1)                       # kept position per placed article
    for event in sorted(existing or [], key=lambda e: e.id):
        members = [index[a] for a in event.articles if a in index and owner[index[a]] < 0]
        if members:
            owner[members] = len(kept)
            kept.append((event.id, sorted(members), dict(event.reasons)))

    strong = pair_score >= settings.threshold
    fresh = owner < 0
    groups = _fresh_groups(features, pair_i[strong], pair_j[strong], pair_score[strong], fresh, settings)

    outcome: list[tuple[str | None, list[int], dict[str, str]]] = [(eid, m, r) for eid, m, r in kept]
    links_to_kept = _strong_links_to_kept(pair_i[strong], pair_j[strong], owner)
    for group in groups:
        options = sorted({p for g in group for p in links_to_kept.get(g, ())})
        target = _best_existing(group, [(p, kept[p][1]) for p in options], features, settings)
        if target is None:
            outcome.append((None, group, {}))
        else:
            eid, members, reasons = outcome[target]
            outcome[target] = (eid, sorted(members + group), reasons)

    nearest = _nearest_partner(pair_i, pair_j, pair_score, len(articles))
    events = []
    for eid, members, reasons in outcome:
        member_articles = [articles[i] for i in members]
        block = block_evidence(features, members, settings)
        new_reasons = {articles[i].id: _reason(k, members, articles, signals, block, features, nearest, settings)
                       for k, i in enumerate(members) if articles[i].id not in reasons}
        events.append(build_event(eid or event_id([a.id for a in member_articles]),
                                  member_articles, signals=[signals[i] for i in members],
                                  score=block.score, reasons={**reasons, **new_reasons}))
    events.extend(untouched)
    events.sort(key=lambda e: e.id)
    return events


def _signals(articles: list[Article], signals_for: SignalsStep | None, progress) -> list[ArticleSignals]:
    """Every article's signals, in order, from the engine's step or built here one by one."""
    if signals_for is not None:
        signals = list(signals_for(articles))
        if [s.id for s in signals] != [a.id for a in articles]:
            raise ValueError("signals_for must return one ArticleSignals per article, in order")
        return signals
    advance = progress("event signals", len(articles)) if progress else None
    signals = []
    for article in articles:
        signals.append(build_signals(article))
        if advance:
            advance(1)
    return signals


def _fresh_groups(features, edge_i: np.ndarray, edge_j: np.ndarray, edge_score: np.ndarray,
                  fresh: np.ndarray, settings: EventSettings) -> list[list[int]]:
    """Average-link groups of the fresh articles over the sparse "score ≥ threshold" graph."""
    local = np.flatnonzero(fresh)
    position = np.full(len(fresh), -1)
    position[local] = np.arange(len(local))
    keep = fresh[edge_i] & fresh[edge_j]

    def cross_sums(pairs: list[tuple[list[int], list[int]]]) -> list[float]:
        if not pairs:
            return []
        rows = np.concatenate([np.repeat(local[a], len(b)) for a, b in pairs])
        cols = np.concatenate([np.tile(local[b], len(a)) for a, b in pairs])
        score = evidence(features, rows, cols, settings).score.astype(np.float64)
        bounds = np.cumsum([len(a) * len(b) for a, b in pairs])[:-1]
        return [float(part.sum()) for part in np.split(score, bounds)]

    li, lj = position[edge_i[keep]], position[edge_j[keep]]
    groups = sparse_average_link(len(local), li, lj, edge_score[keep], cross_sums, settings.threshold)
    if settings.strong_share < 1.0:
        groups = merge_by_strong_share(groups, li, lj, settings.strong_share, settings.strong_share_min)
    return [[int(local[k]) for k in g] for g in groups]


def _strong_links_to_kept(edge_i: np.ndarray, edge_j: np.ndarray, owner: np.ndarray) -> dict[int, set[int]]:
    """Fresh article -> kept events it has a pair ≥ threshold with (only those can average ≥ it)."""
    out: dict[int, set[int]] = {}
    for a, b in zip(edge_i.tolist(), edge_j.tolist()):
        if owner[a] < 0 <= owner[b]:
            out.setdefault(a, set()).add(int(owner[b]))
        elif owner[b] < 0 <= owner[a]:
            out.setdefault(b, set()).add(int(owner[a]))
    return out


def _nearest_partner(pair_i: np.ndarray, pair_j: np.ndarray, score: np.ndarray, n: int) -> np.ndarray:
    """Best-scoring scored partner per article (-1 when none; ties go to the lower index)."""
    best = np.full(n, -1)
    if len(score) == 0:
        return best
    a = np.concatenate([pair_i, pair_j])
    b = np.concatenate([pair_j, pair_i])
    s = np.concatenate([score, score])
    order = np.lexsort((b, -s, a))
    first = np.ones(len(order), dtype=bool)
    first[1:] = a[order][1:] != a[order][:-1]
    best[a[order][first]] = b[order][first]
    return best


def _split_by_time(articles: list[Article], existing: list[Event], settings: EventSettings):
    """(events left as they are, articles to cluster, existing events they may join).

    Why: an incremental run must not redo the whole store. New articles can only join events
    with a member published within `max_days` of them (a wider gap is a veto), so every
    other stored event is returned untouched, and memory follows the time window, not the
    store. Without full publication dates we cannot bound anything and take all."""
    from .signals import parse_published

    by_id = {a.id: a for a in articles}
    existing = [e for e in existing if any(a in by_id for a in e.articles)]
    placed = {a for e in existing for a in e.articles if a in by_id}
    fresh = [a for a in articles if a.id not in placed]
    if not existing:
        return [], articles, []
    if not fresh:
        return existing, [], []
    fresh_days = [parse_published(a.published)[0] for a in fresh]
    if any(d is None for d in fresh_days):
        return [], articles, existing
    low = min(fresh_days).toordinal() - settings.max_days
    high = max(fresh_days).toordinal() + settings.max_days

    def near(event: Event) -> bool:
        days = [parse_published(by_id[a].published)[0] for a in event.articles if a in by_id]
        return any(d is None or low <= d.toordinal() <= high for d in days)

    nearby = [e for e in existing if near(e)]
    untouched = [e for e in existing if not near(e)]
    keep = {a for e in nearby for a in e.articles} | {a.id for a in fresh}
    return untouched, [a for a in articles if a.id in keep], nearby


def _best_existing(group: list[int], options: list[tuple[int, list[int]]], features,
                   settings: EventSettings) -> int | None:
    """The kept event the group averages best with, if ≥ threshold (ties: the earlier event)."""
    best, best_value = None, settings.threshold
    for position, members in options:
        rows = np.repeat(np.asarray(group), len(members))
        cols = np.tile(np.asarray(members), len(group))
        value = float(evidence(features, rows, cols, settings).score.mean())
        if value >= best_value and (best is None or value > best_value):
            best, best_value = position, value
    return best


def _reason(k: int, members: list[int], articles: list[Article], signals, ev: PairEvidence,
            features, nearest: np.ndarray, settings: EventSettings) -> str:
    """Why member k sits in this event: its strongest tie inside the event, in words."""
    i = members[k]
    if len(members) == 1:
        if len(articles) < 2:
            return "only article"
        j = int(nearest[i])
        if j < 0:
            return "alone: no article close enough"
        pair = evidence(features, np.array([i]), np.array([j]), settings)
        score, days, dates = float(pair.score[0]), int(pair.days[0]), int(pair.dates[0])
        if days > 0 and score <= -1.0:
            return (f"alone: nearest {articles[j].id} (embedding {pair.embedding[0]:.2f}) was "
                    f"published {days} days apart")
        why = " (leads name different days)" if dates < 0 else ""
        return f"alone: no article close enough (nearest {articles[j].id} scores {score:.2f}){why}"
    others = [q for q in range(len(members)) if q != k]
    q = max(others, key=lambda o: (ev.score[k, o], -o))
    j = members[q]
    parts = []
    if ev.reuse[k, q] > 0:
        parts.append(f"reuse {ev.reuse[k, q]:.0%} with {articles[j].id}")
    parts.append(f"embedding {ev.embedding[k, q]:.2f} with {articles[j].id}")
    if ev.lexical[k, q] >= 0.05:
        parts.append(f"shared wording {ev.lexical[k, q]:.2f}")
    other_keys = signals[j].match_keys()
    shared = [signals[i].entities[key] for key, keys in signals[i].entity_keys.items()
              if other_keys.intersection(keys)]
    if shared:
        parts.append("shared entities " + ", ".join(shared[:4]))
    if ev.dates[k, q] > 0:
        from .signals import same_event_dates

        parts.append("same date " + same_event_dates(signals[i], signals[j])[1])
    if ev.days[k, q] >= 0:
        parts.append(f"published {int(ev.days[k, q])} day(s) apart")
    return " + ".join(parts) + f" (score {ev.score[k, q]:.2f})"
