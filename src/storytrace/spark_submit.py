"""`spark-submit` entry point: the whole pipeline on a cluster, same outputs as `storytrace run`.

    spark-submit --master yarn --driver-memory 8g \\
        src/storytrace/spark_submit.py INPUT... --out DIR [--store PATH] [--force] [--no-report]

or, with the package installed, `python -m storytrace.spark_submit INPUT... --out DIR
[--master local[2]]`. Under spark-submit the session comes from spark-submit's own
`--master`/`--conf`; storytrace must be importable on the driver and the executors (install
it there, or ship a wheel/zip with `--py-files`). See docs/spark.md.

Why argparse and not the Typer CLI: spark-submit runs this file as a plain script, and a
parser with no extra dependencies keeps the driver's environment small. Parsing is a pure
function (`parse_args`), and `main` only calls the library.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="spark_submit.py",
        description="Ingest INPUTS on Spark, analyze them, and write the usual outputs to --out.")
    parser.add_argument("inputs", nargs="+", help="files, folders, globs, URLs, or a .txt list of URLs")
    parser.add_argument("--out", required=True, type=Path, help="output folder")
    parser.add_argument("--store", type=Path, default=None,
                        help="SQLite store on the driver [default: OUT/storytrace.db]")
    parser.add_argument("--master", default=None,
                        help="Spark master when not launched by spark-submit [default: local[2]]")
    parser.add_argument("--force", action="store_true", help="redo analysis stages even when unchanged")
    parser.add_argument("--no-report", action="store_true", help="skip report.html")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    from storytrace.engines.spark import analyze_spark, ingest_spark
    from storytrace.pipeline import errors_to_jsonl, write_outputs
    from storytrace.store import Store, acquire_lease, describe_holder

    args = parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    with Store(args.store or args.out / "storytrace.db") as store:
        ingested = ingest_spark(args.inputs, store, master=args.master)
        errors_to_jsonl(ingested.errors, args.out / "errors.jsonl")
        with acquire_lease(store, purpose="spark analysis", wait=None,
                           on_wait=lambda h: print(f"waiting: another {describe_holder(h)} holds the store")):
            result = analyze_spark(store, force=args.force, master=args.master)
        written = write_outputs(store, args.out, report=not args.no_report)
    print(f"ingest: read {ingested.read}, stored {ingested.stored}, duplicates {ingested.duplicates}, "
          f"failed {ingested.failed}")
    for err in ingested.errors[:20]:
        print(f"failed {err.path}: {err.reason}")
    print(f"analysis: {result.articles} articles, {result.events} events, {result.reuse_links} reuse links, "
          f"{result.translation_links} translation links"
          + (f" (unchanged: {', '.join(result.skipped_stages)})" if result.skipped_stages else ""))
    for path in written:
        print(f"wrote {path}")
    return 1 if ingested.failed else 0


if __name__ == "__main__":
    sys.exit(main())
