"""Search across scripts and languages: "Ukraine" finds 烏克蘭, 乌克兰 and Ukraina.

Two parts. Folding (storytrace.textfold: OpenCC Traditional → Simplified, width, case) makes
烏克蘭 and 乌克兰 one string. Names of countries and regions in several languages come
from the Unicode CLDR tables shipped with Babel (a well-kept library, no download), so a
query that names a place in one language also looks for its other names, and an event whose
title or entities name a place is also indexed under the place's other names. Each event's
entities are already merged across scripts by the events step (习近平 / 習近平 / Tập Cận
Bình); their names and aliases are indexed too.
"""
from __future__ import annotations

import re
from functools import lru_cache

from ..textfold import search_key

# Languages whose place names are looked up (CLDR locales); Chinese in both scripts.
LOCALES = ("en", "zh_Hans", "zh_Hant", "zh_Hant_HK", "vi", "fr", "de", "es", "ja", "ko", "ru")
_SKIP_CODES = {"ZZ", "XA", "XB", "QO"}      # "Unknown region" and pseudo-regions
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def _key(text: str) -> str:
    return " ".join(search_key(text).split())


# Where `place_names` may take its table from before building it from Babel (a fifth of a
# second): a callable returning the table or None (the static report keeps it with its pieces).
place_source = None


@lru_cache(maxsize=1)
def place_names() -> dict[str, tuple[str, ...]]:
    """Folded name → every name of the same place (all locales, as written)."""
    if place_source is not None:
        table = place_source()
        if table is not None:
            return table
    return babel_place_names()


def babel_place_names() -> dict[str, tuple[str, ...]]:
    """`place_names` built from Babel's CLDR tables."""
    try:
        from babel import Locale
    except ImportError:   # Babel comes with the install; without it search stays per script
        return {}
    by_code: dict[str, list[str]] = {}
    for name in LOCALES:
        try:
            territories = Locale.parse(name).territories
        except Exception:  # noqa: BLE001 - a locale missing from this Babel build is skipped
            continue
        for code, label in territories.items():
            if code in _SKIP_CODES or not label:
                continue
            forms = by_code.setdefault(code, [])
            if label not in forms:
                forms.append(label)
    table: dict[str, tuple[str, ...]] = {}
    for forms in by_code.values():
        for form in forms:
            key = _key(form)
            if len(key) >= (2 if _HAN.search(key) else 3):
                table[key] = tuple(dict.fromkeys(table.get(key, ()) + tuple(forms)))
    return table


_WORDS = re.compile(r"[^\W_]+")
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f\u1e00-\u1eff]")


def _words(text: str) -> str:
    return " ".join(_WORDS.findall(text))


@lru_cache(maxsize=1)
def _place_lookup() -> tuple[dict[str, str], set[int], dict[str, str], dict[str, tuple[int, ...]]]:
    """(names written in letters, as word sequences → name; their word counts; other names
    (Han, kana, hangul: matched inside text) → name; per first character, the lengths of
    those names that start with it, shortest first)."""
    worded, other = {}, {}
    for name in place_names():
        if _LATIN.search(name) or re.search(r"[\u0400-\u04ff]", name):
            worded[_words(name)] = name
        else:
            other[name] = name
    lengths: dict[str, set[int]] = {}
    for name in other:
        if len(name) >= 2:
            lengths.setdefault(name[0], set()).add(len(name))
    return (worded, {w.count(" ") + 1 for w in worded}, other,
            {c: tuple(sorted(ns)) for c, ns in lengths.items()})


def _places_in(text: str) -> list[str]:
    """Place names in folded `text`: names in letters only as whole words (so "nga", Russia in
    Vietnamese, is not found inside "ngày"), Chinese and other names anywhere. A dictionary
    look-up per position, not one huge regex: linear in the text."""
    worded, counts, other, lengths = _place_lookup()
    found = []
    tokens = _WORDS.findall(text)
    for i in range(len(tokens)):
        for n in counts:
            if i + n <= len(tokens):
                name = worded.get(" ".join(tokens[i:i + n]))
                if name:
                    found.append(name)
    if other:
        end = len(text)
        for i, ch in enumerate(text):
            for n in lengths.get(ch, ()):
                if i + n > end:
                    break
                name = other.get(text[i:i + n])
                if name:
                    found.append(name)
    return found


def query_forms(query: str) -> list[str]:
    """The folded query plus, when it names a place, that place's names in other languages."""
    key = _key(query)
    if not key:
        return []
    forms = [key] + [_key(f) for f in place_names().get(key, ())]
    return list(dict.fromkeys(forms))


# The places found in texts (`text_places`), by text, while a static report is drawn (it keeps
# them per article with its pieces, so an event drawn again does not scan its members again);
# None otherwise.
places_memo: dict[str, list[str]] | None = None


def text_places(text: str) -> list[str]:
    """The place names in `text` (folded first), in order."""
    memo = places_memo
    if memo is None:
        return _places_in(_key(text))
    found = memo.get(text)
    if found is None:
        found = memo[text] = _places_in(_key(text))
    return found


def added_names(texts: list[str], entities: list[dict]) -> str:
    """Folded names an event should also be found by, beyond its own words: its entity names
    and aliases (merged across scripts by the events step) and the other-language names of
    every place named in `texts` or the entities."""
    names = []
    for ent in entities or []:
        names.append(_key(str(ent.get("name", ""))))
        names.extend(_key(str(a)) for a in ent.get("aliases", []) or [])
    found = dict.fromkeys([name for text in texts for name in text_places(text)]
                          + [name for text in names for name in _places_in(text)])
    names += [_key(f) for name in found for f in place_names().get(name, ())]
    return "\n".join(dict.fromkeys(n for n in names if n))


def index_text(title: str, entities: list[dict], extra: list[str] = ()) -> str:
    """Folded search text of an event: its title, the `extra` texts (member titles, leads),
    and `added_names`."""
    own = [title, *extra]
    return "\n".join(_key(t) for t in own if t) + "\n" + added_names(own, entities)


def matches(index: str, forms: list[str]) -> bool:
    return any(f in index for f in forms)
