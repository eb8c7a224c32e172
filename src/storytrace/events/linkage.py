"""Average-link clustering over a sparse graph, exact, without an n × n matrix.

Why hand-written: scipy's `linkage` needs every pair's distance (n² memory and time), and
scikit-learn's sparse-connectivity average link treats unlisted pairs as absent instead of
using their real score. Average link only ever merges two groups whose mean score is ≥ the
threshold, which needs at least one pair between them ≥ the threshold ("strong"). So we
keep, for each pair of groups joined by a strong pair, the exact sum of scores over all
their member pairs: known sums add up on a merge (Lance-Williams for average link), and the
missing side is scored exactly on demand (`cross_sums`). The result is the flat clustering
scipy's average link gives when cut at the threshold; ties merge the pair of groups with
the smallest member indices first, so it is deterministic.
"""
from __future__ import annotations

import heapq
from collections.abc import Callable

import numpy as np

CrossSums = Callable[[list[tuple[list[int], list[int]]]], list[float]]


def sparse_average_link(n: int, edge_i: np.ndarray, edge_j: np.ndarray, edge_score: np.ndarray,
                        cross_sums: CrossSums, threshold: float) -> list[list[int]]:
    """Groups (sorted index lists, sorted by first index) of items 0..n-1.

    edge_*: every pair scoring ≥ threshold (each once); cross_sums: for a list of (group a,
    group b) member lists, the sum of the real scores over all a × b pairs."""
    members: dict[int, list[int]] = {k: [k] for k in range(n)}
    sums: dict[int, dict[int, float]] = {k: {} for k in range(n)}
    for a, b, s in zip(edge_i.tolist(), edge_j.tolist(), edge_score.tolist()):
        if a != b:
            sums[a][b] = sums[b][a] = float(s)
    heap = []

    def push(a: int, b: int) -> None:
        mean = sums[a][b] / (len(members[a]) * len(members[b]))
        if mean >= threshold:
            first = sorted((members[a][0], members[b][0]))
            heapq.heappush(heap, (-mean, first[0], first[1], a, b))

    for a in range(n):
        for b in sums[a]:
            if a < b:
                push(a, b)
    next_id = n
    while heap:
        _, _, _, a, b = heapq.heappop(heap)
        if a not in members or b not in members:
            continue
        merged = sorted(members[a] + members[b])
        neighbours = sorted((set(sums[a]) | set(sums[b])) - {a, b})
        missing = [(x, d) for d in neighbours for x in (a, b) if d not in sums[x]]
        found = dict(zip(missing, cross_sums([(members[x], members[d]) for x, d in missing])))
        new = next_id
        next_id += 1
        members[new] = merged
        sums[new] = {}
        for d in neighbours:
            total = sum(sums[x][d] if d in sums[x] else found[(x, d)] for x in (a, b))
            sums[new][d] = total
            sums[d][new] = total
            sums[d].pop(a, None)
            sums[d].pop(b, None)
        for x in (a, b):
            del members[x], sums[x]
        for d in neighbours:
            push(new, d)
    return sorted(members.values(), key=lambda g: g[0])


def _owned(groups: list[list[int]]) -> tuple[np.ndarray, dict[int, list[int]]]:
    """Each item's group number, and the groups by number (numbers 0..len(groups) - 1)."""
    owner = np.empty(sum(len(g) for g in groups), dtype=np.int64)
    for k, group in enumerate(groups):
        owner[group] = k
    return owner, {k: list(g) for k, g in enumerate(groups)}


def _merge_best_first(members: dict[int, list[int]], heap: list, next_id: int,
                      merged: Callable[[int, int, int], None]) -> list[list[int]]:
    """The greedy loop the group passes share: take the best pending join
    (`(-value, first member, first member, a, b)` entries: ties by smallest members, so
    deterministic), skip joins of groups already merged away, join the two under a new
    number, and let `merged(a, b, new)` update the pass's bookkeeping and push the new
    group's candidate joins."""
    while heap:
        _, _, _, a, b = heapq.heappop(heap)
        if a not in members or b not in members:
            continue
        new, next_id = next_id, next_id + 1
        members[new] = sorted(members.pop(a) + members.pop(b))
        merged(a, b, new)
    return sorted(members.values(), key=lambda g: g[0])


def merge_by_strong_share(groups: list[list[int]], edge_i: np.ndarray, edge_j: np.ndarray,
                          share: float, min_size: int = 2) -> list[list[int]]:
    """Join groups (each of ≥ `min_size` items) when at least `share` of the pairs between
    them are strong, best-connected first, as average link over the 0/1 "strong" relation.

    Why a second pass: average link over real scores splits a story told over several days
    or angles into sub-groups whose mean cross score sits just under the threshold, since
    a big group's members differ more from each other; but many of their cross pairs are
    individually strong. Counting strong pairs (the edges already scored) is exact without
    scoring anything new: counts add up on a merge."""
    owner, members = _owned(groups)
    counts: dict[int, dict[int, int]] = {k: {} for k in members}
    for a, b in zip(owner[edge_i].tolist(), owner[edge_j].tolist()):
        if a != b:
            counts[a][b] = counts[a].get(b, 0) + 1
            counts[b][a] = counts[b].get(a, 0) + 1
    heap = []

    def push(a: int, b: int) -> None:
        if min(len(members[a]), len(members[b])) < min_size:
            return
        value = counts[a][b] / (len(members[a]) * len(members[b]))
        if value >= share:
            first = sorted((members[a][0], members[b][0]))
            heapq.heappush(heap, (-value, first[0], first[1], a, b))

    for a in members:
        for b in counts[a]:
            if a < b:
                push(a, b)
    def merged(a: int, b: int, new: int) -> None:
        counts[new] = {}
        for x in (a, b):
            for d, c in counts.pop(x).items():
                if d in (a, b):
                    continue
                counts[new][d] = counts[new].get(d, 0) + c
                counts[d].pop(x, None)
        for d, c in counts[new].items():
            counts[d][new] = c
        for d in sorted(counts[new]):
            push(new, d)

    return _merge_best_first(members, heap, len(groups), merged)


def merge_by_occasion(groups: list[list[int]], edge_i: np.ndarray, edge_j: np.ndarray,
                      terms: list[frozenset[str]], cross_sums: CrossSums, mean: float,
                      share: float, days: np.ndarray | None = None, span: int | None = None) -> list[list[int]]:
    """Join groups whose headlines name one occasion: a term (`occasion.occasion_terms`)
    named by at least `share` of each group's members, at least one strong pair between
    them, a mean score over all their pairs of at least `mean`, and (with `days`, each
    item's publication day ordinal, -1 unknown) publication days at most `span` apart in
    the joined group; best mean first, the groups' terms and means measured again after
    each merge.

    Why: the pieces of an umbrella event (a ceremony's preview, the ceremony, the
    delegation, the screenings) share the occasion's name while their pair scores average
    under the threshold; one topic's other happenings share names and topic words but
    not, in most of their headlines, the name of one occasion (see `occasion.py`). One
    occasion is one news day and its eve (a preview): a topic's daily series (case counts,
    briefings) names its term day after day and stays apart."""
    owner, members = _owned(groups)
    linked: dict[int, set[int]] = {k: set() for k in members}
    for a, b in zip(owner[edge_i].tolist(), owner[edge_j].tolist()):
        if a != b:
            linked[a].add(b)
            linked[b].add(a)

    def named(group: list[int]) -> set[str]:
        counts: dict[str, int] = {}
        for m in group:
            for t in terms[m]:
                counts[t] = counts.get(t, 0) + 1
        need = max(1, int(np.ceil(share * len(group) - 1e-9)))
        return {t for t, c in counts.items() if c >= need}

    names = {k: named(g) for k, g in members.items()}
    heap: list = []

    def one_cycle(a: int, b: int) -> bool:
        if days is None or span is None:
            return True
        known = [int(days[m]) for m in members[a] + members[b] if days[m] >= 0]
        return not known or max(known) - min(known) <= span

    def push(pairs: list[tuple[int, int]]) -> None:
        pairs = [(a, b) for a, b in pairs if names[a] & names[b] and one_cycle(a, b)]
        sums = cross_sums([(members[a], members[b]) for a, b in pairs])
        for (a, b), total in zip(pairs, sums):
            value = total / (len(members[a]) * len(members[b]))
            if value >= mean:
                first = sorted((members[a][0], members[b][0]))
                heapq.heappush(heap, (-value, first[0], first[1], a, b))

    push([(a, b) for a in sorted(members) for b in sorted(linked[a]) if a < b])
    def merged(a: int, b: int, new: int) -> None:
        linked[new] = (linked.pop(a) | linked.pop(b)) - {a, b}
        for d in linked[new]:
            linked[d] -= {a, b}
            linked[d].add(new)
        del names[a], names[b]
        names[new] = named(members[new])
        push([(new, d) for d in sorted(linked[new])])

    return _merge_best_first(members, heap, len(groups), merged)
