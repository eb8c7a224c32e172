"""The report step of an increment, alone: a store's report and its cache as the last run left
them, then the report of the store after the increment drawn beside copies of them.

    python bench/report_step.py --before built-16.db --after inc-16.db [--repeat 5] [--profile]

First the report of --before is written (once, by the code measured) into --work/before; each
repeat copies that folder (times kept, as `cp -p` does) into --work/after and times
`write_report` of --after there (wall and CPU seconds of that call). With bench/increment.py's
folders: --before WORK/built-N.db --after WORK/inc-N.db (an increment already run). Stores are
opened read-only; the report files are compared with a fresh one (no cache) with --check.
"""
from __future__ import annotations

import argparse
import cProfile
import pstats
import re
import shutil
import time
from pathlib import Path


def _stable(html: str) -> str:
    """The page without what changes on every render: the CSP nonce and the clock."""
    html = re.sub(r'nonce-[A-Za-z0-9_-]+|nonce="[A-Za-z0-9_-]+"', "NONCE", html)
    return re.sub(r"generated \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC", "generated NOW", html)


def main(argv: list[str] | None = None) -> int:
    from storytrace.present.report import write_report
    from storytrace.store import Store

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", required=True, help="the store before the increment")
    ap.add_argument("--after", required=True, help="the store after the increment")
    ap.add_argument("--work", default="/tmp/storytrace-report-step")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--profile", action="store_true", help="cProfile of the last repeat")
    ap.add_argument("--check", action="store_true", help="compare with a report drawn with no cache")
    args = ap.parse_args(argv)
    work = Path(args.work)
    before, after = work / "before", work / "after"
    shutil.rmtree(before, ignore_errors=True)
    with Store(args.before, readonly=True) as store:
        t = time.perf_counter()
        write_report(store, before / "report.html")
    print(f"report of --before (cold): {time.perf_counter() - t:.2f} s")
    best = None
    for i in range(args.repeat):
        shutil.rmtree(after, ignore_errors=True)
        shutil.copytree(before, after)
        profiler = cProfile.Profile() if args.profile and i == args.repeat - 1 else None
        with Store(args.after, readonly=True) as store:
            t, cpu = time.perf_counter(), time.process_time()
            if profiler:
                profiler.enable()
            write_report(store, after / "report.html")
            if profiler:
                profiler.disable()
            wall, cpu = time.perf_counter() - t, time.process_time() - cpu
        best = cpu if best is None else min(best, cpu)
        size = (after / "report.html").stat().st_size / 1e6
        print(f"report step: {wall:.3f} s wall, {cpu:.3f} s CPU, {size:.1f} MB")
        if profiler:
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
    print(f"best CPU of {args.repeat}: {best:.3f} s")
    if args.check:
        fresh = work / "fresh"
        shutil.rmtree(fresh, ignore_errors=True)
        with Store(args.after, readonly=True) as store:
            write_report(store, fresh / "report.html")
        same = (_stable((fresh / "report.html").read_text(encoding="utf-8"))
                == _stable((after / "report.html").read_text(encoding="utf-8")))
        print("same as a report drawn with no cache:", same)
        if not same:
            return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
