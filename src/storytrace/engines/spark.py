"""The Spark engine: the pipeline's own step functions scheduled as Spark jobs over Parquet.

Same store, same stage names and fingerprints as the local engine (`engines/local.py`),
so outputs are the same files and either engine can resume the other's run.

Where each step runs:

| step | on Spark (executors) | on the driver |
|---|---|---|
| ingest | read + normalize every input, in chunks | replay the local windows chunk by chunk: skip done sources, store |
| reuse: pairs | `fingerprint` once per article -> postings by n-gram hash; `anchors_from_postings` per hash partition; `group_anchors` per block | |
| reuse: links | `align_range` + `build_link` per publication block | route articles to blocks; build family records (`spark_reuse.py`) |
| events: embedding | `lead_text` + the encoder, batched (`mapInArrow`) | fill the store's vector cache |
| events: signals | `build_signals` per article (`mapPartitions`, pickled back; no Parquet stage: cheap to recompute) | put in clustering order |
| events: clustering | | `cluster_events` on those signals, `infer_missing_years` (global: one linkage per component) |
| translation links | | `translation_links` (vectors come from the cache) |

The global steps need every article's evidence at once; they run on the driver with the
same functions, after Spark has done the per-article and per-pair work they would
otherwise do themselves. Intermediate data: `<store>.spark/<stage>-<fingerprint>/`
(Parquet); see docs/spark.md.
"""
from __future__ import annotations

import os
import time
from contextlib import contextmanager
from functools import partial
from typing import Iterator

import numpy as np

from ..model import Article
from ..store import Store
from .spark_ingest import ingest_spark
from .spark_reuse import articles_rdd, spark_reuse_links
from .spark_stages import StageDir, code_fingerprint, fingerprint, work_dir_for

__all__ = ["analyze_spark", "ingest_spark", "spark_reuse_links", "precompute_embeddings", "spark_signals"]


@contextmanager
def _timed(timings: dict | None, name: str, progress=None) -> Iterator[None]:
    advance = progress(f"{name} (spark)", 1) if progress else None
    start = time.perf_counter()
    yield
    if timings is not None:
        timings[name] = timings.get(name, 0.0) + time.perf_counter() - start
    if advance:
        advance(1)


def precompute_embeddings(spark, stages: StageDir, store: Store, articles: list[Article], *,
                          rebuild: bool = False) -> int:
    """Embed every article's title + lead on Spark into the store's vector cache; returns how many.

    `cluster_events` then finds all its vectors cached (`encoder.embed_cached`) and only
    does the global clustering on the driver.
    """
    from pyspark.sql import functions as F

    from ..events.encoder import DEFAULT_ENCODER, get_encoder
    from . import spark_tasks as tasks

    ordered = [a for _, a in sorted({a.id: a for a in articles}.items())]
    if not ordered:
        return 0
    spec = os.environ.get("STORYTRACE_ENCODER") or DEFAULT_ENCODER
    name = get_encoder(spec).name
    # Leads come from the title and the visible text (hidden boilerplate can change while
    # the id stays), so both count, not only the ids.
    base = fingerprint("leads-v3", [f"{a.id}|{fingerprint(a.title, a.text)}" for a in ordered])
    leads = stages.stage("leads", fingerprint(base, name, code_fingerprint()), lambda: spark.createDataFrame(
        articles_rdd(spark, ordered).mapPartitions(partial(tasks.leads, encoder_name=name)), tasks.LEADS_SCHEMA),
        rebuild=rebuild)
    keys = sorted({r["key"] for r in leads.select("key").distinct().collect()})
    missing = sorted(set(keys) - set(store.get_vectors(keys, name)))
    if not missing:
        return 0
    wanted = spark.createDataFrame([(k,) for k in missing], "key string")
    slices = max(1, spark.sparkContext.defaultParallelism * 2)

    def build():
        todo = leads.join(F.broadcast(wanted), "key").dropDuplicates(["key"]).repartition(slices)
        return todo.mapInArrow(partial(tasks.embed, encoder_spec=spec, encoder_name=name),
                               tasks.VECTORS_SCHEMA)

    vectors = stages.stage("vectors", fingerprint(name, missing), build, rebuild=rebuild)
    batch: dict[str, np.ndarray] = {}
    for row in vectors.toLocalIterator():
        batch[row["key"]] = np.frombuffer(row["vec"], dtype=np.float32)
        if len(batch) >= 2000:
            store.put_vectors(batch, name)
            batch = {}
    if batch:
        store.put_vectors(batch, name)
    return len(missing)


def spark_signals(spark, articles: list[Article]) -> list:
    """`build_signals` of each article on the executors, in the order given (what
    `cluster_events(signals_for=...)` asks for).

    No Parquet stage: the signals are cheap to recompute next to a resumed run's other
    stages, and the events stage they feed is recorded in the store itself. Four slices
    per core, not `articles_rdd`'s one: articles come in publication order and some days
    cost more than others, so smaller slices keep every core busy to the end (measured
    ~1 s of ~10 on the week, bench/results/signals.md)."""
    import pickle

    from . import spark_tasks as tasks

    if not articles:
        return []
    sc = spark.sparkContext
    slices = max(1, min(len(articles), 4 * sc.defaultParallelism))
    found: dict[int, object] = {}
    for blob in sc.parallelize(list(enumerate(articles)), slices).mapPartitions(tasks.event_signals).collect():
        found.update(pickle.loads(blob))
    return [found[i] for i in range(len(articles))]


def analyze_spark(store: Store, *, force: bool = False, progress=None, master: str | None = None,
                  timings: dict | None = None):
    """reuse -> events (+ inferred years) -> translation links, with the per-article and
    per-pair work on Spark; the stages themselves are `local.run_stages`, shared with the
    local engine, so fingerprints, skipping and results are the same.

    `timings`, when given, receives seconds per step (for bench/scale.py).
    """
    from .local import run_stages
    from .spark_session import get_spark

    session: list = []

    def stages() -> StageDir:
        if not session:
            spark = get_spark(master)
            session.append(StageDir(spark, work_dir_for(store.path)))
        return session[0]

    def reuse_step(articles: list[Article]):
        with _timed(None, "reuse", progress):
            return spark_reuse_links(stages().spark, stages(), articles, rebuild=force)

    def prepare_events(articles: list[Article]):
        with _timed(None, "embedding", progress):
            return precompute_embeddings(stages().spark, stages(), store, articles, rebuild=force)

    def signals_step(articles: list[Article]):
        with _timed(None, "event signals", progress):
            return spark_signals(stages().spark, articles)

    return run_stages(store, reuse_step=reuse_step, prepare_events=prepare_events, signals_step=signals_step,
                      force=force, progress=progress, timings=timings)
