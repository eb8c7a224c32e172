"""Learn how cross-language evidence combines, from days whose events are labelled.

    storytrace train-events GOLD.jsonl [GOLD.jsonl ...] --out weights.json

A gold file has one JSON object per article, `{"file": ..., "event": ...}` (the format of
the shared development sets); files are found beside it or in its `posts/` folder. Each
labelled day goes through the real steps (reader, normalizer, signals, encoder, candidate
pairs, evidence), so the model sees exactly the pairs the clusterer scores. Two fits:

* the cross-language model: logistic regression over `scoring.CROSS_FEATURES` of every
  candidate pair whose articles are in different languages (same gold event or not);
* the calibration: a one-feature logistic regression of "same event" on the
  within-language score, which puts both on one scale (see `scoring.cross_score`).

Features are standardised before fitting, and the weights mapped back, so the L2 penalty
treats every feature alike whatever its range; the cross-language weights are bounded to
their evidence's sign (`CROSS_SIGNS`).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..model import Article


@dataclass
class LabelledPairs:
    """Evidence of one day's candidate pairs and whether each pair shares a gold event."""

    evidence: object
    same: np.ndarray
    within_score: np.ndarray
    pairs: tuple[np.ndarray, np.ndarray] | None = None   # (i, j) into the articles sorted by id


def load_gold(path: Path) -> tuple[list[Article], dict[str, str]]:
    """Articles of a gold file, and article id -> gold event."""
    from ..normalize import build_article
    from ..read import iter_documents

    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    articles, gold = [], {}
    for row in rows:
        candidates = [path.parent / row["file"], path.parent / "posts" / row["file"]]
        found = next((c for c in candidates if c.exists()), None)
        if found is None:
            raise FileNotFoundError(f"{path}: {row['file']} is neither beside it nor in posts/")
        for raw in iter_documents([str(found)]):
            if hasattr(raw, "content"):
                article = build_article(raw)
                articles.append(article)
                gold[article.id] = str(row["event"])
                break
    return articles, gold


def labelled_pairs(articles: list[Article], gold: dict[str, str], *, store=None, encoder=None,
                   settings=None) -> LabelledPairs:
    from .candidates import candidate_pairs
    from .encoder import embed_cached, get_encoder
    from .signals import build_signals
    from .similarity import EventSettings, article_features, evidence, hand_score

    settings = settings or EventSettings()
    articles = sorted({a.id: a for a in articles}.values(), key=lambda a: a.id)
    signals = [build_signals(a) for a in articles]
    vectors = embed_cached([s.lead for s in signals], encoder or get_encoder(), store)
    features = article_features(signals, vectors, [])
    i, j = candidate_pairs(features, settings)
    ev = evidence(features, i, j, settings, scored=False)
    same = np.array([gold[articles[a].id] == gold[articles[b].id] for a, b in zip(i, j)], dtype=bool)
    return LabelledPairs(ev, same, hand_score(ev, settings), (i, j))


def _logistic(x: np.ndarray, y: np.ndarray, c: float, signs: list[int] | None = None) -> tuple[np.ndarray, float]:
    """L2-penalised logistic regression (the penalty of scikit-learn's `C`) on standardised
    columns, optionally with a sign bound per column (+1: weight ≥ 0, -1: ≤ 0, 0: free),
    fitted with L-BFGS-B; weights are mapped back to the raw columns."""
    from scipy.optimize import minimize

    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    mean, std = x.mean(axis=0), x.std(axis=0)
    std[std == 0] = 1.0
    z = (x - mean) / std

    def loss(params):
        w, b = params[:-1], params[-1]
        t = z @ w + b
        grad_t = 1.0 / (1.0 + np.exp(-t)) - y
        value = np.sum(np.logaddexp(0.0, t) - y * t) + 0.5 * (w @ w) / c
        return value, np.concatenate([z.T @ grad_t + w / c, [grad_t.sum()]])

    signs = signs or [0] * x.shape[1]
    bounds = [(0, None) if s > 0 else (None, 0) if s < 0 else (None, None) for s in signs] + [(None, None)]
    result = minimize(loss, np.zeros(x.shape[1] + 1), jac=True, method="L-BFGS-B", bounds=bounds,
                      options={"maxiter": 10_000})
    w, b = result.x[:-1], result.x[-1]
    return w / std, float(b - (w * mean / std).sum())


# The signs evidence can only have: more similarity never makes one happening less likely,
# disagreement never more likely. Fitting within these bounds keeps the model monotone where
# labelled pairs are few: a column the data cannot support gets weight 0, not noise.
CROSS_SIGNS = {"other_day": -1, "gap": -1, "commentary": -1}


def fit(days: list[LabelledPairs], *, c: float = 1.0) -> dict:
    """The weights file's content (see module docstring)."""
    from .scoring import CROSS_FEATURES, cross_columns

    cross_x, cross_y, within_s, within_y = [], [], [], []
    for day in days:
        cross = np.asarray(day.evidence.cross, dtype=bool)
        cross_x.append(cross_columns(day.evidence)[cross])
        cross_y.append(day.same[cross])
        within_s.append(day.within_score[~cross])
        within_y.append(day.same[~cross])
    x, y = np.concatenate(cross_x), np.concatenate(cross_y)
    if y.sum() == 0 or y.all():
        raise ValueError("the labelled days need cross-language pairs of both kinds (same event and not)")
    coef, intercept = _logistic(x, y, c, [CROSS_SIGNS.get(name, 1) for name in CROSS_FEATURES])
    slope, offset = _logistic(np.concatenate(within_s)[:, None], np.concatenate(within_y), c)
    return {
        "cross": {"weights": {name: round(float(w), 6) for name, w in zip(CROSS_FEATURES, coef)},
                  "intercept": round(intercept, 6)},
        "calibration": {"slope": round(float(slope[0]), 6), "intercept": round(offset, 6)},
        "pairs": {"cross": int(len(y)), "cross_same": int(y.sum()),
                  "within": int(sum(len(s) for s in within_s)), "within_same": int(sum(v.sum() for v in within_y))},
        "C": c,
    }


def train(gold_files: list[Path], *, store=None, encoder=None, c: float = 1.0, progress=None) -> dict:
    days = []
    for path in gold_files:
        articles, gold = load_gold(Path(path))
        days.append(labelled_pairs(articles, gold, store=store, encoder=encoder))
        if progress:
            progress(path)
    weights = fit(days, c=c)
    weights["trained_on"] = [Path(p).parent.name + "/" + Path(p).name for p in gold_files]
    return weights
