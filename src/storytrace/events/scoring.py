"""How cross-language evidence combines into one same-event score: a logistic model
learned from labelled pairs, not weights set by hand.

Why learned: each signal's worth differs by language pair and by kind of text (a feed
headline has no body to overlap; two Chinese wire reports share long passages), and
hand-set weights fitted to one day do not carry to the next. A logistic regression over
the evidence features, trained on the candidate pairs of labelled days (as multilingual
news-stream clustering has done since Miranda et al. 2018), gives the probability that a
pair reports one happening; adding a language or a signal means retraining
(`storytrace train-events`), not retuning. The shipped weights (`weights.json`) were
trained on both development sets; `bench/events_eval.py --held-out` trains on one and
scores the other.

Rules stay rules where they are not a matter of degree: a publication gap beyond
`max_days` and another trading session of the same market veto (-1); a big non-formula
reuse link joins outright (1).
"""
from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path

import numpy as np

WEIGHTS = Path(__file__).with_name("weights.json")
ENV = "STORYTRACE_EVENT_WEIGHTS"   # path of a weights file trained by `storytrace train-events`

# Feature name -> how it is read off a PairEvidence (`ev`) and the cross-language mask (`x`).
FEATURES = (
    "embedding_within",   # e5 cosine of title + lead, same language
    "embedding_cross",    # the same across languages (cosines run lower there)
    "margin",             # cosine above both sides' nearest in the other's language (CSLS)
    "lexical",            # TF-IDF cosine of title + 3,000 body characters in the shared space
    "lead_lexical",       # the same for title + lead only (what a feed item has)
    "entities_within",    # IDF-weighted shared names, same language
    "entities_cross",     # shared names across languages (readings, CLDR places, sound)
    "sound",              # a foreign name sounds alike in Chinese and Latin script
    "same_day",           # the leads name the same day
    "other_day",          # the leads name days more than 3 apart
    "gap",                # publication gap in days beyond a 2-day news cycle
    "figures_disjoint",   # same-language leads both state figures, none shared (graded)
    "same_session",       # both headlines report one market's same trading session
    "other_market",       # both headlines report markets, different ones
    "commentary",         # how many of the two headlines label the piece analysis / roundup
    "cross",              # the two are in different languages
)
SAME_CYCLE_DAYS = 2
FIGURES_FULL = 2


def design(ev) -> np.ndarray:
    """k × len(FEATURES) matrix for the pairs of `ev` (any shape, flattened)."""
    flat = lambda a: np.asarray(a, dtype=np.float32).ravel()  # noqa: E731
    cross = flat(ev.cross)
    within = 1.0 - cross
    embedding, entities = flat(ev.embedding), flat(ev.entities)
    market = flat(ev.market) if ev.market is not None else np.zeros_like(cross)
    figures = flat(ev.figures) if ev.figures is not None else np.zeros_like(cross)
    days = flat(ev.days)
    dates = flat(ev.dates)
    disjoint = np.where((figures < 0) & (within > 0) & (market <= 0),
                        np.minimum(-figures, FIGURES_FULL) / FIGURES_FULL, 0.0)
    columns = [
        embedding * within, embedding * cross, flat(ev.margin), flat(ev.lexical), flat(ev.lead_lexical),
        entities * within, entities * cross, flat(ev.sound), (dates > 0), (dates < 0),
        np.clip(np.where(days < 0, 0, days) - SAME_CYCLE_DAYS, 0, None), disjoint,
        (market > 0), (market == -1), flat(ev.commentary) if ev.commentary is not None else np.zeros_like(cross),
        cross,
    ]
    return np.stack([np.asarray(c, dtype=np.float32) for c in columns], axis=1)


CROSS_FEATURES = ("embedding_cross", "margin", "lexical", "lead_lexical", "entities_cross", "sound",
                  "same_day", "other_day", "gap", "commentary")


@lru_cache(maxsize=4)
def _load(path: str) -> dict:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    cross = data["cross"]
    missing = [name for name in CROSS_FEATURES if name not in cross["weights"]]
    if missing:
        raise ValueError(f"{path}: weights for {', '.join(missing)} are missing; retrain with `storytrace train-events`")
    return {"coef": np.array([cross["weights"][name] for name in CROSS_FEATURES], dtype=np.float64),
            "intercept": float(cross["intercept"]),
            "slope": float(data["calibration"]["slope"]), "offset": float(data["calibration"]["intercept"])}


def model_path() -> str:
    return os.environ.get(ENV) or str(WEIGHTS)


def model_info(path: str | None = None) -> dict:
    return json.loads(Path(path or model_path()).read_text(encoding="utf-8"))


def cross_columns(ev) -> np.ndarray:
    columns = [FEATURES.index(name) for name in CROSS_FEATURES]
    return design(ev)[:, columns]


def cross_logit(ev, path: str | None = None) -> np.ndarray:
    """Log-odds that a cross-language pair reports one happening."""
    model = _load(path or model_path())
    return cross_columns(ev).astype(np.float64) @ model["coef"] + model["intercept"]


def cross_score(ev, path: str | None = None) -> np.ndarray:
    """Cross-language pairs on the within-language score scale: the within-language score
    that has the same probability of one happening (the calibration maps a within score
    s to log-odds slope·s + intercept; here it is inverted)."""
    model = _load(path or model_path())
    logit = cross_logit(ev, path)
    return ((logit - model["offset"]) / model["slope"]).astype(np.float32).reshape(np.shape(ev.embedding))
