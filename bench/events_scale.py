"""How the clustering step (everything in `cluster_events` except the encoder) grows with
the article count: 25/50/100 % of the week corpus, then 2x and 4x by synthetic enlargement
(every post copied with light edits beyond its lead and a new id, so copies land in the
same week: the dense case, not the easy one of more weeks). Vectors come from a store
filled beforehand (the copies' title + lead are unchanged, so they hit the cache); the
encoder's time is subtracted anyway. Each size runs in its own process so peak memory
(ru_maxrss) is per size. Prints a table and the log-log slope of time against size.

    python bench/events_scale.py [--store /tmp/week.db] [--sizes 0.25,0.5,1,2,4]
"""
from __future__ import annotations

import argparse
import json
import math
import resource
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def enlarged(articles, factor: float):
    """The first `factor` share of the posts, or whole copies with light edits past the lead."""
    if factor <= 1:
        return articles[: max(2, int(len(articles) * factor))]
    out = list(articles)
    for copy in range(1, int(factor)):
        for a in articles:
            text = a.text
            cut = 400 + len(a.id) * 7 % 97                    # deterministic, varies per post
            if len(text) > cut + 10:
                text = text[:cut] + text[cut + 3:]          # drop three characters past the lead
            out.append(replace(a, id=f"{a.id}-copy{copy}", text=text + f"\n（副本 {copy}）"))
    return out


def one(factor: float, store_path: str) -> dict:
    from corpus_articles import CORPUS, load_files
    from events import TimedEncoder

    from storytrace.events import cluster_events, get_encoder
    from storytrace.store import Store

    files = sorted(p for p in CORPUS.iterdir() if p.name[:4] == "2021" and p.suffix in (".html", ".md"))
    articles = []
    for path in files:
        try:
            articles.append(load_files([path])[0])
        except Exception:  # posts the normalizer refuses are skipped, as in bench/events.py
            pass
    articles = enlarged(articles, factor)
    encoder = TimedEncoder(get_encoder())
    with Store(store_path) as store:
        started = time.perf_counter()
        events = cluster_events(articles, [], store=store, encoder=encoder)
        total = time.perf_counter() - started
    return {"factor": factor, "articles": len(articles), "events": len(events),
            "seconds": total - encoder.seconds, "encoder_s": encoder.seconds, "texts_embedded": encoder.texts,
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--store", default="/tmp/storytrace-events-week.db")
    parser.add_argument("--sizes", default="0.25,0.5,1,2,4")
    parser.add_argument("--one", type=float, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one is not None:
        print(json.dumps(one(args.one, args.store)))
        return
    rows = []
    print("| size | articles | events | clustering s (no encoder) | articles/s | encoder s | peak MB |")
    print("|---|---|---|---|---|---|---|")
    for factor in [float(x) for x in args.sizes.split(",")]:
        done = subprocess.run([sys.executable, __file__, "--store", args.store, "--one", str(factor)],
                              capture_output=True, text=True, check=True)
        row = json.loads(done.stdout.strip().splitlines()[-1])
        rows.append(row)
        print(f"| {factor:g}x | {row['articles']} | {row['events']} | {row['seconds']:.1f} | "
              f"{row['articles'] / row['seconds']:.1f} | {row['encoder_s']:.1f} | {row['peak_mb']:.0f} |", flush=True)
    if len(rows) >= 2:
        x = [math.log(r["articles"]) for r in rows]
        y = [math.log(r["seconds"]) for r in rows]
        mx, my = sum(x) / len(x), sum(y) / len(y)
        slope = sum((a - mx) * (b - my) for a, b in zip(x, y)) / sum((a - mx) ** 2 for a in x)
        print(f"log-log slope of clustering time against articles: {slope:.2f}")


if __name__ == "__main__":
    main()
