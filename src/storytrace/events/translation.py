"""Translation links: which paragraph of one language renders which paragraph of another,
inside one event.

Why paragraphs and a best-match rule: condensed renderings (seed 003) keep the paragraph
order loosely and drop or merge paragraphs, so we do not force a monotone 1:1 alignment;
two paragraphs are linked when each is the other's best match (cosine plus a small prior
for a similar relative position) and the cosine clears `min_similarity`. Mutual best
matching is the usual bitext-mining rule: it needs no calibrated absolute threshold, which
a small multilingual encoder does not give (its cross-language cosines sit in 0.75-0.9).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import combinations

import numpy as np

from ..model import Article, Event, Passage, ReuseLink
from .encoder import embed_cached, get_encoder
from .signals import is_chinese

_CJK = re.compile(r"[\u3400-\u9fff]")


@dataclass(frozen=True)
class TranslationSettings:
    min_similarity: float = 0.78     # e5-small cosine floor for two renderings of one paragraph
    position_weight: float = 0.03    # renderings keep the order loosely: a small prior
    min_chars_cjk: int = 12
    min_chars_latin: int = 30
    max_pairs_per_event: int = 40


def paragraphs(text: str, settings: TranslationSettings = TranslationSettings()) -> list[tuple[int, int]]:
    """(start, end) offsets of the paragraphs worth aligning (lines, trimmed)."""
    spans = []
    for match in re.finditer(r"[^\n]+", text):
        start, end = match.start(), match.end()
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        chunk = text[start:end]
        minimum = settings.min_chars_cjk if _CJK.search(chunk) else settings.min_chars_latin
        if len(chunk) >= minimum:
            spans.append((start, end))
    return spans


def _language(article: Article) -> str:
    return "zh" if is_chinese(article) else (article.language or "?").lower()[:2]


def align_pair(a: Article, b: Article, vec_a: np.ndarray, vec_b: np.ndarray,
               spans_a: list[tuple[int, int]], spans_b: list[tuple[int, int]],
               settings: TranslationSettings) -> ReuseLink | None:
    """One `translation` link between a and b, or None when no paragraph pair qualifies."""
    if not spans_a or not spans_b:
        return None
    sim = vec_a @ vec_b.T
    pos_a = (np.arange(len(spans_a)) + 0.5) / len(spans_a)
    pos_b = (np.arange(len(spans_b)) + 0.5) / len(spans_b)
    score = sim + settings.position_weight * (1.0 - np.abs(pos_a[:, None] - pos_b[None, :]))
    passages = []
    for i in range(len(spans_a)):
        j = int(np.argmax(score[i]))
        if int(np.argmax(score[:, j])) != i or sim[i, j] < settings.min_similarity:
            continue
        (a_start, a_end), (b_start, b_end) = spans_a[i], spans_b[j]
        passages.append(Passage(a_start, a_end, b_start, b_end, round(float(sim[i, j]), 4)))
    if not passages:
        return None
    passages.sort(key=lambda p: (p.a_start, p.b_start))
    a_cov = sum(e - s for s, e in {(p.a_start, p.a_end) for p in passages}) / max(len(a.text), 1)
    b_cov = sum(e - s for s, e in {(p.b_start, p.b_end) for p in passages}) / max(len(b.text), 1)
    return ReuseLink(a=a.id, b=b.id, kind="translation", a_coverage=round(min(a_cov, 1.0), 4),
                     b_coverage=round(min(b_cov, 1.0), 4), direction="unknown",
                     direction_evidence="paragraph embeddings across languages", passages=passages)


def translation_links(articles: list[Article], events: list[Event], *, store=None, encoder=None,
                      settings: TranslationSettings | None = None) -> list[ReuseLink]:
    """Cross-language paragraph alignments for every multilingual event."""
    settings = settings or TranslationSettings()
    encoder = get_encoder(encoder) if encoder is None or isinstance(encoder, str) else encoder
    by_id = {a.id: a for a in articles}
    links: list[ReuseLink] = []
    for event in sorted(events, key=lambda e: e.id):
        members = sorted((by_id[i] for i in event.articles if i in by_id), key=lambda a: a.id)
        if len({_language(a) for a in members}) < 2:
            continue
        pairs = [(a, b) for a, b in combinations(members, 2) if _language(a) != _language(b)]
        pairs = pairs[: settings.max_pairs_per_event]
        needed = sorted({a.id for pair in pairs for a in pair})
        spans = {i: paragraphs(by_id[i].text, settings) for i in needed}
        texts = [by_id[i].text[s:e] for i in needed for s, e in spans[i]]
        vectors = embed_cached(texts, encoder, store)
        offsets, at = {}, 0
        for i in needed:
            offsets[i] = vectors[at: at + len(spans[i])]
            at += len(spans[i])
        for a, b in pairs:
            link = align_pair(a, b, offsets[a.id], offsets[b.id], spans[a.id], spans[b.id], settings)
            if link is not None:
                links.append(link)
    return links
