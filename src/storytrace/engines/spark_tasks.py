"""What Spark executors run: thin loops that call the pipeline's own pure step functions.

Every function here takes Arrow record batches (`mapInArrow`), rows (`mapPartitions`) or
pandas frames (`cogroup(...).applyInPandas`) and returns the same kind, with an explicit
schema, so the only Spark-specific code is the conversion at the edge. No analysis rule lives here: reading, normalizing, fingerprinting, anchor
generation, alignment, link building and embedding are the functions the local engine
calls (`storytrace.read`, `.normalize`, `.reuse.*`, `.events.*`).

Functions are module-level so Spark pickles them by reference; the storytrace package
must be importable on the executors (installed there, or shipped with `--py-files`).
"""
from __future__ import annotations

import json
from typing import Iterator

import numpy as np
import pyarrow as pa

POSTINGS_SCHEMA = "hash long, doc int, pos int"
ANCHORS_SCHEMA = "a int, b int, pa int, pb int, frequent boolean"
LINKS_SCHEMA = "a int, b int, link string"
TOKEN_KEYS_SCHEMA = "idx int, key long"
INGEST_SCHEMA = "item int, doc int, kind string, source string, chars long, payload string"
LEADS_SCHEMA = "key string, lead string"
VECTORS_SCHEMA = "key string, vec binary"


# -- ingest ------------------------------------------------------------------------
def read_and_normalize(rows: Iterator) -> Iterator[tuple[int, int, str, str, int, str]]:
    """(item, document number, kind, source path, raw characters, JSON) for every document.

    kind: `read-error` (an InputError from the reader), `article` or `normalize-error`
    (`ingest.normalize_document`'s result), in the order `read.iter_documents` yields them.
    """
    from ..ingest import normalize_document
    from ..model import InputError
    from ..read import read_path
    from ..read.fetch import fetch_url

    for row in rows:
        item, path = int(row[0]), row[1]
        docs = [fetch_url(path)] if path.startswith(("http://", "https://")) else read_path(path)
        for number, doc in enumerate(docs):
            if isinstance(doc, InputError):
                yield item, number, "read-error", doc.path, 0, json.dumps(doc.to_dict(), ensure_ascii=False)
                continue
            result = normalize_document(doc)
            kind = "normalize-error" if isinstance(result, InputError) else "article"
            yield (item, number, kind, doc.source_path, len(doc.content or ""),
                   json.dumps(result.to_dict(), ensure_ascii=False))


# -- reuse ---
def token_keys(batches: Iterator[pa.RecordBatch], shingle: int, seed: int) -> Iterator[pa.RecordBatch]:
    """(idx, crc32 of the folded token stream): only a shuffle-free pre-filter; articles that
    share a key are then grouped on the driver by `reuse.exact.exact_groups` itself."""
    import zlib

    from ..reuse.fingerprint import fingerprint

    for batch in batches:
        idx = batch.column("idx").to_pylist()
        keys = [zlib.crc32(fingerprint(i, t or "", shingle=shingle, seed=seed).tokens.tobytes())
                for i, t in zip(idx, batch.column("text").to_pylist())]
        yield pa.RecordBatch.from_arrays([pa.array(idx, pa.int32()), pa.array(keys, pa.int64())],
                                         names=["idx", "key"])


def postings(batches: Iterator[pa.RecordBatch], shingle: int, seed: int) -> Iterator[pa.RecordBatch]:
    """Fingerprint each article (`reuse.fingerprint.fingerprint`) into (hash, doc, pos) rows."""
    from ..reuse.fingerprint import fingerprint

    for batch in batches:
        hashes, docs, positions = [], [], []
        for idx, text in zip(batch.column("idx").to_pylist(), batch.column("text").to_pylist()):
            fp = fingerprint(idx, text or "", shingle=shingle, seed=seed)
            hashes.append(fp.hashes.view(np.int64))
            docs.append(np.full(len(fp.hashes), idx, dtype=np.int32))
            positions.append(fp.positions.astype(np.int32))
        if hashes:
            yield pa.RecordBatch.from_arrays(
                [pa.array(np.concatenate(hashes)), pa.array(np.concatenate(docs)),
                 pa.array(np.concatenate(positions))], names=["hash", "doc", "pos"])


def anchors(batches: Iterator[pa.RecordBatch], settings) -> Iterator[pa.RecordBatch]:
    """`candidates.anchors_from_postings` over one hash partition (sorted by hash, doc).

    A partition holds every posting of its hashes, so the groups it sees are whole and the
    anchors are exactly those the local engine derives from the global posting array.
    """
    from ..reuse.candidates import anchors_from_postings

    table = pa.Table.from_batches(list(batches))
    if table.num_rows == 0:
        return
    cols = [table.column(n).to_numpy() for n in ("hash", "doc", "pos")]
    doc_a, doc_b, pos_a, pos_b, frequent = anchors_from_postings(*cols, settings)
    step = 1 << 20
    for lo in range(0, len(doc_a), step):
        sl = slice(lo, lo + step)
        yield pa.RecordBatch.from_arrays(
            [pa.array(doc_a[sl].astype(np.int32)), pa.array(doc_b[sl].astype(np.int32)),
             pa.array(pos_a[sl].astype(np.int32)), pa.array(pos_b[sl].astype(np.int32)),
             pa.array(frequent[sl].astype(bool))], names=["a", "b", "pa", "pb", "frequent"])


def align_block(anchor_rows, article_rows, settings, outlets_present: set[str], width: int):
    """Candidates, alignment and links for the pairs of one block pair (`cogroup` + pandas).

    `candidates.group_anchors` groups the anchors per pair exactly as the local
    `candidate_pairs` does; `detect.align_range` and `detect.build_link` do the rest. Each
    article of the block pair is parsed and fingerprinted once.
    """
    import pandas as pd

    from ..model import Article
    from ..reuse.candidates import group_anchors
    from ..reuse.detect import align_range, build_link
    from ..reuse.fingerprint import fingerprint

    articles = {int(i): Article.from_dict(json.loads(d))
                for i, d in zip(article_rows["idx"].tolist(), article_rows["data"].tolist())}
    fps = {i: fingerprint(i, art.text or "", shingle=settings.shingle, seed=settings.seed)
           for i, art in articles.items()}
    cands = group_anchors(anchor_rows["a"].to_numpy(np.int32), anchor_rows["b"].to_numpy(np.int32),
                          anchor_rows["pa"].to_numpy(np.int32), anchor_rows["pb"].to_numpy(np.int32),
                          anchor_rows["frequent"].to_numpy(bool), settings, width)
    out = []
    for p, passages in align_range(fps, cands, settings, 0, len(cands)):
        i, j = (int(x) for x in cands.pairs[p])
        link = build_link(articles[i], articles[j], passages, outlets_present)
        out.append((i, j, json.dumps(link.to_dict(), ensure_ascii=False)))
    return pd.DataFrame(out, columns=["a", "b", "link"]).astype({"a": "int32", "b": "int32"})


# -- events ------------------------------------------------------------------------
def leads(batches: Iterator[pa.RecordBatch], encoder_name: str) -> Iterator[pa.RecordBatch]:
    """(cache key, title + lead) per article, with the events step's own `lead_text`."""
    from ..events.encoder import text_key
    from ..events.signals import lead_text
    from ..model import Article

    for batch in batches:
        texts = [lead_text(Article.from_dict(json.loads(d))) for d in batch.column("data").to_pylist()]
        keys = [text_key(encoder_name, t) for t in texts]
        yield pa.RecordBatch.from_arrays([pa.array(keys, pa.string()), pa.array(texts, pa.string())],
                                         names=["key", "lead"])


def embed(batches: Iterator[pa.RecordBatch], encoder_spec: str, encoder_name: str,
          batch_size: int = 32) -> Iterator[pa.RecordBatch]:
    """Embed leads in batches with the same encoder the driver uses; vectors as float32 bytes."""
    from ..events.encoder import get_encoder

    encoder = get_encoder(encoder_spec)
    if encoder.name != encoder_name:
        raise RuntimeError(f"executor encoder {encoder.name!r} differs from the driver's {encoder_name!r}")
    for batch in batches:
        keys = batch.column("key").to_pylist()
        texts = batch.column("lead").to_pylist()
        for lo in range(0, len(texts), batch_size):
            vectors = encoder.encode(texts[lo:lo + batch_size]).astype(np.float32)
            yield pa.RecordBatch.from_arrays(
                [pa.array(keys[lo:lo + batch_size], pa.string()),
                 pa.array([v.tobytes() for v in vectors], pa.binary())], names=["key", "vec"])
