"""Ingest on Spark: list inputs on the driver, read + normalize in executors, store in order.

Reading and normalizing (the costly part: HTML extraction, dates, language) run as Spark
jobs over about `CHUNKS` consecutive slices of the input list, two in flight; each
chunk's rows land in a Parquet sub-stage, so a run killed while storing does not
normalize the finished chunks again. The driver replays exactly the local ingest's
windows (`ingest._windows`: WINDOW documents or WINDOW_BYTES of raw text, in input order)
with its own `_finish_window`: skip sources already stored, store in batches. That replay is what makes the stored articles, ids and
`seq` order identical to the local engine's; it starts on a chunk as soon as that chunk
is normalized (while the executors work on the next), reads it as one Arrow table and
unpickles the results as the local process pool would. It uses the ingest module's
private helpers on purpose: the same code, not a copy that could drift.
"""
from __future__ import annotations

import math
import os
import pickle
from functools import partial
from typing import Iterator

from ..model import Article, InputError
from ..store import Store
from .spark_stages import StageDir, code_fingerprint, fingerprint, work_dir_for

CHUNKS = 4


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

    __slots__ = ("kind", "source", "result", "content")

    def __init__(self, kind: str, source: str, result: Article | InputError, chars: int = 0):
        self.kind, self.source, self.result, self.content = kind, source, result, _Sized(chars)


def _stream(expanded: list, normalized_rows: Iterator) -> Iterator[tuple[str, str, dict]]:
    """Merge expand-time errors back into the normalized stream at their input position."""
    rows = iter(normalized_rows)
    pending = next(rows, None)
    for position, item in enumerate(expanded):
        if isinstance(item, InputError):
            yield _Row("read-error", item.path, item)
            continue
        while pending is not None and pending[0] == position:
            yield pending[1]
            pending = next(rows, None)


def _chunks(todo: list, parallelism: int) -> list[list]:
    """Consecutive slices of the input list: about CHUNKS, so the driver stores one while
    the executors normalize the next ones, each big enough to keep every core busy."""
    size = max(4 * parallelism, math.ceil(len(todo) / CHUNKS))
    return [todo[i:i + size] for i in range(0, len(todo), size)]


def _read_chunk(spark, path: str) -> Iterator[tuple[int, _Row]]:
    """A finished chunk's rows in input order, as one Arrow table.

    Read with pyarrow straight from the work directory (local disk, HDFS or S3 as pyarrow
    knows them), so the driver does not queue a Spark job behind the chunks still being
    normalized; through Spark only where pyarrow cannot open the path.
    """
    import pyarrow as pa
    import pyarrow.dataset as ds

    try:
        table = ds.dataset(path, format="parquet").to_table()
    except (OSError, ValueError, pa.ArrowException):
        df = spark.read.parquet(path)
        to_arrow = getattr(df, "toArrow", None)          # PySpark >= 4.0
        table = to_arrow() if to_arrow else pa.Table.from_batches(df._collect_as_arrow())
    table = table.sort_by([("item", "ascending"), ("doc", "ascending")])
    cols = table.to_pydict()
    for item, kind, source, chars, payload in zip(cols["item"], cols["kind"], cols["source"], cols["chars"],
                                                  cols["payload"]):
        yield item, _Row(kind, source, pickle.loads(payload), chars)


def _normalized(spark, stages: StageDir, todo: list) -> Iterator[tuple[int, _Row]]:
    """Normalize `todo` on Spark chunk by chunk, yielding rows in input order as soon as
    each chunk is done, while later chunks run (two jobs in flight).

    Each chunk is its own stage folder (`ingest-<fingerprint>/cNNNNN`, `_SUCCESS` when
    done): a killed run normalizes again only the chunks that had not finished.
    """
    from concurrent.futures import ThreadPoolExecutor

    from . import spark_tasks

    fp = fingerprint("ingest-v3", code_fingerprint(), _input_signature([p for _, p in todo]))
    sc = spark.sparkContext

    def run(number: int, chunk: list):
        def build():
            rdd = sc.parallelize(chunk, max(1, min(len(chunk), sc.defaultParallelism)))
            return spark.createDataFrame(rdd.mapPartitions(spark_tasks.read_and_normalize),
                                         spark_tasks.INGEST_SCHEMA)

        stages.stage("ingest", f"{fp}/c{number:05d}", build)
        return stages.path("ingest", f"{fp}/c{number:05d}")

    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="ingest-chunk") as pool:
        futures = [pool.submit(run, number, chunk) for number, chunk in enumerate(_chunks(todo, sc.defaultParallelism))]
        for future in futures:
            yield from _read_chunk(spark, future.result())
    stages.drop_stale("ingest", fp)


def ingest_spark(inputs: list[str], store: Store, *, master: str | None = None, progress=None):
    """Same contract and same stored result as `storytrace.ingest.ingest`, normalized on Spark."""
    from .. import ingest as local
    from ..read import expand_inputs
    from .spark_session import get_spark

    summary = local.IngestSummary()
    advance = progress("Ingesting (spark)", None) if progress else (lambda n=1: None)
    expanded = list(expand_inputs(list(inputs)))
    todo = [(i, item) for i, item in enumerate(expanded) if not isinstance(item, InputError)]

    rows: Iterator = iter(())
    if todo:
        spark = get_spark(master)
        rows = _normalized(spark, StageDir(spark, work_dir_for(store.path)), todo)

    pending = None
    windows = local._windows(_stream(expanded, rows), local.WINDOW, getattr(local, "WINDOW_BYTES", None))
    for window in windows:
        summary.read += len(window)
        errors = [r.result for r in window if r.kind == "read-error"]
        docs = [(r.kind, r.source, r.result) for r in window if r.kind != "read-error"]
        advance(len(errors))
        if docs:
            done = local._done_sources(store, [source for _, source, _ in docs])
            if done:
                skipped = sum(source in done for _, source, _ in docs)
                summary.resumed += skipped
                summary.duplicates += skipped
                advance(skipped)
                docs = [d for d in docs if d[1] not in done]
        results = [result for _, _, result in docs]
        # Same order as the local ingest: the next window's done-check precedes storing this one.
        job = (errors, partial(iter, results))
        if pending:
            local._finish_window(store, *pending, summary, advance)
        pending = job
    if pending:
        local._finish_window(store, *pending, summary, advance)
    return summary
