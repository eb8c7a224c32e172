"""`events.vectorize.CountVectorizer` gives exactly scikit-learn's binary rows (same CSR
arrays, so every score built on them is bit for bit the same), without importing it."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from sklearn.feature_extraction.text import CountVectorizer as SklearnCounts

from storytrace.events.signals import build_signals
from storytrace.events.vectorize import CountVectorizer, TfidfVectorizer


def _same(docs, analyzer=lambda items: items):
    ours = CountVectorizer(analyzer=analyzer, binary=True).fit_transform(docs)
    theirs = SklearnCounts(analyzer=analyzer, binary=True).fit_transform(docs)
    assert type(ours) is type(theirs)
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
    for name in ("data", "indices", "indptr"):
        a, b = getattr(ours, name), getattr(theirs, name)
        assert a.dtype == b.dtype, name
        assert np.array_equal(a, b), name
    # and what the events stage does next
    assert np.array_equal(ours.astype(np.float32).tocsr().toarray(), theirs.astype(np.float32).tocsr().toarray())
    return ours


def test_binary_rows_equal_sklearns_on_the_stages_item_lists(stories):
    articles, _, _ = stories
    signals = [build_signals(a) for a in articles]
    lists = {
        "entity keys": [sorted(s.match_keys()) for s in signals],
        "figures": [s.numbers for s in signals],
        "sessions": [s.sessions for s in signals],
        "sounds": [s.sounds for s in signals],
        "lead tokens": [s.lead_tokens for s in signals],     # repeats within a row
    }
    for name, docs in lists.items():
        if any(docs):
            matrix = _same(docs)
            assert matrix.shape[0] == len(articles), name


def test_binary_rows_order_and_edge_cases():
    # first appearance differs from sorted order; repeats; empty rows; mixed scripts
    docs = [["zeta", "alpha", "zeta"], [], ["geo:VN", "tap can binh", "习近平", "alpha"], ["Ωmega", "beta"], []]
    matrix = _same(docs)
    # columns by sorted term: alpha beta geo:VN "tap can binh" zeta Ωmega 习近平; binary
    assert matrix.toarray().tolist()[0] == [1, 0, 0, 0, 1, 0, 0]
    _same([["b", "a"], ["a", "b"], ["c"]], analyzer=lambda d: [x.upper() for x in d])
    with pytest.raises(ValueError, match="empty vocabulary"):
        CountVectorizer(analyzer=lambda d: d, binary=True).fit_transform([[], []])


def test_other_uses_go_to_sklearn():
    counts = CountVectorizer(analyzer=lambda d: d).fit_transform([["a", "a", "b"]])   # not binary
    assert counts.toarray().tolist() == [[2, 1]]
    tfidf = TfidfVectorizer(analyzer=lambda d: d, sublinear_tf=True).fit_transform([["a", "b"], ["a"]])
    assert tfidf.shape == (2, 2)


def test_events_stage_modules_import_without_sklearn():
    """What an increment imports to cluster (the stage's modules) leaves scikit-learn, pandas
    and scipy.stats unloaded: 1.6-2 s per process."""
    code = ("import sys, storytrace.events, storytrace.events.cluster, storytrace.engines.local;"
            "print(sorted(m for m in ('sklearn', 'pandas', 'scipy.stats') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
