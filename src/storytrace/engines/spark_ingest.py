"""Ingest on Spark: list inputs on the driver, read + normalize in executors, store in order.

Reading and normalizing (the costly part: HTML extraction, dates, language) run as one
Spark job over the input list; its rows land in a Parquet stage, so a run killed while
storing does not normalize again. The driver then replays exactly the local ingest's
windows (`ingest._windows`: WINDOW documents or WINDOW_BYTES of raw text, in input order)
with its own `_finish_window`: skip sources already stored, learn recurring outlet lines,
strip them, store in batches. That replay is what makes the stored articles, ids and
`seq` order identical to the local engine's; it is cheap (no parsing) and streams rows
partition by partition (`toLocalIterator`). It uses the ingest module's private helpers
on purpose: the same code, not a copy that could drift.
"""
from __future__ import annotations

import json
import os
from functools import partial
from typing import Iterator

from ..model import Article, InputError
from ..store import Store
from .spark_stages import StageDir, code_fingerprint, fingerprint, work_dir_for


def _input_signature(items: list[str]) -> list[str]:
    """Path, size and mtime of each input: a changed file gives a new stage fingerprint."""
    out = []
    for item in items:
        try:
            st = os.stat(item)
            out.append(f"{item}|{st.st_size}|{st.st_mtime_ns}")
        except OSError:
            out.append(item)
    return out


class _Sized:
    """Stands in for a raw document's content where only its length matters (window bounds)."""

    __slots__ = ("n",)

    def __init__(self, n: int):
        self.n = n

    def __len__(self) -> int:
        return self.n


class _Row:
    """One document of the replay: what the local ingest's windowing and storing need."""

    __slots__ = ("kind", "source", "record", "content")

    def __init__(self, kind: str, source: str, record: dict, chars: int = 0):
        self.kind, self.source, self.record, self.content = kind, source, record, _Sized(chars)


def _stream(expanded: list, normalized_rows: Iterator) -> Iterator[tuple[str, str, dict]]:
    """Merge expand-time errors back into the normalized stream at their input position."""
    rows = iter(normalized_rows)
    pending = next(rows, None)
    for position, item in enumerate(expanded):
        if isinstance(item, InputError):
            yield _Row("read-error", item.path, item.to_dict())
            continue
        while pending is not None and pending[0] == position:
            yield pending[1]
            pending = next(rows, None)


def ingest_spark(inputs: list[str], store: Store, *, master: str | None = None, progress=None):
    """Same contract and same stored result as `storytrace.ingest.ingest`, normalized on Spark."""
    from .. import ingest as local
    from ..read import expand_inputs
    from . import spark_tasks
    from .spark_session import get_spark

    summary = local.IngestSummary()
    advance = progress("Ingesting (spark)", None) if progress else (lambda n=1: None)
    expanded = list(expand_inputs(list(inputs)))
    todo = [(i, item) for i, item in enumerate(expanded) if not isinstance(item, InputError)]
    local._ensure_tables(store)

    rows: Iterator = iter(())
    if todo:
        spark = get_spark(master)
        stages = StageDir(spark, work_dir_for(store.path))
        fp = fingerprint("ingest-v1", code_fingerprint(), _input_signature([p for _, p in todo]))
        slices = max(1, min(len(todo), spark.sparkContext.defaultParallelism * 4))

        def build():
            rdd = spark.sparkContext.parallelize(todo, slices).mapPartitions(spark_tasks.read_and_normalize)
            return spark.createDataFrame(rdd, spark_tasks.INGEST_SCHEMA)

        df = stages.stage("ingest", fp, build)
        rows = ((r["item"], _Row(r["kind"], r["source"], json.loads(r["payload"]), r["chars"]))
                for r in df.orderBy("item", "doc").toLocalIterator())

    pending = None
    windows = local._windows(_stream(expanded, rows), local.WINDOW, getattr(local, "WINDOW_BYTES", None))
    for window in windows:
        summary.read += len(window)
        errors = [InputError(**r.record) for r in window if r.kind == "read-error"]
        docs = [(r.kind, r.source, r.record) for r in window if r.kind != "read-error"]
        advance(len(errors))
        if docs:
            done = local._done_sources(store, [source for _, source, _ in docs])
            if done:
                skipped = sum(source in done for _, source, _ in docs)
                summary.resumed += skipped
                summary.duplicates += skipped
                advance(skipped)
                docs = [d for d in docs if d[1] not in done]
        results = [Article.from_dict(rec) if kind == "article" else InputError(**rec) for kind, _, rec in docs]
        # Same order as the local ingest: the next window's done-check precedes storing this one.
        job = (errors, partial(iter, results))
        if pending:
            local._finish_window(store, *pending, summary, advance)
        pending = job
    if pending:
        local._finish_window(store, *pending, summary, advance)
    return summary
