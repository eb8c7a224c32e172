"""Step 2: which article pairs to align, and where, from a posting index of n-grams.

Every distinct n-gram of every article goes into one sorted posting array (numpy); an
n-gram found in two to `max_doc_freq` articles yields an *anchor* (position in a,
position in b) for each pair of those articles. Because n-grams are indexed at every
position, a single paragraph copied into a long article gives a dense run of anchors even
when the two documents are otherwise unrelated; whole-document MinHash/LSH would miss it.
Why hand-written rather than datasketch's LSH: LSH answers "which documents are similar
overall" and drops positions; one sort of an int64 array gives both the candidates and
the anchors the aligner needs, and caps frequent n-grams for free.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .fingerprint import Fingerprint
from .settings import ReuseSettings


@dataclass(slots=True)
class Candidates:
    """Candidate pairs (i < j, article indices) with their anchors, grouped per pair.

    Anchors of pair p are rows offsets[p]:offsets[p+1] of pos_a/pos_b/frequent, sorted by
    pos_a. `frequent` marks n-grams found in at least `formula_min_docs` articles.
    """

    pairs: np.ndarray
    offsets: np.ndarray
    pos_a: np.ndarray
    pos_b: np.ndarray
    frequent: np.ndarray

    def __len__(self) -> int:
        return len(self.pairs)

    def anchors(self, p: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        lo, hi = self.offsets[p], self.offsets[p + 1]
        return self.pos_a[lo:hi], self.pos_b[lo:hi], self.frequent[lo:hi]


def build_postings(fingerprints: list[Fingerprint]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(hash, article index, token position) of every distinct n-gram, sorted by hash then article."""
    if not fingerprints:
        empty = np.zeros(0, dtype=np.int64)
        return empty.astype(np.uint64), empty.astype(np.int32), empty.astype(np.int32)
    hashes = np.concatenate([fp.hashes for fp in fingerprints])
    docs = np.concatenate([np.full(len(fp.hashes), fp.index, dtype=np.int32) for fp in fingerprints])
    positions = np.concatenate([fp.positions for fp in fingerprints])
    order = np.lexsort((docs, hashes))
    return hashes[order], docs[order], positions[order]


def anchors_from_postings(hashes: np.ndarray, docs: np.ndarray, positions: np.ndarray,
                          settings: ReuseSettings) -> tuple[np.ndarray, ...]:
    """All (doc_a, doc_b, pos_a, pos_b, frequent) anchors of n-grams shared by 2..max_doc_freq articles."""
    n = len(hashes)
    if n == 0:
        z = np.zeros(0, dtype=np.int32)
        return z, z, z, z, z.astype(bool)
    starts = np.flatnonzero(np.concatenate(([True], hashes[1:] != hashes[:-1])))
    sizes = np.diff(np.append(starts, n))
    parts: list[tuple[np.ndarray, ...]] = []
    for size in np.unique(sizes[(sizes >= 2) & (sizes <= settings.max_doc_freq)]).tolist():
        group_starts = starts[sizes == size]
        rows = group_starts[:, None] + np.arange(size)[None, :]
        iu, ju = np.triu_indices(size, 1)
        left, right = rows[:, iu].ravel(), rows[:, ju].ravel()
        frequent = np.full(len(left), size >= settings.formula_min_docs, dtype=bool)
        parts.append((docs[left], docs[right], positions[left], positions[right], frequent))
    if not parts:
        z = np.zeros(0, dtype=np.int32)
        return z, z, z, z, z.astype(bool)
    return tuple(np.concatenate(cols) for cols in zip(*parts))


def group_anchors(doc_a: np.ndarray, doc_b: np.ndarray, pos_a: np.ndarray, pos_b: np.ndarray,
                  frequent: np.ndarray, settings: ReuseSettings, width: int) -> Candidates:
    """Group anchor rows per pair (keeping pairs with >= min_anchors), sorted for chaining.

    `width` is any number above the largest article index (it packs a pair into one int64).
    Pure and order-independent, so the Spark engine calls it per partition of anchors.
    """
    width = np.int64(max(width, 1))
    keys = doc_a.astype(np.int64) * width + doc_b
    order = np.lexsort((pos_b, pos_a, keys))
    keys, pos_a, pos_b, frequent = keys[order], pos_a[order], pos_b[order], frequent[order]
    uniq, counts = np.unique(keys, return_counts=True)
    keep = counts >= settings.min_anchors
    rows = np.repeat(keep, counts)
    offsets = np.concatenate(([0], np.cumsum(counts[keep]))).astype(np.int64)
    pairs = np.stack((uniq[keep] // width, uniq[keep] % width), axis=1).astype(np.int32)
    return Candidates(pairs=pairs.reshape(-1, 2), offsets=offsets, pos_a=pos_a[rows], pos_b=pos_b[rows],
                      frequent=frequent[rows])


def candidate_pairs(fingerprints: list[Fingerprint], settings: ReuseSettings) -> Candidates:
    """Pairs sharing at least `min_anchors` n-grams, with their anchors sorted for chaining."""
    anchors = anchors_from_postings(*build_postings(fingerprints), settings)
    width = max((fp.index for fp in fingerprints), default=0) + 1
    return group_anchors(*anchors, settings, width)
