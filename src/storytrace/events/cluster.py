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
member published within `max_days` of a new article are read at all (`window_days`); the
rest come back untouched. Within that window an increment costs what is new: only pairs
with a new article are scored (`candidate_pairs(only=...)`), stored articles are read as
compact `EventRow`s (hashed term counts instead of a TF-IDF vocabulary fit), and only the
events a new article joins are built and described again; every other event is returned
as the very object passed in. Results never depend on input
order: articles are sorted by (publication, id) first. Across batches, an article's event is
fixed when it arrives, so feeding a corpus in batches can differ from one run over all of
it only for groups that would have formed from articles split over batches; ties between
two existing events go to the one with the smaller id.
"""
from __future__ import annotations

from typing import Callable

import numpy as np
from scipy import sparse

from ..model import Article, Event, ReuseLink
from .describe import build_event, event_id
from .encoder import embed_cached, get_encoder
from .candidates import background_rows, candidate_pairs, filled_background
from .linkage import merge_by_occasion, merge_by_strong_share, sparse_average_link
from .occasion import occasion_terms
from .rows import EventRow, event_row, term_counts  # noqa: F401 - `term_counts` is part of this module's API
from .signals import ArticleSignals, build_signals
from .similarity import EventSettings, PairEvidence, article_features, evidence
from .years import time_key


# How an engine builds the signals of a list of articles (one per article, same order).
SignalsStep = Callable[[list[Article]], list[ArticleSignals]]


# How an engine reads (or builds) the rows of a list of articles (one per article, same order).
RowsStep = Callable[[list[Article]], list[EventRow]]


def hashed_tfidf(counts: list[tuple[np.ndarray, np.ndarray]]) -> sparse.csr_matrix:
    """TF-IDF rows as `similarity._tfidf` fits them (sublinear tf, smooth idf over these
    documents, L2 rows), from hashed term counts: columns are the terms present, in id
    order (any consistent column order gives the same products)."""
    n = len(counts)
    lengths = np.array([len(ids) for ids, _ in counts], dtype=np.int64)
    if n == 0 or lengths.sum() == 0:
        return sparse.csr_matrix((n, 1), dtype=np.float32)
    ids = np.concatenate([ids for ids, _ in counts])
    tf = np.concatenate([c for _, c in counts]).astype(np.float64)
    # `np.unique(ids, return_inverse=True)`, by a stable sort: each row's ids are sorted
    # already, and timsort merges such runs in a third of the time of unique's quicksort
    order = np.argsort(ids, kind="stable")
    ordered = ids[order]
    first = np.empty(len(ids), dtype=bool)
    first[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    vocab_size = int(first.sum())
    column = np.empty(len(ids), dtype=np.intp)
    column[order] = np.cumsum(first) - 1
    df = np.bincount(column, minlength=vocab_size)
    idf = np.log((1.0 + n) / (1.0 + df)) + 1.0
    data = (1.0 + np.log(tf)) * idf[column]
    indptr = np.concatenate(([0], np.cumsum(lengths)))
    norms = np.sqrt(np.bincount(np.repeat(np.arange(n), lengths), weights=data ** 2, minlength=n))
    norms = np.where(norms > 0, norms, 1.0)
    data = data / np.repeat(norms, lengths)
    return sparse.csr_matrix((data.astype(np.float32), column.astype(np.int64), indptr), shape=(n, vocab_size))


def _sort_key(article: Article) -> tuple:
    """Publication as an instant (`years.time_key`: offsets honoured), then id."""
    return (time_key(article.published), article.id)


def cluster_events(articles: list[Article], links: list[ReuseLink], *, store=None,
                   existing: list[Event] | None = None, encoder=None, progress=None,
                   settings: EventSettings | None = None,
                   signals_for: SignalsStep | None = None,
                   rows_for: RowsStep | None = None, rebuild: set[str] | frozenset = frozenset()) -> list[Event]:
    """Every article in exactly one event; see the module docstring for how.

    `signals_for(articles)` builds the `ArticleSignals` of exactly the articles this call
    clusters (sorted, deduplicated, those an incremental run leaves untouched dropped), in
    their order: engines pass one that spreads the per-article work over processes or Spark
    executors and reports its own progress. Default: `build_signals` here, one by one.
    `rows_for(articles)`: for an increment, each article's `EventRow` (signals without the
    token lists, plus hashed term counts), read from a cache where one is kept
    (`engines.local.cached_rows`); without it an increment derives them from `signals_for`.
    `rebuild`: ids of stored articles that changed since they were clustered (e.g. newly
    hidden boilerplate): their events are described again (members kept).
    """
    settings = settings or EventSettings()
    articles = sorted({a.id: a for a in articles}.values(), key=_sort_key)
    if not articles:
        return []
    untouched, articles, existing = _split_by_time(articles, existing or [], settings, rebuild)
    if not articles:
        return sorted(untouched, key=lambda e: e.id)
    encoder = encoder if encoder is not None else get_encoder()
    if isinstance(encoder, str):
        encoder = get_encoder(encoder)
    index = {a.id: i for i, a in enumerate(articles)}
    kept: list[tuple[str, list[int], dict[str, str]]] = []   # (id, members, reasons)
    stored: list[Event] = []                                 # the stored event per kept position
    owner = np.full(len(articles), -1)                       # kept position per placed article
    for event in sorted(existing or [], key=lambda e: e.id):
        members = [index[a] for a in event.articles if a in index and owner[index[a]] < 0]
        if members:
            owner[members] = len(kept)
            kept.append((event.id, sorted(members), dict(event.reasons)))
            stored.append(event)
    fresh = owner < 0
    grown: set[int] = {int(owner[index[a]]) for a in rebuild if a in index and owner[index[a]] >= 0}
    increment = bool(kept) and (bool(fresh.any()) or bool(grown))
    if increment:
        # Stored articles are read from their compact rows (no token lists, no TF-IDF fit
        # by vocabulary): term counts are hashed, so the window's matrices are numpy work.
        rows = (list(rows_for(articles)) if rows_for is not None
                else [event_row(s) for s in _signals(articles, signals_for, progress)])
        if [r.signals.id for r in rows] != [a.id for a in articles]:
            raise ValueError("rows_for must return one EventRow per article, in order")
        signals = [r.signals for r in rows]
    else:
        signals = _signals(articles, signals_for, progress)
    vectors = embed_cached([s.lead for s in signals], encoder, store, progress=progress)
    features = article_features(signals, vectors, links)
    if increment:
        features.lexical = hashed_tfidf([r.tokens for r in rows])
        features.lead_lexical = hashed_tfidf([r.lead_tokens for r in rows])
        # Only pairs with a new article are scored; the margins' neighbourhoods are measured
        # for the articles those pairs reach (the rest of the window is never scored).
        raw = background_rows(features, settings, np.empty(0, dtype=np.int64))     # all unmeasured
        pair_i, pair_j = candidate_pairs(features, settings, only=np.flatnonzero(fresh), raw=raw)
        partners = np.setdiff1d(np.concatenate([pair_i, pair_j]), np.flatnonzero(fresh))
        features.background = filled_background(background_rows(features, settings, partners, raw))
    else:
        pair_i, pair_j = candidate_pairs(features, settings)
    pair_score = evidence(features, pair_i, pair_j, settings).score

    strong = pair_score >= settings.threshold
    groups = _fresh_groups(features, pair_i[strong], pair_j[strong], pair_score[strong], fresh, settings)

    outcome: list[tuple[str | None, list[int], dict[str, str]]] = [(eid, m, r) for eid, m, r in kept]
    links_to_kept = _strong_links_to_kept(pair_i[strong], pair_j[strong], owner)
    choices = [sorted({p for g in group for p in links_to_kept.get(g, ())}) for group in groups]
    if increment:
        # the members of every event a new group may join, for the margins of its averages
        # and of the rebuilt events (rows not measured yet; measured rows stay as they are)
        wanted = sorted({m for options in choices for p in options for m in kept[p][1]})
        todo = np.setdiff1d(np.asarray(wanted, dtype=np.int64), np.concatenate([np.flatnonzero(fresh), partners]))
        if len(todo):
            features.background = filled_background(background_rows(features, settings, todo, raw))
    averages = iter(_mean_scores(features, [(group, kept[p][1]) for group, options in zip(groups, choices)
                                            for p in options], settings))
    for group, options in zip(groups, choices):
        target = _best_existing([(p, next(averages)) for p in options], settings)
        if target is None:
            outcome.append((None, group, {}))
        else:
            eid, members, reasons = outcome[target]
            outcome[target] = (eid, sorted(members + group), reasons)
            grown.add(target)

    nearest = _nearest_partner(pair_i, pair_j, pair_score, len(articles))
    events = []
    built = [(position, eid, members, reasons) for position, (eid, members, reasons) in enumerate(outcome)
             if not (increment and position < len(kept) and position not in grown
                     and len(members) == len(stored[position].articles))]
    blocks = iter(_blocks_evidence(features, [members for _, _, members, _ in built], settings))
    # the pair a lone new member's reason names (its nearest scored partner), all in one call
    alone = [members[0] for _, _, members, reasons in built if len(members) == 1 and len(articles) >= 2
             and nearest[members[0]] >= 0 and articles[members[0]].id not in reasons]
    alone = dict(zip(alone, _split_evidence(evidence(features, np.asarray(alone, dtype=np.int64),
                                                     nearest[np.asarray(alone, dtype=np.int64)], settings),
                                            [1] * len(alone)))) if alone else {}
    done = {position for position, *_ in built}
    for position, (eid, members, reasons) in enumerate(outcome):
        if position not in done:
            events.append(stored[position])     # no new member: the stored record, not rebuilt
            continue
        member_articles = [articles[i] for i in members]
        block = next(blocks)
        new_reasons = {articles[i].id: _reason(k, members, articles, signals, block, features, nearest, settings,
                                               alone.get(i))
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
    if settings.occasion_share <= 1.0:
        terms = occasion_terms(features.signals)   # document frequencies over the whole window read (kept articles too)
        groups = merge_by_occasion(groups, li, lj, [terms[k] for k in local], cross_sums,
                                   settings.occasion_mean, settings.occasion_share,
                                   features.ordinals[local], settings.occasion_days)
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


def _split_by_time(articles: list[Article], existing: list[Event], settings: EventSettings,
                   rebuild: set[str] | frozenset = frozenset()):
    """(events left as they are, articles to cluster, existing events they may join).

    Why: an incremental run must not redo the whole store. New articles can only join events
    with a member published within `max_days` of them (a wider gap is a veto), so every
    other stored event is returned untouched, and memory follows the time window, not the
    store. The window's days: `window_days` (new articles without a date do not widen it).
    Events with a stored article in `rebuild` are read too. Only when nothing is dated at
    all is everything read."""
    from .signals import parse_published

    by_id = {a.id: a for a in articles}
    existing = [e for e in existing if any(a in by_id for a in e.articles)]
    placed = {a for e in existing for a in e.articles if a in by_id}
    fresh = [a for a in articles if a.id not in placed]
    if not existing:
        return [], articles, []
    rebuild = set(rebuild) & placed
    if not fresh and not rebuild:
        return existing, [], []
    day = {a.id: parse_published(a.published)[0] for a in articles}       # each article's once
    low, high = 1, 0          # only events to rebuild
    if fresh:
        low, high = window_days([day[a.id] for a in fresh], [day[a.id] for a in articles if a.id in placed], settings)
        if low is None:
            return [], articles, existing

    def near(event: Event) -> bool:
        if any(a in rebuild for a in event.articles):
            return True
        days = [day[a] for a in event.articles if a in by_id]
        return any(d is None or low <= d.toordinal() <= high for d in days)

    close = [near(e) for e in existing]
    nearby = [e for e, c in zip(existing, close) if c]
    untouched = [e for e, c in zip(existing, close) if not c]
    keep = {a for e in nearby for a in e.articles} | {a.id for a in fresh}
    return untouched, [a for a in articles if a.id in keep], nearby


def window_days(fresh_days: list, stored_days: list, settings: EventSettings) -> tuple[int | None, int | None]:
    """(first, last) day ordinal an increment reads: `max_days` around its dated new
    articles. New articles without a full date ride along in that window; when no new
    article has a date, the window is `max_days` around the newest stored publication day
    (news arrives at the newest end). (None, None) when nothing at all is dated."""
    dated = [d.toordinal() for d in fresh_days if d is not None]
    if not dated:
        dated = [max(d.toordinal() for d in stored_days if d is not None)] if any(
            d is not None for d in stored_days) else []
    if not dated:
        return None, None
    return min(dated) - settings.max_days, max(dated) + settings.max_days


def _best_existing(options: list[tuple[int, float]], settings: EventSettings) -> int | None:
    """The kept event (position, the group's average score with it) the group averages best
    with, if ≥ threshold (ties: the earlier event)."""
    best, best_value = None, settings.threshold
    for position, value in options:
        if value >= best_value and (best is None or value > best_value):
            best, best_value = position, value
    return best


# -- many small evidence requests in a few `evidence` calls ---------------------------------
# An increment asks for about a hundred small blocks of pairs (a new group against each event
# it may join, each rebuilt event's square, each lone new article's nearest pair), and every
# `evidence` call has a fixed cost of about 1 ms (sparse row selections for its eight pair
# products) whatever its size. Every value `evidence` returns is a function of its own pair
# only (the pair products' sums run over one row's entries in that row's order; the rest is
# elementwise), so one call over the blocks side by side, cut back into blocks, gives the
# arrays the separate calls give; calls are cut at _BATCH_PAIRS pairs to bound memory.
_BATCH_PAIRS = 1 << 16


def _split_evidence(ev: PairEvidence, sizes: list[int]) -> list[PairEvidence]:
    """`ev` (1-D) cut into consecutive parts of these sizes."""
    import dataclasses

    bounds = np.concatenate(([0], np.cumsum(sizes, dtype=np.int64)))
    arrays = {f.name: getattr(ev, f.name) for f in dataclasses.fields(ev) if getattr(ev, f.name) is not None}
    return [PairEvidence(**{name: value[lo:hi] for name, value in arrays.items()})
            for lo, hi in zip(bounds[:-1].tolist(), bounds[1:].tolist())]


def _batched_evidence(features, blocks: list[tuple[np.ndarray, np.ndarray]], settings: EventSettings
                      ) -> list[PairEvidence]:
    """`evidence(features, rows, cols)` of each (rows, cols) block, in few calls (see above)."""
    out: list[PairEvidence] = []
    start = 0
    while start < len(blocks):
        stop, pairs = start, 0
        while stop < len(blocks) and (stop == start or pairs + len(blocks[stop][0]) <= _BATCH_PAIRS):
            pairs += len(blocks[stop][0])
            stop += 1
        part = blocks[start:stop]
        ev = evidence(features, np.concatenate([r for r, _ in part]), np.concatenate([c for _, c in part]), settings)
        out.extend(_split_evidence(ev, [len(r) for r, _ in part]))
        start = stop
    return out


def _mean_scores(features, pairs: list[tuple[list[int], list[int]]], settings: EventSettings) -> list[float]:
    """Mean score of every cross pair of each (group, members): what average link weighs."""
    blocks = [(np.repeat(np.asarray(group), len(members)), np.tile(np.asarray(members), len(group)))
              for group, members in pairs]
    return [float(ev.score.mean()) for ev in _batched_evidence(features, blocks, settings)]


def _blocks_evidence(features, member_lists: list[list[int]], settings: EventSettings) -> list[PairEvidence]:
    """`similarity.block_evidence` of each member list (m × m arrays, diagonal score 1)."""
    blocks = []
    for members in member_lists:
        idx = np.asarray(members, dtype=np.int64)
        blocks.append((np.repeat(idx, len(idx)), np.tile(idx, len(idx))))
    out = []
    for members, ev in zip(member_lists, _batched_evidence(features, blocks, settings)):
        m = len(members)
        out.append(PairEvidence(**{name: value.reshape(m, m) if isinstance(value, np.ndarray) else value
                                   for name, value in vars(ev).items()}))
    return out


def _reason(k: int, members: list[int], articles: list[Article], signals, ev: PairEvidence,
            features, nearest: np.ndarray, settings: EventSettings, pair: PairEvidence | None = None) -> str:
    """Why member k sits in this event: its strongest tie inside the event, in words.
    `pair`: a lone member's evidence with its nearest partner, when already computed."""
    i = members[k]
    if len(members) == 1:
        if len(articles) < 2:
            return "only article"
        j = int(nearest[i])
        if j < 0:
            return "alone: no article close enough"
        if pair is None:
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
