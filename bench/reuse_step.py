"""The reuse step of an increment alone, on a copy of a built store (bench/increment.py's).

    PYTHONPATH=<tree>/src python bench/reuse_step.py --work /tmp/inc-x --size 4 [--label B] [--profile]

Copies `built-N.db` of --work, ingests `week-new100` into it with stand-in vectors (as
bench/increment.py's increment does), then times `PassageIndex.update` (the local engine's
reuse step of an increment, alignment memo included) and prints its stats, wall and
main-process CPU seconds (the alignment's workers are not counted). The index key and the
memo use the code version the store was built with, so two trees (same index format) can be
compared on the same store; `--dump` writes the resulting links and families as JSON to compare.
"""
from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--size", type=int, default=4)
    parser.add_argument("--new", type=int, default=100)
    parser.add_argument("--label", default="run")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--dump", action="store_true")
    args = parser.parse_args()

    import increment
    from storytrace.engines import local
    from storytrace.engines.local import AlignmentMemo
    from storytrace.ingest import ingest
    from storytrace.reuse import ReuseSettings
    from storytrace.reuse.index import PassageIndex
    from storytrace.store import Store

    work = args.work
    db = work / f"reuse-step-{args.label}.db"
    for p in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
        p.unlink(missing_ok=True)
    shutil.copyfile(work / f"built-{args.size}.db", db)
    os.sync()
    with Store(db) as store:
        summary = ingest([str(work / f"week-new{args.new}")], store)
        increment._stub(store, set(summary.new_ids))
        row = store._conn.execute("SELECT value FROM meta WHERE key='reuse_index'").fetchone()
        built_code = json.loads(json.loads(row[0])["key"])[1]
        own = local.code_version
        local.code_version = lambda stage: built_code if stage == "reuse" else own(stage)
        index = PassageIndex(store, ReuseSettings(), built_code)
        profiler = cProfile.Profile() if args.profile else None
        t, cpu = time.perf_counter(), time.process_time()
        if profiler:
            profiler.enable()
        stats = index.update(AlignmentMemo(store, prune=False))
        if profiler:
            profiler.disable()
        wall, cpu = time.perf_counter() - t, time.process_time() - cpu
        print(json.dumps({"label": args.label, "wall_s": round(wall, 2), "cpu_main_s": round(cpu, 2),
                          "stats": stats if stats is not None else {"declined": index.reason}}))
        if profiler:
            with open(work / f"reuse-step-{args.label}.prof.txt", "w") as fh:
                pstats.Stats(profiler, stream=fh).sort_stats("cumulative").print_stats(45)
        if args.dump:
            links = store._conn.execute("SELECT a, b, kind, data FROM reuse WHERE kind != 'translation' "
                                        "ORDER BY a, b, kind").fetchall()
            families = store._conn.execute("SELECT id, data FROM families ORDER BY id").fetchall()
            (work / f"reuse-step-{args.label}.json").write_text(json.dumps([links, families], ensure_ascii=False))
    for p in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
        p.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
