"""How cost grows with the corpus: the local engine vs Spark local[2], step by step.

    python bench/scale.py [--sizes 1 2 4] [--engines local spark] [--reuse-only-sizes 8]

Size 1 is the real week (/work/shared/corpus/zh-2021-02, 2,595 posts); size k adds k-1
synthetic weeks derived from it (bench/scale_corpus.py: edited variants, script flips,
paragraph shuffles and same-day combinations, each week under its own word cipher,
so reuse and event density stay those of the real week). Each (engine, size) runs in a
fresh subprocess and store; per step we print seconds, articles/second and the peak
resident memory of the whole process tree (driver, workers, JVM), sampled from /proc.
Then the log-log slope of time against articles per step and engine. Results go to
bench/results/scale.md and bench/scale.svg. Generated text stays in --work (outside the
repository). `--reuse-only-sizes` runs larger sizes through ingest and reuse only (the
event steps hold dense n x n matrices and the encoder runs ~80 leads/s on one core).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / ".." / "shared" / "corpus" / "zh-2021-02"
STEPS = ("ingest", "reuse", "embedding", "clustering", "translation")


class TreeMemory:
    """Peak RSS (MB) of this process and all its descendants, sampled every 0.2 s."""

    def __init__(self) -> None:
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    @staticmethod
    def _tree() -> tuple[set[int], dict[int, float]]:
        """This process and its descendants, with each one's CPU seconds so far."""
        parents: dict[int, int] = {}
        cpu: dict[int, float] = {}
        tick = os.sysconf("SC_CLK_TCK")
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/stat") as fh:
                        fields = fh.read().rsplit(")", 1)[1].split()
                    parents[int(entry)] = int(fields[1])
                    # utime + stime + the reaped children's (a Spark Python worker that exits
                    # hands its CPU to the JVM's cutime): each process counted once either way.
                    cpu[int(entry)] = sum(int(f) for f in fields[11:15]) / tick
                except (OSError, IndexError, ValueError):
                    continue
        tree, frontier = {os.getpid()}, [os.getpid()]
        while frontier:
            pid = frontier.pop()
            for child, parent in parents.items():
                if parent == pid and child not in tree:
                    tree.add(child)
                    frontier.append(child)
        return tree, cpu

    @classmethod
    def tree_cpu(cls) -> float:
        """CPU seconds used so far by the tree (live processes plus reaped children), so a
        step's CPU can be compared with its wall time: busy cores = cpu / seconds."""
        tree, cpu = cls._tree()
        times = os.times()
        return sum(cpu.get(pid, 0.0) for pid in tree if pid != os.getpid()) + sum(times[:4])

    @classmethod
    def _tree_rss(cls) -> float:
        tree, _ = cls._tree()
        total = 0
        for pid in tree:
            try:
                with open(f"/proc/{pid}/statm") as fh:
                    total += int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
            except (OSError, IndexError, ValueError):
                continue
        return total / 2**20

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            self.peak = max(self.peak, self._tree_rss())

    def reset(self) -> float:
        peak, self.peak = max(self.peak, self._tree_rss()), 0.0
        return peak

    def stop(self) -> None:
        self._stop.set()


def _digest(store) -> str:
    h = hashlib.blake2b(digest_size=6)
    for link in store.reuse_links():
        h.update(json.dumps(link.to_dict(), sort_keys=True, ensure_ascii=False).encode())
    for event in store.events():
        h.update(json.dumps(event.to_dict(), sort_keys=True, ensure_ascii=False).encode())
    return h.hexdigest()


def stub_vectors(store) -> None:
    """Fill the vector cache with deterministic stand-in vectors (one per lead text).

    Only where the real encoder is not measured: it runs about 10-80 leads/s on one core, so
    clustering is timed there on cached stand-ins (both engines alike). A stand-in is the
    lead's hashed character bigrams (signed feature hashing, unit length), so near-copies and
    edited variants stay nearest neighbours as under the real encoder, and the candidate
    graph the clusterer walks keeps a realistic shape (random vectors would give it none).
    """
    import zlib

    import numpy as np

    from storytrace.events.encoder import get_encoder, text_key
    from storytrace.events.signals import lead_text
    from storytrace.textfold import fold

    encoder = get_encoder()
    vectors = {}
    for article in store.articles():
        lead = lead_text(article)
        key = text_key(encoder.name, lead)
        folded = "".join(fold(lead).split())
        vec = np.zeros(encoder.dim, dtype=np.float32)
        for i in range(len(folded) - 1):
            h = zlib.crc32(folded[i:i + 2].encode())
            vec[h % encoder.dim] += 1.0 if h & 0x80000000 else -1.0
        norm = np.linalg.norm(vec)
        vectors[key] = vec / norm if norm else np.full(encoder.dim, encoder.dim ** -0.5, dtype=np.float32)
    store.put_vectors(vectors, encoder.name)


def run_child(engine: str, size: int, work: Path, reuse_only: bool, stub: bool = False) -> dict:
    """One (engine, size) run in this process; returns per-step seconds and peak MB."""
    import shutil

    from storytrace.store import Store

    inputs = [str(CORPUS)] + [str(work / "synth" / f"part{p:02d}") for p in range(1, size)]
    db = work / f"{engine}-{size}.db"
    for path in (db, Path(str(db) + "-wal"), Path(str(db) + "-shm")):
        path.unlink(missing_ok=True)
    shutil.rmtree(str(db) + ".spark", ignore_errors=True)
    mem = TreeMemory()
    steps: dict[str, dict] = {}

    cpu = [TreeMemory.tree_cpu()]
    load_at_start = round(os.getloadavg()[0], 2)

    def record(name: str, seconds: float) -> None:
        now = TreeMemory.tree_cpu()
        steps[name] = {"seconds": round(seconds, 2), "peak_mb": round(mem.reset(), 1),
                       "cpu_s": round(now - cpu[0], 1)}
        cpu[0] = now

    with Store(db) as store:
        t = time.perf_counter()
        if engine == "spark":
            from storytrace.engines.spark import ingest_spark
            from storytrace.engines.spark_session import get_spark

            get_spark("local[2]")
            record("session", time.perf_counter() - t)
            t = time.perf_counter()
            summary = ingest_spark(inputs, store, master="local[2]")
        else:
            from storytrace.ingest import ingest

            summary = ingest(inputs, store)
        record("ingest", time.perf_counter() - t)
        if stub and not reuse_only:
            stub_vectors(store)
            mem.reset()
            cpu[0] = TreeMemory.tree_cpu()
        if engine == "spark":
            _analyze_spark(store, record, reuse_only)
        else:
            _analyze_local(store, record, reuse_only)
        if stub:
            steps.pop("embedding", None)
        result = {"engine": engine, "size": size, "stub_vectors": stub, "articles": store.count_articles(),
                  "stored": summary.stored, "links": len(store.reuse_links()),
                  "events": len(store.events()), "digest": _digest(store), "steps": steps,
                  "load": [load_at_start, round(os.getloadavg()[0], 2)]}
    mem.stop()
    return result


class LiveTimings(dict):
    """The engines' `timings` dict, recording each step the moment it ends, so its CPU seconds
    and peak memory are that step's own (not the whole analysis's, read afterwards)."""

    def __init__(self, record) -> None:
        super().__init__()
        self._record = record

    def __setitem__(self, name: str, seconds: float) -> None:
        super().__setitem__(name, seconds)
        self._record(name, seconds)


def _analyze_local(store, record, reuse_only: bool) -> None:
    """`engines.local.run_stages` as the local engine runs it (`run_analysis`), with the
    embedding timed apart."""
    from storytrace.engines.local import REUSE_KINDS, pooled_signals, run_stages
    from storytrace.events.encoder import embed_cached, get_encoder
    from storytrace.events.signals import lead_text
    from storytrace.reuse import detect_reuse

    if reuse_only:
        t = time.perf_counter()
        store.replace_reuse(detect_reuse(store.articles()), kinds=REUSE_KINDS)
        record("reuse", time.perf_counter() - t)
        return
    run_stages(store, reuse_step=detect_reuse, signals_step=pooled_signals,
               prepare_events=lambda arts: embed_cached([lead_text(a) for a in arts], get_encoder(), store),
               timings=LiveTimings(record))


def _analyze_spark(store, record, reuse_only: bool) -> None:
    """`engines.spark.analyze_spark` itself, its steps timed through its `timings` hook."""
    from storytrace.engines.local import REUSE_KINDS
    from storytrace.engines.spark import analyze_spark, spark_reuse_links
    from storytrace.engines.spark_session import get_spark
    from storytrace.engines.spark_stages import StageDir, work_dir_for

    if reuse_only:
        t = time.perf_counter()
        spark = get_spark("local[2]")
        links = spark_reuse_links(spark, StageDir(spark, work_dir_for(store.path)), store.articles())
        store.replace_reuse(links, kinds=REUSE_KINDS)
        record("reuse", time.perf_counter() - t)
        return
    analyze_spark(store, master="local[2]", timings=LiveTimings(record))


def profile_child(engine: str, size: int, work: Path) -> dict:
    """Where ingest + reuse spend their time, sub-step by sub-step, for one engine and size.

    The local reuse steps are `detect_reuse`'s own calls in its order (a profiler's copy of
    its ten lines); the Spark ones are the stage builds (`StageDir.stage`) and what the
    driver does around them. Ingest is split into the driver's storing (`_finish_window`:
    boilerplate, SQLite) and the rest (reading + normalizing, overlapped with storing).
    """
    import shutil
    from contextlib import contextmanager

    import storytrace.ingest as ingest_module
    from storytrace.engines.local import REUSE_KINDS
    from storytrace.store import Store

    inputs = [str(CORPUS)] + [str(work / "synth" / f"part{p:02d}") for p in range(1, size)]
    db = work / f"profile-{engine}-{size}.db"
    for path in (db, Path(str(db) + "-wal"), Path(str(db) + "-shm")):
        path.unlink(missing_ok=True)
    shutil.rmtree(str(db) + ".spark", ignore_errors=True)
    split: dict[str, float] = {}

    @contextmanager
    def timed(name: str):
        start, cpu = time.perf_counter(), TreeMemory.tree_cpu()
        yield
        split[name] = round(split.get(name, 0.0) + time.perf_counter() - start, 2)
        split[name + " (cpu s)"] = round(split.get(name + " (cpu s)", 0.0) + TreeMemory.tree_cpu() - cpu, 1)

    def wrap(owner, attr: str, name: str):
        original = getattr(owner, attr)

        def wrapped(*args, **kwargs):
            with timed(name):
                return original(*args, **kwargs)
        setattr(owner, attr, wrapped)

    wrap(ingest_module, "_finish_window", "ingest: driver stores (_finish_window)")
    with Store(db) as store:
        if engine == "spark":
            from storytrace.engines import spark_stages
            from storytrace.engines.spark import ingest_spark, spark_reuse_links
            from storytrace.engines.spark_session import get_spark

            with timed("session"):
                spark = get_spark("local[2]")
            with timed("ingest"):
                ingest_spark(inputs, store, master="local[2]")
            articles = store.articles()
            original = spark_stages.StageDir.stage

            def stage(self, name, fp, build, *, rebuild=False):
                with timed(f"reuse: stage {name}"):
                    return original(self, name, fp, build, rebuild=rebuild)
            spark_stages.StageDir.stage = stage
            with timed("reuse"):
                links = spark_reuse_links(spark, spark_stages.StageDir(spark, str(db) + ".spark"), articles)
        else:
            from storytrace.ingest import ingest
            from storytrace.reuse import ReuseSettings
            from storytrace.reuse import detect as d

            with timed("ingest"):
                ingest(inputs, store)
            articles = store.articles()
            settings = ReuseSettings()
            with timed("reuse"):
                with timed("reuse: fingerprint (1 process)"):
                    ordered = [a for _, a in sorted({a.id: a for a in articles}.items())]
                    fps = d.fingerprint_articles(ordered, settings)
                with timed("reuse: families"):
                    family = d.families_of(ordered, fps, settings)
                with timed("reuse: candidates (1 process)"):
                    cands = d.candidate_pairs(fps, settings, family)
                with timed("reuse: align (2 processes)"):
                    found = {tuple(int(x) for x in cands.pairs[p]): passages
                             for p, passages in d._align_all(fps, cands, settings, None)}
                with timed("reuse: build links + families (1 process)"):
                    outlets = {c for art in ordered if (c := d.canonical(art.outlet))}
                    links = d.finish_links(ordered, family, found, outlets)
        with timed("reuse: store links"):
            store.replace_reuse(links, kinds=REUSE_KINDS)
        split["articles"] = store.count_articles()
        split["links"] = len(links)
    return {"engine": engine, "size": size, "split": split}


def slope(points: list[tuple[float, float]]) -> float | None:
    """Least-squares slope of log(seconds) against log(articles)."""
    pts = [(math.log(n), math.log(s)) for n, s in points if n > 0 and s > 0]
    if len(pts) < 2:
        return None
    mx = sum(x for x, _ in pts) / len(pts)
    my = sum(y for _, y in pts) / len(pts)
    var = sum((x - mx) ** 2 for x, _ in pts)
    return sum((x - mx) * (y - my) for x, y in pts) / var if var else None


def write_svg(results: list[dict], path: Path) -> None:
    """A tiny log-log chart (seconds vs articles), one line per engine and step."""
    series: dict[str, list[tuple[int, float]]] = {}
    for r in latest(results):
        for step, v in r["steps"].items():
            if step != "session" and v["seconds"] > 0:
                name = f"{r['engine']} {step}" + (" (ingest+reuse runs)" if r.get("reuse_only") else "")
                series.setdefault(name, []).append((r["articles"], v["seconds"]))
    xs = [n for pts in series.values() for n, _ in pts]
    ys = [s for pts in series.values() for _, s in pts]
    if not xs:
        return
    x0, x1 = math.log10(min(xs)) - 0.05, math.log10(max(xs)) + 0.05
    y0, y1 = math.log10(min(ys)) - 0.1, math.log10(max(ys)) + 0.1
    w, h, m = 900, 460, 60
    px = lambda n: m + (math.log10(n) - x0) / (x1 - x0 or 1) * (w - 2 * m - 260)  # noqa: E731
    py = lambda s: h - m - (math.log10(s) - y0) / (y1 - y0 or 1) * (h - 2 * m)  # noqa: E731
    colors = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
              "#bcbd22", "#17becf"]
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="11">',
           f'<rect width="{w}" height="{h}" fill="white"/>',
           f'<text x="{m}" y="20" font-size="13">storytrace: seconds per step vs articles (log-log)</text>',
           f'<line x1="{m}" y1="{h - m}" x2="{w - m - 260}" y2="{h - m}" stroke="black"/>',
           f'<line x1="{m}" y1="{m}" x2="{m}" y2="{h - m}" stroke="black"/>']
    for n in sorted(set(xs)):
        out.append(f'<text x="{px(n):.0f}" y="{h - m + 15}" text-anchor="middle">{n}</text>')
    for e in range(math.floor(y0), math.ceil(y1) + 1):
        if y0 <= e <= y1:
            out.append(f'<text x="{m - 5}" y="{py(10 ** e):.0f}" text-anchor="end">{10 ** e:g}s</text>')
    for k, (name, pts) in enumerate(sorted(series.items())):
        color = colors[k % len(colors)]
        dash = ' stroke-dasharray="5,3"' if name.startswith("spark") else ""
        coords = " ".join(f"{px(n):.1f},{py(s):.1f}" for n, s in sorted(pts))
        out.append(f'<polyline points="{coords}" fill="none" stroke="{color}" stroke-width="2"{dash}/>')
        out.append(f'<text x="{w - m - 250}" y="{m + 14 * k}" fill="{color}">{name}</text>')
    out.append("</svg>")
    path.write_text("\n".join(out), encoding="utf-8")


def latest(results: list[dict]) -> list[dict]:
    """The last run of each (engine, size, kind of run), ordered by kind, size, engine."""
    keep: dict[tuple, dict] = {}
    for r in results:
        keep[(bool(r.get("reuse_only")), r["size"], r["engine"], bool(r.get("stub_vectors")))] = r
    return [keep[k] for k in sorted(keep)]


def write_markdown(results: list[dict], path: Path, command: str) -> str:
    results = latest(results)
    lines = ["# Scale: local engine vs Spark local[2]", "", f"Command: `{command}`", "",
             f"Machine: {os.cpu_count()} cores; other jobs may have shared it (times are wall clock).", "",
             "| engine | size | articles | links | events | step | seconds | articles/s | peak MB (tree) | CPU s (tree) |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        for step, v in r["steps"].items():
            rate = r["articles"] / v["seconds"] if v["seconds"] else float("inf")
            label = f"{r['size']}x" + ("†" if r.get("stub_vectors") else "") + ("‡" if r.get("reuse_only") else "")
            lines.append(f"| {r['engine']} | {label} | {r['articles']} | {r['links']} | {r['events']} | "
                         f"{step} | {v['seconds']} | {rate:.0f} | {v['peak_mb']} | {v.get('cpu_s', '-')} |")
    lines += ["", "† clustering timed on cached stand-in vectors (embedding not measured at this size); "
              "‡ ingest and reuse only.", "",
              "Log-log slope of seconds against articles (1.0 = linear):", "",
              "| engine | runs | step | articles | slope |", "|---|---|---|---|---|"]
    for engine in sorted({r["engine"] for r in results}):
        for only, stub in ((False, False), (False, True), (True, False), (True, True)):
            runs = [r for r in results if r["engine"] == engine and bool(r.get("reuse_only")) == only
                    and bool(r.get("stub_vectors")) == stub]
            for step in ("ingest", "reuse", "embedding", "clustering", "translation", "ingest+reuse"):
                pts = [(r["articles"], _total(r, step) if step == "ingest+reuse" else
                        r["steps"].get(step, {}).get("seconds", 0)) for r in runs]
                pts = sorted(p for p in pts if p[1])
                value = slope(pts)
                if value is not None:
                    sizes = ", ".join(str(n) for n, _ in pts)
                    label = ("ingest + reuse only (‡)" if only else
                             "full pipeline, stand-in vectors (†)" if stub else "full pipeline, real encoder")
                    lines.append(f"| {engine} | {label} | {step} | {sizes} | {value:.2f} |")
    lines += ["", "Same results (digest of reuse links + events) per size, with the 1-minute load average "
              "at the start and end of each run:", ""]
    for only, stub, size in sorted({(bool(r.get("reuse_only")), bool(r.get("stub_vectors")), r["size"])
                                    for r in results}):
        runs = {r["engine"]: r for r in results if r["size"] == size and bool(r.get("reuse_only")) == only
                and bool(r.get("stub_vectors")) == stub}
        digests = {e: r["digest"] for e, r in runs.items()}
        loads = {e: f" (load {r['load'][0]}-{r['load'][1]})" if r.get("load") else "" for e, r in runs.items()}
        lines.append(f"- {size}x{'†' if stub and not only else ''}{'‡' if only else ''}: " + ", ".join(f"{e} {d}{loads[e]}" for e, d in sorted(digests.items()))
                     + ("" if len(digests) < 2 else " (identical)" if len(set(digests.values())) == 1
                        else " (DIFFERENT)"))
    text = "\n".join(lines) + "\n"
    path.write_text(text, encoding="utf-8")
    return text


def _total(r: dict, steps: str) -> float:
    return sum(v["seconds"] for k, v in r["steps"].items() if k in steps.split("+"))


def prepare(work: Path, parts: int) -> None:
    """Ingest the real week once (local engine) and derive `parts` synthetic weeks from it."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from scale_corpus import week_seeds, write_enlargement

    work.mkdir(parents=True, exist_ok=True)
    if parts <= 0:
        return
    write_enlargement(week_seeds(work / "base.db", CORPUS), work / "synth", parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[1, 2, 4])
    parser.add_argument("--reuse-only-sizes", type=int, nargs="*", default=[])
    parser.add_argument("--engines", nargs="+", default=["local", "spark"])
    parser.add_argument("--work", type=Path, default=Path("/tmp/storytrace-scale"))
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "scale.md")
    parser.add_argument("--svg", type=Path, default=REPO / "bench" / "scale.svg")
    parser.add_argument("--encoder-sizes", type=int, nargs="*", default=None,
                        help="sizes whose embedding step uses the real encoder [default: all]; "
                             "other sizes cluster on cached stand-in vectors")
    parser.add_argument("--append", action="store_true", help="keep earlier results (OUT.json)")
    parser.add_argument("--profile", type=int, metavar="SIZE",
                        help="only split ingest + reuse into sub-steps at SIZE (printed as JSON)")
    parser.add_argument("--child", nargs=4, metavar=("ENGINE", "SIZE", "REUSE_ONLY", "STUB"),
                        help=argparse.SUPPRESS)
    parser.add_argument("--child-profile", nargs=2, metavar=("ENGINE", "SIZE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child_profile:
        engine, size = args.child_profile
        print(json.dumps(profile_child(engine, int(size), args.work)), flush=True)
        return 0
    if args.profile:
        prepare(args.work, args.profile - 1)
        for engine in args.engines:
            proc = subprocess.run([sys.executable, __file__, "--work", str(args.work), "--child-profile", engine,
                                   str(args.profile)], capture_output=True, text=True,
                                  env={**os.environ, "PYTHONWARNINGS": "ignore"})
            lines = [l for l in proc.stdout.splitlines() if l.startswith("{")]
            print(lines[-1] if lines else f"{engine} failed:\n{proc.stderr[-3000:]}", flush=True)
        return 0
    if args.child:
        engine, size, reuse_only, stub = args.child
        print(json.dumps(run_child(engine, int(size), args.work, reuse_only == "1", stub == "1")), flush=True)
        return 0
    if not CORPUS.is_dir():
        print(f"corpus not found at {CORPUS}", file=sys.stderr)
        return 2
    plan = [(s, False) for s in args.sizes] + [(s, True) for s in args.reuse_only_sizes]
    prepare(args.work, max(s for s, _ in plan) - 1)
    saved = args.out.with_suffix(".json")
    results: list[dict] = json.loads(saved.read_text()) if args.append and saved.exists() else []
    text = ""
    command = "python bench/scale.py " + " ".join(sys.argv[1:] if argv is None else argv)
    for size, reuse_only in plan:
        for engine in args.engines:
            proc = subprocess.run([sys.executable, __file__, "--work", str(args.work), "--child", engine,
                                   str(size), "1" if reuse_only else "0",
                                   "0" if args.encoder_sizes is None or size in args.encoder_sizes else "1"],
                                  capture_output=True, text=True, env={**os.environ, "PYTHONWARNINGS": "ignore"})
            lines = [l for l in proc.stdout.splitlines() if l.startswith("{")]
            if proc.returncode or not lines:
                print(f"{engine} {size}x failed:\n{proc.stderr[-3000:]}", file=sys.stderr)
                continue
            result = json.loads(lines[-1])
            result["reuse_only"] = reuse_only
            results.append(result)
            print(json.dumps(result), flush=True)
            saved.write_text(json.dumps(results, indent=1))
            text = write_markdown(results, args.out, command)
            write_svg(results, args.svg)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
