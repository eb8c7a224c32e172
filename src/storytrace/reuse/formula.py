"""Stock phrases are not reuse.

Official slogans ("build a community with a shared future for mankind"), bylines, feed
footers and legal notices recur across many unrelated articles. Two signals mark them:

* frequency: at least half of the passage's n-grams each occur in at least
  max(`formula_min_docs`, `formula_share` x families) *families* (`family.thresholds`). A
  family is a text and its near-identical copies (`family.py`), so a story reprinted by
  400 outlets counts once and stays reuse; only recurrence across unrelated texts makes a
  formula. n-grams in more families than the anchor cap are not even anchors, so
  boilerplate on hundreds of pages never becomes a candidate;
* length: a passage of at most `formula_max_chars` visible characters is a phrase, not a
  copied account (off by default; `min_chars` = 20 already keeps slogan-length matches
  out, which is what works in a collection of five articles, where no frequency can
  tell a slogan from a quote).

A formula passage is kept on the link (marked `formula=True`) so a reader can see it,
but it adds nothing to coverage, direction or `original_share`, and a link made only of
formula passages has kind `formula`.
"""
from __future__ import annotations

from ..model import Passage
from .settings import ReuseSettings


def is_formula(visible_chars: int, anchors: int, frequent_anchors: int, settings: ReuseSettings) -> bool:
    """True when a passage is a stock phrase by length or by how common its n-grams are."""
    return visible_chars <= settings.formula_max_chars or frequent_anchors * 2 >= anchors


def substantive(passages: list[Passage]) -> list[Passage]:
    """The passages that count as reuse (not formula)."""
    return [p for p in passages if not p.formula]
