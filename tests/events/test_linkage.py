"""Sparse exact average link against scipy's dense average link on the same scores."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import squareform

from storytrace.events.linkage import sparse_average_link


def dense_average_link(score: np.ndarray, threshold: float) -> list[list[int]]:
    ceiling = float(score.max()) + 1.0
    dist = ceiling - score
    np.fill_diagonal(dist, 0.0)
    flat = fcluster(linkage(squareform(dist, checks=False), method="average"),
                    t=ceiling - threshold + 1e-9, criterion="distance")
    groups = [sorted(np.flatnonzero(flat == label).tolist()) for label in set(flat)]
    return sorted(groups, key=lambda g: g[0])


def sparse_from(score: np.ndarray, threshold: float) -> list[list[int]]:
    i, j = np.triu_indices(len(score), k=1)
    strong = score[i, j] >= threshold
    calls = []

    def cross_sums(pairs):
        calls.append(len(pairs))
        return [float(score[np.ix_(a, b)].sum()) for a, b in pairs]

    return sparse_average_link(len(score), i[strong], j[strong], score[i, j][strong], cross_sums, threshold)


def planted_scores(seed: int, n: int = 70) -> np.ndarray:
    """Noisy scores with planted groups and some look-alike bridges between them."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, n // 4, size=n)
    score = rng.normal(0.1, 0.25, size=(n, n))
    score += np.where(labels[:, None] == labels[None, :], rng.normal(0.8, 0.3, size=(n, n)), 0.0)
    score = (score + score.T) / 2
    np.fill_diagonal(score, 1.0)
    return score


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("threshold", [0.5, 0.7])
def test_sparse_average_link_equals_dense(seed, threshold):
    score = planted_scores(seed)
    assert sparse_from(score, threshold) == dense_average_link(score, threshold)


def test_no_strong_pairs_leaves_everyone_alone():
    score = np.full((5, 5), 0.1)
    np.fill_diagonal(score, 1.0)
    assert sparse_from(score, 0.7) == [[0], [1], [2], [3], [4]]


def test_a_bridge_pair_does_not_chain_two_groups():
    # {0,1,2} and {3,4,5} are tight; one strong look-alike pair (2,3) must not join them.
    score = np.full((6, 6), -0.2)
    for group in ([0, 1, 2], [3, 4, 5]):
        score[np.ix_(group, group)] = 0.97
    score[2, 3] = score[3, 2] = 0.95
    np.fill_diagonal(score, 1.0)
    assert sparse_from(score, 0.7) == [[0, 1, 2], [3, 4, 5]] == dense_average_link(score, 0.7)


def test_strong_share_joins_groups_whose_cross_pairs_are_mostly_strong():
    from storytrace.events.linkage import merge_by_strong_share

    # Groups {0,1}, {2,3}, {4,5}: 2 of the 4 pairs between the first two are strong, 1 of 4
    # between the second and third; a single item never joins through this pass.
    groups = [[0, 1], [2, 3], [4, 5], [6]]
    edge_i = np.array([0, 1, 3, 0, 1])
    edge_j = np.array([2, 3, 4, 1, 6])
    assert merge_by_strong_share(groups, edge_i, edge_j, 0.5) == [[0, 1, 2, 3], [4, 5], [6]]
    assert merge_by_strong_share(groups, edge_i, edge_j, 0.6) == groups
    # Best-connected first, then recounted: {0,1,2,3} vs {4,5} has 1 strong pair of 8, so
    # {2,3}'s 1-of-4 link to {4,5} no longer counts.
    assert merge_by_strong_share(groups, edge_i, edge_j, 0.2) == [[0, 1, 2, 3], [4, 5], [6]]
    assert merge_by_strong_share(groups, edge_i, edge_j, 0.2, min_size=1) == [[0, 1, 2, 3, 6], [4, 5]]
