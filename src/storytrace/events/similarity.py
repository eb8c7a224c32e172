"""Pairwise evidence that two articles report the same happening, for chosen pairs only.

Why pairs, not an n×n matrix: a week of news is thousands of articles and a store can hold
far more, so per-article features are built once (vectors, sparse TF-IDF and entity rows,
day ordinals) and evidence is computed only for the pairs the clusterer asks about
(candidate pairs, then the small components it groups). `block_evidence` gives the dense
square for one group, which is what average link and the event description need.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse
from .vectorize import CountVectorizer, TfidfVectorizer   # scikit-learn's, imported when needed (vectorize.py)

from ..model import ReuseLink
from .signals import ArticleSignals, day_distance, resolve_date, same_event_dates

REUSE_KINDS = ("duplicate", "reprint", "partial")
_ROW_CHUNK = 256
_PAIR_CHUNK = 16384


@dataclass(frozen=True)
class EventSettings:
    """The knobs, in the user's terms. Defaults tuned on the zh-2021-02 dev day (see README)."""

    threshold: float = 0.70          # average-link score two groups need to merge
    strong_share: float = 0.30       # then groups of 2+ join when this share of their cross pairs clears the threshold
    strong_share_min: int = 2
    occasion_share: float = 0.5      # then groups join when this share of each one's headlines names one occasion
    occasion_mean: float = 0.45      # ... and their pairs average this (occasion.py; > 1 share: off)
    occasion_days: int = 1           # ... and the joined group's publication days span at most this many days apart
    embedding_floor: float = 0.86    # e5 cosine at which the embedding starts to count
    embedding_weight: float = 0.80
    lexical_weight: float = 2.20
    entity_weight: float = 0.10
    date_bonus: float = 0.08         # leads name the same day
    date_penalty: float = 0.50       # leads name days more than 3 apart
    same_cycle_days: int = 2         # publication gap with no penalty
    max_days: int = 10               # publication gap beyond which articles never join
    reuse_coverage: float = 0.15     # non-formula reuse this large, on both sides, joins outright (a roundup quoting a story does not)
    figures_penalty: float = 0.60   # same-language leads both state figures, none shared ...
    figures_full: int = 2            # ... in full once the sparser lead states this many
    figures_other_outlets: float = 0.25   # share of that penalty when two known, different outlets report: one outlet's
                                          # template series (sessions, case counts) is what the figures tell apart, while
                                          # outlets reporting one happening round and update its figures differently
    market_bonus: float = 0.70       # both headlines report one market's same session ...
    market_penalty: float = 0.60     # ... or different markets / sessions (markets.py)
    commentary_penalty: float = 0.30  # either headline is labelled analysis / column / poll (genre.py)
    # Across languages every signal is weaker (e5 rates a zh/vi pair of one event about as
    # close as a zh/vi pair of two look-alike events), so cross-language pairs lean on
    # shared names and the same named day; these were set on tests/events/data, not dev.
    cross_embedding_floor: float = 0.76
    cross_entity_weight: float = 0.9
    cross_date_bonus: float = 0.40
    # Candidate pairs per article (see candidates.py): nearest neighbours by embedding,
    # by distinctive wording and by shared entities. Scores are exact; these only bound
    # which pairs get scored.
    neighbours: int = 24
    model: str | None = None         # weights file (`storytrace train-events`); None: $STORYTRACE_EVENT_WEIGHTS or the shipped one
    background_k: int = 4            # neighbours per language that a margin is measured against (CSLS)


@dataclass
class PairEvidence:
    """Evidence for pairs (i[k], j[k]); arrays are 1-D, or 2-D when built by block_evidence."""

    embedding: np.ndarray      # raw cosine of title+lead vectors
    lexical: np.ndarray        # TF-IDF cosine in the shared Sino-Vietnamese/word space
    entities: np.ndarray       # IDF-weighted overlap of entity keys
    reuse: np.ndarray          # non-formula reuse coverage of the less-covered side (min of the two), best link
    days: np.ndarray           # publication gap in days (-1 unknown)
    dates: np.ndarray          # +1 leads name the same day, -1 different, 0 unknown
    cross: np.ndarray          # True where the two articles are in different languages
    score: np.ndarray          # combined score the clusterer uses
    figures: np.ndarray | None = None   # +1 leads share a figure; -k both state figures, none shared (k: the sparser lead's count, ≤ 3); 0 unknown
    market: np.ndarray | None = None    # +1 headlines report the same market session, -2 another session of that market, -1 other markets, 0 not both market reports
    commentary: np.ndarray | None = None   # how many of the two headlines are labelled commentary (0-2)
    margin: np.ndarray | None = None       # cosine above what each side's nearest in the other's language score (CSLS)
    lead_lexical: np.ndarray | None = None  # TF-IDF cosine of title + lead only
    sound: np.ndarray | None = None        # Chinese and Latin-script texts name a foreign name that sounds alike
    other_outlets: np.ndarray | None = None  # True where both outlets are known and differ


@dataclass
class Features:
    """Per-article inputs to every pair score, built once (linear in the article count)."""

    signals: list[ArticleSignals]
    vectors: np.ndarray                 # n × d, L2-normalised
    lexical: sparse.csr_matrix          # n × V TF-IDF rows (L2-normalised)
    entity_weighted: sparse.csr_matrix  # n × K entity keys × IDF
    entity_binary: sparse.csr_matrix    # n × K entity keys
    entity_mass: np.ndarray             # IDF mass per article
    entity_floor: float
    ordinals: np.ndarray                # publication day ordinal, -1 unknown
    lead_days: np.ndarray               # n × 3 named lead dates as ordinals (NaN absent)
    languages: np.ndarray
    partial: np.ndarray                 # True where only month/day of publication is known
    figures: sparse.csr_matrix          # n × F figures of title and lead (binary)
    figure_counts: np.ndarray           # figures per article
    sessions: sparse.csr_matrix         # n × S market sessions named by the headline (binary)
    markets: sparse.csr_matrix          # n × M the markets themselves (binary)
    session_counts: np.ndarray
    commentary: np.ndarray              # True where the headline labels the piece commentary
    reuse: dict[tuple[int, int], float]
    lead_lexical: sparse.csr_matrix | None = None   # n × V TF-IDF of title + lead only (feed items have no more)
    sounds: sparse.csr_matrix | None = None         # n × T foreign names by sound (binary)
    chinese: np.ndarray | None = None               # True where the text is Chinese (sounds meet across scripts only)
    language_codes: np.ndarray | None = None        # language index per article (into background's columns)
    background: np.ndarray | None = None            # n × L: mean cosine of each article's nearest in each language
    outlets: np.ndarray | None = None               # outlet index per article (-1 unknown)

    def __len__(self) -> int:
        return len(self.signals)


def _tfidf(docs: list[list[str]]) -> sparse.csr_matrix:
    if not any(docs):
        return sparse.csr_matrix((len(docs), 1), dtype=np.float32)
    vectorizer = TfidfVectorizer(analyzer=lambda tokens: tokens, sublinear_tf=True, min_df=1,
                                 dtype=np.float32)
    return vectorizer.fit_transform(docs).tocsr()


def _binary_rows(docs: list[list[str]]) -> sparse.csr_matrix:
    if not any(docs):
        return sparse.csr_matrix((len(docs), 1), dtype=np.float32)
    return CountVectorizer(analyzer=lambda items: items, binary=True).fit_transform(docs).astype(np.float32).tocsr()


def _entity_rows(signals: list[ArticleSignals]):
    """Entity keys weighted by IDF; the floor (twice the median IDF) keeps one common shared
    name from counting as full agreement (see `_entity_overlap`)."""
    docs = [sorted(s.match_keys()) for s in signals]
    n = len(docs)
    if not any(docs):
        empty = sparse.csr_matrix((n, 1), dtype=np.float32)
        return empty, empty, np.zeros(n, dtype=np.float32), 1.0
    binary = CountVectorizer(analyzer=lambda keys: keys, binary=True).fit_transform(docs)
    binary = binary.astype(np.float32).tocsr()
    df = np.asarray(binary.sum(axis=0)).ravel()
    idf = np.log((1 + n) / (1 + df)) + 1.0
    weighted = binary.multiply(idf[None, :]).tocsr().astype(np.float32)
    mass = np.asarray(weighted.sum(axis=1)).ravel().astype(np.float32)
    return weighted, binary, mass, 2.0 * float(np.median(idf))


def _resolved_lead_days(signals: list[ArticleSignals]) -> np.ndarray:
    """Lead dates as day ordinals (n × 3, NaN where absent), years from the publication."""
    out = np.full((len(signals), 3), np.nan)
    for i, sig in enumerate(signals):
        for k, value in enumerate(sig.lead_dates[:3]):
            resolved = resolve_date(value, sig.published)
            if resolved is not None:
                out[i, k] = resolved.toordinal()
    return out


def article_features(signals: list[ArticleSignals], vectors: np.ndarray, links: list[ReuseLink]) -> Features:
    weighted, binary, mass, floor = _entity_rows(signals)
    index = {s.id: i for i, s in enumerate(signals)}
    reuse: dict[tuple[int, int], float] = {}
    for link in links:
        if link.kind not in REUSE_KINDS or link.a not in index or link.b not in index:
            continue
        i, j = sorted((index[link.a], index[link.b]))
        reuse[(i, j)] = max(reuse.get((i, j), 0.0), min(link.a_coverage, link.b_coverage), 0.0)
    figures = _binary_rows([s.numbers for s in signals])
    sessions = _binary_rows([s.sessions for s in signals])
    markets = _binary_rows([[x.split("@")[0] for x in s.sessions] for s in signals])
    return Features(
        commentary=np.array([s.commentary for s in signals], dtype=bool),
        sessions=sessions, markets=markets, session_counts=np.asarray(sessions.sum(axis=1)).ravel().astype(np.int32),
        figures=figures, figure_counts=np.asarray(figures.sum(axis=1)).ravel().astype(np.int32),
        signals=signals, vectors=np.asarray(vectors, dtype=np.float32),
        lexical=_tfidf([s.tokens for s in signals]), entity_weighted=weighted,
        entity_binary=binary, entity_mass=mass, entity_floor=floor,
        ordinals=np.array([s.published.toordinal() if s.published else -1 for s in signals], dtype=np.int64),
        lead_days=_resolved_lead_days(signals),
        languages=np.array([s.language or "?" for s in signals]),
        partial=np.array([s.published is None for s in signals]), reuse=reuse,
        lead_lexical=_tfidf([s.lead_tokens for s in signals]), sounds=_binary_rows([s.sounds for s in signals]),
        chinese=np.array([s.language == "zh" for s in signals], dtype=bool),
        language_codes=np.unique(np.array([s.language or "?" for s in signals]), return_inverse=True)[1].astype(np.int32),
        outlets=_outlet_codes(signals))


def _outlet_codes(signals: list[ArticleSignals]) -> np.ndarray:
    names = sorted({s.outlet for s in signals if s.outlet})
    index = {name: k for k, name in enumerate(names)}
    return np.array([index.get(s.outlet, -1) for s in signals], dtype=np.int32)


def pair_products(a: sparse.csr_matrix, b: sparse.csr_matrix, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """a[rows[k]] · b[cols[k]] for every k, as sparse block products over row chunks.

    Why blocks: a per-pair elementwise product of long TF-IDF rows costs far more than one
    sparse product of a few hundred rows against the columns those rows need."""
    out = np.zeros(len(rows), dtype=np.float32)
    if len(rows) == 0:
        return out
    order = np.argsort(rows, kind="stable")
    sorted_rows = rows[order]
    unique = np.unique(sorted_rows)
    for start in range(0, len(unique), _ROW_CHUNK):
        chunk = unique[start:start + _ROW_CHUNK]
        lo = np.searchsorted(sorted_rows, chunk[0])
        hi = np.searchsorted(sorted_rows, chunk[-1], side="right")
        picked = order[lo:hi]
        needed, where = np.unique(cols[picked], return_inverse=True)
        block = (a[chunk] @ b[needed].T).toarray()
        out[picked] = block[np.searchsorted(chunk, rows[picked]), where]
    return out


def _dates_and_days(f: Features, i: np.ndarray, j: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Publication gap in days and lead-date agreement (+1 / -1 / 0) per pair; the few
    articles with only a month and day of publication go pair by pair."""
    both = (f.ordinals[i] >= 0) & (f.ordinals[j] >= 0)
    days = np.where(both, np.abs(f.ordinals[i] - f.ordinals[j]), -1).astype(np.int32)
    gaps = np.abs(f.lead_days[i][:, :, None] - f.lead_days[j][:, None, :])
    with np.errstate(invalid="ignore"):
        near = np.any(gaps <= 1, axis=(1, 2))
        known = np.any(~np.isnan(gaps), axis=(1, 2))
        far = known & np.all(np.isnan(gaps) | (gaps > 3), axis=(1, 2))
    dates = np.where(near, 1, np.where(far, -1, 0)).astype(np.int8)
    for k in np.flatnonzero(f.partial[i] | f.partial[j]):
        a, b = f.signals[i[k]], f.signals[j[k]]
        gap = day_distance(a, b)
        if gap is not None:
            days[k] = gap
        if i[k] != j[k] and a.lead_dates and b.lead_dates:
            agree, _ = same_event_dates(a, b)
            dates[k] = 0 if agree is None else (1 if agree else -1)
    dates[i == j] = 0
    return days, dates


def evidence(f: Features, i: np.ndarray, j: np.ndarray, settings: EventSettings, scored: bool = True) -> PairEvidence:
    """All signals and (unless `scored` is False: training) the combined score for the pairs (i[k], j[k])."""
    i, j = np.asarray(i, dtype=np.int64), np.asarray(j, dtype=np.int64)
    embedding = np.empty(len(i), dtype=np.float32)
    for start in range(0, len(i), _PAIR_CHUNK):   # chunks: gathered vector rows stay small
        part = slice(start, start + _PAIR_CHUNK)
        embedding[part] = np.einsum("kd,kd->k", f.vectors[i[part]], f.vectors[j[part]])
    embedding = np.clip(embedding, -1.0, 1.0)
    lexical = pair_products(f.lexical, f.lexical, i, j)
    shared = pair_products(f.entity_weighted, f.entity_binary, i, j)
    smaller = np.maximum(np.minimum(f.entity_mass[i], f.entity_mass[j]), f.entity_floor)
    entities = np.clip(shared / smaller, 0.0, 1.0).astype(np.float32)
    low, high = np.minimum(i, j), np.maximum(i, j)
    reuse = np.array([f.reuse.get((int(a), int(b)), 0.0) for a, b in zip(low, high)], dtype=np.float32) \
        if f.reuse else np.zeros(len(i), dtype=np.float32)
    days, dates = _dates_and_days(f, i, j)
    cross = f.languages[i] != f.languages[j]
    shared_figures = pair_products(f.figures, f.figures, i, j)
    stated = (f.figure_counts[i] > 0) & (f.figure_counts[j] > 0)
    fewer = np.minimum(np.minimum(f.figure_counts[i], f.figure_counts[j]), 3)
    figures = np.where(shared_figures > 0, 1, np.where(stated, -fewer, 0)).astype(np.int8)
    ev = PairEvidence(embedding, lexical, entities, reuse, days, dates, cross, np.zeros_like(embedding),
                      figures, _market_agreement(f, i, j), (f.commentary[i].astype(np.int8) + f.commentary[j]).astype(np.int8),
                      margin=_margin(f, i, j, embedding, settings), lead_lexical=pair_products(f.lead_lexical, f.lead_lexical, i, j),
                      sound=_sound(f, i, j), other_outlets=_other_outlets(f, i, j))
    if scored:
        ev.score = combine(ev, settings)
        ev.score[i == j] = 1.0
    return ev


def _margin(f: Features, i: np.ndarray, j: np.ndarray, embedding: np.ndarray, settings: EventSettings) -> np.ndarray:
    """Cosine minus the mean of what each side's nearest neighbours in the other's language
    score (CSLS, as bitext mining judges LASER/LaBSE pairs).

    Why: an encoder rates pairs across two languages lower, and closer together, than
    pairs within one, and differently for every language pair; relative to each article's
    own neighbourhood in the other language, the right match stands out on any scale."""
    if f.background is None:
        from .candidates import embedding_background

        f.background = embedding_background(f, settings)
    codes = f.language_codes
    other_j = f.background[i, codes[j]]
    other_i = f.background[j, codes[i]]
    return (embedding - 0.5 * (other_j + other_i)).astype(np.float32)


def _other_outlets(f: Features, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    if f.outlets is None:
        return np.zeros(len(i), dtype=bool)
    a, b = f.outlets[i], f.outlets[j]
    return (a >= 0) & (b >= 0) & (a != b)


def _sound(f: Features, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """1 where one text is Chinese, the other in Latin script, and a name sounds alike in both."""
    across = np.flatnonzero(f.chinese[i] != f.chinese[j])
    out = np.zeros(len(i), dtype=np.float32)
    if len(across) and f.sounds is not None:
        out[across] = (pair_products(f.sounds, f.sounds, i[across], j[across]) > 0).astype(np.float32)
    return out


def _market_agreement(f: Features, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """+1 same market session, -2 same market on another day, -1 other markets, 0 otherwise.

    Only pairs whose headlines both name a market (a few percent) reach the sparse
    products: this runs inside every `evidence` call of the linkage."""
    market = np.zeros(len(i), dtype=np.int8)
    both = np.flatnonzero((f.session_counts[i] > 0) & (f.session_counts[j] > 0))
    if len(both):
        bi, bj = i[both], j[both]
        same_session = pair_products(f.sessions, f.sessions, bi, bj) > 0
        same_market = pair_products(f.markets, f.markets, bi, bj) > 0
        market[both] = np.where(same_session, 1, np.where(same_market, -2, -1))
    return market


def block_evidence(f: Features, members: list[int], settings: EventSettings) -> PairEvidence:
    """Dense evidence among `members` (m × m arrays, diagonal score 1)."""
    m = len(members)
    idx = np.asarray(members, dtype=np.int64)
    ev = evidence(f, np.repeat(idx, m), np.tile(idx, m), settings)
    for name in ("embedding", "lexical", "entities", "reuse", "days", "dates", "cross", "score", "figures", "market",
                 "commentary", "margin", "lead_lexical", "sound", "other_outlets"):
        setattr(ev, name, getattr(ev, name).reshape(m, m))
    return ev


def pair_evidence(signals: list[ArticleSignals], vectors: np.ndarray, links: list[ReuseLink],
                  settings: EventSettings) -> PairEvidence:
    """Every pair, dense (n × n): for small inputs and diagnostics; the clusterer does not use it."""
    return block_evidence(article_features(signals, vectors, links), list(range(len(signals))), settings)


def combine(ev: PairEvidence, settings: EventSettings) -> np.ndarray:
    """One score per pair. Within one language: the evidence sum (`hand_score`). Across
    languages: the learned probability that both report one happening (`scoring`), put on
    the same scale through the within-language calibration. Then the rules: big
    non-formula reuse joins outright (1), a gap beyond `max_days` or another session of the
    same market vetoes (-1). Elementwise, so any shape of pair arrays works."""
    from .scoring import cross_score

    score = hand_score(ev, settings)
    cross = np.asarray(ev.cross, dtype=bool)
    if cross.any():
        # The learned model has only seen feed headlines against posts, whose leads name no
        # day; the evidence sum still counts a named same day and shared names, so a
        # cross-language pair takes the stronger of the two readings.
        # Time is not learned either (both dev sets span two days): a named other day and a
        # publication gap beyond the news cycle cost what they cost within a language.
        learned = cross_score(ev, settings.model) - time_penalty(ev, settings)
        score = np.where(cross, np.maximum(learned, score), score)
    market = ev.market if ev.market is not None else np.zeros(np.shape(score), dtype=np.int8)
    score = np.where(ev.reuse >= settings.reuse_coverage, np.maximum(score, 1.0), score)
    score = np.where((ev.days > settings.max_days) | (market == -2), -1.0, score)
    return np.asarray(score, dtype=np.float32)


def time_penalty(ev: PairEvidence, settings: EventSettings) -> np.ndarray:
    """What leads naming days more than 3 apart and a gap beyond the news cycle cost."""
    gap = np.where(ev.days < 0, 0, ev.days).astype(np.float32)
    return (np.where(ev.dates < 0, settings.date_penalty, 0.0)
            + np.clip(gap - settings.same_cycle_days, 0, None) * 0.05).astype(np.float32)


def hand_score(ev: PairEvidence, settings: EventSettings) -> np.ndarray:
    """One score per pair: weighted evidence, then time and date penalties, then vetoes.

    The embedding only counts above `embedding_floor` (multilingual-e5 rates any two news
    leads ≥0.8); lexical overlap and shared entities add; leads naming different days,
    same-language leads that both state figures but share none (two places' case counts:
    one template, different happenings) and publication gaps beyond a news cycle subtract;
    headlines on one market's same trading session add (and their figures may differ: the
    midday and closing reports), headlines on different markets or sessions subtract, and
    pieces labelled commentary need more evidence; big non-formula reuse joins outright;
    a gap beyond `max_days` vetoes. Elementwise, so any shape of pair arrays works.
    """
    s = settings
    floor = np.where(ev.cross, s.cross_embedding_floor, s.embedding_floor)
    emb = np.clip((ev.embedding - floor) / (1.0 - floor), 0.0, 1.0)
    entity_weight = np.where(ev.cross, s.cross_entity_weight, s.entity_weight)
    bonus = np.where(ev.cross, s.cross_date_bonus, s.date_bonus)
    score = s.embedding_weight * emb + s.lexical_weight * ev.lexical + entity_weight * ev.entities
    score += np.where(ev.dates > 0, bonus, 0.0) - np.where(ev.dates < 0, s.date_penalty, 0.0)
    market = ev.market if ev.market is not None else np.zeros(np.shape(score), dtype=np.int8)
    if ev.figures is not None:   # figures only within a language: 8万 / 80,000 would not meet
        disjoint = np.minimum(-ev.figures.astype(np.float32), s.figures_full) / s.figures_full
        if ev.other_outlets is not None:
            disjoint = disjoint * np.where(ev.other_outlets, s.figures_other_outlets, 1.0)
        # One session's midday and closing reports state different figures by design.
        score -= np.where((ev.figures < 0) & ~ev.cross & (market <= 0), s.figures_penalty * disjoint, 0.0)
    score += np.where(market > 0, s.market_bonus, 0.0) - np.where(market < 0, s.market_penalty, 0.0)
    if ev.commentary is not None:
        score -= s.commentary_penalty * ev.commentary
    score -= np.clip(np.where(ev.days < 0, 0, ev.days).astype(np.float32) - s.same_cycle_days, 0, None) * 0.05
    return np.asarray(score, dtype=np.float32)
