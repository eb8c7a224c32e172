"""One frozen settings object shared by every reuse step (design note 8)."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

from ..workers import default_workers


@dataclass(frozen=True, slots=True)
class ReuseSettings:
    """Parameters in the user's terms; the defaults are tuned on bench/reuse_planted.py.

    shingle: tokens per n-gram (a token is one Han/Kana/Hangul character or one word of a
        space-separated script), so 5 means five Chinese characters or five words.
    Frequencies count *families*, not articles: near-identical copies of one text (a wire
    story and its reprints, see `family.py`) count once, so reprints never make each other
    stock phrases, however many there are.
    max_doc_freq: n-grams found in more families than this are not used as anchors at all
        (feed footers, bylines); they cannot link articles. The floor of a cap that grows
        with the formula threshold (`family.thresholds`).
    formula_min_docs: a passage whose anchors mostly occur in at least
        max(formula_min_docs, formula_share x families) unrelated families is a stock
        phrase (formula): reported, but it does not count as reuse.
    formula_share: the share of the collection's families above which an n-gram is common,
        once the collection is big enough for it to exceed `formula_min_docs`.
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
    formula_share: float = 0.001
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
