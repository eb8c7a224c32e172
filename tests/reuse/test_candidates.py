"""Candidate pairs come from passages (n-gram postings), not whole documents."""
import numpy as np
from reuse_samples import make_text

from storytrace.reuse import ReuseSettings
from storytrace.reuse.candidates import (
    anchors_from_postings,
    build_postings,
    candidate_pairs,
    group_anchors,
)
from storytrace.reuse.fingerprint import fingerprint

SETTINGS = ReuseSettings()


def test_one_shared_paragraph_in_long_articles_is_a_candidate():
    shared = make_text(5, paragraphs=1, sentences=3)
    long_a = make_text(1, paragraphs=40) + shared
    long_b = shared + make_text(2, paragraphs=40)
    fps = [fingerprint(i, t) for i, t in enumerate([long_a, long_b, make_text(3, paragraphs=40)])]
    cands = candidate_pairs(fps, SETTINGS)
    assert cands.pairs.tolist() == [[0, 1]]
    pos_a, pos_b, frequent = cands.anchors(0)
    assert len(pos_a) >= 40 and not frequent.any()
    assert (np.diff(pos_a) > 0).all()
    # anchors really point at the same folded n-gram on both sides
    assert fps[0].tokens[pos_a[0]:pos_a[0] + 5].tolist() == fps[1].tokens[pos_b[0]:pos_b[0] + 5].tolist()


def test_very_frequent_ngrams_are_not_anchors_and_common_ones_are_flagged():
    footer = "获取更多资讯请访问我们的网站感谢阅读"
    texts = [make_text(10 + i) + footer for i in range(12)]
    fps = [fingerprint(i, t) for i, t in enumerate(texts)]
    capped = candidate_pairs(fps, ReuseSettings(max_doc_freq=10))
    assert len(capped) == 0
    flagged = candidate_pairs(fps, ReuseSettings(max_doc_freq=20, formula_min_docs=8))
    assert len(flagged) == 12 * 11 // 2 and flagged.frequent.mean() > 0.9


def test_grouping_partitioned_anchors_equals_the_global_result():
    """What the Spark engine relies on: anchors per hash partition, grouped once, give the same pairs."""
    shared = make_text(7, paragraphs=1)
    texts = [make_text(20 + i, paragraphs=3) + (shared if i % 2 else "") for i in range(8)]
    fps = [fingerprint(i, t) for i, t in enumerate(texts)]
    whole = candidate_pairs(fps, SETTINGS)
    hashes, docs, positions = build_postings(fps)
    parts = [anchors_from_postings(hashes[m], docs[m], positions[m], SETTINGS)
             for m in (hashes % np.uint64(2) == 0, hashes % np.uint64(2) == 1)]
    merged = group_anchors(*(np.concatenate(cols) for cols in zip(*parts)), SETTINGS, 8)
    assert merged.pairs.tolist() == whole.pairs.tolist()
    assert merged.offsets.tolist() == whole.offsets.tolist()
    assert merged.pos_a.tolist() == whole.pos_a.tolist() and merged.pos_b.tolist() == whole.pos_b.tolist()
