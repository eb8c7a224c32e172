"""What the head of an analysis costs on a grown store: everything `run_stages` does before
its first stage (hidden boilerplate, the article digest, the three stage fingerprints with
the results they read), right after an increment of new articles was ingested.

    python bench/analysis_head.py --store BUILT.db --new NEW_DIR [--work DIR] [--src OTHER/src]

A copy of BUILT.db (an analysed store) gets NEW_DIR ingested, then the head runs once in a
fresh process; printed: its wall time, the Python memory it allocated at peak (tracemalloc,
a second run) and the process's peak RSS. With `--src` pointing at a checkout from before
issue 13 (`git archive c32a412 src`), the head is the old one: every article loaded,
boilerplate learned over all of them, every record, link and event hashed. With this
checkout the store is first brought to the current layout (digests, boilerplate tables:
once per store, timed as "upgrade") and the increment is ingested after that.
"""
from __future__ import annotations

import argparse
import json
import resource
import shutil
import sys
import time
import tracemalloc
from pathlib import Path


def head(store) -> dict:
    from storytrace.engines import local
    from storytrace.events.encoder import encoder_name
    from storytrace.events.similarity import EventSettings
    from storytrace.reuse import ReuseSettings

    encoder = encoder_name()
    if hasattr(local, "_hide_boilerplate"):            # before issue 13
        stored = local._hide_boilerplate(store, store.articles())
        found, articles = local.stage_view(stored)
        content = local.articles_digest(articles)
        links = [l for l in store.reuse_links() if l.kind != "translation"]
        events = store.events()
        fps = [local.stage_fingerprint("reuse", content, settings=ReuseSettings()),
               local.stage_fingerprint("events", content, settings=EventSettings(), results=links, encoder=encoder),
               local.stage_fingerprint("translation", content, results=events, encoder=encoder)]
        return {"articles": len(articles), "fps": fps}
    from storytrace.normalize.boilerplate import refresh_hidden_spans

    rewritten = refresh_hidden_spans(store)
    store.articles_mark()
    content = store.articles_sum()
    keys = [k for k in store.results_keys("reuse:") if k != "reuse:translation"]
    fps = [local.stage_fingerprint("reuse", content, settings=ReuseSettings()),
           local.stage_fingerprint("events", content, settings=EventSettings(), results=store.results_digest(*keys),
                                   encoder=encoder),
           local.stage_fingerprint("translation", content, results=store.results_digest("events"), encoder=encoder)]
    return {"articles": int(content.split(":")[0]), "rewritten": rewritten, "fps": fps}


def child(db: Path, mode: str) -> dict:
    import storytrace.engines.local  # noqa: F401  (imports are not the head's cost: a run has them)
    import storytrace.events.encoder  # noqa: F401
    import storytrace.events.similarity  # noqa: F401
    import storytrace.normalize.boilerplate  # noqa: F401
    import storytrace.reuse  # noqa: F401
    from storytrace.store import Store

    storytrace.events.encoder.encoder_name()
    if mode == "memory":
        tracemalloc.start()
    t = time.perf_counter()
    with Store(db) as store:
        out = head(store)
    out["wall_s"] = round(time.perf_counter() - t, 3)
    if mode == "memory":
        out["py_peak_mb"] = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
    out["rss_peak_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return out


def prepare(db: Path, new: Path) -> dict:
    """Bring the copy to this code's layout (timed), then ingest the new articles (timed)."""
    from storytrace.ingest import ingest
    from storytrace.store import Store

    out = {}
    t = time.perf_counter()
    with Store(db) as store:                   # digests filled on open (once per store)
        if not hasattr(__import__("storytrace.engines.local").engines.local, "_hide_boilerplate"):
            from storytrace.normalize.boilerplate import refresh_hidden_spans

            refresh_hidden_spans(store)         # boilerplate tables built (once per store)
    out["upgrade_s"] = round(time.perf_counter() - t, 2)
    t = time.perf_counter()
    with Store(db) as store:
        out["stored"] = ingest([str(new)], store, workers=1).stored
    out["ingest_s"] = round(time.perf_counter() - t, 2)
    return out


def _run(args: list[str], src: Path | None) -> dict:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from child import child_json

    return child_json(__file__, args, src)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--new", type=Path, required=True)
    parser.add_argument("--work", type=Path, default=Path("/tmp/storytrace-head"))
    parser.add_argument("--src", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--_child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args._child:
        db, mode = Path(args._child[0]), args._child[1]
        print(json.dumps(prepare(db, args.new) if mode == "prepare" else child(db, mode)))
        return 0
    args.work.mkdir(parents=True, exist_ok=True)
    db = args.work / "head.db"
    base = [f"--store={args.store}", f"--new={args.new}"]
    result = {"code": str(args.src or "this checkout")}
    for p in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
        p.unlink(missing_ok=True)
    shutil.copyfile(args.store, db)
    result.update(_run(base + ["--_child", str(db), "prepare"], args.src))
    # every run starts from the same state: the store right after ingest, before the head
    shutil.copyfile(db, args.work / "ingested.db")
    runs = []
    for mode in ["time"] * args.repeat + ["memory"]:
        for suffix in ("-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(args.work / "ingested.db", db)
        runs.append(_run(base + ["--_child", str(db), mode], args.src))
    timed = [r for r in runs if "py_peak_mb" not in r]
    result["head_wall_s"] = sorted(r["wall_s"] for r in timed)
    result["py_peak_mb"] = runs[-1]["py_peak_mb"]
    result["rss_peak_mb"] = max(r["rss_peak_mb"] for r in timed)
    result["articles"] = runs[-1]["articles"]
    result["rewritten"] = runs[-1].get("rewritten")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
