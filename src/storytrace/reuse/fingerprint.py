"""Step 1: turn one article into tokens and hashed n-grams ("shingles").

Matching runs on `textfold.fold(text)`, which has one character per original character,
so every token keeps its exact [start, end) offsets into `Article.text`.

A token is one character of a script written without spaces (Han, Kana, Hangul) or one
word of a space-separated script; punctuation and spaces are not tokens, so punctuation
swaps and re-spacing never break an n-gram. Tokens are hashed with a fixed-seed 64-bit
mixer (never Python's salted `hash()`), so fingerprints agree across processes and runs.
Why hand-written: the hashing is a few vectorised numpy lines over whole arrays, which is
what makes fingerprinting thousands of articles take well under a second; MinHash
libraries (datasketch) summarise whole sets and would lose the positions we need for spans.
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np

from ..textfold import fold

# Code point ranges written without spaces between words: one character = one token.
_CHAR_TOKEN_RANGES = ((0x3040, 0x30FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xAC00, 0xD7AF),
                      (0xF900, 0xFAFF), (0x20000, 0x3134F))
_WORD_TABLE_SIZE = 0x3040
_WORD_CHARS = np.array([chr(i).isalnum() for i in range(_WORD_TABLE_SIZE)], dtype=bool)
_WORD_OFFSET = np.uint64(1 << 32)     # word token values sit above every code point
_MIX1 = np.uint64(0x9E3779B97F4A7C15)
_MIX2 = np.uint64(0xBF58476D1CE4E5B9)
_PRIME = np.uint64(0x100000001B3)


@dataclass(slots=True)
class Fingerprint:
    """Everything later steps need about one article, as plain arrays (cheap to pickle).

    tokens: folded token values; raw: the same for the unfolded text (to name edits);
    starts/ends: character offsets of each token in the article text;
    hashes/positions: each distinct n-gram hash once, with the token index where it starts.
    """

    index: int
    text: str
    folded: str
    tokens: np.ndarray
    raw: np.ndarray
    starts: np.ndarray
    ends: np.ndarray
    hashes: np.ndarray
    positions: np.ndarray


def _code_points(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)


def _is_char_token(cp: np.ndarray) -> np.ndarray:
    mask = np.zeros(cp.shape, dtype=bool)
    for lo, hi in _CHAR_TOKEN_RANGES:
        mask |= (cp >= lo) & (cp <= hi)
    return mask


def _word_runs(cp: np.ndarray, char_token: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """[start, end) of maximal runs of word characters (letters/digits outside CJK)."""
    small = cp < _WORD_TABLE_SIZE
    word = np.zeros(cp.shape, dtype=bool)
    word[small] = _WORD_CHARS[cp[small]]
    # Letters beyond the table that are not CJK (e.g. Latin Extended Additional is below it;
    # this catches the rest of the alphabetic BMP such as Cyrillic supplements).
    big = ~small & ~char_token
    if big.any():
        idx = np.flatnonzero(big)
        word[idx] = [chr(int(c)).isalnum() for c in cp[idx]]
    edges = np.diff(np.concatenate(([False], word, [False])).astype(np.int8))
    return np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)


def _word_values(text: str, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    values = [zlib.crc32(text[s:e].encode("utf-8")) for s, e in zip(starts.tolist(), ends.tolist())]
    return np.asarray(values, dtype=np.uint64) + _WORD_OFFSET


def tokenize(text: str, folded: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(folded token values, raw token values, starts, ends), in text order."""
    cp = _code_points(folded)
    raw_cp = _code_points(text)
    char_token = _is_char_token(cp)
    char_pos = np.flatnonzero(char_token)
    w_start, w_end = _word_runs(cp, char_token)
    starts = np.concatenate((char_pos, w_start)).astype(np.int32)
    ends = np.concatenate((char_pos + 1, w_end)).astype(np.int32)
    tokens = np.concatenate((cp[char_pos].astype(np.uint64), _word_values(folded, w_start, w_end)))
    raw = np.concatenate((raw_cp[char_pos].astype(np.uint64), _word_values(text, w_start, w_end)))
    order = np.argsort(starts, kind="stable")
    return tokens[order], raw[order], starts[order], ends[order]


def _mix(values: np.ndarray, seed: int) -> np.ndarray:
    """splitmix64-style scrambling so neighbouring code points give unrelated hashes."""
    x = (values + np.uint64(seed)) * _MIX1
    x ^= x >> np.uint64(31)
    x *= _MIX2
    x ^= x >> np.uint64(29)
    return x


def shingle_hashes(tokens: np.ndarray, k: int, seed: int) -> np.ndarray:
    """64-bit hash of every run of k consecutive tokens (len(tokens) - k + 1 values)."""
    n = len(tokens) - k + 1
    if n <= 0:
        return np.zeros(0, dtype=np.uint64)
    mixed = _mix(tokens, seed)
    h = np.full(n, np.uint64((seed * int(_PRIME)) & 0xFFFFFFFFFFFFFFFF), dtype=np.uint64)
    for j in range(k):
        h = (h ^ mixed[j:j + n]) * _PRIME
    return h


def fingerprint(index: int, text: str, *, shingle: int = 5, seed: int = 0x5EED, grams: bool = True,
                folded: str | None = None) -> Fingerprint:
    """Fingerprint one article text; `index` is its position in the sorted article list.

    `grams=False` leaves `hashes`/`positions` empty: alignment uses only the tokens, and a
    Spark task that aligns articles indexed elsewhere skips the hashing (a fifth of the cost).
    `folded`: `textfold.fold(text)` when already known (the passage index keeps it)."""
    if folded is None or len(folded) != len(text):
        folded = fold(text)
    tokens, raw, starts, ends = tokenize(text, folded)
    if grams:
        hashes, first = np.unique(shingle_hashes(tokens, shingle, seed), return_index=True)
    else:
        hashes, first = np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64)
    return Fingerprint(index=index, text=text, folded=folded, tokens=tokens, raw=raw,
                       starts=starts, ends=ends, hashes=hashes, positions=first.astype(np.int32))
