"""The reuse step end to end: fingerprint -> families -> candidates -> align -> classify -> direction.

Each step is a pure function of plain values (see the sibling modules) so the Spark
engine can run them per partition; this module only schedules them locally. Alignment of
candidate pairs, the costly part, runs in `settings.workers` processes. With the `fork`
start method the fingerprints reach the workers through the pool initializer without
being pickled; where processes cannot be started the same code runs in-process.
"""
from __future__ import annotations

from itertools import pairwise

import numpy as np

from ..model import Article, Family, Passage, ReuseLink
from .align import align_pair
from .candidates import Candidates, candidate_pairs
from .classify import classify, union_spans, visible_length
from .direction import canonical, infer_direction
from .family import article_sketch, build_families, family_meta, find_families, priority, representatives
from .fingerprint import Fingerprint, fingerprint
from ..workers import NoProcesses, process_map
from .settings import ReuseSettings

_PARALLEL_MIN_PAIRS = 400
_worker_state: tuple[list[Fingerprint], Candidates, ReuseSettings] | None = None


def _init_worker(fps: list[Fingerprint], cands: Candidates, settings: ReuseSettings) -> None:
    global _worker_state
    _worker_state = (fps, cands, settings)


def align_range(fps: list[Fingerprint], cands: Candidates, settings: ReuseSettings,
                lo: int, hi: int) -> list[tuple[int, list[Passage]]]:
    """Align candidate pairs lo..hi-1; returns (pair number, passages) for pairs with any."""
    out = []
    for p in range(lo, hi):
        i, j = (int(x) for x in cands.pairs[p])
        passages = align_pair(fps[i], fps[j], *cands.anchors(p), settings)
        if passages:
            out.append((p, passages))
    return out


def _align_task(bounds: tuple[int, int]) -> list[tuple[int, list[Passage]]]:
    assert _worker_state is not None
    return align_range(*_worker_state, *bounds)


def _chunks(cands: Candidates, n_chunks: int) -> list[tuple[int, int]]:
    """Split pair numbers into ranges of about equal anchor counts (cost follows anchors)."""
    cost = np.cumsum(np.diff(cands.offsets) + 50)
    cuts = np.searchsorted(cost, np.linspace(0, cost[-1], n_chunks + 1)[1:-1])
    bounds = np.unique(np.concatenate(([0], cuts, [len(cands)])))
    return [(int(lo), int(hi)) for lo, hi in pairwise(bounds.tolist()) if hi > lo]


def _align_all(fps, cands, settings, progress) -> list[tuple[int, list[Passage]]]:
    advance = progress("reuse: aligning pairs", len(cands)) if progress else None
    if settings.workers > 1 and len(cands) >= _PARALLEL_MIN_PAIRS:
        chunks = _chunks(cands, settings.workers * 8)
        try:
            results = []
            for (lo, hi), part in zip(chunks, process_map(_align_task, chunks, settings.workers,
                                                          initializer=_init_worker,
                                                          initargs=(fps, cands, settings))):
                results.extend(part)
                if advance:
                    advance(hi - lo)
            return results
        except NoProcesses:
            pass      # do the same work in-process
    results = align_range(fps, cands, settings, 0, len(cands))
    if advance:
        advance(len(cands))
    return results


def fingerprint_articles(articles: list[Article], settings: ReuseSettings) -> list[Fingerprint]:
    return [fingerprint(i, art.text or "", shingle=settings.shingle, seed=settings.seed)
            for i, art in enumerate(articles)]


def build_link(a: Article, b: Article, passages: list[Passage], outlets_present: set[str]) -> ReuseLink:
    """Classify a pair and add its direction (a.id < b.id)."""
    kind, cov_a, cov_b = classify(a.text, b.text, passages)
    if kind == "formula":
        direction, evidence, source = "unknown", "only stock phrases are shared", None
    else:
        direction, evidence, source = infer_direction(a, b, cov_a, cov_b, outlets_present)
    return ReuseLink(a=a.id, b=b.id, kind=kind, a_coverage=cov_a, b_coverage=cov_b,
                     direction=direction, direction_evidence=evidence, common_source=source,
                     passages=passages)


class ReuseLinks(list):
    """What `detect_reuse` returns: the links (a plain list of `ReuseLink`, as before) and,
    as `families`, one `Family` record per family of near-identical copies."""

    families: list[Family]
    index_parts: tuple | None = None       # (ordered, fps, leaders, family) when asked (`index.py`)

    def __init__(self, links=(), families=None):
        super().__init__(links)
        self.families = list(families or [])


def families_of(ordered: list[Article], fps: list[Fingerprint], settings: ReuseSettings,
                leaders_too: bool = False):
    """family[i]: index of article i's representative (see `family.py`); with `leaders_too`,
    (leaders, family): what `find_families` decided before representatives were re-picked."""
    order = priority(ordered)
    leaders = find_families([article_sketch(fp, settings) for fp in fps], order)
    family = representatives(leaders, family_meta(ordered), order)
    return (leaders, family) if leaders_too else family


def finish_links(ordered: list[Article], family: np.ndarray, found: dict,
                 outlets_present: set[str], built: dict | None = None) -> ReuseLinks:
    """Links in pair order (built here unless given in `built`) plus the family records."""
    built = built or {}
    links = [built[(i, j)] if (i, j) in built else build_link(ordered[i], ordered[j], found[(i, j)], outlets_present)
             for i, j in sorted(found) if found[(i, j)]]
    return ReuseLinks(links, build_families(ordered, family, links))


def detect_reuse(articles: list[Article], *, settings: ReuseSettings | None = None,
                 progress=None, align=None, keep_index: bool = False) -> ReuseLinks:
    """Every related pair with its passages; deterministic whatever the input order.

    Near-identical copies form a family: each member is linked to the family's
    representative only (k - 1 links for k copies), and pairs between other articles and
    the family go through the representative; `.families` holds the family records.
    `align(fps, cands, settings, progress, align_all)`: how candidate pairs are aligned
    (default `_align_all`); the local engine passes a memo of earlier alignments
    (`engines.local.AlignmentMemo`) so an increment aligns only pairs it has not seen.
    `keep_index`: leave on the result, as `index_parts`, what the passage index is filed
    from (`index.PassageIndex.rebuild`)."""
    settings = settings or ReuseSettings()
    by_id = {art.id: art for art in articles}
    ordered = [by_id[key] for key in sorted(by_id)]
    advance = progress("reuse: fingerprinting", len(ordered)) if progress else None
    fps = fingerprint_articles(ordered, settings)
    if advance:
        advance(len(ordered))
    leaders, family = families_of(ordered, fps, settings, leaders_too=True)
    cands = candidate_pairs(fps, settings, family)
    found = {tuple(int(x) for x in cands.pairs[p]): passages
             for p, passages in (align(fps, cands, settings, progress, _align_all) if align
                                 else _align_all(fps, cands, settings, progress))}
    outlets_present = {c for art in ordered if (c := canonical(art.outlet))}
    links = finish_links(ordered, family, found, outlets_present)
    if keep_index:
        links.index_parts = (ordered, fps, leaders, family)
    return links


def pair_link(a: Article, b: Article, settings: ReuseSettings | None = None) -> ReuseLink | None:
    """The link two articles would have on their own (for a pair the stored links do not hold
    directly, e.g. two members of one family: each is linked only to the representative)."""
    settings = settings or ReuseSettings(workers=1)
    links = detect_reuse([a, b], settings=settings)
    return links[0] if links else None


def original_share(articles: list[Article], links: list[ReuseLink]) -> dict[str, float]:
    """Per article, the share of its visible text found in no other article of the collection."""
    spans: dict[str, list[tuple[int, int]]] = {art.id: [] for art in articles}
    for link in links:
        for p in link.passages:
            if p.formula:
                continue
            if link.a in spans:
                spans[link.a].append((p.a_start, p.a_end))
            if link.b in spans:
                spans[link.b].append((p.b_start, p.b_end))
    shares = {}
    for art in articles:
        total = visible_length(art.text)
        covered = sum(visible_length(art.text[s:e]) for s, e in union_spans(spans[art.id]))
        shares[art.id] = round(1.0 - covered / total, 4) if total else 1.0
    return shares
