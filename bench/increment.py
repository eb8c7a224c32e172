"""What adding articles to a grown store costs: the same new articles into stores of k weeks.

    python bench/increment.py [--sizes 1 4 16] [--new 100] [--work /tmp/storytrace-increment]

The new articles are the `--new` newest posts of the real week (/work/shared/corpus/zh-2021-02,
by file name, i.e. publication day then outlet); the 1x store is the rest of the real week,
size k adds k-1 synthetic weeks (bench/scale_corpus.py, the enlargements bench/scale.py uses,
but dated 14, 28, ... days before the real week: see `prepare`), so every store holds the same
time window around the new articles and only the store's size changes. Each store is built and analysed once (cached in
--work; the full run's time per article is printed), then copied, and one child process does
the increment as `storytrace run NEW --store S --out DIR` does it: ingest, analyze, write
outputs. Printed per size: the increment's wall time per step (outputs split into the JSONL
partitions and the report, with how many partitions were rewritten and whether the report's
piece cache was there), its peak memory (ru_maxrss of the child and of its reaped workers) and
its cost per new article. Size 16 needs 15 synthetic weeks (written once into --work).

Embeddings: stand-in vectors (`bench/scale.py: stub_vectors`, hashed lead bigrams) for every
article, old and new, both in the full runs and in the increments: the real encoder runs
about 30 leads/s on this machine and would be the same per-article cost in both, so it is
left out of both. `--real-encoder` keeps it (for the new articles only in the increment).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
CORPUS = REPO / ".." / "shared" / "corpus" / "zh-2021-02"
SYNTH = "synth-past"          # enlargements dated before the real week (see `prepare`)
DAYS_PER_PART = -14


def _stub(store, ids: set[str] | None = None) -> None:
    """Stand-in vectors (bench/scale.py's) for the given articles (all when None)."""
    sys.path.insert(0, str(BENCH))
    import scale

    class Only:
        def __init__(self, inner):
            self.inner = inner

        def articles(self):
            # only the given ones, read by id: reading the whole store here would leave its
            # freed memory in the process and count in the increment's peak at 16x
            return self.inner.articles() if ids is None else self.inner.get_articles(sorted(ids))

        def put_vectors(self, *args):
            return self.inner.put_vectors(*args)
    scale.stub_vectors(Only(store))


def split_corpus(work: Path, new: int) -> tuple[Path, Path]:
    """(folder of links to the old posts, folder of links to the `new` newest ones)."""
    old_dir, new_dir = work / f"week-old{new}", work / f"week-new{new}"
    if not (new_dir / ".done").exists():
        # posts only (their names start with the publication day), not the folder's notes
        files = sorted(p for p in CORPUS.resolve().iterdir() if p.is_file() and p.name[:4].isdigit())
        for folder in (old_dir, new_dir):
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
        for p in files[:-new]:
            (old_dir / p.name).symlink_to(p)
        for p in files[-new:]:
            (new_dir / p.name).symlink_to(p)
        (new_dir / ".done").write_text("ok")
    return old_dir, new_dir


def _cpu() -> float:
    """CPU seconds of this process and its reaped children (the pools' workers)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _peak_mb() -> dict:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    out = {"peak_mb": round(own, 1), "peak_mb_workers": round(kids, 1)}
    if PEAKS.on:          # the high-water mark was reset at each step: the peak is the largest step's
        out["peak_mb"] = round(max(own, PEAKS.overall / 1024), 1)
        out["step_peaks_mb"] = {k: round(v / 1024, 1) for k, v in PEAKS.peaks.items()}
    return out


class _StepPeaks:
    """Peak resident memory of each step (`--step-peaks`): at every step boundary the
    process's high-water mark (VmHWM) is read, credited to every step open then, and reset
    (`/proc/self/clear_refs` 5, Linux), so a step's figure is the most it held while it ran.
    `overall` is the largest of all, the same as ru_maxrss without resets."""

    def __init__(self) -> None:
        self.on = False
        self.peaks: dict[str, int] = {}            # step -> kB
        self.overall = 0
        self._open: list[list] = []                # [name, kB so far]

    def start(self) -> None:
        self.on = True
        self._boundary()

    def _boundary(self) -> None:
        with open("/proc/self/status") as fh:
            hwm = next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:"))
        self.overall = max(self.overall, hwm)
        for entry in self._open:
            entry[1] = max(entry[1], hwm)
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")

    def step(self, name: str):
        from contextlib import contextmanager

        @contextmanager
        def timed():
            if not self.on:
                yield
                return
            self._boundary()
            self._open.append([name, 0])
            try:
                yield
            finally:
                self._boundary()
                label, kb = self._open.pop()
                self.peaks[label] = max(self.peaks.get(label, 0), kb)
        return timed()

    def patch_analysis(self) -> None:
        """Also the analysis' own steps (engines/local.py `_timed`: boilerplate, reuse, ...)."""
        from storytrace.engines import local

        inner = local._timed

        def timed(timings, name):
            from contextlib import ExitStack
            stack = ExitStack()
            stack.enter_context(self.step(f"analyze: {name}"))
            stack.enter_context(inner(timings, name))
            return stack
        local._timed = timed


PEAKS = _StepPeaks()


def _pipeline(store, inputs: list[str], out: Path, steps: dict, stub_ids_of_new: bool,
              real_encoder: bool) -> None:
    """ingest → (stand-in vectors) → analyze → outputs, each step timed into `steps`."""
    from storytrace.engines.local import run_analysis
    from storytrace.ingest import ingest
    from storytrace.pipeline import write_outputs

    t = time.perf_counter()
    with PEAKS.step("ingest"):
        summary = ingest(inputs, store)
    steps["ingest"] = time.perf_counter() - t
    if not real_encoder:
        t, cpu = time.perf_counter(), _cpu()
        _stub(store, set(summary.new_ids) if stub_ids_of_new else None)
        steps["(stand-in vectors, not counted)"] = time.perf_counter() - t
        steps["(stand-in vectors cpu)"] = _cpu() - cpu
    timings: dict = {}
    t = time.perf_counter()
    with PEAKS.step("analyze"):
        run_analysis(store, timings=timings)
    steps["analyze"] = time.perf_counter() - t
    for name, seconds in timings.items():
        steps[f"  analyze: {name}"] = seconds
    t = time.perf_counter()
    try:
        from storytrace.present.exports import PartitionedJsonl
        from storytrace.present.report import cache_path, write_report
    except ImportError:                  # older code (--increment-src): outputs in one call
        write_outputs(store, out)
    else:
        # what pipeline.write_outputs does, step by step
        jsonl = PartitionedJsonl(store, out)
        with PEAKS.step("outputs: jsonl"):
            jsonl.write()
        steps["  outputs: jsonl"] = time.perf_counter() - t
        steps["partitions rewritten"] = f"{len(jsonl.written)} of " + str(sum(
            1 for _ in (out / "parts").rglob("*.jsonl"))) + f" (changes from the {jsonl.path})"
        t2 = time.perf_counter()
        had = cache_path(out / "report.html").exists()
        with PEAKS.step("outputs: report"):
            write_report(store, out / "report.html")
        steps["  outputs: report"] = time.perf_counter() - t2
        steps["report cache"] = "warm" if had else "cold"
    steps["outputs"] = time.perf_counter() - t
    steps["stored"] = summary.stored


def child_build(work: Path, size: int, new: int) -> dict:
    """Build and analyse the size-k store from scratch (what the increment starts from)."""
    from storytrace.store import Store

    old_dir, _ = split_corpus(work, new)
    inputs = [str(old_dir)] + [str(work / SYNTH / f"part{p:02d}") for p in range(1, size)]
    db = work / f"built-{size}.db"
    out = work / f"built-{size}-out"
    shutil.rmtree(out, ignore_errors=True)          # a full run writes its outputs from scratch
    steps: dict = {}
    cpu = _cpu()
    with Store(db) as store:
        _pipeline(store, inputs, out, steps, stub_ids_of_new=False, real_encoder=False)
        articles = store.count_articles()
    cpu = _cpu() - cpu - steps.pop("(stand-in vectors cpu)", 0.0)
    return {"size": size, "articles": articles, "steps": steps, "cpu_s": round(cpu, 2), **_peak_mb()}


def child_increment(work: Path, size: int, new: int, real_encoder: bool, profile: bool,
                    step_peaks: bool = False) -> dict:
    """Copy the built store and its outputs, add the new articles, as `storytrace run` does."""
    from storytrace.store import Store

    if step_peaks:
        PEAKS.patch_analysis()

    _, new_dir = split_corpus(work, new)
    src, db = work / f"built-{size}.db", work / f"inc-{size}.db"
    out = work / f"inc-{size}-out"
    for p in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
        p.unlink(missing_ok=True)
    shutil.copyfile(src, db)
    shutil.rmtree(out, ignore_errors=True)
    shutil.copytree(work / f"built-{size}-out", out)
    # the copies are set-up, not the increment: flush them to disk now, or the increment's first
    # fsync (a WAL checkpoint, a commit) pays for writing the whole copied store (0.5 s at 16x)
    os.sync()
    steps: dict = {}
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    if step_peaks:
        PEAKS.start()            # after the copies above (they hold nothing)
    t, cpu = time.perf_counter(), _cpu()
    with Store(db) as store:
        _pipeline(store, [str(new_dir)], out, steps, stub_ids_of_new=True, real_encoder=real_encoder)
        articles = store.count_articles()
    wall = time.perf_counter() - t - steps.get("(stand-in vectors, not counted)", 0.0)
    cpu = _cpu() - cpu - steps.pop("(stand-in vectors cpu)", 0.0)
    if profiler is not None:
        import pstats

        profiler.disable()
        path = work / f"inc-{size}.prof.txt"
        with open(path, "w") as fh:
            pstats.Stats(profiler, stream=fh).sort_stats("cumulative").print_stats(45)
    return {"size": size, "articles_after": articles, "new": steps["stored"], "wall_s": round(wall, 2),
            "cpu_s": round(cpu, 2),
            "steps": {k: round(v, 2) if isinstance(v, float) else v for k, v in steps.items()}, **_peak_mb()}


def prepare(work: Path, parts: int) -> None:
    """The enlargements of bench/scale.py (bench/scale_corpus.py, derived from the whole real
    week), but part p dated 14 x p days *before* it: a store grows into the past while news
    arrives at its newest end, and the gap keeps every synthetic week out of the `max_days`
    (10) window around the new articles, so that window holds the same articles at every
    size and only the store's size changes."""
    sys.path.insert(0, str(BENCH))
    from scale_corpus import week_seeds, write_enlargement

    if parts <= 0:
        return
    write_enlargement(week_seeds(work / "base.db", CORPUS), work / SYNTH, parts, days_per_part=DAYS_PER_PART)


def _child(args: list[str], src: Path | None = None) -> dict:
    """This script's measurement in a fresh process (`bench/child.py`); `src`: another
    checkout's storytrace (e.g. the code before a change)."""
    sys.path.insert(0, str(BENCH))
    from child import child_json

    return child_json(__file__, args, src)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--new", type=int, default=100)
    parser.add_argument("--work", type=Path, default=Path("/tmp/storytrace-increment"))
    parser.add_argument("--rebuild", action="store_true", help="rebuild the stores even if cached")
    parser.add_argument("--repeat", type=int, default=1, help="increments per size (best is kept); "
                        "0 builds the stores only (e.g. a large one while the machine is busy, the "
                        "increments later on a quiet machine)")
    parser.add_argument("--real-encoder", action="store_true")
    parser.add_argument("--increment-src", type=Path, help="run the increments with the storytrace package "
                        "under this src folder (the stores are still built with this checkout's)")
    parser.add_argument("--profile", action="store_true", help="cProfile the increment (WORK/inc-K.prof.txt)")
    parser.add_argument("--step-peaks", action="store_true", help="peak memory of each step of the increment "
                        "(the high-water mark reset between steps; Linux)")
    parser.add_argument("--child", nargs=2, metavar=("WHAT", "SIZE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        what, size = args.child[0], int(args.child[1])
        result = (child_build(args.work, size, args.new) if what == "build"
                  else child_increment(args.work, size, args.new, args.real_encoder, args.profile,
                                       args.step_peaks))
        print(json.dumps(result), flush=True)
        return 0
    if not CORPUS.is_dir():
        print(f"corpus not found at {CORPUS}", file=sys.stderr)
        return 2
    args.work.mkdir(parents=True, exist_ok=True)
    split_corpus(args.work, args.new)
    prepare(args.work, max(args.sizes) - 1)
    base = [sys.executable]
    flags = ["--work", str(args.work), "--new", str(args.new)] + (["--real-encoder"] if args.real_encoder else [])
    rows = []
    for size in args.sizes:
        saved = args.work / f"built-{size}.json"
        if args.rebuild or not saved.exists():
            for p in args.work.glob(f"built-{size}.db*"):
                p.unlink()
            saved.write_text(json.dumps(_child([*flags, "--child", "build", str(size)])))
        built = json.loads(saved.read_text())
        print(json.dumps({"built": built}), flush=True)
        if args.repeat < 1:
            continue
        tries = [_child([*flags, *(["--profile"] if args.profile else []),
                         *(["--step-peaks"] if args.step_peaks else []), "--child", "increment", str(size)],
                        args.increment_src)
                 for _ in range(args.repeat)]
        inc = min(tries, key=lambda r: r["wall_s"])
        print(json.dumps({"increment": inc}), flush=True)
        full = sum(v for k, v in built["steps"].items() if k in ("ingest", "analyze", "outputs"))
        rows.append((size, built, inc, full))
    del base
    print()
    print(f"{args.new} new articles (the newest posts of the real week); stand-in vectors"
          + (" except the new articles' (real encoder)" if args.real_encoder else "") + "; 2-core machine")
    print("| size | stored before | full run s | full s/article | increment s | increment s/article "
          "| ratio to full s/article at 1x | increment CPU s | peak MB (child) | peak MB (workers) | slowest steps |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    ref = None
    for size, built, inc, full in rows:
        per_full = full / built["articles"]
        ref = per_full if ref is None and size == min(args.sizes) else ref
        per_inc = inc["wall_s"] / max(1, inc["new"])
        slow = sorted(((v, k.strip()) for k, v in inc["steps"].items()
                       if isinstance(v, float) and k not in ("stored", "(stand-in vectors, not counted)")),
                      reverse=True)[:5]
        print(f"| {size}x | {built['articles']} | {full:.1f} | {per_full * 1000:.1f} ms | {inc['wall_s']:.2f} "
              f"| {per_inc * 1000:.1f} ms | {per_inc / ref:.1f}x | {inc.get('cpu_s', float('nan')):.1f} "
              f"| {inc['peak_mb']:.0f} | {inc['peak_mb_workers']:.0f} "
              f"| {', '.join(f'{k} {v:.2f}' for v, k in slow)} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
