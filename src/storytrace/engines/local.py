"""The local engine: analysis stages in-process, each skipped when its inputs are unchanged.

`run_stages` is the one stage runner both engines use: an engine only says how the heavy
per-article work is done (`reuse_step`, `prepare_events`, `signals_step`); the order of
stages, their fingerprints, what is stored and what is skipped are the same whichever
engine runs. The local engine builds event signals in a small process pool
(`pooled_signals`) when there are enough articles to pay for it.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import time
import zlib
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Iterator

from ..model import Article, ReuseLink
from ..stageview import as_found, record_digest, stage_article
from ..store import Store
from ..workers import NoProcesses, default_workers, process_map, sampled_head

if TYPE_CHECKING:
    from ..events.signals import ArticleSignals

REUSE_KINDS = ("duplicate", "reprint", "partial", "formula")


# -- stage fingerprints ---------------------------------------------------------------------
# A stage is skipped only when its fingerprint equals the one stored when it last finished.
# The fingerprint covers everything the stage's result depends on:
#   * the articles as the stage reads them (every field of every record, with hidden
#     boilerplate blanked and inferred years taken back out: `stage_view`), as an
#     order-independent sum of per-record digests (`articles_digest`); the store keeps that
#     sum current as articles are written (`Store.articles_sum`), so no stage rehashes them;
#   * the previous stages' results it reads (reuse links for events; events for
#     translation), as the sums of their stored rows that the store's writers keep
#     (`Store.results_digest`);
#   * its settings (ReuseSettings / EventSettings, without the worker count);
#   * the code: storytrace's version and a hash of the source of the modules the stage runs
#     (`STAGE_CODE`, plus `COMMON_CODE`);
#   * for events and translation links, the encoder's name, which carries the model
#     package's version (`events.encoder.encoder_name`).
FINGERPRINT_FORMAT = "3"
COMMON_CODE = ("model.py", "textfold.py", "stageview.py", "normalize/boilerplate.py", "engines/local.py")
STAGE_CODE = {"reuse": ("reuse",), "events": ("events",), "translation": ("events",)}


@lru_cache(maxsize=None)
def source_hash(*parts: str) -> str:
    """Hash of the source files under the given package-relative files or folders."""
    package = Path(__file__).resolve().parents[1]
    digest = hashlib.blake2b(digest_size=12)
    for part in parts:
        target = package / part
        files = sorted(target.rglob("*.py")) if target.is_dir() else [target]
        for path in files:
            digest.update(path.relative_to(package).as_posix().encode() + b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()


# The modules an article's event signals and its compact row (`events.rows`) are made by,
# besides COMMON_CODE (whose engines/local.py holds their stored formats): the signals cache
# is keyed by these only (`signals_version`), so a change to how events are scored, grouped
# or described re-runs the events stage over cached signals instead of re-signalling every
# article. tests/engines/test_signals_key.py checks that these modules import no other
# storytrace module outside this list and COMMON_CODE.
SIGNALS_CODE = ("events/signals.py", "events/entities.py", "events/gazetteer.py", "events/transliteration.py",
                "events/markets.py", "events/genre.py", "events/tablecache.py", "events/rows.py")


def signals_version() -> str:
    """storytrace's version plus the hash of the source signals and rows are made by."""
    from .. import __version__

    return f"{__version__}+{source_hash(*COMMON_CODE, *SIGNALS_CODE)}"


def code_version(stage: str) -> str:
    """storytrace's version plus the hash of the source the stage runs."""
    from .. import __version__

    return f"{__version__}+{source_hash(*COMMON_CODE, *STAGE_CODE[stage])}"


def _digest(rows) -> str:
    digest = hashlib.blake2b(digest_size=16)
    for row in rows:
        digest.update(json.dumps(row, ensure_ascii=False, sort_keys=True, default=str).encode("utf-8"))
        digest.update(b"\x1e")
    return digest.hexdigest()


def settings_record(settings) -> dict:
    """A settings object as the fingerprint sees it: every field but the worker count
    (which changes how fast a result comes, never the result)."""
    if settings is None:
        return {}
    record = dataclasses.asdict(settings)
    record.pop("workers", None)
    return record


def articles_digest(articles: Iterable[Article]) -> str:
    """Digest of every field of every given record, whatever their order: "count:sum" of
    the records' 16-byte digests (`stageview.record_digest`) as integers, mod 2**128. Of
    the stage views of a store's articles it equals `Store.articles_sum()`."""
    count, total = 0, 0
    for article in articles:
        count += 1
        total += int.from_bytes(record_digest(article), "big")
    return f"{count}:{total % (1 << 128):032x}"


def stage_fingerprint(stage: str, articles: Iterable[Article] | str, *, settings=None, results=None,
                      encoder: str | None = None) -> str:
    """See the block comment above: articles as the stage reads them (or their
    `articles_digest` / `Store.articles_sum`), earlier results it reads (a
    `Store.results_digest`, or records with `to_dict`), settings, code version, encoder name."""
    head = {"format": FINGERPRINT_FORMAT, "stage": stage, "code": code_version(stage),
            "settings": settings_record(settings), "encoder": encoder}
    parts = [_digest([head]), articles if isinstance(articles, str) else articles_digest(articles)]
    if results is not None:
        parts.append(results if isinstance(results, str) else _digest(r.to_dict() for r in results))
    return hashlib.blake2b("|".join(parts).encode(), digest_size=12).hexdigest()


def stage_view(stored: list[Article]) -> tuple[list[Article], list[Article]]:
    """(articles as found, the view every stage reads), both sorted by id.

    As found: an inferred publication year taken back out (`stageview.as_found`), so no
    stage uses it as evidence and `--force` sees what a fresh run sees. View: the same with
    the hidden outlet boilerplate blanked (`normalize.boilerplate.visible_text`: same
    length, so offsets into it are offsets into the stored text); per article
    `stageview.stage_article`."""
    found = sorted((as_found(a) for a in stored), key=lambda a: a.id)
    return found, [stage_article(a) for a in found]


class StageInput:
    """The articles the stages read, loaded from the store on first use (a run whose stages
    are all skipped, or that fetches only what it needs, never loads them): `stored`
    (records as stored, seq order), `found` and `articles` (as found / stage views, id order)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._stored: list[Article] | None = None
        self._views: tuple[list[Article], list[Article]] | None = None

    @property
    def stored(self) -> list[Article]:
        if self._stored is None:
            self._stored = list(self.store.iter_articles())
        return self._stored

    @property
    def found(self) -> list[Article]:
        if self._views is None:
            self._views = stage_view(self.stored)
        return self._views[0]

    @property
    def articles(self) -> list[Article]:
        if self._views is None:
            self._views = stage_view(self.stored)
        return self._views[1]


@contextmanager
def _timed(timings: dict | None, name: str) -> Iterator[None]:
    start = time.perf_counter()
    yield
    if timings is not None:
        timings[name] = timings.get(name, 0.0) + time.perf_counter() - start


def run_stages(store: Store, *, reuse_step: Callable[[list[Article]], list[ReuseLink]],
               prepare_events: Callable[[list[Article]], object] | None = None,
               signals_step: Callable[[list[Article]], list[ArticleSignals]] | None = None,
               force: bool = False, progress=None, timings: dict | None = None,
               reuse_settings=None, event_settings=None, prefetch: Callable[[Store], None] | None = None):
    """hidden boilerplate → reuse → events (+ inferred years) → translation links, resumable
    stage by stage; a stage is skipped when its fingerprint (`stage_fingerprint`) is unchanged.

    `signals_step` builds event signals for `cluster_events` (its `signals_for`); None
    builds them one by one in this process. `reuse_settings` is what `reuse_step` runs with
    and `event_settings` goes to `cluster_events` (defaults when None); both count in the
    fingerprints. `prefetch(store)` is called after the boilerplate refresh when the stored
    events were made by this code, settings and encoder (an increment of the events stage
    may follow): an engine may start the new articles' signals then (`SignalsPrefetch`)."""
    from ..events import cluster_events, infer_missing_years, translation_links
    from ..events.encoder import encoder_name
    from ..events.similarity import EventSettings
    from ..normalize.boilerplate import refresh_hidden_spans
    from ..pipeline import AnalyzeSummary
    from ..reuse import ReuseSettings

    reuse_settings = reuse_settings or ReuseSettings()
    event_settings = event_settings or EventSettings()
    encoder = encoder_name()
    summary = AnalyzeSummary()
    # The head costs what was added: hidden spans refreshed from the articles added or
    # changed since the last refresh; the fingerprints' article and results digests are
    # sums the store keeps as it writes; articles are read only when a stage runs (`views`).
    with _timed(timings, "boilerplate"):
        refresh_hidden_spans(store)
    mark = store.articles_mark()                 # what the stages below read from
    content = store.articles_sum()               # the same view feeds every stage
    summary.articles = int(content.split(":")[0])
    views = StageInput(store)
    events_head = stage_fingerprint("events", "-", settings=event_settings, results="-", encoder=encoder)
    if prefetch is not None and not force and store.stage_fingerprint("events:head") == events_head:
        with _timed(timings, "clustering"):
            prefetch(store)

    fp = stage_fingerprint("reuse", content, settings=reuse_settings)
    if force or store.stage_fingerprint("reuse") != fp:
        with _timed(timings, "reuse"):
            # An increment extends the stored links through the passage index and reads only
            # what the new articles reach; where it cannot decide exactly it declines, and
            # the reuse step runs over every article and files the index anew.
            from ..reuse.index import PassageIndex

            index = PassageIndex(store, reuse_settings, code_version("reuse"))
            if force or index.update(AlignmentMemo(store, prune=False), progress=progress) is None:
                index.drop()                # a run killed before the index is filed leaves none
                links = reuse_step(views.articles)
                store.replace_reuse(links, kinds=REUSE_KINDS)
                index.rebuild(views.articles, getattr(links, "index_parts", None))
        store.mark_stage("reuse", fp, mark)
    else:
        summary.skipped_stages.append("reuse")
    link_keys = [k for k in store.results_keys("reuse:") if k != "reuse:translation"]
    summary.reuse_links = store.results_count(*link_keys)

    fp = stage_fingerprint("events", content, settings=event_settings, results=store.results_digest(*link_keys),
                           encoder=encoder)
    touched: list | None = None             # events this run wrote (None: all of them)
    # An increment reads only the window around what is new (`events_window`) when the code,
    # settings and encoder are those of the stored events ("events:head"); otherwise every
    # article is read again and every stored event described again (members kept).
    translation_head = stage_fingerprint("translation", "-", results="-", encoder=encoder)
    # translation links are extended only when they were made from the stored events
    in_step = store.stage_mark("translation") is not None and store.stage_mark("translation") == store.stage_mark("events")
    if force or store.stage_fingerprint("events") != fp:
        same_head = store.stage_fingerprint("events:head") == events_head
        window = None if force or not same_head else events_window(store, event_settings)
        if window is None:                  # from scratch: every article, every link
            links = [l for l in store.reuse_links() if l.kind != "translation"]
            articles, found, stored_records = views.articles, views.found, views.stored
            existing = None if force else store.events()
            rebuild = frozenset(a.id for a in articles) if existing else frozenset()
        else:                               # an increment: the time window around what is new
            stored_records, links, existing, rebuild = window
            found = sorted((as_found(a) for a in stored_records), key=lambda a: a.id)
            articles = [stage_article(a) for a in stored_records]
        if prepare_events is not None:
            with _timed(timings, "embedding"):
                prepare_events(articles)
        with _timed(timings, "clustering"):
            events = cluster_events(articles, links, store=store, existing=existing, progress=progress,
                                    signals_for=cached_signals(store, signals_step, force=force),
                                    rows_for=cached_rows(store, signals_step, force=force),
                                    settings=event_settings, rebuild=rebuild)
            if window is not None:          # only events not returned as stored are written
                same = {id(e) for e in existing}
                events = [e for e in events if id(e) not in same]
                touched = events
            inferred = {a.id: a for a in infer_missing_years(articles, events)}
        # Stored records: as found, plus this run's inferred years (earlier ones are redone).
        current = {a.id: a for a in stored_records}
        updated = []
        for art in found:
            guess = inferred.get(art.id)
            if guess is None and art is current[art.id]:
                continue                    # no year inferred, none stored: as stored
            if guess is not None:
                art = dataclasses.replace(art, published=guess.published,
                                          published_precision=guess.published_precision,
                                          published_evidence=guess.published_evidence,
                                          published_inferred=True, metadata=guess.metadata)
            if art.to_dict() != current[art.id].to_dict():
                updated.append(art)
        if updated:
            store.update_articles(updated)
        if touched is None:
            store.replace_events(events)
        else:
            store.put_events(events)
        store.mark_stage("events", fp, mark)
        store.mark_stage("events:head", events_head)
    else:
        summary.skipped_stages.append("events")
    summary.events = store.results_count("events")

    fp = stage_fingerprint("translation", content, results=store.results_digest("events"), encoder=encoder)
    if force or store.stage_fingerprint("translation") != fp:
        with _timed(timings, "translation"):
            if touched is not None and in_step and store.stage_fingerprint("translation:head") == translation_head:
                # an increment: links only within the events it wrote, the rest stay stored
                members = sorted({a for e in touched for a in e.articles})
                tlinks = translation_links([stage_article(a) for a in store.get_articles(members)],
                                           touched, store=store)
                store.replace_reuse_touching(members, tlinks, "translation")
            else:
                tlinks = translation_links(views.articles, store.events(), store=store)
                store.replace_reuse(tlinks, kinds=["translation"])
        store.mark_stage("translation", fp, mark)
        store.mark_stage("translation:head", translation_head)
    else:
        summary.skipped_stages.append("translation")
    summary.translation_links = store.results_count("reuse:translation")
    return summary


PRUNE_FACTOR = 2      # stored alignments beyond this many times the live pairs are pruned


class AlignmentMemo:
    """`detect_reuse`'s `align` hook: earlier alignments read from the store, only new pairs aligned.

    `align_pair` is a pure function of the two texts as fingerprinted, the pair's anchors
    (positions and the "frequent" flags that formula statistics set) and the settings, so
    a pair whose key (a digest of all of these plus the reuse code version) is stored gets
    its stored passages: exactly what aligning it again would give. An increment therefore
    aligns only pairs with a new article and old pairs whose anchors changed (an n-gram
    crossing the formula threshold or the anchor cap as families are added, a family's new
    representative); everything else in the reuse step (fingerprints, families, candidates,
    classification, direction) is recomputed over all articles, so links, families,
    formula flags and directions are those of a from-scratch run. `force` aligns all anew.
    Keys of pairs that are no longer candidates as they stand are deleted once the store
    holds more than PRUNE_FACTOR times as many alignments as there are live pairs."""

    def __init__(self, store: Store, *, force: bool = False, prune: bool = True) -> None:
        self.store, self.force, self.prune = store, force, prune
        self.aligned = 0        # pairs aligned by the last call (the rest came from the store)
        self.reused = 0

    def __call__(self, fps, cands, settings, progress, align_all):
        import numpy as np

        from ..model import Passage
        from ..reuse.candidates import Candidates

        head = hashlib.blake2b(json.dumps([code_version("reuse"), settings_record(settings)],
                                          sort_keys=True).encode(), digest_size=16).digest()
        texts = [hashlib.blake2b(fp.text.encode("utf-8"), digest_size=16).digest() for fp in fps]
        keys = []
        for p in range(len(cands)):
            i, j = (int(x) for x in cands.pairs[p])
            pos_a, pos_b, frequent = cands.anchors(p)
            digest = hashlib.blake2b(head + texts[i] + texts[j], digest_size=20)
            for column in (pos_a, pos_b, frequent):
                digest.update(np.ascontiguousarray(column).tobytes())
            keys.append(digest.hexdigest())
        known = {} if self.force else self.store.get_alignments(keys)
        todo = [p for p, key in enumerate(keys) if key not in known]
        counts = np.diff(cands.offsets)[todo] if todo else np.zeros(0, dtype=np.int64)
        rows = (np.concatenate([np.arange(cands.offsets[p], cands.offsets[p + 1]) for p in todo])
                if todo else np.zeros(0, dtype=np.int64))
        sub = Candidates(pairs=cands.pairs[todo].reshape(-1, 2),
                         offsets=np.concatenate(([0], np.cumsum(counts))).astype(np.int64),
                         pos_a=cands.pos_a[rows], pos_b=cands.pos_b[rows], frequent=cands.frequent[rows])
        fresh = dict(align_all(fps, sub, settings, progress)) if todo else {}
        new = {keys[p]: json.dumps([x.to_dict() for x in fresh.get(k, [])], ensure_ascii=False)
               for k, p in enumerate(todo)}
        if new:
            self.store.put_alignments(new)
        if self.prune and self.store.count_alignments() > PRUNE_FACTOR * max(1, len(keys)):
            self.store.keep_alignments(keys)     # pairs no longer candidates as they stand
        self.aligned, self.reused = len(todo), len(keys) - len(todo)
        out = [(todo[k], passages) for k, passages in fresh.items()]
        done = set(todo)
        for p, key in enumerate(keys):
            if p not in done and known[key] != "[]":         # most candidate pairs share no passage
                passages = [Passage(**x) for x in json.loads(known[key])]
                if passages:
                    out.append((p, passages))
        return sorted(out, key=lambda item: item[0])


def run_analysis(store: Store, *, force: bool = False, progress=None, timings: dict | None = None,
                 workers: int | None = None, reuse_settings=None, event_settings=None):
    """All stages in this process, the per-article work in `workers` processes (reuse
    alignment, event signals); default `workers.default_workers()`, 1 = all in-process.
    `reuse_settings` / `event_settings`: None for the defaults."""
    from ..reuse import ReuseSettings, detect_reuse

    settings = reuse_settings or ReuseSettings()
    if workers is not None:
        settings = dataclasses.replace(settings, workers=workers)
    memo = AlignmentMemo(store, force=force)
    prefetch = SignalsPrefetch(settings.workers)

    def signals_step(articles: list[Article]) -> list[ArticleSignals]:
        have = prefetch.take(articles)
        if have and progress:
            progress("event signals (built while reuse ran)", len(have))(len(have))
        rest = [a for a in articles if a.id not in have]
        built = iter(pooled_signals(rest, workers=settings.workers, progress=progress) if rest else [])
        return [have[a.id] if a.id in have else next(built) for a in articles]
    signals_step.row_of = prefetch.row_of           # rows made with the prefetched signals (`cached_signals`)
    try:
        return run_stages(store, reuse_step=lambda articles: detect_reuse(articles, settings=settings,
                                                                          progress=progress, align=memo,
                                                                          keep_index=True),
                          signals_step=signals_step, prefetch=prefetch.start,
                          force=force, progress=progress, timings=timings,
                          reuse_settings=settings, event_settings=event_settings)
    finally:
        prefetch.close()


# -- event signals cached per article ------------------------------------------------------
# An increment re-clusters the time window around its new articles (`cluster._split_by_time`),
# so most articles it reads were already read by the previous run. Their signals are a pure
# function of the article as the stage reads it and of the code that makes them, so they are kept in
# the store (table `signals`, JSON) under that key and built only for articles without one.

def signals_key(article: Article) -> str:
    """What an article's signals (and row) depend on: every field of the article as the
    events stage reads it, and the version of the code that makes them (`signals_version`)."""
    # the fields as `to_dict` gives them, without its deep copy (same JSON, a third of the time)
    record = {f.name: getattr(article, f.name) for f in dataclasses.fields(article)}
    row = json.dumps(record, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.blake2b(f"{signals_version()}\x1e{row}".encode("utf-8"), digest_size=16).hexdigest()


def signals_to_json(signals: ArticleSignals) -> str:
    # the fields as `dataclasses.asdict` gives them, without its deep copy (the same JSON:
    # the values are plain lists, dicts, tuples, strings and numbers; a tenth of the time)
    record = {f.name: getattr(signals, f.name) for f in dataclasses.fields(signals)}
    record["published"] = signals.published.isoformat() if signals.published else None
    return json.dumps(record, ensure_ascii=False)


def signals_from_json(text: str) -> ArticleSignals:
    from datetime import date

    from ..events.signals import ArticleSignals

    record = json.loads(text)
    record["published"] = date.fromisoformat(record["published"]) if record["published"] else None
    record["month_day"] = tuple(record["month_day"]) if record["month_day"] is not None else None
    record["lead_dates"] = [tuple(d) for d in record["lead_dates"]]
    return ArticleSignals(**record)


def _pack(text: str) -> bytes:
    """A signals record as stored: JSON, zlib-compressed (about 16 KB -> 4 KB per article of the week)."""
    return zlib.compress(text.encode("utf-8"), 1)


def _unpack(data: bytes | str) -> str:
    return data if isinstance(data, str) else zlib.decompress(data).decode("utf-8")


def cached_signals(store: Store, step: Callable[[list[Article]], list[ArticleSignals]] | None,
                   *, force: bool = False) -> Callable[[list[Article]], list[ArticleSignals]]:
    """A `signals_for` that reads the store's signals cache and builds (with `step`, or one
    by one here) only those of articles without a current record; `force` rebuilds all.
    `step.row_of(signals)`, where the step has it, gives the `EventRow` already made of
    those very signals (or None: made here)."""
    def signals_for(articles: list[Article]) -> list[ArticleSignals]:
        from ..events.signals import build_signals

        keys = {a.id: signals_key(a) for a in articles}
        have = {} if force else {i: signals_from_json(_unpack(d)) for i, d in store.get_signals(keys).items()}
        missing = [a for a in articles if a.id not in have]
        built = list(step(missing)) if step is not None and missing else [build_signals(a) for a in missing]
        if built:
            from ..events.rows import event_row

            # the compact rows a later increment reads (`cached_rows`), made while the signals are here
            row_of = getattr(step, "row_of", None)
            rows = {s.id: (row_of(s) if row_of is not None else None) or event_row(s) for s in built}
            store.put_signals({s.id: (keys[s.id], _pack(signals_to_json(s))) for s in built})
            store.put_event_rows({i: (keys[i], row_to_bytes(r)) for i, r in rows.items()})
            signals_for.rows.update(rows)
        have.update((s.id, s) for s in built)
        return [have[a.id] for a in articles]
    signals_for.rows = {}       # rows made for the signals built by this reader, by article id
    return signals_for


def events_window(store: Store, settings) -> tuple | None:
    """What an increment of the events stage reads, straight from SQLite: (stored records,
    non-translation links among them, stored events among them, ids of stored articles to
    re-describe), or None when the stage must run over everything (no stored events yet).

    New articles are those no stored event holds. The records are the articles published
    on a day within `max_days` of them (`cluster.window_days`: new articles without a full
    date add no days; with none dated, `max_days` around the newest stored day), every
    stored article without a full date (they meet everyone, as in a run from scratch), the
    stored articles that changed as the stage reads them since it last ran (newly hidden
    boilerplate: their events are described again), the new articles, and every member of
    the stored events any of those belong to."""
    from datetime import date

    from ..events.cluster import window_days
    from ..events.signals import parse_published

    if store.results_count("events") == 0:
        return None
    fresh_ids = store.unclustered_article_ids()
    fresh = set(fresh_ids)
    changed = [i for i in store.changed_article_ids_since("events") if i not in fresh]
    newest = store.newest_published_day()
    low, high = window_days([parse_published(as_found(a).published)[0] for a in store.get_articles(fresh_ids)],
                            [date.fromordinal(newest)] if newest is not None else [], settings)
    ids = list(fresh_ids) + list(changed) + store.undated_article_ids()
    if fresh_ids and low is not None:
        ids += store.article_ids_on_days(low, high)
    existing = store.events_of_articles(ids)
    ids = sorted(set(ids) | {a for e in existing for a in e.articles})
    stored = store.get_articles(ids)
    links = store.reuse_links_among(ids, kinds=REUSE_KINDS)
    return stored, links, existing, frozenset(changed)


# -- compact event rows cached per article ---------------------------------------------------
# An increment reads every stored article of its time window, but scores only pairs with a
# new article: it needs the window's signals without their token lists (93 % of a signals
# record) and the tokens as hashed term counts (`events.rows.EventRow`), so that the
# window's TF-IDF rows are numpy work instead of a vocabulary fit. Kept in the store (table
# `event_rows`) under the signals key; built (with the signals) only for articles without one.

def row_to_bytes(row) -> bytes:
    """An `EventRow` as stored: lengths, the slim signals (JSON, zlib), then the term arrays."""
    import numpy as np

    head = _pack(signals_to_json(row.signals))
    (tok_ids, tok_counts), (lead_ids, lead_counts) = row.tokens, row.lead_tokens
    sizes = np.array([len(head), len(tok_ids), len(lead_ids)], dtype=np.uint32).tobytes()
    return b"".join([sizes, head, np.asarray(tok_ids, np.uint64).tobytes(), np.asarray(tok_counts, np.uint32).tobytes(),
                     np.asarray(lead_ids, np.uint64).tobytes(), np.asarray(lead_counts, np.uint32).tobytes()])


def row_from_bytes(data: bytes):
    import numpy as np

    from ..events.rows import EventRow

    head, n_tok, n_lead = (int(x) for x in np.frombuffer(data, dtype=np.uint32, count=3))
    at = 12
    signals = signals_from_json(_unpack(data[at:at + head]))
    at += head
    arrays = []
    for count in (n_tok, n_lead):
        ids = np.frombuffer(data, dtype=np.uint64, count=count, offset=at)
        at += 8 * count
        values = np.frombuffer(data, dtype=np.uint32, count=count, offset=at)
        at += 4 * count
        arrays.append((ids, values))
    return EventRow(signals, arrays[0], arrays[1])


def cached_rows(store: Store, step: Callable[[list[Article]], list[ArticleSignals]] | None,
                *, force: bool = False) -> Callable[[list[Article]], list]:
    """A `rows_for` (`events.cluster.cluster_events`) that reads the store's `event_rows`
    and builds the rows (and signals, cached too) only of articles without a current one."""
    signals_for = cached_signals(store, step, force=force)

    def rows_for(articles: list[Article]) -> list:
        from ..events.rows import event_row

        keys = {a.id: signals_key(a) for a in articles}
        have = {} if force else {i: row_from_bytes(d) for i, d in store.get_event_rows(keys).items()}
        missing = [a for a in articles if a.id not in have]
        signals = signals_for(missing) if missing else []
        made = {s.id: event_row(s) for s in signals if s.id not in signals_for.rows}    # signals read from the cache
        if made:
            store.put_event_rows({i: (keys[i], row_to_bytes(r)) for i, r in made.items()})
        have.update((s.id, made.get(s.id) or signals_for.rows[s.id]) for s in signals)
        return [have[a.id] for a in articles]
    return rows_for


# -- an increment's new signals, built while the reuse step runs ----------------------------
# An increment's events stage needs the signals of its new articles (jieba's tagger, pypinyin,
# the place names: about 1.1 s for 100 leads, imports included: half of the stage) while the reuse step before it needs none of them, and a pool is not worth it for
# a hundred articles (see the block comment below). So when an increment of the events stage
# may follow (`run_stages`' `prefetch`, after the boilerplate refresh: the articles are then
# as the stage reads them), one forked process builds the signals of the articles inserted
# since the events stage last ran that the signals cache lacks, while this one runs the
# reuse step, and the event rows made of them (`events.rows`); the events
# stage takes each one whose signals key is still that of the article it clusters
# (`SignalsPrefetch.take`) and builds the rest as before. The work moves to another core,
# it is not repeated: this process never loads the tagger's tables. One plain process and
# a pipe rather than a pool: nothing else is sent, and an unused one is ended at once.
# At most PREFETCH_MAX articles (10-20 ms each: about what the reuse step of such a batch
# takes); a larger batch's other articles go to `pooled_signals` after, as before.
PREFETCH_MAX = 400


def _prefetch_main(conn, articles: list[Article]) -> None:
    import gc

    from ..events.rows import event_row
    from ..events.signals import build_signals

    gc.disable()         # a short-lived process: no full collections over what it inherited
    try:
        built = [build_signals(article) for article in articles]
        rows = [event_row(signals) for signals in built]       # what the events stage stores with them
    except Exception as exc:             # noqa: BLE001 - reported; the parent builds them itself
        conn.send(("error", f"{type(exc).__name__}: {exc}", None))
    else:
        conn.send(("ok", built, rows))
    conn.close()


class SignalsPrefetch:
    """The signals of an increment's new articles, built in one forked process (a
    `workers.pool_context` process: it dies with this one) while this one runs the reuse
    step; see the block comment above. `workers` < 2 (or no `fork`): nothing starts."""

    def __init__(self, workers: int | None = None) -> None:
        self.workers = default_workers() if workers is None else workers
        self._process = None
        self._conn = None
        self._keys: dict[str, str] = {}                  # article id -> signals key it was built for
        self._built: dict[str, ArticleSignals] | None = None
        self._rows: dict[str, tuple] = {}                # article id -> (signals, their EventRow)

    def start(self, store: Store) -> None:
        import multiprocessing

        from ..workers import pool_context

        if self.workers < 2 or self._process is not None or "fork" not in multiprocessing.get_all_start_methods():
            return
        # the articles inserted since the events stage last ran (an index range, where "no event
        # holds it" reads every membership: 0.1 s at 16 weeks); any other article the stage
        # clusters is built there, as are those past PREFETCH_MAX
        ids = store.new_article_ids_since("events")[:PREFETCH_MAX]
        if not ids:
            return
        articles = [stage_article(a) for a in store.get_articles(ids)]
        keys = {a.id: signals_key(a) for a in articles}
        cached = store.get_signals(keys)
        articles = [a for a in articles if a.id not in cached]
        if not articles:
            return
        context = pool_context("fork")
        receive, send = context.Pipe(duplex=False)
        try:
            process = context.Process(target=_prefetch_main, args=(send, articles), daemon=True,
                                      name="storytrace-signals-prefetch")
            process.start()
        except OSError:
            receive.close()
            return
        finally:
            send.close()                 # the child's end: EOF here if the child dies
        self._process, self._conn = process, receive
        self._keys = {a.id: keys[a.id] for a in articles}

    def take(self, articles: list[Article]) -> dict[str, ArticleSignals]:
        """Prefetched signals of these articles, by id, where the article's signals key is
        the one they were built for (waits for the process the first time)."""
        if self._process is None and self._built is None:
            return {}
        if self._built is None:
            self._built = {}
            try:
                status, payload, rows = self._conn.recv()
            except (EOFError, OSError):
                status, payload, rows = None, None, None
            self.close()
            if status == "ok":
                self._built = {s.id: s for s in payload}
                self._rows = {s.id: (s, row) for s, row in zip(payload, rows)}
        return {a.id: self._built[a.id] for a in articles
                if a.id in self._built and self._keys.get(a.id) == signals_key(a)}

    def row_of(self, signals: ArticleSignals):
        """The `EventRow` the process made of these very signals (as `take` gave them), or None."""
        entry = self._rows.get(signals.id)
        return entry[1] if entry is not None and entry[0] is signals else None

    def close(self) -> None:
        """End the process (if its signals were not taken) and close the pipe."""
        if self._process is not None:
            if self._process.is_alive() and self._built is None:
                # SIGKILL, as `die_with_parent`: the fork inherits this process's handlers, and a
                # SIGTERM one that only notes the signal would leave it blocked in `send`
                self._process.kill()
            self._process.join()
            self._process = None
        if self._conn is not None:
            self._conn.close()
            self._conn = None


# -- event signals in a process pool -------------------------------------------------------
# When the pool pays: a 2-process pool halves the work at best, and costs its start-up: the
# fork of this process (0.1 s for a 0.7 GB parent, measured), the signals sent back pickled
# (about 9 KB per article) and the workers' tagger memo starting empty; in an increment's
# parent (0.6 GB, the window's rows loaded) a pool for its 99 new articles took 2.7-3.8 s
# where building them here took 1.7-3 s (bench/RESULTS.md, increments). So the decision is
# by the work left, not by a count: the first articles are built here (the first loads the
# tagger and the tables), their mean cost times the articles left estimates the serial
# work, and the pool starts only when that is at least POOL_MIN_SECONDS (twice the start-up
# measured in an increment's parent). A full run of the week (2,493 articles, 10-20 ms
# each) pools; an hourly increment of a hundred articles does not. Four chunks per process,
# at most POOL_CHUNK articles each, keep every process busy to the end.
POOL_MIN_SECONDS = 4.0
POOL_SAMPLE = 8            # articles built here (after the first) to measure the cost per article
POOL_CHUNK = 200
_pool_articles: list[Article] = []


def _init_signals_worker(articles: list[Article]) -> None:
    global _pool_articles
    _pool_articles = articles


def _signals_task(bounds: tuple[int, int]) -> list[ArticleSignals]:
    from ..events.signals import build_signals

    lo, hi = bounds
    return [build_signals(article) for article in _pool_articles[lo:hi]]


def pooled_signals(articles: list[Article], *, workers: int | None = None, min_articles: int | None = None,
                   chunk: int | None = None, progress=None) -> list[ArticleSignals]:
    """`build_signals` of each article, in order: the rest in `workers` processes when the
    work left is worth a pool, else (or where processes cannot start) in this one.

    Worth a pool (see the block comment above): with `min_articles` None (the default), the
    first article and POOL_SAMPLE more are built here, and the rest go to the pool when
    their cost estimated from those is at least POOL_MIN_SECONDS; with `min_articles` given,
    when there are at least that many articles (only the first is built here).

    Why a pool by hand, as `reuse.detect` does: with the `fork` start method the workers get
    the articles and the already loaded tagger (the first article is built here, which loads
    jieba once) without pickling; only the signals come back, in chunks of `chunk` articles
    (default: four per process, at most POOL_CHUNK).
    """
    from ..events.signals import build_signals

    advance = progress("event signals", len(articles)) if progress else None
    if not articles:
        return []
    signals = [build_signals(articles[0])]
    if advance:
        advance(1)
    workers = default_workers() if workers is None else workers
    if min_articles is None:
        def build(article: Article) -> ArticleSignals:
            built = build_signals(article)
            if advance:
                advance(1)
            return built
        head, use_pool = sampled_head(articles[1:], build, POOL_SAMPLE, POOL_MIN_SECONDS)
        signals += head
    else:
        use_pool = len(articles) >= max(2, min_articles)
    done = len(signals)
    chunk = max(1, chunk or min(POOL_CHUNK, math.ceil((len(articles) - done) / (4 * max(1, workers)))))
    if workers > 1 and use_pool:
        bounds = [(lo, min(lo + chunk, len(articles))) for lo in range(done, len(articles), chunk)]
        try:
            for (lo, hi), part in zip(bounds, process_map(_signals_task, bounds, workers,
                                                          initializer=_init_signals_worker,
                                                          initargs=(articles,))):
                signals.extend(part)
                if advance:
                    advance(hi - lo)
            return signals
        except NoProcesses:
            del signals[done:]      # the same work in-process
    for article in articles[done:]:
        signals.append(build_signals(article))
        if advance:
            advance(1)
    return signals
