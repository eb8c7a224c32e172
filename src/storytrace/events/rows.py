"""What an increment reads of an article already clustered (`EventRow`), made from its signals.

Kept apart from `cluster` because the rows are cached in the store under the signals key
(`engines.local.signals_key`), which covers the source of the modules signals and rows are
made by (`engines.local.SIGNALS_CODE`): this one, not the clusterer's scoring.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .signals import ArticleSignals


@dataclass
class EventRow:
    """What an increment reads of an article already clustered: its signals without the
    token lists (`tokens`, `lead_tokens`: 93 % of a signals record) and those tokens as
    hashed term counts, (ids, counts) with ids sorted (`term_counts`)."""

    signals: ArticleSignals
    tokens: tuple[np.ndarray, np.ndarray]
    lead_tokens: tuple[np.ndarray, np.ndarray]


def term_counts(tokens: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(sorted 64-bit ids, counts) of a token list. An id is CRC-32 and Adler-32 of the
    token's UTF-8 side by side: stable across processes and about 0.7 ms per article
    (blake2b took 1.2); no two of the 43,460 distinct terms of 300 week articles collide."""
    import zlib
    from collections import Counter

    counts = Counter(tokens)
    crc, adler = zlib.crc32, zlib.adler32
    ids = np.fromiter(((crc(b) << 32) | adler(b) for b in (t.encode("utf-8") for t in counts)),
                      dtype=np.uint64, count=len(counts))
    values = np.fromiter(counts.values(), dtype=np.uint32, count=len(counts))
    order = np.argsort(ids, kind="stable")
    return ids[order], values[order]


def event_row(signals: ArticleSignals) -> EventRow:
    import dataclasses

    return EventRow(dataclasses.replace(signals, tokens=[], lead_tokens=[]),
                    term_counts(signals.tokens), term_counts(signals.lead_tokens))
