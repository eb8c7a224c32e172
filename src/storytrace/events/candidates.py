"""Which pairs of articles are worth scoring: nearest neighbours, not every pair.

Why: scoring every pair costs memory and time in the square of the article count. A pair
can only reach the joining threshold if the two are close in at least one signal, so each
article proposes its nearest neighbours by embedding (also within other languages, whose
cosines run lower), by distinctive wording (its highest-weighted TF-IDF terms only, so
stock words with long posting lists cost nothing) and by shared entity keys, plus every
reuse link. Only articles published within `max_days` of each other are compared (a wider
gap is a veto), and rows go in publication order, so each block of rows meets only its
time window. The neighbour searches are blocked matrix products (a few hundred rows at a
time), so memory stays at rows × window, never n × n.
"""
from __future__ import annotations

import numpy as np
from scipy import sparse

from .similarity import EventSettings, Features

_ROWS = 256
_DISTINCTIVE_TERMS = 40


def _top_terms(matrix: sparse.csr_matrix, keep: int) -> sparse.csr_matrix:
    """Each row cut to its `keep` largest weights (the article's distinctive terms)."""
    matrix = matrix.tocsr()
    rows, cols, vals = [], [], []
    for r in range(matrix.shape[0]):
        lo, hi = matrix.indptr[r], matrix.indptr[r + 1]
        data = matrix.data[lo:hi]
        if len(data) > keep:
            top = np.argpartition(-data, keep - 1)[:keep]
        else:
            top = np.arange(len(data))
        rows.append(np.full(len(top), r))
        cols.append(matrix.indices[lo:hi][top])
        vals.append(data[top])
    if not rows:
        return matrix
    return sparse.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                             shape=matrix.shape, dtype=np.float32)


def _windows(f: Features, max_days: int, only: np.ndarray | None = None):
    """(row block, candidate columns) in publication order; undated articles meet all.
    `only`: rows of just these articles (their columns are still every article in reach)."""
    n = len(f)
    dated = np.flatnonzero(f.ordinals >= 0)
    undated = np.flatnonzero(f.ordinals < 0)
    by_day = dated[np.argsort(f.ordinals[dated], kind="stable")]
    days = f.ordinals[by_day]
    if only is None:
        row_day, row_undated = by_day, undated
    else:
        chosen = np.zeros(n, dtype=bool)
        chosen[only] = True
        row_day, row_undated = by_day[chosen[by_day]], undated[chosen[undated]]
    row_days = f.ordinals[row_day]
    for start in range(0, len(row_day), _ROWS):
        rows = row_day[start:start + _ROWS]
        lo = np.searchsorted(days, row_days[start] - max_days)
        hi = np.searchsorted(days, row_days[min(start + _ROWS, len(row_day)) - 1] + max_days, side="right")
        yield rows, np.sort(np.concatenate([by_day[lo:hi], undated]))
    everyone = np.arange(n)
    for start in range(0, len(row_undated), _ROWS):
        yield row_undated[start:start + _ROWS], everyone


def _nearest(similarity: np.ndarray, rows: np.ndarray, cols: np.ndarray, allowed: np.ndarray,
             k: int, positive: bool) -> tuple[np.ndarray, np.ndarray]:
    """Top-k columns per row of a dense block, among allowed cells (ties: lower index)."""
    sim = np.where(allowed, similarity, -np.inf)
    if positive:
        sim = np.where(sim > 0, sim, -np.inf)
    k = min(k, sim.shape[1])
    if k == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    top = np.argpartition(-sim, k - 1, axis=1)[:, :k]
    keep = np.isfinite(np.take_along_axis(sim, top, axis=1))
    r = np.repeat(rows, k).reshape(len(rows), k)[keep]
    return r, cols[top[keep]]


def _embedding_blocks(f: Features, settings: EventSettings, only: np.ndarray | None = None):
    """(rows, cols, allowed, cosines) per block of rows within its time window."""
    for rows, cols in _windows(f, settings.max_days, only):
        allowed = rows[:, None] != cols[None, :]
        both = (f.ordinals[rows][:, None] >= 0) & (f.ordinals[cols][None, :] >= 0)
        allowed &= ~both | (np.abs(f.ordinals[rows][:, None] - f.ordinals[cols][None, :]) <= settings.max_days)
        yield rows, cols, allowed, f.vectors[rows] @ f.vectors[cols].T


def _background_rows(f: Features, rows, cols, allowed, embedding, k: int, out: np.ndarray) -> None:
    """out[rows, L] = mean of each row's k best cosines among articles in language L."""
    codes = f.language_codes
    for code in range(out.shape[1]):
        sim = np.where(allowed & (codes[cols] == code)[None, :], embedding, -np.inf)
        take = min(k, sim.shape[1])
        if take == 0:
            continue
        top = -np.partition(-sim, take - 1, axis=1)[:, :take]
        finite = np.isfinite(top)
        count = finite.sum(axis=1)
        total = np.where(finite, top, 0.0).sum(axis=1)
        out[rows, code] = np.where(count > 0, total / np.maximum(count, 1), np.nan)


def _new_background(f: Features) -> np.ndarray:
    return np.full((len(f), int(f.language_codes.max()) + 1 if len(f) else 1), np.nan, dtype=np.float32)


def _fill_missing(background: np.ndarray) -> np.ndarray:
    # No neighbour in a language (a lone article): nothing to stand out from, so the
    # column's median stands in (0 when the language has none at all).
    medians = np.nanmedian(background, axis=0) if np.isfinite(background).any() else np.zeros(background.shape[1])
    medians = np.nan_to_num(np.asarray(medians, dtype=np.float32))
    return np.where(np.isnan(background), medians[None, :], background).astype(np.float32)


def embedding_background(f: Features, settings: EventSettings) -> np.ndarray:
    """n × L: each article's mean cosine to its `background_k` nearest in each language
    (within the time window), the neighbourhood CSLS margins are measured against."""
    import warnings

    out = _new_background(f)
    for rows, cols, allowed, embedding in _embedding_blocks(f, settings):
        _background_rows(f, rows, cols, allowed, embedding, settings.background_k, out)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return _fill_missing(out)


def background_rows(f: Features, settings: EventSettings, rows: np.ndarray, out: np.ndarray | None = None
                    ) -> np.ndarray:
    """`embedding_background`'s raw values (NaN: no neighbour in that language) for just
    these rows, written into `out` (a new all-NaN n × L array when None) and returned:
    what an increment needs for the articles it scores, at rows × window cost."""
    out = _new_background(f) if out is None else out
    if len(rows):
        for block, cols, allowed, embedding in _embedding_blocks(f, settings, np.asarray(rows)):
            _background_rows(f, block, cols, allowed, embedding, settings.background_k, out)
    return out


def filled_background(raw: np.ndarray) -> np.ndarray:
    """Raw background values with a language's median standing in where an article has no
    neighbour in it (as `embedding_background` does)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return _fill_missing(raw)


def candidate_pairs(f: Features, settings: EventSettings, *, only: np.ndarray | None = None,
                    raw: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Unique pairs (i < j) to score, as two index arrays sorted by (i, j).

    The same pass over the embedding blocks fills `f.background` (see
    `embedding_background`) when it is not set, so the cosines are computed once.

    `only` (indices): just the pairs that the nearest-neighbour searches of these articles
    propose among every article within reach (and the reuse links touching them), for an
    increment that scores only pairs with a new article; `f.background` is then left as
    it is (see `background_rows`), unless `raw` is given: then the `only` rows' raw
    background values are written into it from the same cosines (what `background_rows`
    writes for them; an increment needs both). Scores are not affected: this only bounds
    which pairs are scored."""
    import warnings

    n, k = len(f), settings.neighbours
    if n < 2:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    distinctive = _top_terms(f.lexical, _DISTINCTIVE_TERMS)
    multilingual = len(set(f.languages.tolist())) > 1
    background = _new_background(f) if f.background is None and only is None else None
    if only is not None and raw is not None:
        background = raw
    found_i, found_j = [], []
    for rows, cols, allowed, embedding in _embedding_blocks(f, settings, only):
        if background is not None:
            _background_rows(f, rows, cols, allowed, embedding, settings.background_k, background)
        searches = [(embedding, allowed, False),
                    ((distinctive[rows] @ distinctive[cols].T).toarray(), allowed, True),
                    ((f.entity_weighted[rows] @ f.entity_binary[cols].T).toarray(), allowed, True)]
        if multilingual:
            other = f.languages[rows][:, None] != f.languages[cols][None, :]
            searches.append((embedding, allowed & other, False))
        for sim, mask, positive in searches:
            r, c = _nearest(sim, rows, cols, mask, k, positive)
            found_i.append(r)
            found_j.append(c)
    chosen = None
    if only is not None:
        chosen = np.zeros(n, dtype=bool)
        chosen[np.asarray(only, dtype=np.int64)] = True
    for a, b in f.reuse:
        if chosen is None or chosen[a] or chosen[b]:
            found_i.append(np.array([a]))
            found_j.append(np.array([b]))
    if background is not None and background is not raw:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            f.background = _fill_missing(background)
    if not found_i:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    i, j = np.concatenate(found_i), np.concatenate(found_j)
    low, high = np.minimum(i, j), np.maximum(i, j)
    keys = np.unique(low * n + high)
    return keys // n, keys % n
