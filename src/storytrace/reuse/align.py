"""Step 3: local alignment of one candidate pair into passages with exact spans.

Seed-and-extend, as BLAST and passim do: shared n-grams (anchors) are chained along
near-diagonals (allowing gaps for edits and a drift for insertions), chains are extended
over exactly matching tokens and merged when close, and each resulting region is verified
with rapidfuzz's token-level Levenshtein alignment, which gives the similarity and the
opcodes that name the edits. Re-ordered paragraphs are simply separate chains. Why the
chaining is hand-written: it is a dozen lines of a greedy sweep over sorted anchors, and
no maintained library chains precomputed anchors; the expensive part (edit distance and
opcodes) is rapidfuzz's.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from rapidfuzz.distance import Levenshtein

from ..model import Passage
from .edits import describe_edits
from .fingerprint import Fingerprint
from .formula import is_formula
from .settings import ReuseSettings

# Longest region (tokens) verified in one Levenshtein call: bit-parallel edit distance
# costs about n*m/64, so a book-length duplicate is verified as consecutive pieces instead.
MAX_REGION = 4000
# Extension past a chain's last anchor is for a few edited or capped tokens, not a novel.
MAX_EXTEND = 64
# Pairs with this many anchors are swept run by run (see `chain_anchors`); fewer, one by one.
RUNS_FROM = 48


@dataclass(slots=True)
class Chain:
    """Token ranges [a0, a1) x [b0, b1) backed by `anchors` shared n-grams, `frequent` of them common."""

    a0: int
    b0: int
    a1: int
    b1: int
    anchors: int
    frequent: int


def _runs(pos_a: np.ndarray, pos_b: np.ndarray, gap: int) -> np.ndarray:
    """Start index of each run of consecutive anchors on one diagonal (0 < step <= gap)."""
    if len(pos_a) < 2:
        return np.zeros(min(len(pos_a), 1), dtype=np.int64)
    da = np.diff(pos_a.astype(np.int64))
    db = np.diff(pos_b.astype(np.int64))
    cont = (da == db) & (da > 0) & (da <= gap)
    return np.flatnonzero(np.concatenate(([True], ~cont)))


def chain_anchors(pos_a: np.ndarray, pos_b: np.ndarray, frequent: np.ndarray,
                  settings: ReuseSettings) -> list[Chain]:
    """Greedy sweep in a order: attach each anchor to the open chain it continues best.

    A run of anchors on one diagonal (a copied stretch) is attached in one step: after its
    first anchor picks a chain, every later anchor of the run would pick the same chain
    (it continues it at cost 0, and no chain ahead of it in the sweep can), so the result is
    the anchor-by-anchor sweep's, at the cost of one step per run instead of per anchor.
    """
    gap, drift, k = settings.max_gap, settings.max_drift, settings.shingle
    chains: list[list[int]] = []          # a_first, b_first, a_last, b_last, n, n_frequent
    active: list[int] = []
    a_list, b_list, f_list = pos_a.tolist(), pos_b.tolist(), frequent.tolist()
    n = len(a_list)
    if n >= RUNS_FROM:
        starts = _runs(pos_a, pos_b, gap).tolist()
        ends = starts[1:] + [n]
        f_cum = np.concatenate(([0], np.cumsum(frequent, dtype=np.int64))).tolist()
    else:
        starts, ends, f_cum = range(n), range(1, n + 1), None
    for lo, hi in zip(starts, ends):
        i = lo
        while i < hi:
            a, b, f = a_list[i], b_list[i], int(f_list[i])
            best, best_cost, still = -1, drift + 1, []
            for ci in active:
                c = chains[ci]
                da = a - c[2]
                if da > gap:
                    continue
                still.append(ci)
                db = b - c[3]
                if 0 < db <= gap and abs(da - db) < best_cost and a - c[0] < MAX_REGION:
                    best, best_cost = ci, abs(da - db)
            active = still
            if best >= 0:
                c = chains[best]
                c[2], c[3], c[4], c[5] = a, b, c[4] + 1, c[5] + f
            else:
                c = [a, b, a, b, 1, f]
                chains.append(c)
                active.append(len(chains) - 1)
            i += 1
            if i < hi and a_list[hi - 1] - c[0] < MAX_REGION:     # the rest of the run, in one step
                c[2], c[3] = a_list[hi - 1], b_list[hi - 1]
                c[4] += hi - i
                c[5] += f_cum[hi] - f_cum[i]
                break
    return [Chain(c[0], c[1], c[2] + k, c[3] + k, c[4], c[5])
            for c in chains if c[4] >= settings.min_anchors]


def _reach(ta: np.ndarray, tb: np.ndarray, i: int, j: int, step: int, xdrop: int) -> int:
    """How many tokens to extend from (i, j) in direction `step` (+1/-1), X-drop style.

    Ungapped: +1 per equal token, -1 per different one; stop once the score falls `xdrop`
    below its best and keep the best point. This crosses an isolated edited character near
    a passage's edge, which exact extension cannot.
    """
    best = score = reach = length = 0
    while 0 <= i < len(ta) and 0 <= j < len(tb) and length < MAX_EXTEND:
        length += 1
        score += 1 if ta[i] == tb[j] else -1
        if score > best:
            best, reach = score, length
        elif best - score >= xdrop:
            break
        i += step
        j += step
    return reach


def _extend(ch: Chain, fa: Fingerprint, fb: Fingerprint, xdrop: int = 3) -> Chain:
    """Grow a chain over (nearly) matching tokens at both ends (n-grams lost to edits or the cap)."""
    back = _reach(fa.tokens, fb.tokens, ch.a0 - 1, ch.b0 - 1, -1, xdrop)
    ch.a0 -= back
    ch.b0 -= back
    ahead = _reach(fa.tokens, fb.tokens, ch.a1, ch.b1, 1, xdrop)
    ch.a1 += ahead
    ch.b1 += ahead
    return ch


def merge_chains(chains: list[Chain], settings: ReuseSettings) -> list[Chain]:
    """Join chains that continue each other closely on both sides; drop contained ones."""
    merged: list[Chain] = []
    for ch in sorted(chains, key=lambda c: (c.a0, c.b0, -c.a1)):
        joined = False
        for prev in reversed(merged[-8:]):
            if ch.a1 <= prev.a1 and prev.b0 <= ch.b0 and ch.b1 <= prev.b1:
                prev.anchors += ch.anchors
                prev.frequent += ch.frequent
                joined = True
                break
            ga, gb = ch.a0 - prev.a1, ch.b0 - prev.b1
            if (-settings.shingle <= ga <= settings.max_gap and -settings.shingle <= gb <= settings.max_gap
                    and abs(ga - gb) <= settings.max_drift and ch.b1 > prev.b1
                    and ch.a1 - prev.a0 <= MAX_REGION + MAX_EXTEND):
                prev.a1, prev.b1 = max(prev.a1, ch.a1), ch.b1
                prev.anchors += ch.anchors
                prev.frequent += ch.frequent
                joined = True
                break
        if not joined:
            merged.append(ch)
    return merged


def _visible_chars(text: str) -> int:
    return sum(map(len, text.split()))      # non-whitespace characters: split() uses isspace


def chain_span(ch: Chain, fa: Fingerprint, fb: Fingerprint) -> tuple[int, int, int, int, int]:
    """(a_start, a_end, b_start, b_end, length) of a chain's region: its character spans in
    both texts and the shorter side's visible characters (what `is_formula` measures)."""
    a_start, a_end = int(fa.starts[ch.a0]), int(fa.ends[ch.a1 - 1])
    b_start, b_end = int(fb.starts[ch.b0]), int(fb.ends[ch.b1 - 1])
    return a_start, a_end, b_start, b_end, min(_visible_chars(fa.text[a_start:a_end]),
                                                _visible_chars(fb.text[b_start:b_end]))


def verify_chain(ch: Chain, fa: Fingerprint, fb: Fingerprint, settings: ReuseSettings) -> Passage | None:
    """Align the chain's region token by token; a Passage when long and similar enough."""
    seq_a = fa.tokens[ch.a0:ch.a1].tolist()
    seq_b = fb.tokens[ch.b0:ch.b1].tolist()
    similarity = Levenshtein.normalized_similarity(seq_a, seq_b)
    if similarity < settings.min_similarity:
        return None
    a_start, a_end, b_start, b_end, length = chain_span(ch, fa, fb)
    if length < settings.min_chars:
        return None
    edits = describe_edits(fa, fb, (ch.a0, ch.a1), (ch.b0, ch.b1), Levenshtein.opcodes(seq_a, seq_b))
    formula = is_formula(length, ch.anchors, ch.frequent, settings)
    return Passage(a_start=a_start, a_end=a_end, b_start=b_start, b_end=b_end,
                   similarity=round(similarity, 4), edits=edits, formula=formula)


def pair_chains(fa: Fingerprint, fb: Fingerprint, pos_a: np.ndarray, pos_b: np.ndarray,
                frequent: np.ndarray, settings: ReuseSettings) -> list[Chain]:
    """The chains `verify_chain` checks for one candidate pair: anchors chained, extended and
    merged. The formula flags (`frequent`) only add up in each chain's `frequent`; the chains
    themselves do not depend on them (what `index._reflag` relies on)."""
    return merge_chains([_extend(ch, fa, fb) for ch in chain_anchors(pos_a, pos_b, frequent, settings)], settings)


def align_pair(fa: Fingerprint, fb: Fingerprint, pos_a: np.ndarray, pos_b: np.ndarray,
               frequent: np.ndarray, settings: ReuseSettings) -> list[Passage]:
    """All shared passages of one candidate pair, sorted by position in a."""
    passages = [p for ch in pair_chains(fa, fb, pos_a, pos_b, frequent, settings)
                if (p := verify_chain(ch, fa, fb, settings)) is not None]
    return sorted(passages, key=lambda p: (p.a_start, p.b_start))
