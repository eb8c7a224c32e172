"""Candidate pairs: every pair that could join is proposed; far-apart publications are not."""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from storytrace.events.candidates import candidate_pairs
from storytrace.events.similarity import EventSettings, article_features, evidence
from storytrace.events.signals import build_signals


def features_for(articles, encoder):
    signals = [build_signals(a) for a in articles]
    return article_features(signals, encoder.encode([s.lead for s in signals]), [])


def test_few_neighbours_still_cover_every_strong_pair(stories, encoder):
    articles, _, _ = stories
    settings = EventSettings(neighbours=2)
    f = features_for(articles, encoder)
    n = len(articles)
    i, j = np.triu_indices(n, k=1)
    strong = evidence(f, i, j, settings).score >= settings.threshold
    ci, cj = candidate_pairs(f, settings)
    proposed = set(zip(ci.tolist(), cj.tolist()))
    assert strong.any()
    assert set(zip(i[strong].tolist(), j[strong].tolist())) <= proposed
    assert len(proposed) < n * (n - 1) // 2          # it really is a subset
    assert all(a < b for a, b in proposed)


def test_articles_published_beyond_max_days_are_never_paired(stories, encoder):
    articles, _, _ = stories
    late = [replace(a, id=a.id + "-late", published="2031-01-01T00:00:00+00:00") for a in articles[:3]]
    f = features_for(list(articles) + late, encoder)
    ci, cj = candidate_pairs(f, EventSettings())
    n = len(articles)
    assert not any((a < n) != (b < n) for a, b in zip(ci.tolist(), cj.tolist()))
    assert any(a >= n and b >= n for a, b in zip(ci.tolist(), cj.tolist()))
