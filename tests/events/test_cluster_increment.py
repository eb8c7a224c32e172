"""Increments of the clusterer (issue 13): only pairs with a new article are scored, only
events a new article joins are described again, the rest come back as stored, and the
groups equal those of one run over everything on realistic splits of the test stories."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from storytrace.events import EventSettings, cluster_events
from storytrace.events import cluster as cluster_module
from storytrace.events.cluster import event_row, hashed_tfidf, term_counts
from storytrace.events.signals import build_signals
from storytrace.events.similarity import _tfidf
from storytrace.store import Store


def _groups(events):
    return sorted(sorted(e.articles) for e in events)


class ScoredPairs:
    """Records every pair the clusterer scores (the real `evidence` runs)."""

    def __init__(self, monkeypatch) -> None:
        self.pairs: set[tuple[str, str]] = set()
        original = cluster_module.evidence

        def recorded(f, i, j, settings, *args, **kwargs):
            ids = [s.id for s in f.signals]
            self.pairs.update((ids[a], ids[b]) for a, b in zip(np.asarray(i).tolist(), np.asarray(j).tolist()) if a != b)
            return original(f, i, j, settings, *args, **kwargs)
        monkeypatch.setattr(cluster_module, "evidence", recorded)


def _halves_by_time(articles):
    ordered = sorted(articles, key=lambda a: (a.published, a.id))
    return ordered[: len(ordered) // 2], ordered[len(ordered) // 2:]


def test_increment_scores_only_pairs_with_a_new_article(stories, encoder, monkeypatch, tmp_path):
    articles, _, _ = stories
    early, late = _halves_by_time(articles)
    with Store(tmp_path / "s.db") as store:
        before = cluster_events(early, [], store=store, encoder=encoder)
        scored = ScoredPairs(monkeypatch)
        after = cluster_events(articles, [], store=store, existing=before, encoder=encoder)
    new = {a.id for a in late}
    grown = [e for e in after if any(a in new for a in e.articles) and not set(e.articles) <= new]
    inside_grown = {(a, b) for e in grown for a in e.articles for b in e.articles}
    assert scored.pairs, "the increment scored nothing: the test would mean nothing"
    # every scored pair has a new article, or lies inside an event a new article joined
    # (its description is rebuilt from all of its members)
    assert all(a in new or b in new or (a, b) in inside_grown for a, b in scored.pairs)
    # events no new article joined come back as stored: the same objects
    stored_ids = {e.id: e for e in before}
    untouched = [e for e in after if e.id in stored_ids and not any(a in new for a in e.articles)]
    assert untouched and all(e is stored_ids[e.id] for e in untouched)
    # a grown event keeps the id it opened with and its earlier members' reasons
    for event in grown:
        old = next(e for e in before if set(e.articles) & set(event.articles))
        assert event.id == old.id
        assert all(event.reasons[a] == old.reasons[a] for a in old.articles)
        assert set(event.reasons) == set(event.articles)


@pytest.mark.parametrize("split", ["time halves", "one by one"])
def test_increments_give_the_groups_of_one_run(stories, encoder, split):
    """The bound on arrival order, measured: the test stories (four events with same-topic
    look-alikes, four languages) fed in two time halves, or one article at a time in
    publication order, give the groups of one run over all of them."""
    articles, _, _ = stories
    whole = cluster_events(articles, [], encoder=encoder)
    batches = (list(_halves_by_time(articles)) if split == "time halves"
               else [[a] for a in sorted(articles, key=lambda a: (a.published, a.id))])
    events, seen = [], []
    for batch in batches:
        seen += batch
        events = cluster_events(seen, [], existing=events or None, encoder=encoder)
    assert _groups(events) == _groups(whole)


def test_undated_new_article_reads_only_the_newest_window(stories, encoder):
    """A new article without a date does not make the whole store the window: it is read
    with the `max_days` around the newest stored day (`cluster.window_days`)."""
    articles, _, _ = stories
    base = cluster_events(articles, [], encoder=encoder)
    newest = max(a.published for a in articles)
    undated = dataclasses.replace(next(a for a in articles if a.published == newest), id="undated-copy",
                                  published=None, published_precision=None)
    counted = []

    def progress(description, total):
        counted.append((description, total))
        return lambda n=1: None

    again = cluster_events(articles + [undated], [], existing=base, encoder=encoder, progress=progress)
    from storytrace.events.signals import parse_published

    last = parse_published(newest)[0].toordinal()
    in_window = [a for a in articles if abs(parse_published(a.published)[0].toordinal() - last) <= EventSettings().max_days]
    read = dict(counted)["event signals"]
    assert read < len(articles) + 1                     # not the whole store
    assert read >= len(in_window) + 1                   # the window and the new article
    far = [e for e in base if all(a not in {x.id for x in in_window} for a in e.articles)]
    assert far and all(any(x is e for x in again) for e in far)
    assert sorted(a for e in again for a in e.articles) == sorted([a.id for a in articles] + ["undated-copy"])


def test_hashed_tfidf_equals_the_fitted_one(stories):
    articles, _, _ = stories
    signals = [build_signals(a) for a in articles]
    for field in ("tokens", "lead_tokens"):
        fitted = _tfidf([getattr(s, field) for s in signals])
        hashed = hashed_tfidf([term_counts(getattr(s, field)) for s in signals])
        assert np.allclose((hashed @ hashed.T).toarray(), (fitted @ fitted.T).toarray(), atol=1e-6)
    row = event_row(signals[0])
    assert row.signals.tokens == [] and row.signals.id == signals[0].id
    assert int(row.tokens[1].sum()) == len(signals[0].tokens)


def test_hashed_tfidf_columns_as_np_unique_gives_them(stories):
    """The vocabulary by stable sort (`hashed_tfidf`) is `np.unique`'s, to the bit: the same
    columns, values and shape as the matrix built with `np.unique(ids, return_inverse=True)`,
    also with empty rows and a term in every row."""
    from scipy import sparse

    def reference(counts):
        n = len(counts)
        lengths = np.array([len(ids) for ids, _ in counts], dtype=np.int64)
        ids = np.concatenate([ids for ids, _ in counts])
        tf = np.concatenate([c for _, c in counts]).astype(np.float64)
        vocab, column = np.unique(ids, return_inverse=True)
        df = np.bincount(column, minlength=len(vocab))
        idf = np.log((1.0 + n) / (1.0 + df)) + 1.0
        data = (1.0 + np.log(tf)) * idf[column]
        indptr = np.concatenate(([0], np.cumsum(lengths)))
        norms = np.sqrt(np.bincount(np.repeat(np.arange(n), lengths), weights=data ** 2, minlength=n))
        data = data / np.repeat(np.where(norms > 0, norms, 1.0), lengths)
        return sparse.csr_matrix((data.astype(np.float32), column.astype(np.int64), indptr), shape=(n, len(vocab)))

    articles, _, _ = stories
    signals = [build_signals(a) for a in articles]
    empty = (np.zeros(0, np.uint64), np.zeros(0, np.uint32))
    for field in ("tokens", "lead_tokens"):
        counts = [term_counts(getattr(s, field)) for s in signals]
        for case in (counts, [empty] + counts + [empty], counts[:1], [term_counts(["a", "b"])] * 3):
            got, want = hashed_tfidf(case), reference(case)
            assert got.shape == want.shape
            assert np.array_equal(got.indptr, want.indptr) and np.array_equal(got.indices, want.indices)
            assert np.array_equal(got.data, want.data)
    assert hashed_tfidf([empty, empty]).shape == (2, 1)
