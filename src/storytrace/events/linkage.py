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
