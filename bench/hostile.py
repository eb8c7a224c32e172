"""Ingest a hostile folder (tests/robustness/hostile.py) beside many good articles; report
what happened to every file, peak RSS and throughput of the real `storytrace ingest`.

    python bench/hostile.py --good 500

Every hostile case is listed with its outcome (error reason or stored); the run fails
(exit 1) if a `fail` case was stored or not reported, a good file was lost, or the peak RSS
of the ingest process went over --rss-mb.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "robustness"))


def main() -> int:
    from hostile import build_hostile_corpus
    from procs import run_cli
    from synth_corpus import write_reuse_corpus

    from storytrace.store import Store

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--good", type=int, default=500, help="extra good synthetic articles in the folder")
    parser.add_argument("--rss-mb", type=float, default=500, help="peak RSS bound for the ingest process")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="storytrace-hostile-") as tmp:
        work = Path(tmp)
        t0 = time.perf_counter()
        corpus = build_hostile_corpus(work / "junk")
        if args.good:
            write_reuse_corpus(work / "junk" / "many-good", args.good, seed=1)
        print(f"built {len(corpus.cases)} cases + {args.good} good articles in {time.perf_counter() - t0:.1f}s")
        done = run_cli(["ingest", str(corpus.root), "--store", str(work / "s.db"), "--no-progress",
                        "--workers", str(args.workers)], work / "logs", timeout=900)
        with Store(work / "s.db") as store:
            errors, articles = store.errors(), store.articles()
            integrity = store.integrity_ok()
    problems = []
    print(f"\n{'case':<28} {'expect':<10} outcome")
    for case in corpus.cases:
        errs = [e for e in errors if case.key in e.path]
        arts = [a for a in articles if case.key in a.source_path]
        outcome = (f"stored ({len(arts)})" if arts else "") + (f"error: {errs[0].reason[:70]}" if errs else "")
        print(f"{case.key:<28} {case.expect:<10} {outcome or 'LOST'}")
        if (case.expect == "fail" and (arts or not errs)) or (case.expect == "good" and not arts) \
                or (case.expect == "accounted" and not (arts or errs)):
            problems.append(case.key)
    stored_good = sum(1 for a in articles if "many-good" in a.source_path)
    if stored_good != args.good:
        problems.append(f"many-good: {stored_good}/{args.good} stored")
    if done.peak_rss_mb > args.rss_mb:
        problems.append(f"peak RSS {done.peak_rss_mb:.0f} MB > {args.rss_mb:.0f} MB")
    if done.returncode not in (0, 1) or "Traceback" in done.stderr:
        problems.append(f"ingest exit {done.returncode}: {done.stderr[-1500:]}")
    if not integrity:
        problems.append("store integrity check failed")
    print(f"\ningest: exit {done.returncode}, {done.seconds:.1f}s, {len(articles)} articles stored "
          f"({len(articles) / done.seconds:.0f} articles/s incl. start-up), {len(errors)} error lines, "
          f"peak RSS {done.peak_rss_mb:.0f} MB")
    print("PASS" if not problems else f"FAIL: {problems}")
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
