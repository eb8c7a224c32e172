"""Group articles into events: average-link clustering over combined pair evidence.

Why average link: a story's articles must agree with the group as a whole, so one strong
pair (a stock phrase, a shared leader) cannot chain two look-alike events together the way
single link would. Groups that average-link can form never cross the connected components
of the "score ≥ threshold" graph, so we cluster each component alone (exact, and small).

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

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial.distance import squareform

from ..model import Article, Event, ReuseLink
from .describe import build_event, event_id
from .encoder import embed_cached, get_encoder
from .signals import build_signals
from .similarity import EventSettings, PairEvidence, pair_evidence


def _sort_key(article: Article) -> tuple[str, str]:
    return (article.published or "", article.id)


def average_link_groups(score: np.ndarray, threshold: float) -> list[list[int]]:
    """Average-link clusters whose mean score ≥ threshold, as sorted index lists."""
    n = len(score)
    if n == 0:
        return []
    graph = csr_matrix(np.triu(score >= threshold, k=1))
    count, labels = connected_components(graph, directed=False)
    groups: list[list[int]] = []
    for comp in range(count):
        members = np.flatnonzero(labels == comp)
        if len(members) == 1:
            groups.append([int(members[0])])
            continue
        sub = score[np.ix_(members, members)].astype(np.float64)
        # Distance = ceiling - score keeps every score's rank (clipping scores above 1 to
        # distance 0 would create ties whose merge order depends on input order), and the
        # mean distance ≤ ceiling - threshold is exactly "mean score ≥ threshold".
        ceiling = float(sub.max()) + 1.0
        dist = ceiling - sub
        np.fill_diagonal(dist, 0.0)
        tree = linkage(squareform(dist, checks=False), method="average")
        flat = fcluster(tree, t=ceiling - threshold + 1e-9, criterion="distance")
        for label in sorted(set(flat), key=lambda l: int(np.flatnonzero(flat == l)[0])):
            groups.append([int(members[k]) for k in np.flatnonzero(flat == label)])
    groups.sort(key=lambda g: g[0])
    return groups


def cluster_events(articles: list[Article], links: list[ReuseLink], *, store=None,
                   existing: list[Event] | None = None, encoder=None, progress=None,
                   settings: EventSettings | None = None) -> list[Event]:
    """Every article in exactly one event; see the module docstring for how."""
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
    advance = progress("event signals", len(articles)) if progress else None
    signals = []
    for article in articles:
        signals.append(build_signals(article))
        if advance:
            advance(1)
    vectors = embed_cached([s.lead for s in signals], encoder, store, progress=progress)
    evidence = pair_evidence(signals, vectors, links, settings)
    index = {a.id: i for i, a in enumerate(articles)}

    kept: list[tuple[str, list[int], dict[str, str]]] = []   # (id, members, reasons)
    placed: set[int] = set()
    for event in sorted(existing or [], key=lambda e: e.id):
        members = [index[a] for a in event.articles if a in index and index[a] not in placed]
        if members:
            placed.update(members)
            kept.append((event.id, sorted(members), dict(event.reasons)))

    fresh = [i for i in range(len(articles)) if i not in placed]
    sub = evidence.score[np.ix_(fresh, fresh)]
    groups = [[fresh[k] for k in g] for g in average_link_groups(sub, settings.threshold)]

    outcome: list[tuple[str | None, list[int], dict[str, str]]] = [(eid, m, r) for eid, m, r in kept]
    for group in groups:
        target = _best_existing(group, kept, evidence.score, settings.threshold)
        if target is None:
            outcome.append((None, group, {}))
        else:
            eid, members, reasons = outcome[target]
            outcome[target] = (eid, sorted(members + group), reasons)

    events = []
    for eid, members, reasons in outcome:
        member_articles = [articles[i] for i in members]
        new_reasons = {articles[i].id: _reason(i, members, articles, signals, evidence)
                       for i in members if articles[i].id not in reasons}
        events.append(build_event(eid or event_id([a.id for a in member_articles]),
                                  member_articles, signals=[signals[i] for i in members],
                                  score=evidence.score[np.ix_(members, members)],
                                  reasons={**reasons, **new_reasons}))
    events.extend(untouched)
    events.sort(key=lambda e: e.id)
    return events


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


def _best_existing(group: list[int], kept: list, score: np.ndarray, threshold: float) -> int | None:
    best, best_value = None, threshold
    for position, (_, members, _) in enumerate(kept):
        value = float(score[np.ix_(group, members)].mean())
        if value >= best_value and (best is None or value > best_value):
            best, best_value = position, value
    return best


def _reason(i: int, members: list[int], articles: list[Article], signals, ev: PairEvidence) -> str:
    """Why article i sits in this event: its strongest tie inside the event, in words."""
    others = [j for j in members if j != i]
    if not others:
        row = ev.score[i].copy()
        row[i] = -np.inf
        if len(row) < 2:
            return "only article"
        j = int(np.argmax(row))
        if ev.days[i, j] > 0 and row[j] <= -1.0:
            return (f"alone: nearest {articles[j].id} (embedding {ev.embedding[i, j]:.2f}) was "
                    f"published {int(ev.days[i, j])} days apart")
        why = " (leads name different days)" if ev.dates[i, j] < 0 else ""
        return f"alone: no article close enough (nearest {articles[j].id} scores {row[j]:.2f}){why}"
    j = max(others, key=lambda k: (ev.score[i, k], -k))
    parts = []
    if ev.reuse[i, j] > 0:
        parts.append(f"reuse {ev.reuse[i, j]:.0%} with {articles[j].id}")
    parts.append(f"embedding {ev.embedding[i, j]:.2f} with {articles[j].id}")
    if ev.lexical[i, j] >= 0.05:
        parts.append(f"shared wording {ev.lexical[i, j]:.2f}")
    other_keys = signals[j].match_keys()
    shared = [signals[i].entities[k] for k, keys in signals[i].entity_keys.items()
              if other_keys.intersection(keys)]
    if shared:
        parts.append("shared entities " + ", ".join(shared[:4]))
    if ev.dates[i, j] > 0:
        from .signals import same_event_dates

        parts.append("same date " + same_event_dates(signals[i], signals[j])[1])
    if ev.days[i, j] >= 0:
        parts.append(f"published {int(ev.days[i, j])} day(s) apart")
    return " + ".join(parts) + f" (score {ev.score[i, j]:.2f})"
