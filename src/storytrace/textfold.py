"""Offset-preserving folding for matching and search.

Matching must ignore Simplified/Traditional, full-/half-width and case differences, but
every span we report points into the stored text. So the folded form has exactly one
character per original character: `fold(text)[i]` is the folded `text[i]`.

OpenCC does the script conversion (t2s). Its phrase tables can occasionally change the
length of a string; when that happens we fall back to converting character by character,
which keeps offsets exact at the cost of a few phrase-level choices.
"""
from __future__ import annotations

import unicodedata
from functools import lru_cache

import opencc

_T2S = opencc.OpenCC("t2s")

# Punctuation that editors swap freely: folded onto one representative each.
_PUNCT_CLASSES = {
    "，": ",", "、": ",", "丶": ",", "，": ",",
    "。": ".", "．": ".",
    "：": ":", "；": ";", "！": "!", "？": "?",
    "“": '"', "”": '"', "「": '"', "」": '"', "『": '"', "』": '"', "《": '"', "》": '"',
    "‘": "'", "’": "'",
    "（": "(", "）": ")", "【": "(", "】": ")", "〔": "(", "〕": ")",
    "—": "-", "–": "-", "－": "-", "‐": "-", "‑": "-",
    "·": "·", "・": "·", "•": "·",
    "\u3000": " ", "\xa0": " ",
}


@lru_cache(maxsize=65536)
def _fold_char(ch: str) -> str:
    if ch in _PUNCT_CLASSES:
        return _PUNCT_CLASSES[ch]
    code = ord(ch)
    if 0xFF01 <= code <= 0xFF5E:  # full-width ASCII block
        ch = chr(code - 0xFEE0)
    elif code > 0x2E7F:
        converted = _T2S.convert(ch)
        if len(converted) == 1:
            ch = converted
    if ch.isupper():
        low = ch.lower()
        if len(low) == 1:
            ch = low
    return ch


def to_simplified(text: str) -> str:
    """Script-folded text (OpenCC t2s), guaranteed the same length as the input."""
    converted = _T2S.convert(text)
    if len(converted) == len(text):
        return converted
    return "".join(c if len(c := _T2S.convert(ch)) == 1 else ch for ch in text)


def fold(text: str) -> str:
    """Fold script, width, case and swappable punctuation; one output char per input char."""
    simplified = to_simplified(text)
    return "".join(_fold_char(ch) for ch in simplified)


def search_key(text: str) -> str:
    """Fold for search queries and indexes (NFKC first, so ligatures and compatibility forms match)."""
    return fold(unicodedata.normalize("NFKC", text))
