"""One frozen settings object shared by every reuse step (design note 8)."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

from ..workers import default_workers


@dataclass(frozen=True, slots=True)
class ReuseSettings:
    """Parameters in the user's terms; the defaults are tuned on bench/reuse_planted.py.

    shingle: tokens per n-gram (a token is one Han/Kana/Hangul character or one word of a
        space-separated script), so 5 means five Chinese characters or five words.
    max_doc_freq: n-grams found in more articles than this are not used as anchors at all
        (feed footers, bylines); they cannot link articles.
    formula_min_docs: a passage whose anchors mostly occur in at least this many articles is
        a stock phrase (formula): reported, but it does not count as reuse.
    min_chars: shortest passage reported, in non-space characters.
    formula_max_chars: a passage this short is treated as a stock phrase even when the
        collection is too small for frequencies to say so. Off (0) by default because
        `min_chars` already drops slogan-length matches and a copied paragraph split by
        edits leaves genuine 20-25 character pieces; set it with a lower `min_chars` to
        list short stock phrases as formula.
    min_anchors: distinct shared n-grams a chain needs before it is aligned.
    max_gap: largest run of unmatched tokens inside one passage (insertions, edits).
    max_drift: largest shift between the two sides inside one passage (net insertions).
    min_similarity: token-level Levenshtein similarity a passage must reach.
    workers: processes for alignment (1 = in-process; default `workers.default_workers()`).
    """

    shingle: int = 5
    max_doc_freq: int = 60
    formula_min_docs: int = 8
    min_chars: int = 20
    formula_max_chars: int = 0
    min_anchors: int = 3
    max_gap: int = 24
    max_drift: int = 24
    min_similarity: float = 0.6
    workers: int = field(default_factory=default_workers)
    seed: int = 0x5EED

    def to_dict(self) -> dict:
        return asdict(self)
