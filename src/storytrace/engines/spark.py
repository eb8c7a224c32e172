"""The Spark engine: the pipeline's own step functions scheduled as Spark jobs over Parquet.

Same store, same stage names and fingerprints as the local engine (`engines/local.py`),
so outputs are the same files and either engine can resume the other's run.

Where each step runs:

| step | on Spark (executors) | on the driver |
|---|---|---|
| ingest | read + normalize every input | replay the local windows: skip done sources, outlet boilerplate, store |
| reuse: fingerprint | `fingerprint` per article -> postings (hash, doc, pos) | |
| reuse: candidates | postings shuffled by n-gram hash; `anchors_from_postings` per partition | |
| reuse: align | anchors grouped per pair (>= min_anchors), `align_pair` + `build_link` | write links |
| events: embedding | `lead_text` + the encoder, batched (`mapInArrow`) | fill the store's vector cache |
| events: clustering | | `cluster_events`, `infer_missing_years` (global: one linkage per component) |
| translation links | | `translation_links` (vectors come from the cache) |

The global steps need every article's evidence at once; they run on the driver with the
same functions, after Spark has done the per-article and per-pair work they would
otherwise do themselves. Intermediate data: `<store>.spark/<stage>-<fingerprint>/`
(Parquet); see docs/spark.md.
"""
from __future__ import annotations

import json
import os
import time
from contextlib import contextmanager
from functools import partial
from typing import Iterator

import numpy as np

from ..model import Article, ReuseLink
from ..store import Store
from .spark_ingest import ingest_spark
from .spark_stages import StageDir, code_fingerprint, fingerprint, work_dir_for

__all__ = ["analyze_spark", "ingest_spark", "spark_reuse_links", "precompute_embeddings"]


@contextmanager
def _timed(timings: dict | None, name: str, progress=None) -> Iterator[None]:
    advance = progress(f"{name} (spark)", 1) if progress else None
    start = time.perf_counter()
    yield
    if timings is not None:
        timings[name] = timings.get(name, 0.0) + time.perf_counter() - start
    if advance:
        advance(1)


def _block_size() -> int:
    return int(os.environ.get("STORYTRACE_SPARK_BLOCK", "1000"))


def _articles_frame(spark, stages: StageDir, ordered: list[Article], rebuild: bool):
    """Stage `articles`: (idx, blk, id, text, data); idx is the id-order index the reuse steps
    use, blk a block of `STORYTRACE_SPARK_BLOCK` articles in publication order (reuse is
    mostly between articles of the same days, so most pairs fall inside one block)."""
    import pandas as pd

    rows = [json.dumps(a.to_dict(), ensure_ascii=False, sort_keys=True) for a in ordered]
    by_time = sorted(range(len(ordered)), key=lambda i: (ordered[i].published or "", ordered[i].id))
    blocks = np.empty(len(ordered), dtype=np.int32)
    blocks[np.asarray(by_time, dtype=np.int64)] = np.arange(len(ordered)) // _block_size()
    fp = fingerprint("articles-v2", _block_size(), rows)

    def build():
        frame = pd.DataFrame({"idx": np.arange(len(ordered), dtype=np.int32), "blk": blocks,
                              "id": [a.id for a in ordered],
                              "text": [a.text or "" for a in ordered], "data": rows})
        return spark.createDataFrame(frame, "idx int, blk int, id string, text string, data string")

    return stages.stage("articles", fp, build, rebuild=rebuild), fp


class _LazyFingerprints(dict):
    """Fingerprints computed on the driver only for the few articles that need them there."""

    def __init__(self, ordered: list[Article], settings):
        super().__init__()
        self.ordered, self.settings = ordered, settings

    def __missing__(self, i: int):
        from ..reuse.fingerprint import fingerprint

        fp = fingerprint(i, self.ordered[i].text or "", shingle=self.settings.shingle, seed=self.settings.seed)
        self[i] = fp
        return fp


def _exact_groups(spark, stages: StageDir, arts, base: str, fps: _LazyFingerprints, settings,
                  rebuild: bool) -> dict[int, list[int]]:
    """`reuse.exact.exact_groups` over the articles whose token streams may be identical.

    Spark computes a cheap key per article; only articles sharing a key (a handful) are
    fingerprinted on the driver and grouped by the reuse step's own function.
    """
    from pyspark.sql import functions as F

    from ..reuse.exact import exact_groups
    from . import spark_tasks as tasks

    keys = stages.stage("token_keys", fingerprint(base, code_fingerprint(), settings.shingle, settings.seed),
                        lambda: arts.select("idx", "text").mapInArrow(
                            partial(tasks.token_keys, shingle=settings.shingle, seed=settings.seed),
                            tasks.TOKEN_KEYS_SCHEMA), rebuild=rebuild)
    shared = (keys.groupBy("key").agg(F.count(F.lit(1)).alias("n"), F.collect_list("idx").alias("members"))
              .where(F.col("n") > 1).collect())
    suspects = sorted(int(i) for row in shared for i in row["members"])
    return exact_groups([fps[i] for i in suspects], settings)


def spark_reuse_links(spark, stages: StageDir, articles: list[Article], *, settings=None,
                      rebuild: bool = False) -> list[ReuseLink]:
    """`reuse.detect_reuse` as Spark stages: exact groups, postings -> anchors -> pairs ->
    aligned links per block pair; exact-duplicate families are expanded on the driver."""
    from pyspark.sql import functions as F

    from ..reuse import ReuseSettings
    from ..reuse.detect import _expand_exact, build_link
    from ..reuse.direction import canonical
    from . import spark_tasks as tasks

    settings = settings or ReuseSettings()
    ordered = [a for _, a in sorted({a.id: a for a in articles}.items())]
    if not ordered:
        return []
    arts, base = _articles_frame(spark, stages, ordered, rebuild)
    fps = _LazyFingerprints(ordered, settings)
    groups = _exact_groups(spark, stages, arts, base, fps, settings, rebuild)
    members = sorted({m for group in groups.values() for m in group})
    fp_anchor = fingerprint(base, code_fingerprint(), settings.shingle, settings.seed,
                            settings.max_doc_freq, settings.formula_min_docs, members)
    indexed = arts.where(~F.col("idx").isin(members)) if members else arts
    stages.stage("anchors", fp_anchor, lambda: indexed.select("idx", "text")
                 .mapInArrow(partial(tasks.postings, shingle=settings.shingle, seed=settings.seed),
                             tasks.POSTINGS_SCHEMA)
                 .repartition("hash").sortWithinPartitions("hash", "doc")
                 .mapInArrow(partial(tasks.anchors, settings=settings), tasks.ANCHORS_SCHEMA),
                 rebuild=rebuild)
    outlets_present = {c for art in ordered if (c := canonical(art.outlet))}
    width = len(ordered)

    def build_pairs():
        anchors = spark.read.parquet(stages.path("anchors", fp_anchor))
        blocks = F.broadcast(arts.select("idx", "blk"))
        block_pair = (F.least("ba", "bb") * F.lit(width) + F.greatest("ba", "bb")).alias("bp")
        return (anchors.groupBy("a", "b").count().where(F.col("count") >= settings.min_anchors)
                .join(blocks.withColumnRenamed("idx", "a").withColumnRenamed("blk", "ba"), "a")
                .join(blocks.withColumnRenamed("idx", "b").withColumnRenamed("blk", "bb"), "b")
                .select("a", "b", block_pair))

    fp_pairs = fingerprint(fp_anchor, settings.min_anchors)
    stages.stage("pairs", fp_pairs, build_pairs, rebuild=rebuild)

    def build_links():
        # Separate reads of each stage: a cogroup must not see one plan on both sides.
        def read(name, fp):
            return spark.read.parquet(stages.path(name, fp))

        located = read("anchors", fp_anchor).join(read("pairs", fp_pairs), ["a", "b"])
        kept = read("pairs", fp_pairs)
        needed = (kept.select("bp", F.col("a").alias("idx")).union(kept.select("bp", F.col("b").alias("idx")))
                  .distinct().join(arts.select("idx", "data"), "idx"))
        return (located.select("bp", "a", "b", "pa", "pb", "frequent").groupBy("bp")
                .cogroup(needed.groupBy("bp"))
                .applyInPandas(partial(tasks.align_block, settings=settings,
                                       outlets_present=outlets_present, width=width),
                               tasks.LINKS_SCHEMA))

    fp_links = fingerprint(fp_pairs, repr(settings), sorted(outlets_present))
    links = stages.stage("links", fp_links, build_links, rebuild=rebuild)
    built = {(int(r["a"]), int(r["b"])): r["link"] for r in links.toLocalIterator()}
    found = {pair: ReuseLink.from_dict(json.loads(link)).passages for pair, link in built.items()}
    expanded = _expand_exact(found, groups, fps, settings) if groups else found
    out = []
    for i, j in sorted(expanded):
        if not expanded[(i, j)]:
            continue
        if (i, j) in built:
            out.append(ReuseLink.from_dict(json.loads(built[(i, j)])))
        else:
            out.append(build_link(ordered[i], ordered[j], expanded[(i, j)], outlets_present))
    return out


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
    arts, base = _articles_frame(spark, stages, ordered, rebuild)
    leads = stages.stage("leads", fingerprint(base, name, code_fingerprint()), lambda: arts.select("data").mapInArrow(
        partial(tasks.leads, encoder_name=name), tasks.LEADS_SCHEMA), rebuild=rebuild)
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

    return run_stages(store, reuse_step=reuse_step, prepare_events=prepare_events, force=force,
                      progress=progress, timings=timings)
