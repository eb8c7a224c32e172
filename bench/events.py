"""Throughput of the events step on the week corpus (zh-2021-02, 2,595 posts), 2 cores.

Measures, from a fresh store (no cached vectors): signals, the encoder (title + lead),
pair evidence + clustering, year inference and translation links; prints articles/s end to
end, the encoder's share of the time, and peak memory (ru_maxrss). Loading the posts is
timed separately (it is the reader/normalizer's step, not this one).

    python bench/events.py [--limit N] [--reuse]
"""
from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus_articles import CORPUS, load_files  # noqa: E402


class TimedEncoder:
    """Delegates to the real encoder and adds up the seconds spent inside it."""

    def __init__(self, inner):
        self.inner, self.name, self.dim, self.seconds, self.texts = inner, inner.name, inner.dim, 0.0, 0

    def encode(self, texts):
        started = time.perf_counter()
        try:
            return self.inner.encode(texts)
        finally:
            self.seconds += time.perf_counter() - started
            self.texts += len(texts)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--reuse", action="store_true", help="also run detect_reuse and feed its links")
    parser.add_argument("--encoder", default=None)
    args = parser.parse_args()

    from storytrace.events import cluster_events, get_encoder, infer_missing_years, translation_links
    from storytrace.store import Store

    files = sorted(p for p in CORPUS.iterdir() if p.name[:4] == "2021" and p.suffix in (".html", ".md"))
    if args.limit:
        files = files[: args.limit]
    started = time.perf_counter()
    articles = []
    for path in files:
        try:
            articles.append(load_files([path])[0])
        except Exception as exc:  # a post the normalizer refuses (e.g. empty body) is reported, not fatal
            print(f"skipped {path.name}: {exc}")
    load_s = time.perf_counter() - started
    links = []
    reuse_s = 0.0
    if args.reuse:
        from storytrace.reuse import detect_reuse

        started = time.perf_counter()
        links = detect_reuse(articles)
        reuse_s = time.perf_counter() - started

    encoder = TimedEncoder(get_encoder(args.encoder))
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "bench.db") as store:
        started = time.perf_counter()
        events = cluster_events(articles, links, store=store, encoder=encoder)
        cluster_s = time.perf_counter() - started
        lead_texts = encoder.texts
        started = time.perf_counter()
        infer_missing_years(articles, events)
        tlinks = translation_links(articles, events, store=store, encoder=encoder)
        translation_s = time.perf_counter() - started
        started = time.perf_counter()
        again = cluster_events(articles, links, store=store, encoder=encoder)
        cached_s = time.perf_counter() - started
    total = cluster_s + translation_s
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    multi = sum(1 for e in events if len(e.articles) > 1)
    print(f"articles: {len(articles)} (loading {load_s:.1f}s{f', reuse {reuse_s:.1f}s' if args.reuse else ''})")
    print(f"events: {len(events)} ({multi} with 2+ articles); translation links: {len(tlinks)}")
    print(f"cluster_events: {cluster_s:.1f}s; translation_links + years: {translation_s:.1f}s")
    print(f"end to end (events step): {total:.1f}s = {len(articles) / total:.1f} articles/s")
    print(f"encoder ({encoder.name}): {encoder.seconds:.1f}s = {encoder.seconds / total:.0%} of the time; "
          f"{lead_texts} lead texts, {encoder.texts - lead_texts} paragraphs")
    print(f"re-run with cached vectors: {cached_s:.1f}s = {len(articles) / cached_s:.1f} articles/s "
          f"(same events: {[e.articles for e in again] == [e.articles for e in events]})")
    print(f"peak memory (ru_maxrss): {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
