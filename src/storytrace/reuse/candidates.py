"""Step 2: which article pairs to align, and where, from a posting index of n-grams.

Every distinct n-gram of every article goes into one sorted posting array (numpy); an
n-gram found in two to `max_doc_freq` families (near-identical copies count once, see
`family.py`) yields an *anchor* (position in a, position in b) for each pair of those
families' articles, and one for each family member with its representative. Because n-grams are indexed at every
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
    pos_a. `frequent` marks n-grams found in at least `formula_min` families (`family.thresholds`).
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
                          settings: ReuseSettings, family: np.ndarray | None = None) -> tuple[np.ndarray, ...]:
    """All (doc_a, doc_b, pos_a, pos_b, frequent) anchors, doc_a < doc_b, counting families.

    `family[i]` is the representative of article i's family (`family.find_families`; None:
    every article alone). Postings (sorted by hash, then doc) are reduced to one row per
    (n-gram, family): the representative's when it has the n-gram, else the first member's.
    Those rows give anchors between families for n-grams in 2..cap families, flagged
    `frequent` from formula_min families on (`family.thresholds`). The other rows give
    anchors between each member and its representative, for the n-grams they share: k - 1
    pairs for a family of k, never k(k - 1)/2.
    """
    from .family import thresholds

    n = len(hashes)
    z = np.zeros(0, dtype=np.int32)
    empty = (z, z, z, z, z.astype(bool))
    if n == 0:
        return empty
    if family is None:
        family = np.arange(int(docs.max()) + 1, dtype=np.int32)
    formula_min, cap = thresholds(settings, int(len(np.unique(family))))
    fam = family[docs]
    is_rep = fam == docs
    if is_rep.all():            # no family of two or more: already one row per (n-gram, family)
        h, d, p, f, r = hashes, docs, positions, fam, is_rep
    else:                       # within an n-gram: by family, its representative first, then doc
        width = np.int64(len(family))
        order = np.lexsort(((fam.astype(np.int64) * 2 + ~is_rep) * width + docs, hashes))
        h, d, p, f, r = hashes[order], docs[order], positions[order], fam[order], is_rep[order]
    first = np.concatenate(([True], (h[1:] != h[:-1]) | (f[1:] != f[:-1])))
    # one row per (n-gram, family), still in hash order: how many families hold each n-gram
    ph = h[first]
    starts = np.flatnonzero(np.concatenate(([True], ph[1:] != ph[:-1])))
    sizes = np.diff(np.append(starts, len(ph)))
    parts: list[tuple[np.ndarray, ...]] = []
    # member <-> representative anchors
    group_first = np.maximum.accumulate(np.where(first, np.arange(n), 0))
    inner = ~first & r[group_first]
    if inner.any():
        rows, reps = np.flatnonzero(inner), group_first[inner]
        fams_of_hash = np.repeat(sizes, sizes)[np.cumsum(first) - 1][rows]
        ok = fams_of_hash <= cap
        rows, reps = rows[ok], reps[ok]
        lo = np.minimum(d[rows], d[reps])
        swap = d[rows] < d[reps]
        parts.append((lo, np.maximum(d[rows], d[reps]), np.where(swap, p[rows], p[reps]),
                      np.where(swap, p[reps], p[rows]), fams_of_hash[ok] >= formula_min))
    # anchors between families (one row per family, sorted by hash then doc)
    pd_, pp = d[first], p[first]
    o2 = np.lexsort((pd_, ph))
    pd_, pp = pd_[o2], pp[o2]
    for size in np.unique(sizes[(sizes >= 2) & (sizes <= cap)]).tolist():
        group_starts = starts[sizes == size]
        rows = group_starts[:, None] + np.arange(size)[None, :]
        iu, ju = np.triu_indices(size, 1)
        left, right = rows[:, iu].ravel(), rows[:, ju].ravel()
        frequent = np.full(len(left), size >= formula_min, dtype=bool)
        parts.append((pd_[left], pd_[right], pp[left], pp[right], frequent))
    if not parts:
        return empty
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


def candidate_pairs(fingerprints: list[Fingerprint], settings: ReuseSettings,
                    family: np.ndarray | None = None) -> Candidates:
    """Pairs sharing at least `min_anchors` n-grams, with their anchors sorted for chaining."""
    anchors = anchors_from_postings(*build_postings(fingerprints), settings, family)
    width = max((fp.index for fp in fingerprints), default=0) + 1
    return group_anchors(*anchors, settings, width)
