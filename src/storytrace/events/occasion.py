"""The occasion a headline names: terms that let the pieces of one umbrella event find each other.

Why: an occasion reported piece by piece (a games' opening ceremony: the preview, the
ceremony, the delegation, the screenings in town) gives pieces that differ in everything
but the occasion they name, so average link over pair scores splits them into groups whose
mean cross score sits under the threshold; while one topic's other happenings (another race
of the same games, a second meeting of the same leaders) share the actors, places and topic
words. What the pieces share and the look-alikes do not is the occasion's own name in the
headline (开幕式, "opening ceremony"): a multi-unit term, not a name, that several
headlines of the window carry but not a large share of them.

A term here is three consecutive units of a folded headline (Chinese characters, or words
of a Latin-script language: two units are one ordinary word, 疫苗 / "vaccine", and join
whole topics), once the headline's entity names, its topic kicker (`十五运会｜…`, `Live |`)
and its outlet's boilerplate (in half of that outlet's headlines) are taken out. A term
counts when 3 or more headlines of the window name it and at most a tenth of them do (what
every second headline says is a running topic). Measured in the tenth round
(bench/results/events.md): with 2-unit terms the pass joins case counts and vaccine
filings on zh-2021-02; with 3-unit terms it leaves that day unchanged.
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict

from ..textfold import fold
from .signals import ArticleSignals

TERM_UNITS = 3         # units per term (Chinese characters or words)
MIN_HEADLINES = 3      # headlines of the window that must name a term
MAX_SHARE = 0.10       # ... and the largest share of them that may
BOILERPLATE_SHARE = 0.5  # a term in this share of one outlet's headlines (5 or more) is its boilerplate

_KICKER = re.compile(r"^\s*[^|:]{1,8}?\s*\|")          # folded: ｜ -> |
_BREAK = re.compile(r"[^\w\s'’]|[\d_]")                  # punctuation, figures
_RUNS = re.compile(r"([\u3400-\u9fff\uf900-\ufaff]+)|([^\W\d_]+(?:['’][^\W\d_]+)?)")


def title(signals: ArticleSignals) -> str:
    """The headline: the first line of the embedded lead."""
    return signals.lead.split("\n", 1)[0]


def headline_terms(signals: ArticleSignals) -> set[str]:
    """Every 3-unit term of the headline, names, kicker, figures and punctuation taken out
    (each of them ends a run of units)."""
    text = _KICKER.sub(" ", fold(title(signals)), count=1)
    for name in sorted({fold(s) for s in signals.entities.values() if s}, key=len, reverse=True):
        text = text.replace(name, " | ")
    terms: set[str] = set()
    for segment in _BREAK.split(text):
        words: list[str] = []
        for cjk, word in _RUNS.findall(segment):
            if cjk:
                terms |= _grams(words, " ") | _grams(list(cjk), "")
                words = []
            else:
                words.append(word)
        terms |= _grams(words, " ")
    return terms


def _grams(units: list[str], sep: str) -> set[str]:
    return {sep.join(units[k:k + TERM_UNITS]) for k in range(len(units) - TERM_UNITS + 1)}


def occasion_terms(signals: list[ArticleSignals]) -> list[frozenset[str]]:
    """Each article's headline terms that can name an occasion in this window (see module)."""
    terms = [headline_terms(s) for s in signals]
    by_outlet: dict[str, list[set[str]]] = defaultdict(list)
    for s, found in zip(signals, terms):
        if s.outlet:
            by_outlet[s.outlet].append(found)
    boilerplate: set[str] = set()
    for found in by_outlet.values():
        if len(found) >= 5:
            counts = Counter(t for f in found for t in f)
            boilerplate |= {t for t, c in counts.items() if c >= BOILERPLATE_SHARE * len(found)}
    df = Counter(t for found in terms for t in found - boilerplate)
    ceiling = max(MIN_HEADLINES, MAX_SHARE * len(signals))
    return [frozenset(t for t in found if t not in boilerplate and MIN_HEADLINES <= df[t] <= ceiling)
            for found in terms]
