"""Event signals serial vs in a process pool vs on Spark: break-even and the clustering step.

    python bench/signals.py breakeven --db STORE [--sizes 50,100,200,300,400,800]
    python bench/signals.py cluster --db STORE --work DIR [--engines serial,pooled,spark] [--repeat 2]

`breakeven`: for each size, the first N articles in clustering order, `build_signals` one by
one vs `engines.local.pooled_signals` (2 processes), each in a fresh process with jieba
already loaded (on an article outside the N), so both start from the same cold memo.
`cluster`: the whole events stage (`run_stages`' "clustering" timing) on a copy of an
ingested store, reuse links computed once and stand-in vectors cached (`scale.stub_vectors`),
each engine in a fresh process, `--repeat` rounds; prints seconds, peak RSS (this process or
its largest child) and an events digest (all must be equal).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _peak_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return round(max(own, children) / 1024, 1)


def _ordered(db: str):
    from storytrace.store import Store

    with Store(db) as store:
        return sorted(store.articles(), key=lambda a: (a.published or "", a.id))


def breakeven_child(db: str, size: int, mode: str, chunk: int) -> dict:
    from storytrace.engines.local import pooled_signals
    from storytrace.events.signals import build_signals

    articles = _ordered(db)
    build_signals(articles[-1])                 # loads jieba, cn2vn, OpenCC outside the timing
    subset = articles[:size]
    start = time.perf_counter()
    if mode == "serial":
        [build_signals(a) for a in subset]
    else:
        pooled_signals(subset, workers=2, min_articles=0, chunk=chunk or None)
    return {"size": size, "mode": mode, "chunk": chunk, "seconds": round(time.perf_counter() - start, 3)}


def prepare(db: str, work: Path) -> Path:
    """A copy of the store with reuse done (stage marked) and stand-in vectors cached."""
    sys.path.insert(0, str(HERE))
    from scale import stub_vectors

    from storytrace.engines.local import REUSE_KINDS, _fingerprint
    from storytrace.reuse import detect_reuse
    from storytrace.store import Store

    work.mkdir(parents=True, exist_ok=True)
    ready = work / "prepared.db"
    if ready.exists():
        return ready
    shutil.copy(db, work / "tmp.db")
    with Store(work / "tmp.db") as store:
        articles = store.articles()
        store.replace_reuse(detect_reuse(articles), kinds=REUSE_KINDS)
        store.mark_stage("reuse", _fingerprint([a.id for a in articles], "reuse"))
        stub_vectors(store)
    (work / "tmp.db").rename(ready)
    return ready


def _time_signals_step(engine: str, timings: dict[str, float]) -> None:
    """Time the engine's signals step inside the clustering step (wraps the function the
    engine calls by its module-level name; the work itself is unchanged)."""
    from storytrace.engines import local, spark

    module, name = (spark, "spark_signals") if engine == "spark" else (local, "pooled_signals")
    step = getattr(module, name)

    def timed(*args, **kwargs):
        start = time.perf_counter()
        try:
            return step(*args, **kwargs)
        finally:
            timings["signals"] = timings.get("signals", 0.0) + time.perf_counter() - start

    setattr(module, name, timed)


def cluster_child(prepared: str, work: Path, engine: str) -> dict:
    from storytrace.store import Store

    db = work / f"{engine}.db"
    shutil.rmtree(str(db) + ".spark", ignore_errors=True)
    shutil.copy(prepared, db)
    load = round(os.getloadavg()[0], 2)
    timings: dict[str, float] = {}
    _time_signals_step(engine, timings)
    with Store(db) as store:
        start = time.perf_counter()
        if engine == "spark":
            from storytrace.engines.spark import analyze_spark

            summary = analyze_spark(store, master="local[2]", timings=timings)
        else:
            from storytrace.engines.local import run_analysis

            summary = run_analysis(store, timings=timings, workers=1 if engine == "serial" else 2)
        total = time.perf_counter() - start
        digest = hashlib.blake2b(digest_size=6)
        for event in store.events():
            digest.update(json.dumps(event.to_dict(), sort_keys=True, ensure_ascii=False).encode())
    return {"engine": engine, "articles": summary.articles, "events": summary.events,
            "skipped": summary.skipped_stages, "clustering_s": round(timings.get("clustering", 0.0), 2),
            "signals_s": round(timings.get("signals", 0.0), 2),
            "analyze_s": round(total, 2), "peak_mb": _peak_mb(), "digest": digest.hexdigest(),
            "load": [load, round(os.getloadavg()[0], 2)]}


def _child(*args: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "_child", *args], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=["breakeven", "cluster", "_child"])
    parser.add_argument("rest", nargs="*")
    parser.add_argument("--db")
    parser.add_argument("--work", default="/tmp/storytrace-signals")
    parser.add_argument("--sizes", default="50,100,200,300,400,800")
    parser.add_argument("--chunk", type=int, default=0, help="pool chunk (default: pooled_signals' own)")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--engines", default="serial,pooled,spark")
    args = parser.parse_args(argv)
    if args.mode == "_child":
        kind, *rest = args.rest
        result = breakeven_child(rest[0], int(rest[1]), rest[2], int(rest[3])) if kind == "breakeven" \
            else cluster_child(rest[0], Path(rest[1]), rest[2])
        print(json.dumps(result))
        return 0
    print(f"load average at start: {os.getloadavg()}", flush=True)
    if args.mode == "breakeven":
        chunk = args.chunk
        print("| articles | serial s | pooled s (2 processes) | pooled / serial |\n|---|---|---|---|")
        for size in [int(s) for s in args.sizes.split(",")]:
            best = {mode: min(_child("breakeven", args.db, str(size), mode, str(chunk))["seconds"]
                              for _ in range(args.repeat)) for mode in ("serial", "pooled")}
            print(f"| {size} | {best['serial']:.2f} | {best['pooled']:.2f} | {best['pooled'] / best['serial']:.2f} |",
                  flush=True)
    else:
        work = Path(args.work)
        prepared = prepare(args.db, work)
        for _ in range(args.repeat):
            for engine in args.engines.split(","):
                print(json.dumps(_child("cluster", str(prepared), str(work), engine)), flush=True)
    print(f"load average at end: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
