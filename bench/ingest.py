"""Ingest benchmark: the zh-2021-02 corpus into a temporary store.

    python bench/ingest.py [CORPUS_DIR] [--workers 2]

Prints articles/second, peak memory (this process and the largest worker process, via
resource.getrusage), and how many articles got a date, language and outlet.
"""
from __future__ import annotations

import argparse
import collections
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

from storytrace.ingest import ingest
from storytrace.store import Store

DEFAULT_CORPUS = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus" / "zh-2021-02"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", default=str(DEFAULT_CORPUS))
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    corpus = Path(args.corpus)
    if not corpus.is_dir():
        print(f"corpus not found: {corpus}", file=sys.stderr)
        return 2
    # Only the posts: the folder also holds MANIFEST.tsv and the dev-gold labels.
    inputs = [str(corpus / "2021-*")]
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "bench.db") as store:
        start = time.perf_counter()
        summary = ingest(inputs, store, workers=args.workers)
        elapsed = time.perf_counter() - start
        articles = store.articles()
    self_usage = resource.getrusage(resource.RUSAGE_SELF)
    child_usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    own, child = self_usage.ru_maxrss / 1024, child_usage.ru_maxrss / 1024
    cpu_main = self_usage.ru_utime + self_usage.ru_stime
    cpu_workers = child_usage.ru_utime + child_usage.ru_stime
    load = os.getloadavg()[0]
    n = len(articles)
    print(f"inputs read        {summary.read}")
    print(f"stored             {summary.stored}  duplicates {summary.duplicates}  failed {summary.failed}")
    print(f"elapsed            {elapsed:.1f} s with {args.workers} worker(s)")
    print(f"throughput         {summary.read / elapsed:.1f} articles/s")
    # On a shared machine wall time depends on the neighbours; CPU seconds do not.
    print(f"cpu time           main {cpu_main:.1f} s, workers {cpu_workers:.1f} s "
          f"({summary.read / max(cpu_main + cpu_workers, 1e-9):.0f} articles per CPU-second; "
          f"1-min load average at the end {load:.1f} on {os.cpu_count()} cores)")
    print(f"peak memory        main {own:.0f} MB, largest worker {child:.0f} MB, "
          f"bound main+{args.workers}x worker {own + args.workers * child:.0f} MB")
    print(f"with a date        {sum(a.published is not None for a in articles)}/{n} "
          f"{dict(collections.Counter(a.published_precision for a in articles))}")
    print(f"with a language    {sum(a.language is not None for a in articles)}/{n} "
          f"{dict(collections.Counter(a.language for a in articles))}")
    print(f"with an outlet     {sum(a.outlet is not None for a in articles)}/{n}")
    print(f"scripts            {dict(collections.Counter(a.script for a in articles))}")
    print(f"cited a source     {sum(bool(a.cited_sources) for a in articles)}/{n}")
    for err in summary.errors[:10]:
        print(f"  failed {err.path}: {err.reason}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
