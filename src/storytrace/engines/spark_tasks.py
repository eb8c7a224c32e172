"""What Spark executors run: thin loops that call the pipeline's own pure step functions.

Every function here takes the rows of one partition (`mapPartitions`) or Arrow record
batches (`mapInArrow`) and yields plain tuples or batches, so the only Spark-specific
code is the conversion at the edge. No analysis rule lives here: reading, normalizing,
fingerprinting, anchor generation, alignment, link building and embedding are the
functions the local engine calls (`storytrace.read`, `.normalize`, `.reuse.*`, `.events.*`).
Results the driver keeps (articles, links) travel pickled, as the local engine's process
pools send them.

Functions are module-level so Spark pickles them by reference; the storytrace package
must be importable on the executors (installed there, or shipped with `--py-files`).
"""
from __future__ import annotations

import pickle
from typing import Iterator

import numpy as np
import pyarrow as pa

INGEST_SCHEMA = "item int, doc int, kind string, source string, chars long, payload binary"
LEADS_SCHEMA = "key string, lead string"
VECTORS_SCHEMA = "key string, vec binary"


# -- ingest ------------------------------------------------------------------------
def read_and_normalize(rows: Iterator) -> Iterator[tuple[int, int, str, str, int, bytes]]:
    """(item, document number, kind, source path, raw characters, pickled result) per document.

    kind: `read-error` (an InputError from the reader), `article` or `normalize-error`
    (`ingest.normalize_document`'s result), in the order `read.iter_documents` yields them.
    The result is pickled, as the local ingest's process pool sends it: no JSON round trip.
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
                yield item, number, "read-error", doc.path, 0, pickle.dumps(doc)
                continue
            result = normalize_document(doc)
            kind = "normalize-error" if isinstance(result, InputError) else "article"
            yield item, number, kind, doc.source_path, len(doc.content or ""), pickle.dumps(result)


# -- reuse -------------------------------------------------------------------------
# Reuse data moves between tasks as a few Arrow IPC blobs per task (`pack`/`unpack`), not
# as millions of rows: Spark shuffles bytes, and each task works on whole numpy arrays,
# exactly the arrays the local engine builds (`build_postings`, `anchors_from_postings`,
# `group_anchors`). Keys are small ints and RDD shuffles use Python's hash of an int,
# which is the int itself, so key k lands in partition k % partitions: balanced tasks.
PAIRS_SCHEMA = "dest int, kind string, blob binary"
LINKS_BLOB_SCHEMA = "dest int, links binary"


def pack(**columns) -> bytes:
    """Equal-length columns (numpy arrays or lists) as one Arrow IPC stream."""
    batch = pa.RecordBatch.from_arrays([pa.array(v) for v in columns.values()], names=list(columns))
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, batch.schema) as writer:
        writer.write_batch(batch)
    return sink.getvalue().to_pybytes()


def unpack(blob: bytes) -> dict[str, np.ndarray]:
    table = pa.ipc.open_stream(pa.py_buffer(blob)).read_all()
    return {name: table.column(name).to_numpy(zero_copy_only=False) for name in table.column_names}


def _concat(blobs: list[dict[str, np.ndarray]], names: tuple[str, ...]) -> list[np.ndarray]:
    return [np.concatenate([b[n] for b in blobs]) for n in names]


def postings_blobs(rows: Iterator, settings, parts: int) -> Iterator[tuple[int, tuple[str, bytes]]]:
    """Fingerprint each (idx, Article) once (`reuse.fingerprint.fingerprint`).

    Yields, for each of the `parts` hash partitions, the postings (hash, doc, pos) of its
    hashes and a copy of this slice's family sketches (`reuse.family.article_sketch`):
    every partition then forms the same families (`find_families`) without a trip
    through the driver.
    """
    from ..reuse.family import article_sketch
    from ..reuse.fingerprint import fingerprint

    hashes, docs, positions, idxs, sketches = [], [], [], [], []
    for idx, article in rows:
        fp = fingerprint(int(idx), article.text or "", shingle=settings.shingle, seed=settings.seed)
        hashes.append(fp.hashes)
        docs.append(np.full(len(fp.hashes), idx, dtype=np.int32))
        positions.append(fp.positions.astype(np.int32))
        idxs.append(int(idx))
        sketches.append(article_sketch(fp, settings).tolist())
    if not idxs:
        return
    h, d, p = np.concatenate(hashes), np.concatenate(docs), np.concatenate(positions)
    dest = (h % np.uint64(parts)).astype(np.int64)
    keyed = pack(idx=np.asarray(idxs, np.int32), sketch=pa.array(sketches, pa.list_(pa.uint64())))
    for part in range(parts):
        mask = dest == part
        yield part, ("sketches", keyed)
        if mask.any():
            yield part, ("postings", pack(hash=h[mask], doc=d[mask], pos=p[mask]))


def anchor_blobs(records: Iterator, blocks: np.ndarray, order: list[int], meta, settings) -> Iterator[tuple[int, tuple[str, bytes]]]:
    """`candidates.anchors_from_postings` over one hash partition, keyed by the earlier
    publication block of each pair (where the pair will be aligned).

    A partition holds every posting of its hashes, so the groups it sees are whole and the
    anchors are exactly those the local engine derives from the global posting array.
    Families are formed first from every article's sketch, in the driver's `order`, with
    representatives re-picked from the driver's `meta` (`family.family_meta`), as
    `detect_reuse` does; partition 0 also passes them on (key -1) for the driver.
    """
    from ..reuse.candidates import anchors_from_postings
    from ..reuse.family import find_families, representatives

    postings, sketches, parts = [], {}, set()
    for part, (kind, blob) in records:
        parts.add(part)
        if kind == "sketches":
            k = unpack(blob)
            sketches.update((int(i), np.asarray(s, dtype=np.uint64)) for i, s in zip(k["idx"].tolist(), k["sketch"]))
        else:
            postings.append(unpack(blob))
    empty = np.zeros(0, dtype=np.uint64)
    family = representatives(find_families([sketches.get(i, empty) for i in range(len(blocks))], order),
                             meta, order)
    if 0 in parts:
        yield -1, ("families", pack(family=family))
    if not postings:
        return
    h, d, p = _concat(postings, ("hash", "doc", "pos"))
    order_ = np.lexsort((d, h))
    a, b, pa_, pb, frequent = anchors_from_postings(h[order_], d[order_], p[order_], settings, family)
    dest = np.minimum(blocks[a], blocks[b])
    for block in np.unique(dest).tolist():
        mask = dest == block
        yield int(block), ("anchors", pack(a=a[mask].astype(np.int32), b=b[mask].astype(np.int32),
                                           pa=pa_[mask].astype(np.int32), pb=pb[mask].astype(np.int32),
                                           frequent=frequent[mask].astype(bool)))


def pair_blobs(records: Iterator, settings, width: int) -> Iterator[tuple[int, str, bytes]]:
    """Per block: `candidates.group_anchors` (pairs with >= min_anchors anchors, anchors
    sorted for chaining) as rows (block, "cands", kept anchor rows) and (block, "needed",
    articles those pairs need); the families pass through as (-1, "families", ...)."""
    from collections import defaultdict

    from ..reuse.candidates import group_anchors

    by_block: dict[int, list] = defaultdict(list)
    for block, (kind, blob) in records:
        if kind == "families":
            yield -1, kind, blob
        else:
            by_block[int(block)].append(unpack(blob))
    for block in sorted(by_block):
        cands = group_anchors(*_concat(by_block[block], ("a", "b", "pa", "pb", "frequent")), settings, width)
        counts = np.diff(cands.offsets)
        yield block, "needed", pack(idx=np.unique(cands.pairs).astype(np.int32))
        yield block, "cands", pack(a=np.repeat(cands.pairs[:, 0], counts), b=np.repeat(cands.pairs[:, 1], counts),
                                   pa=cands.pos_a, pb=cands.pos_b, frequent=cands.frequent)


def candidates_from_rows(a: np.ndarray, b: np.ndarray, pa: np.ndarray, pb: np.ndarray, frequent: np.ndarray):
    """The `Candidates` that `pair_blobs` flattened: rows come grouped per pair, in order.

    Why not `group_anchors` again: the rows are already grouped and sorted; this only finds
    where each pair's run starts."""
    from ..reuse.candidates import Candidates

    starts = np.flatnonzero(np.concatenate(([True], (a[1:] != a[:-1]) | (b[1:] != b[:-1])))) if len(a) else \
        np.zeros(0, dtype=np.int64)
    offsets = np.append(starts, len(a)).astype(np.int64)
    pairs = np.stack((a[starts], b[starts]), axis=1).astype(np.int32).reshape(-1, 2)
    return Candidates(pairs=pairs, offsets=offsets, pos_a=pa.astype(np.int32), pos_b=pb.astype(np.int32),
                      frequent=frequent.astype(bool))


def align_blocks(records: Iterator, settings, outlets_present: set[str]) -> Iterator[tuple[int, bytes]]:
    """Alignment and links for the candidate pairs of each block in this partition:
    `detect.align_range` + `detect.build_link`, each needed article fingerprinted once.

    Records are (block, ("cands", blob)) from the `pairs` stage and (block, ("articles",
    pickled [(idx, Article)])) routed by the driver; out comes (block, pickled [(i, j,
    ReuseLink)]), the objects the local engine builds."""
    from collections import defaultdict

    from ..reuse.detect import align_range, build_link
    from ..reuse.fingerprint import fingerprint

    parts: dict[int, dict[str, list]] = defaultdict(lambda: {"cands": [], "articles": []})
    for block, (kind, blob) in records:
        parts[int(block)][kind].append(blob)
    for block in sorted(parts):
        articles = {int(i): art for blob in parts[block]["articles"] for i, art in pickle.loads(blob)}
        fps = {i: fingerprint(i, art.text or "", shingle=settings.shingle, seed=settings.seed, grams=False)
               for i, art in articles.items()}
        links = []
        for blob in parts[block]["cands"]:
            cands = candidates_from_rows(**unpack(blob))
            for p, passages in align_range(fps, cands, settings, 0, len(cands)):
                i, j = (int(x) for x in cands.pairs[p])
                links.append((i, j, build_link(articles[i], articles[j], passages, outlets_present)))
        yield block, pickle.dumps(links, protocol=pickle.HIGHEST_PROTOCOL)


# -- events ------------------------------------------------------------------------
def leads(rows: Iterator, encoder_name: str) -> Iterator[tuple[str, str]]:
    """(cache key, title + lead) per (idx, Article), with the events step's own `lead_text`."""
    from ..events.encoder import text_key
    from ..events.signals import lead_text

    for _, article in rows:
        text = lead_text(article)
        yield text_key(encoder_name, text), text


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


def event_signals(rows: Iterator, chunk: int = 200) -> Iterator[bytes]:
    """`events.signals.build_signals` per (idx, Article), as pickled [(idx, ArticleSignals)]
    lists of up to `chunk` articles (the objects the driver's `cluster_events` compares)."""
    from ..events.signals import build_signals

    out = []
    for idx, article in rows:
        out.append((int(idx), build_signals(article)))
        if len(out) >= chunk:
            yield pickle.dumps(out, protocol=pickle.HIGHEST_PROTOCOL)
            out = []
    if out:
        yield pickle.dumps(out, protocol=pickle.HIGHEST_PROTOCOL)
