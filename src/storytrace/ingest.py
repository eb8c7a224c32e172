"""Ingest: read → normalize (process pool) → store in batches.

Resumable: documents are processed in windows; each window is stored in batches, one
transaction each, so a killed run leaves whole batches behind and a re-run skips every
source already recorded as stored or duplicate (failed ones are retried).

An article is a function of its source document alone: the same document gives the same
text and id whether it is ingested alone, in a batch of any size, from the app or on
Spark. Windows (`WINDOW`, `WINDOW_BYTES`) only bound memory. Boilerplate that can only be
learned from the collection (a footer every post of one outlet ends with, see
`normalize.boilerplate.recurring_lines`, `MIN_RECURRING`) is not cut here: analysis
records it as hidden spans over the whole store (`engines.local.run_stages`), so hiding
can improve as the collection grows without changing any id.
"""
from __future__ import annotations

import itertools
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from itertools import islice
from typing import Callable, Iterable, Iterator

from .model import Article, InputError, RawDocument
from .normalize import NormalizeError, build_article
from .normalize.boilerplate import MIN_RECURRING  # noqa: F401  (re-exported: where the rule's setting lives)
from .read import iter_documents
from .pipeline import ProgressFactory
from .store import Store
from .workers import default_workers, pool_context, sampled_head

WINDOW = 2000
BATCH = 200
POOL_CHUNK = 16
SMALL_RUN = 24          # below this many documents, a process pool costs more than it saves
POOL_SAMPLE = 8         # documents normalized here first to measure the cost per document
POOL_MIN_SECONDS = 0.5  # the pool (fork, pickling back, 0.1-0.15 s) only for more work than this


@dataclass
class IngestSummary:
    read: int = 0
    stored: int = 0
    duplicates: int = 0
    failed: int = 0
    errors: list[InputError] = field(default_factory=list)
    new_ids: list[str] = field(default_factory=list)
    resumed: int = 0        # sources skipped because an earlier run already stored them


def normalize_document(raw: RawDocument) -> Article | InputError:
    """Worker entry point. The one broad except in the project: a bug or a library crash on
    one hostile document must become that document's error, not end the whole run."""
    try:
        return build_article(raw)
    except NormalizeError as exc:
        return InputError(raw.source_path, exc.reason, stage="normalize")
    except RecursionError:
        return InputError(raw.source_path, "document nested too deeply to parse", stage="normalize")
    except Exception as exc:  # noqa: BLE001 - recorded with the document, see docstring
        return InputError(raw.source_path, f"normalize failed: {type(exc).__name__}: {exc}", stage="normalize")


def _normalize_chunk(chunk: list[RawDocument]) -> list[Article | InputError]:
    return [normalize_document(raw) for raw in chunk]


def _done_sources(store: Store, paths: list[str]) -> set[str]:
    """Sources an earlier run stored (or found duplicate); failed ones are retried."""
    done: set[str] = set()
    with store.transaction() as conn:
        for i in range(0, len(paths), 500):
            part = paths[i:i + 500]
            marks = ",".join("?" * len(part))
            done.update(r[0] for r in conn.execute(
                f"SELECT path FROM sources WHERE status != 'failed' AND path IN ({marks})", part))
    return done


class _Normalizer:
    """Runs normalization in-process for small runs, in a process pool for large ones."""

    def __init__(self, workers: int):
        self.workers = workers
        self.pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> "_Normalizer":
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)

    def submit(self, docs: list[RawDocument]) -> Callable[[], Iterator[Article | InputError]]:
        """Start normalizing `docs`; the returned callable yields results in input order.

        Work is submitted before the caller reads the next window, so reading files in this
        process overlaps with normalizing in the workers.
        """
        if self.workers <= 1 or len(docs) < SMALL_RUN:
            results = [normalize_document(d) for d in docs]
            return lambda: iter(results)
        head: list = []
        if self.pool is None:
            # worth a pool only when the work left is (a hundred documents of an increment:
            # 0.2 s here, 0.3 s with a pool): estimated from the first few, normalized here
            head, worth = sampled_head(docs, normalize_document, POOL_SAMPLE, POOL_MIN_SECONDS)
            if not worth:
                results = head + [normalize_document(d) for d in docs[len(head):]]
                return lambda: iter(results)
            docs = docs[len(head):]
            # Forked workers start with the parsers and language models already imported
            # (spawn costs seconds per run); they never touch the parent's SQLite handle or
            # progress thread.
            self.pool = ProcessPoolExecutor(self.workers, mp_context=pool_context())
        futures: list[Future] = [self.pool.submit(_normalize_chunk, docs[i:i + POOL_CHUNK])
                                 for i in range(0, len(docs), POOL_CHUNK)]
        return lambda: itertools.chain(head, (result for future in futures for result in future.result()))


WINDOW_BYTES = 64 * 1024 * 1024   # bounds memory: two windows are in flight at most


def _windows(items: Iterable, size: int, max_chars: int | None = None) -> Iterator[list]:
    """Consecutive lists of at most `size` items and, if given, about `max_chars` of content."""
    if max_chars is None:
        iterator = iter(items)
        while window := list(islice(iterator, size)):
            yield window
        return
    window: list = []
    chars = 0
    for item in items:
        window.append(item)
        chars += len(getattr(item, "content", "") or "")
        if len(window) >= size or chars >= max_chars:
            yield window
            window, chars = [], 0
    if window:
        yield window


def ingest(inputs: list[str], store: Store, *, workers: int | None = None, progress: ProgressFactory = None,
           resume: bool = True) -> IngestSummary:
    """Read, normalize and store `inputs`; never raises for bad input (see `summary.errors`)."""
    summary = IngestSummary()
    advance = progress("Ingesting", None) if progress else (lambda n=1: None)
    with _Normalizer(default_workers() if workers is None else workers) as normalizer:
        pending = None
        for window in _windows(iter_documents(list(inputs)), WINDOW, WINDOW_BYTES):
            summary.read += len(window)
            errors = [item for item in window if isinstance(item, InputError)]
            docs = [item for item in window if isinstance(item, RawDocument)]
            advance(len(errors))
            if resume and docs:
                done = _done_sources(store, [d.source_path for d in docs])
                if done:
                    skipped = sum(d.source_path in done for d in docs)
                    summary.resumed += skipped
                    summary.duplicates += skipped
                    advance(skipped)
                    docs = [d for d in docs if d.source_path not in done]
            job = (errors, normalizer.submit(docs))
            if pending:
                _finish_window(store, *pending, summary, advance)
            pending = job
        if pending:
            _finish_window(store, *pending, summary, advance)
    return summary


def _finish_window(store: Store, errors: list[InputError], results: Callable[[], Iterator[Article | InputError]],
                   summary: IngestSummary, advance: Callable[[int], None]) -> None:
    articles: list[Article] = []
    for result in results():
        (errors if isinstance(result, InputError) else articles).append(result)
        advance(1)
    for batch in _windows(articles, BATCH):
        new, dup = store.add_articles(batch)
        summary.new_ids += new
        summary.stored += len(new)
        summary.duplicates += len(dup)
    if errors:
        store.add_errors(errors)
        summary.errors += errors
        summary.failed += len(errors)
