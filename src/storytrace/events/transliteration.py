"""Foreign names across scripts by sound: 特朗普 = Trump, 内塔尼亚胡 = Netanyahu.

Why by sound and not by table: Chinese writes a foreign person's name as syllables chosen
for their sound, so the pinyin of the Chinese form (te lang pu) and the Latin form (Trump)
share their consonant skeleton once both are reduced to the distinctions Mandarin keeps
(no r/l, m/n or voicing contrasts, no consonant clusters). Each name becomes the string of
its consonant classes, vowels dropped (both → "TLNP"); Taiwan and mainland spellings of
one name (赫格塞思 / 赫格塞斯) meet the same way. A table of names would only ever know
the names someone wrote down; no library offers this (phonetic codes such as Metaphone
keep exactly the r/l and m/n contrasts that Mandarin loses).

Skeletons of four or more classes also give their one-deletion variants as keys, so two
spellings one class apart (Zelensky "SLNSK" / 泽连斯基 "SLNSS") still share a key, as in
symmetric-delete spelling correction; three classes is the shortest skeleton kept.
"""
from __future__ import annotations

import re
import unicodedata

MIN_CLASSES = 3
MAX_CLASSES = 10

# Latin spelling -> class, longest spellings first; vowels, h, w and y carry no class.
_LATIN = [("sch", "S"), ("tch", "S"), ("ph", "F"), ("ch", "S"), ("sh", "S"), ("zh", "S"), ("ck", "K"),
          ("kh", "K"), ("gh", "K"), ("ts", "S"), ("tz", "S"), ("dj", "S"), ("qu", "K"), ("ng", "N"),
          ("p", "P"), ("b", "P"), ("f", "F"), ("v", "F"), ("t", "T"), ("d", "T"), ("k", "K"),
          ("g", "K"), ("q", "K"), ("x", "KS"), ("s", "S"), ("z", "S"), ("j", "S"), ("l", "L"),
          ("r", "L"), ("m", "N"), ("n", "N")]
_PINYIN_INITIAL = {"b": "P", "p": "P", "m": "N", "f": "F", "d": "T", "t": "T", "n": "N", "l": "L",
                   "g": "K", "k": "K", "h": "", "j": "S", "q": "S", "x": "S", "zh": "S", "ch": "S",
                   "sh": "S", "r": "L", "z": "S", "c": "S", "s": "S", "y": "", "w": ""}
_PINYIN = re.compile(r"^(zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])?([a-zü]*?)(ng|n|r)?$")


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.lower().replace("đ", "d"))
    return "".join(ch for ch in decomposed if "a" <= ch <= "z")


def latin_skeleton(name: str) -> str:
    word = _plain(name)
    word = re.sub(r"(.)\1+", r"\1", word)            # doubled letters are one sound
    word = re.sub(r"th$", "s", word)                  # Hegseth 赫格塞思: a final th is heard as s
    word = re.sub(r"th", "t", word)
    word = re.sub(r"c(?=[eiy])", "s", word)
    out = []
    i = 0
    while i < len(word):
        for spelling, cls in _LATIN:
            if word.startswith(spelling, i):
                out.append(cls)
                i += len(spelling)
                break
        else:
            i += 1
    return _squeeze(out)


def pinyin_skeleton(syllables: list[str]) -> str:
    out = []
    for syllable in syllables:
        syllable = syllable.lower().replace("v", "ü")
        if syllable == "er":                         # 尔 renders a final r / l
            out.append("L")
            continue
        match = _PINYIN.match(syllable)
        if not match:
            continue
        initial, _, final = match.groups()
        if initial:
            out.append(_PINYIN_INITIAL[initial])
        if final in ("n", "ng"):
            out.append("N")
    return _squeeze(out)


def _squeeze(classes: list[str]) -> str:
    # A class written twice in a row with no vowel between is one sound (Latin "ckl" is K L).
    text = "".join(classes)
    return re.sub(r"(.)\1+", r"\1", text) if len(text) > MAX_CLASSES else text


def chinese_skeleton(name: str) -> str:
    from pypinyin import lazy_pinyin

    from ..textfold import fold

    return pinyin_skeleton(lazy_pinyin(fold(name)))


def sound_keys(skeleton: str) -> list[str]:
    """`tr:` keys of a skeleton: itself, and its one-deletion variants when it is long enough."""
    if not (MIN_CLASSES <= len(skeleton) <= MAX_CLASSES):
        return []
    keys = [f"tr:{skeleton}"]
    if len(skeleton) > MIN_CLASSES:
        keys.extend(f"tr:{skeleton[:i]}{skeleton[i + 1:]}" for i in range(len(skeleton)))
    return list(dict.fromkeys(keys))
