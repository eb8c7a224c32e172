"""Evaluate event clustering on the labelled dev day (zh-2021-02, 2021-02-05, 446 posts).

Prints BCubed and pairwise precision/recall/F1 for storytrace's events and for two
baselines: character TF-IDF + average-link clustering, and embeddings only with one
threshold (both at their best threshold on this day, i.e. tuned on the gold as well).
This is the development set the defaults were tuned on; say so when quoting it.

    python bench/events_eval.py [--store /tmp/dev.db] [--sweep]
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from itertools import combinations
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus_articles import CORPUS, load_files  # noqa: E402


def bcubed(pred: dict[str, str], gold: dict[str, str]) -> tuple[float, float, float]:
    by_pred, by_gold = defaultdict(set), defaultdict(set)
    for item, label in pred.items():
        by_pred[label].add(item)
    for item, label in gold.items():
        by_gold[label].add(item)
    p = r = 0.0
    for item in gold:
        same_pred, same_gold = by_pred[pred[item]], by_gold[gold[item]]
        overlap = len(same_pred & same_gold)
        p += overlap / len(same_pred)
        r += overlap / len(same_gold)
    p, r = p / len(gold), r / len(gold)
    return p, r, 2 * p * r / (p + r) if p + r else 0.0


def pairwise(pred: dict[str, str], gold: dict[str, str]) -> tuple[float, float, float]:
    def pairs(labels):
        groups = defaultdict(list)
        for item, label in labels.items():
            groups[label].append(item)
        return {tuple(sorted(pair)) for g in groups.values() for pair in combinations(g, 2)}

    pp, gp = pairs(pred), pairs(gold)
    tp = len(pp & gp)
    p = tp / len(pp) if pp else 1.0
    r = tp / len(gp) if gp else 1.0
    return p, r, 2 * p * r / (p + r) if p + r else 0.0


def average_link(similarity: np.ndarray, threshold: float) -> list[int]:
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import squareform

    if len(similarity) < 2:
        return [0] * len(similarity)
    dist = np.clip(1.0 - similarity, 0.0, 2.0)
    np.fill_diagonal(dist, 0.0)
    tree = linkage(squareform(dist, checks=False), method="average")
    return list(fcluster(tree, t=1.0 - threshold, criterion="distance"))


def scores(labels, ids, gold) -> tuple:
    pred = {i: str(l) for i, l in zip(ids, labels)}
    return bcubed(pred, gold) + pairwise(pred, gold)


def best_over(sim, ids, gold, thresholds):
    best = None
    for t in thresholds:
        s = scores(average_link(sim, t), ids, gold)
        if best is None or s[5] + s[2] > best[1][5] + best[1][2]:
            best = (t, s)
    return best


def load_dev():
    rows = [json.loads(line) for line in open(CORPUS / "dev-gold.jsonl", encoding="utf-8")]
    articles = load_files([CORPUS / r["file"] for r in rows])
    gold = {a.id: r["event"] for a, r in zip(articles, rows)}
    return articles, gold


def fmt(name, s, extra=""):
    return (f"| {name} | {s[0]:.3f} | {s[1]:.3f} | {s[2]:.3f} | {s[3]:.3f} | {s[4]:.3f} | {s[5]:.3f} | {extra} |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--store", default="/tmp/storytrace-events-dev.db")
    parser.add_argument("--sweep", action="store_true", help="also sweep storytrace's threshold")
    args = parser.parse_args()

    from sklearn.feature_extraction.text import TfidfVectorizer

    from storytrace.events import cluster_events
    from storytrace.events.encoder import embed_cached, get_encoder
    from storytrace.events.signals import lead_text
    from storytrace.events.similarity import EventSettings
    from storytrace.store import Store
    from storytrace.textfold import fold

    articles, gold = load_dev()
    ids = [a.id for a in articles]
    print(f"{len(articles)} articles, {len(set(gold.values()))} gold events")
    print("| method | BCubed P | BCubed R | BCubed F1 | pair P | pair R | pair F1 | setting |")
    print("|---|---|---|---|---|---|---|---|")
    print(fmt("every article alone", scores(list(range(len(ids))), ids, gold)))

    docs = [fold(a.title + "\n" + a.text[:600]) for a in articles]
    tfidf = TfidfVectorizer(analyzer="char", ngram_range=(2, 2), sublinear_tf=True).fit_transform(docs)
    sim = np.asarray((tfidf @ tfidf.T).todense())
    t, s = best_over(sim, ids, gold, np.arange(0.05, 0.6, 0.025))
    print(fmt("baseline: char-bigram TF-IDF, average link", s, f"best threshold {t:.3f}"))

    with Store(args.store) as store:
        encoder = get_encoder()
        vectors = embed_cached([lead_text(a) for a in articles], encoder, store)
        esim = vectors @ vectors.T
        t, s = best_over(esim, ids, gold, np.arange(0.80, 0.97, 0.005))
        print(fmt(f"baseline: embeddings only ({encoder.name}), average link", s, f"best threshold {t:.3f}"))

        runs = [("storytrace events (no reuse links)", [])]
        try:
            from storytrace.reuse import detect_reuse

            runs.append(("storytrace events (with detect_reuse links)", detect_reuse(articles)))
        except ImportError:
            pass
        thresholds = np.arange(0.50, 0.90, 0.05) if args.sweep else [EventSettings().threshold]
        for name, links in runs:
            for threshold in thresholds:
                started = time.perf_counter()
                events = cluster_events(articles, links, store=store, encoder=encoder,
                                        settings=EventSettings(threshold=float(threshold)))
                took = time.perf_counter() - started
                pred = {a: e.id for e in events for a in e.articles}
                s = bcubed(pred, gold) + pairwise(pred, gold)
                print(fmt(name, s, f"threshold {threshold:.2f}, {len(events)} events, {took:.1f}s (vectors cached)"))


if __name__ == "__main__":
    main()
