"""Name what differs inside one aligned passage: script, width, case, punctuation, and
characters inserted, deleted or substituted.

Counts are in characters. `insertions` are characters only the b side has, `deletions`
characters only the a side has, `substitutions` characters replaced (counted on the a
side). script/width/case count matched characters that differ only in that respect (the
folded forms are equal). `punctuation` is the edit distance between the two passages'
punctuation marks as written, so a full-width comma against a half-width one counts.
"""
from __future__ import annotations

import re
import unicodedata

import numpy as np
from rapidfuzz.distance import Levenshtein

from .fingerprint import Fingerprint


# Letters, digits and spaces: never punctuation or symbols ("_" is punctuation, so it stays).
_NOT_MARKS = re.compile(r"[^\W_]+|\s+")


def _punctuation(text: str) -> str:
    """The punctuation marks and symbols of text, in order (categories P* and S*)."""
    rest = _NOT_MARKS.sub("", text)         # C speed; the few characters left are checked one by one
    return "".join(ch for ch in rest if unicodedata.category(ch).startswith(("P", "S")))


def _char_kind(raw_a: str, raw_b: str) -> str:
    for ca, cb in zip(raw_a, raw_b):
        if ca == cb:
            continue
        if 0xFF01 <= ord(ca) <= 0xFF5E or 0xFF01 <= ord(cb) <= 0xFF5E or ca in "\u3000" or cb in "\u3000":
            return "width"
        if ca.lower() == cb.lower():
            return "case"
        return "script"
    return "case" if raw_a.lower() == raw_b.lower() else "script"


def _token_chars(fp: Fingerprint, lo: int, hi: int) -> int:
    if hi <= lo:
        return 0
    return int((fp.ends[lo:hi] - fp.starts[lo:hi]).sum())


def describe_edits(fa: Fingerprint, fb: Fingerprint, ta: tuple[int, int], tb: tuple[int, int],
                   opcodes) -> dict[str, int]:
    """Edit counts for the token ranges ta of a and tb of b, given their token opcodes."""
    edits = {"script": 0, "width": 0, "case": 0, "punctuation": 0,
             "insertions": 0, "deletions": 0, "substitutions": 0}
    a0, b0 = ta[0], tb[0]
    for op in opcodes:
        i1, i2, j1, j2 = op.src_start + a0, op.src_end + a0, op.dest_start + b0, op.dest_end + b0
        if op.tag == "equal":
            differ = np.flatnonzero(fa.raw[i1:i2] != fb.raw[j1:j2])
            for d in differ.tolist():
                sa, ea = int(fa.starts[i1 + d]), int(fa.ends[i1 + d])
                sb, eb = int(fb.starts[j1 + d]), int(fb.ends[j1 + d])
                edits[_char_kind(fa.text[sa:ea], fb.text[sb:eb])] += max(ea - sa, 1)
        elif op.tag == "insert":
            edits["insertions"] += _token_chars(fb, j1, j2)
        elif op.tag == "delete":
            edits["deletions"] += _token_chars(fa, i1, i2)
        else:
            edits["substitutions"] += _token_chars(fa, i1, i2)
    span_a = fa.text[int(fa.starts[ta[0]]):int(fa.ends[ta[1] - 1])]
    span_b = fb.text[int(fb.starts[tb[0]]):int(fb.ends[tb[1] - 1])]
    edits["punctuation"] = Levenshtein.distance(_punctuation(span_a), _punctuation(span_b))
    return edits
