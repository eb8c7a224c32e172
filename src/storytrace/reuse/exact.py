"""Exact duplicates (same folded words in the same order) are aligned once, not N times.

Why: a press release re-posted by a hundred sites makes every one of its n-grams appear in
more than `max_doc_freq` articles, so the n-gram index would drop them all and the copies
would not link at all. Collapsing identical token streams first keeps each group's
representative in the index (its links are then copied to every member, with offsets
mapped token by token, since punctuation and spacing may differ), links the members to
each other as duplicates, and also spares the aligner the repeated work.
"""
from __future__ import annotations

import hashlib
from typing import Iterable

import numpy as np

from ..model import Passage
from .align import Chain, verify_chain
from .fingerprint import Fingerprint
from .settings import ReuseSettings


def exact_groups(fps: list[Fingerprint], settings: ReuseSettings) -> dict[int, list[int]]:
    """Representative index -> the other members, for token streams long enough to report."""
    return groups_from_keys((fp.index, exact_key(fp, settings)) for fp in fps)


def exact_key(fp: Fingerprint, settings: ReuseSettings) -> bytes | None:
    """Digest of the token stream, or None when it is too short to report (split out so the
    Spark engine can key articles where it fingerprints them and group them elsewhere)."""
    if int((fp.ends - fp.starts).sum()) < settings.min_chars:
        return None
    return hashlib.blake2b(fp.tokens.tobytes(), digest_size=16).digest()


def groups_from_keys(keyed: Iterable[tuple[int, bytes | None]]) -> dict[int, list[int]]:
    """`exact_groups` from (index, key) pairs; the first index of a key is its representative."""
    groups: dict[bytes, list[int]] = {}
    for index, key in keyed:
        if key is not None:
            groups.setdefault(key, []).append(index)
    return {members[0]: members[1:] for members in groups.values() if len(members) > 1}


def whole_passage(fa: Fingerprint, fb: Fingerprint, settings: ReuseSettings) -> list[Passage]:
    """The single passage covering two identical token streams, with its edits named."""
    n = len(fa.tokens)
    passage = verify_chain(Chain(0, 0, n, n, n, 0), fa, fb, settings)
    return [passage] if passage else []


def _map_span(src: Fingerprint, dst: Fingerprint, start: int, end: int) -> tuple[int, int]:
    """Offsets in src -> the same tokens' offsets in dst (identical token streams)."""
    first = int(np.searchsorted(src.starts, start, side="left"))
    last = int(np.searchsorted(src.ends, end, side="left"))
    first = min(first, len(dst.starts) - 1)
    last = min(max(last, first), len(dst.ends) - 1)
    return int(dst.starts[first]), int(dst.ends[last])


def map_passages(passages: list[Passage], rep: Fingerprint, member: Fingerprint, side: str) -> list[Passage]:
    """Copy a representative's passages to a member: `side` ('a' or 'b') is the rep's side."""
    out = []
    for p in passages:
        if side == "a":
            start, end = _map_span(rep, member, p.a_start, p.a_end)
            out.append(Passage(start, end, p.b_start, p.b_end, p.similarity, dict(p.edits), p.formula))
        else:
            start, end = _map_span(rep, member, p.b_start, p.b_end)
            out.append(Passage(p.a_start, p.a_end, start, end, p.similarity, dict(p.edits), p.formula))
    return out


def swap(passages: list[Passage]) -> list[Passage]:
    """The same passages seen from the other article (a and b exchanged)."""
    flipped = []
    for p in passages:
        edits = dict(p.edits)
        edits["insertions"], edits["deletions"] = p.edits.get("deletions", 0), p.edits.get("insertions", 0)
        flipped.append(Passage(p.b_start, p.b_end, p.a_start, p.a_end, p.similarity, edits, p.formula))
    return sorted(flipped, key=lambda q: (q.a_start, q.b_start))
