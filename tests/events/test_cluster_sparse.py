"""The sparse clusterer (candidate pairs + sparse average link) gives exactly what dense
average link over every pair's score gives, also when few neighbours are proposed."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import squareform

from storytrace.events import EventSettings, cluster_events
from storytrace.events.signals import build_signals
from storytrace.events.similarity import pair_evidence


def _dense_partition(articles, encoder, settings):
    articles = sorted(articles, key=lambda a: (a.published or "", a.id))
    signals = [build_signals(a) for a in articles]
    score = pair_evidence(signals, encoder.encode([s.lead for s in signals]), [], settings).score.astype(float)
    ceiling = score.max() + 1.0
    dist = ceiling - score
    np.fill_diagonal(dist, 0.0)
    flat = fcluster(linkage(squareform(dist, checks=False), method="average"),
                    t=ceiling - settings.threshold + 1e-9, criterion="distance")
    return sorted(sorted(a.id for a, label in zip(articles, flat) if label == k) for k in set(flat))


def test_sparse_clustering_equals_dense_average_link(stories, encoder):
    articles, _, _ = stories
    # Same stories twice over (copies with new ids and a shortened body) so groups are bigger.
    copies = [replace(a, id=a.id + "-b", text=a.text[: max(40, len(a.text) * 2 // 3)]) for a in articles]
    corpus = list(articles) + copies
    for settings in (EventSettings(), EventSettings(neighbours=3), EventSettings(threshold=0.5)):
        sparse = sorted(sorted(e.articles) for e in cluster_events(corpus, [], encoder=encoder, settings=settings))
        assert sparse == _dense_partition(corpus, encoder, settings)
