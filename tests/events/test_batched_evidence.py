"""The clusterer's batched evidence (`cluster._batched_evidence`, `_blocks_evidence`,
`_mean_scores`): one `evidence` call over many blocks gives, bit for bit, what one call per
block gives, on the team's multilingual stories (and copies of them, so blocks are larger)."""
from __future__ import annotations

from dataclasses import fields, replace

import numpy as np

from storytrace.events import EventSettings, cluster
from storytrace.events.signals import build_signals
from storytrace.events.similarity import article_features, block_evidence, evidence


def _features(stories, encoder):
    articles, _, _ = stories
    copies = [replace(a, id=a.id + "-b", text=a.text[: max(40, len(a.text) * 2 // 3)]) for a in articles]
    signals = [build_signals(a) for a in list(articles) + copies]
    return article_features(signals, encoder.encode([s.lead for s in signals]), [])


def _same(a, b) -> None:
    for f in fields(a):
        x, y = getattr(a, f.name), getattr(b, f.name)
        assert (x is None) == (y is None), f.name
        if x is not None:
            assert x.dtype == y.dtype and x.shape == y.shape, f.name
            assert np.array_equal(x, y), f.name         # exact, not close


def test_batched_evidence_equals_one_call_per_block(stories, encoder, monkeypatch):
    features = _features(stories, encoder)
    settings = EventSettings()
    n = len(features)
    rng = np.random.default_rng(7)
    groups = [sorted(rng.choice(n, size=k, replace=False).tolist()) for k in (1, 2, 3, 5, 8, 1, 4)]
    for batch in (1 << 16, 5):               # one call; and calls cut every few pairs
        monkeypatch.setattr(cluster, "_BATCH_PAIRS", batch)
        for members, got in zip(groups, cluster._blocks_evidence(features, groups, settings)):
            _same(got, block_evidence(features, members, settings))
        pairs = [(groups[k], groups[k + 1]) for k in range(len(groups) - 1)]
        means = cluster._mean_scores(features, pairs, settings)
        for (group, members), mean in zip(pairs, means):
            rows, cols = np.repeat(np.asarray(group), len(members)), np.tile(np.asarray(members), len(group))
            assert mean == float(evidence(features, rows, cols, settings).score.mean())
    assert cluster._blocks_evidence(features, [], settings) == []
