"""Parts of an increment alone, on copies of a bench/increment.py work folder (CPU seconds).

    PYTHONPATH=<tree>/src python bench/increment_parts.py --work DIR --size N WHAT [--label L]

WHAT:
  prep         copy WORK/built-N.db (and its outputs) to WORK/pre-L-N.db, ingest week-new100,
               stand-in vectors, analyse (what the increment's outputs start from);
  jsonl        copy WORK/pre-L-N.db to WORK/j-L-N.db and write the JSONL partitions
               (`PartitionedJsonl.write`), outputs kept in WORK/j-L-N-out for `diff -r`;
  analyze      copy WORK/pre-L-N.db's ingest (`--from ing`: WORK/ing-N.db, made by `ingest`) and
               run the analysis: CPU of each named step and of the rest (bookkeeping);
  ingest       WORK/ing-N.db: built-N.db + week-new100 ingested + stand-in vectors, not analysed;
  boilerplate  `refresh_hidden_spans` alone on a copy of WORK/ing-N.db.
Each copy is synced to disk before the part runs (as bench/increment.py does). Run each code
(its own tree) alternately on the same folder; --src-work takes built-N from another folder.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from contextlib import contextmanager
from pathlib import Path

BENCH = Path(__file__).resolve().parent


def _cpu() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _copy(src_db: Path, db: Path, src_out: Path | None = None, out: Path | None = None) -> None:
    for p in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
        p.unlink(missing_ok=True)
    shutil.copyfile(src_db, db)
    if out is not None:
        shutil.rmtree(out, ignore_errors=True)
        shutil.copytree(src_out, out)
    os.sync()


def _ingest(store, work: Path) -> None:
    sys.path.insert(0, str(BENCH))
    import increment
    from storytrace.ingest import ingest

    summary = ingest([str(work / "week-new100")], store)
    increment._stub(store, set(summary.new_ids))


def _analyze(store) -> dict:
    from storytrace.engines import local

    cpu_steps: dict = {}
    inner = local._timed

    @contextmanager
    def timed(timings, name):
        start = _cpu()
        with inner(timings, name):
            yield
        cpu_steps[name] = cpu_steps.get(name, 0.0) + _cpu() - start
    local._timed = timed
    start = _cpu()
    local.run_analysis(store, timings={})
    total = _cpu() - start
    return {"cpu": round(total, 3), "rest_cpu": round(total - sum(cpu_steps.values()), 3),
            **{k: round(v, 3) for k, v in cpu_steps.items()}}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=["prep", "jsonl", "analyze", "ingest", "boilerplate"])
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--size", type=int, required=True)
    parser.add_argument("--label", default="a")
    parser.add_argument("--src-work", type=Path, help="take built-N.db and built-N-out from here")
    parser.add_argument("--from", dest="source", choices=["ing"], default="ing")
    args = parser.parse_args()
    from storytrace.store import Store

    work, n, label = args.work, args.size, args.label
    built = args.src_work or work
    result: dict = {"what": args.what, "size": n, "label": label}
    if args.what == "prep":
        db = work / f"pre-{label}-{n}.db"
        _copy(built / f"built-{n}.db", db, built / f"built-{n}-out", work / f"pre-{label}-{n}-out")
        with Store(db) as store:
            _ingest(store, work)
            result.update(_analyze(store))
    elif args.what == "ingest":
        db = work / f"ing-{n}.db"
        _copy(built / f"built-{n}.db", db)
        with Store(db) as store:
            _ingest(store, work)
    elif args.what == "jsonl":
        from storytrace.present.exports import PartitionedJsonl

        db, out = work / f"j-{label}-{n}.db", work / f"j-{label}-{n}-out"
        _copy(work / f"pre-{label}-{n}.db", db, work / f"pre-{label}-{n}-out", out)
        with Store(db) as store:
            start, wall = _cpu(), time.perf_counter()
            jsonl = PartitionedJsonl(store, out)
            jsonl.write()
            result.update(cpu=round(_cpu() - start, 3), wall=round(time.perf_counter() - wall, 3),
                          path=jsonl.path, written=len(jsonl.written))
    elif args.what == "analyze":
        db = work / f"an-{label}-{n}.db"
        _copy(work / f"ing-{n}.db", db)
        with Store(db) as store:
            result.update(_analyze(store))
    else:
        from storytrace.normalize.boilerplate import refresh_hidden_spans

        db = work / f"bp-{label}-{n}.db"
        _copy(work / f"ing-{n}.db", db)
        with Store(db) as store:
            start, wall = _cpu(), time.perf_counter()
            result["rewritten"] = refresh_hidden_spans(store)
            result.update(cpu=round(_cpu() - start, 3), wall=round(time.perf_counter() - wall, 3))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
