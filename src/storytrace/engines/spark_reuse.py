"""Reuse detection (`reuse.detect_reuse`) as two resumable Spark stages.

| stage | on the executors | shuffled by |
|---|---|---|
| `pairs` | `fingerprint` each article once -> postings by n-gram hash (+ family sketches); per hash partition `find_families` + `anchors_from_postings`; per block `group_anchors` | hash, then block |
| `links` | per block `align_range` + `build_link`, each article it needs fingerprinted once | block |

A *block* is a run of articles in publication order (reuse is mostly between articles of
the same days); a pair is aligned in the block of its earlier article, so a task
fingerprints its own block plus the few later articles its pairs reach. Between the two
stages the driver reads only small rows (which articles each block needs, the family
of each article) and ships each block its articles; at the end it builds the family
records (`detect.finish_links`) as the local engine does.

Why it is shaped like this (see docs/spark.md, "Cost"): data moves as a few Arrow blobs
of whole numpy arrays per task (`spark_tasks.pack`), never as millions of rows; articles
are pickled once per task, not as JSON; and there is one Parquet write per stage, not
one per step. Each stage is Parquet under `<store>.spark/` (`StageDir`), so a killed run
resumes at the first unfinished stage.
"""
from __future__ import annotations

import hashlib
import math
import os
import pickle
from functools import partial

import numpy as np

from ..model import Article, ReuseLink
from .spark_stages import StageDir, code_fingerprint, fingerprint

__all__ = ["spark_reuse_links", "time_blocks", "articles_rdd"]


MAX_BLOCK = 20000


def time_blocks(ordered: list[Article], parts: int) -> np.ndarray:
    """Block number of each article (id order): `STORYTRACE_SPARK_BLOCK` articles per block in
    publication order; by default a multiple of `parts` (the tasks Spark runs at once) blocks
    of at most MAX_BLOCK articles, so every core gets the same share."""
    n = len(ordered)
    parts = max(1, parts)
    rounds = max(1, math.ceil(n / (parts * MAX_BLOCK)))
    size = int(os.environ.get("STORYTRACE_SPARK_BLOCK") or 0) or max(1, math.ceil(n / (parts * rounds)))
    by_time = sorted(range(n), key=lambda i: (ordered[i].published or "", ordered[i].id))
    blocks = np.empty(n, dtype=np.int32)
    blocks[np.asarray(by_time, dtype=np.int64)] = np.arange(n) // size
    return blocks


def articles_rdd(spark, ordered: list[Article]):
    """(idx, Article) in `defaultParallelism` slices; Spark keeps the pickled slices, so
    every job that reads it starts from the same shipped data."""
    sc = spark.sparkContext
    return sc.parallelize(list(enumerate(ordered)), max(1, min(len(ordered), sc.defaultParallelism)))


def _small_rows(pairs, n: int) -> tuple[np.ndarray, dict[int, list[int]]]:
    """From the `pairs` stage: each article's family representative and, per block, the
    articles its pairs need (the small rows; the anchors stay on the executors)."""
    from .spark_tasks import unpack

    family = np.arange(n, dtype=np.int32)
    needed: dict[int, list[int]] = {}
    for row in pairs.where("kind != 'cands'").collect():
        cols = unpack(row["blob"])
        if row["kind"] == "families":
            family = cols["family"].astype(np.int32)
        else:
            needed[int(row["dest"])] = cols["idx"].tolist()
    return family, needed


def spark_reuse_links(spark, stages: StageDir, articles: list[Article], *, settings=None,
                      rebuild: bool = False) -> list[ReuseLink]:
    """`reuse.detect_reuse` as Spark stages; the same links, in the same order."""
    from ..reuse import ReuseSettings
    from ..reuse.detect import ReuseLinks, finish_links
    from ..reuse.direction import canonical
    from ..reuse.family import family_meta, priority
    from . import spark_tasks as tasks

    settings = settings or ReuseSettings()
    ordered = [a for _, a in sorted({a.id: a for a in articles}.items())]
    if not ordered:
        return ReuseLinks()
    sc = spark.sparkContext
    n = len(ordered)
    hash_parts = max(1, int(spark.conf.get("spark.sql.shuffle.partitions", str(sc.defaultParallelism))))
    blocks = time_blocks(ordered, sc.defaultParallelism)
    n_blocks = int(blocks.max()) + 1
    order = priority(ordered)
    meta = family_meta(ordered)
    texts = hashlib.blake2b("\x1e".join(a.text or "" for a in ordered).encode("utf-8"), digest_size=16).hexdigest()

    def build_pairs():
        postings = articles_rdd(spark, ordered).mapPartitions(
            partial(tasks.postings_blobs, settings=settings, parts=hash_parts))
        anchors = postings.partitionBy(hash_parts).mapPartitions(
            partial(tasks.anchor_blobs, blocks=blocks, order=order, meta=meta, settings=settings))
        return spark.createDataFrame(anchors.partitionBy(n_blocks).mapPartitions(
            partial(tasks.pair_blobs, settings=settings, width=n)), tasks.PAIRS_SCHEMA)

    fp_pairs = fingerprint("pairs-v3", code_fingerprint(), [a.id for a in ordered], texts, repr(settings),
                           hash_parts, blocks.tobytes().hex(), order, [sorted(c) for c in meta[1]], meta[0])
    pairs = stages.stage("pairs", fp_pairs, build_pairs, rebuild=rebuild)
    family, needed = _small_rows(pairs, n)
    outlets_present = {c for art in ordered if (c := canonical(art.outlet))}

    def build_links():
        routed = sc.parallelize([(block, ("articles", pickle.dumps([(i, ordered[i]) for i in idx])))
                                 for block, idx in sorted(needed.items())], max(1, len(needed)))
        kept = pairs.where("kind = 'cands'").select("dest", "blob").rdd.map(lambda r: (r[0], ("cands", r[1])))
        return spark.createDataFrame(kept.union(routed).partitionBy(n_blocks).mapPartitions(
            partial(tasks.align_blocks, settings=settings, outlets_present=outlets_present)),
            tasks.LINKS_BLOB_SCHEMA)

    # What `build_link` reads besides the text (covered by fp_pairs): outlet, credits, dates.
    meta = [f"{a.id}|{a.outlet}|{a.cited_sources}|{a.published}|{a.published_precision}|{a.published_inferred}"
            for a in ordered]
    links = stages.stage("links", fingerprint(fp_pairs, meta, sorted(outlets_present)), build_links,
                         rebuild=rebuild)
    built: dict[tuple[int, int], ReuseLink] = {}
    for row in links.toLocalIterator():
        built.update(((i, j), link) for i, j, link in pickle.loads(row["links"]))
    found = {pair: link.passages for pair, link in built.items()}
    return finish_links(ordered, family, found, outlets_present, built)
