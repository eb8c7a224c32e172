"""Kind and coverage of a linked pair.

coverage: share of an article's visible (non-space) characters inside the union of its
substantive passages. kind: `duplicate` when each side is at least `DUPLICATE` covered,
`reprint` when one side is at least `REPRINT` covered (one contains most of the other),
`partial` otherwise, and `formula` when every passage is a stock phrase.
"""
from __future__ import annotations

from ..model import Passage

DUPLICATE = 0.9
REPRINT = 0.8


def union_spans(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def visible_length(text: str) -> int:
    """Characters that are not whitespace (`str.split()` splits on exactly the `isspace` ones)."""
    return sum(map(len, text.split()))


def coverage(text: str, spans: list[tuple[int, int]]) -> float:
    """Share of text's visible characters covered by the spans (0 for an empty text)."""
    total = visible_length(text)
    if total == 0:
        return 0.0
    covered = sum(visible_length(text[s:e]) for s, e in union_spans(spans))
    return round(min(covered / total, 1.0), 4)


def classify(text_a: str, text_b: str, passages: list[Passage]) -> tuple[str, float, float]:
    """(kind, a_coverage, b_coverage) for a pair's passages."""
    real = [p for p in passages if not p.formula]
    counted = real or passages
    cov_a = coverage(text_a, [(p.a_start, p.a_end) for p in counted])
    cov_b = coverage(text_b, [(p.b_start, p.b_end) for p in counted])
    if not real:
        return "formula", cov_a, cov_b
    if min(cov_a, cov_b) >= DUPLICATE:
        return "duplicate", cov_a, cov_b
    if max(cov_a, cov_b) >= REPRINT:
        return "reprint", cov_a, cov_b
    return "partial", cov_a, cov_b


def uncovered(text: str, spans: list[tuple[int, int]], min_chars: int = 1) -> list[tuple[int, int]]:
    """The [start, end) stretches of text outside every span, keeping those with min_chars visible characters."""
    out, pos = [], 0
    for start, end in union_spans(spans) + [(len(text), len(text))]:
        if start > pos and visible_length(text[pos:start]) >= min_chars:
            out.append((pos, start))
        pos = max(pos, end)
    return out
