"""The embedded store: one SQLite file in WAL mode.

Why SQLite: it ships with Python, readers keep reading while one writer commits (WAL),
and a transaction either lands whole or not at all, so a killed ingest leaves the store
consistent and a re-run simply continues (article ids are content hashes, so inserting
again is a no-op).
"""
from __future__ import annotations

import hashlib
import json
import math
import sqlite3
import threading
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Iterator

import numpy as np

from .model import Article, Event, Family, InputError, ReuseLink

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    source_path TEXT NOT NULL,
    title TEXT NOT NULL,
    language TEXT,
    script TEXT,
    outlet TEXT,
    published TEXT,
    folded TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS articles_seq ON articles(seq);
CREATE TABLE IF NOT EXISTS sources (
    path TEXT PRIMARY KEY,
    article_id TEXT,
    status TEXT NOT NULL,
    reason TEXT,
    at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS errors (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    path TEXT NOT NULL,
    reason TEXT NOT NULL,
    stage TEXT NOT NULL,
    at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS reuse (
    a TEXT NOT NULL,
    b TEXT NOT NULL,
    kind TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (a, b, kind)
);
CREATE INDEX IF NOT EXISTS reuse_b ON reuse(b);
CREATE TABLE IF NOT EXISTS families (id TEXT PRIMARY KEY, representative TEXT NOT NULL, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS family_members (article TEXT PRIMARY KEY, family TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS family_members_family ON family_members(family);
CREATE TABLE IF NOT EXISTS events (id TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS event_members (article TEXT PRIMARY KEY, event TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS embeddings (
    key TEXT PRIMARY KEY,
    model TEXT NOT NULL,
    dim INTEGER NOT NULL,
    vec BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS alignments (key TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS reuse_index_articles (
    rix INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    digest BLOB NOT NULL,
    prio TEXT NOT NULL,
    leader INTEGER NOT NULL,
    rep INTEGER NOT NULL,
    sketch BLOB NOT NULL,
    meta TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS reuse_index_articles_leader ON reuse_index_articles(leader);
CREATE INDEX IF NOT EXISTS reuse_index_articles_rep ON reuse_index_articles(rep);
CREATE TABLE IF NOT EXISTS reuse_index_sketch (value INTEGER NOT NULL, rix INTEGER NOT NULL,
                                               PRIMARY KEY (value, rix)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS reuse_index_grams (hash INTEGER NOT NULL, fam INTEGER NOT NULL, rix INTEGER NOT NULL,
                                              pos INTEGER NOT NULL, PRIMARY KEY (hash, fam)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS reuse_index_folded (rix INTEGER PRIMARY KEY, data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS reuse_index_grams_new (hash INTEGER NOT NULL, fam INTEGER NOT NULL, rix INTEGER NOT NULL,
                                                  pos INTEGER NOT NULL, PRIMARY KEY (hash, fam)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS reuse_index_sketch_new (value INTEGER NOT NULL, rix INTEGER NOT NULL,
                                                   PRIMARY KEY (value, rix)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS reuse_index_common (hash INTEGER PRIMARY KEY, df INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS reuse_index_common_df ON reuse_index_common(df);
CREATE TABLE IF NOT EXISTS reuse_index_credits (key TEXT NOT NULL, rix INTEGER NOT NULL,
                                                PRIMARY KEY (key, rix)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS signals (article TEXT PRIMARY KEY, key TEXT NOT NULL, data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS event_rows (article TEXT PRIMARY KEY, key TEXT NOT NULL, data BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS event_members_event ON event_members(event);
CREATE TABLE IF NOT EXISTS seen_files (
    path TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS stages (name TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS article_digests (
    id TEXT PRIMARY KEY,
    rev INTEGER NOT NULL,
    digest BLOB NOT NULL,
    published_at REAL,
    published_day INTEGER
);
CREATE INDEX IF NOT EXISTS article_digests_rev ON article_digests(rev);
CREATE INDEX IF NOT EXISTS article_digests_at ON article_digests(published_at);
CREATE INDEX IF NOT EXISTS article_digests_day ON article_digests(published_day);
CREATE TABLE IF NOT EXISTS stage_marks (name TEXT PRIMARY KEY, seq INTEGER NOT NULL, rev INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS bp_articles (id TEXT PRIMARY KEY, outlet TEXT NOT NULL, text_key BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS bp_texts (
    outlet TEXT NOT NULL, text_key BLOB NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (outlet, text_key));
CREATE TABLE IF NOT EXISTS bp_totals (outlet TEXT PRIMARY KEY, total INTEGER NOT NULL);
DROP TABLE IF EXISTS bp_lines;
CREATE TABLE IF NOT EXISTS bp_line_counts (key INTEGER PRIMARY KEY, outlet TEXT NOT NULL, line TEXT NOT NULL,
                                           n INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS bp_line_counts_n ON bp_line_counts(outlet, n);
CREATE TABLE IF NOT EXISTS bp_paras (key INTEGER NOT NULL, id TEXT NOT NULL, PRIMARY KEY (key, id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS leases (
    name TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    host TEXT NOT NULL,
    pid INTEGER NOT NULL,
    purpose TEXT NOT NULL,
    taken REAL NOT NULL,
    heartbeat REAL NOT NULL,
    expires REAL NOT NULL
);
"""


_MOD = 1 << 128


def _chunks(items: list, size: int = 500) -> Iterator[list]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _parse_sum(value: str) -> tuple[int, int]:
    count, total = value.split(":")
    return int(count), int(total, 16)


def _row_digest(data: str) -> int:
    return int.from_bytes(hashlib.blake2b(data.encode("utf-8"), digest_size=16).digest(), "big")


def _instant(value) -> float | None:
    """UTC seconds from a datetime (naive = UTC), an ISO string or a number; None stays None."""
    if value is None or isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        value = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).timestamp()
    raise TypeError(f"not an instant: {value!r} (give a datetime, an ISO string or UTC seconds)")


class Store:
    """Thin, explicit access to the SQLite file. One instance per thread or process."""

    def __init__(self, path: str | Path = "storytrace.db", *, readonly: bool = False):
        self.path = Path(path)
        self.readonly = readonly
        if not readonly:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        uri = f"file:{self.path}?mode=ro" if readonly else f"file:{self.path}"
        self._conn = sqlite3.connect(uri, uri=True, timeout=30.0, isolation_level=None,
                                     check_same_thread=False)
        self._lock = threading.RLock()
        self._conn.execute("PRAGMA busy_timeout=30000")
        if not readonly:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.executescript(_SCHEMA)
            self._conn.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)",
                               (str(SCHEMA_VERSION),))
            self._ensure_digests()

    # -- lifecycle -----------------------------------------------------------------
    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """All-or-nothing write: a crash inside leaves the store as it was before."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            else:
                self._conn.execute("COMMIT")

    def data_version(self) -> int:
        """Changes whenever another connection commits: a cheap cache key for long-lived readers."""
        return self._conn.execute("PRAGMA data_version").fetchone()[0]

    def integrity_ok(self) -> bool:
        return self._conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

    # -- articles ------------------------------------------------------------------
    def add_articles(self, articles: Iterable[Article]) -> tuple[list[str], list[str]]:
        """Insert in one transaction; returns (new ids, ids already stored)."""
        from .textfold import fold

        new: list[str] = []
        dup: list[str] = []
        written: list[Article] = []
        with self.transaction() as conn:
            seq = conn.execute("SELECT COALESCE(MAX(seq), 0) FROM articles").fetchone()[0]
            for art in articles:
                exists = conn.execute("SELECT source_path FROM articles WHERE id=?", (art.id,)).fetchone()
                status = "duplicate" if exists else "stored"
                if exists:
                    dup.append(art.id)
                    if art.source_path < exists[0]:
                        # Which copy of one text is kept must not depend on arrival order
                        # (issue 15): the smallest source path wins.
                        conn.execute("UPDATE articles SET source_path=?, title=?, language=?, script=?, outlet=?, "
                                     "published=?, data=? WHERE id=?",
                                     (art.source_path, art.title, art.language, art.script, art.outlet,
                                      art.published, json.dumps(art.to_dict(), ensure_ascii=False), art.id))
                        written.append(art)
                else:
                    seq += 1
                    conn.execute(
                        "INSERT INTO articles VALUES (?,?,?,?,?,?,?,?,?,?)",
                        (art.id, seq, art.source_path, art.title, art.language, art.script,
                         art.outlet, art.published, fold(art.title + "\n" + art.text),
                         json.dumps(art.to_dict(), ensure_ascii=False)),
                    )
                    new.append(art.id)
                    written.append(art)
                conn.execute("INSERT OR REPLACE INTO sources VALUES (?,?,?,?,?)",
                             (art.source_path, art.id, status, None, time.time()))
                conn.execute("DELETE FROM errors WHERE path=?", (art.source_path,))
            self._put_digests(conn, written)
        return new, dup

    def update_articles(self, articles: Iterable[Article]) -> None:
        """Rewrite stored records (e.g. a publication year inferred from an event)."""
        with self.transaction() as conn:
            self._update_articles(conn, list(articles))

    def _update_articles(self, conn: sqlite3.Connection, articles: list[Article]) -> None:
        for art in articles:
            conn.execute("UPDATE articles SET published=?, data=? WHERE id=?",
                         (art.published, json.dumps(art.to_dict(), ensure_ascii=False), art.id))
        self._put_digests(conn, articles)

    def get_article(self, article_id: str) -> Article | None:
        row = self._conn.execute("SELECT data FROM articles WHERE id=?", (article_id,)).fetchone()
        if row is None:
            row = self._conn.execute("SELECT data FROM articles WHERE id LIKE ? ORDER BY id LIMIT 2",
                                     (article_id + "%",)).fetchall()
            if len(row) != 1:
                return None
            row = row[0]
        return Article.from_dict(json.loads(row[0]))

    def articles(self) -> list[Article]:
        """All articles in insertion order (stable across runs of the same inputs)."""
        rows = self._conn.execute("SELECT data FROM articles ORDER BY seq").fetchall()
        return [Article.from_dict(json.loads(r[0])) for r in rows]

    def article_ids(self) -> list[str]:
        return [r[0] for r in self._conn.execute("SELECT id FROM articles ORDER BY seq")]

    def count_articles(self) -> int:
        return self._conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]

    def search_articles(self, query: str, limit: int = 50) -> list[str]:
        """Ids whose title or text contains the query, ignoring script, width and case."""
        from .textfold import search_key

        key = search_key(query).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        rows = self._conn.execute(
            "SELECT id FROM articles WHERE folded LIKE ? ESCAPE '\\' ORDER BY seq LIMIT ?",
            (f"%{key}%", limit)).fetchall()
        return [r[0] for r in rows]

    # -- articles by id, in batches, by publication window (see docs in core_api / README) ---
    def get_articles(self, ids: Iterable[str]) -> list[Article]:
        """The stored articles with these ids, in the order given (unknown ids left out; an
        id given twice comes back twice). Read with batched `IN` queries."""
        ids = list(ids)
        found: dict[str, Article] = {}
        for chunk in _chunks(list(dict.fromkeys(ids))):
            marks = ",".join("?" * len(chunk))
            for article_id, data in self._conn.execute(
                    f"SELECT id, data FROM articles WHERE id IN ({marks})", chunk):
                found[article_id] = Article.from_dict(json.loads(data))
        return [found[i] for i in ids if i in found]

    def iter_articles(self, batch: int = 500, *, after_seq: int = 0) -> Iterator[Article]:
        """Every stored article in insertion (`seq`) order, read `batch` rows at a time (no
        cursor is held open between batches, so writes in between are fine: an article
        added meanwhile comes at the end). `after_seq`: start after this seq."""
        last = after_seq
        while True:
            rows = self._conn.execute("SELECT seq, data FROM articles WHERE seq > ? ORDER BY seq LIMIT ?",
                                      (last, batch)).fetchall()
            if not rows:
                return
            last = rows[-1][0]
            for _, data in rows:
                yield Article.from_dict(json.loads(data))

    def _ids_where(self, where: str, args: tuple) -> list[str]:
        # CROSS JOIN: the rows are found through `article_digests`' indexes (rev, day, instant)
        # and only those are sorted by seq; a plain JOIN lets SQLite walk every article in seq
        # order and test each, which grows with the store (issue 13)
        return [r[0] for r in self._conn.execute(
            f"SELECT a.id FROM article_digests d CROSS JOIN articles a ON a.id = d.id WHERE {where} "
            "ORDER BY a.seq", args)]

    def article_ids_published_between(self, lo, hi) -> list[str]:
        """Ids of articles published at an instant in [lo, hi] (both ends included), in seq
        order. `lo`/`hi`: a datetime (naive = UTC), an ISO string, or UTC seconds; None = open.
        The instant is that of the value *as found* (an inferred year does not count), by the
        `stageview.time_key` rule: an offset is honoured, no offset counts as UTC, a bare date
        is 12:00 UTC of that day. Month-day, unknown and unreadable values have no instant:
        see `undated_article_ids`."""
        lo_s, hi_s = _instant(lo), _instant(hi)
        return self._ids_where("d.published_at IS NOT NULL AND d.published_at >= ? AND d.published_at <= ?",
                               (-math.inf if lo_s is None else lo_s, math.inf if hi_s is None else hi_s))

    def articles_published_between(self, lo, hi) -> list[Article]:
        """The articles of `article_ids_published_between(lo, hi)`, in seq order."""
        return self.get_articles(self.article_ids_published_between(lo, hi))

    def article_ids_on_days(self, first, last) -> list[str]:
        """Ids of articles whose full date as written (as found, in the value's own offset;
        `events.signals.parse_published`) falls on a day in [first, last]; `first`/`last`:
        `date`s or `date.toordinal()` values; None = open. Seq order."""
        lo = -(1 << 62) if first is None else (first if isinstance(first, int) else first.toordinal())
        hi = (1 << 62) if last is None else (last if isinstance(last, int) else last.toordinal())
        return self._ids_where("d.published_day IS NOT NULL AND d.published_day BETWEEN ? AND ?", (lo, hi))

    def undated_article_ids(self) -> list[str]:
        """Ids of articles without a full date as found (month-day, none, unreadable), seq order."""
        return self._ids_where("d.published_day IS NULL", ())

    def undated_articles(self) -> list[Article]:
        return self.get_articles(self.undated_article_ids())

    # -- per-article digests, change counter, stage marks ---------------------------------
    # Every stored article has a row in `article_digests`: the digest of its stage view
    # (`stageview.view_digest`), its publication instant and day (as found) and `rev`, the
    # value of a store-wide counter (meta `article_rev`) taken when that digest last changed
    # (insert, or an update that changes the article as stages read it). Meta `articles_sum`
    # holds "count:sum" of all digests (as 128-bit integers, sum mod 2**128): an
    # order-independent digest of the whole collection, kept current by every write, which
    # stage fingerprints use instead of rehashing every article.
    def _meta(self, conn: sqlite3.Connection, key: str, default: str | None = None) -> str | None:
        row = conn.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else default

    def _set_meta(self, conn: sqlite3.Connection, key: str, value: str) -> None:
        conn.execute("INSERT OR REPLACE INTO meta VALUES (?,?)", (key, value))

    def _put_digests(self, conn: sqlite3.Connection, articles: list[Article]) -> None:
        """Inside a write transaction: file the given (just written) records' digests."""
        from .stageview import published_day, published_instant, stage_article, record_digest

        if not articles:
            return
        count, total = _parse_sum(self._meta(conn, "articles_sum", "0:0"))
        rev = int(self._meta(conn, "article_rev", "0"))
        for art in articles:
            view = stage_article(art)
            digest = record_digest(view)
            old = conn.execute("SELECT digest FROM article_digests WHERE id=?", (art.id,)).fetchone()
            if old is not None and bytes(old[0]) == digest:
                continue
            rev += 1
            if old is None:
                count += 1
            else:
                total -= int.from_bytes(bytes(old[0]), "big")
            total += int.from_bytes(digest, "big")
            conn.execute("INSERT OR REPLACE INTO article_digests VALUES (?,?,?,?,?)",
                         (art.id, rev, digest, published_instant(view.published), published_day(view.published)))
        self._set_meta(conn, "articles_sum", f"{count}:{total % _MOD:032x}")
        self._set_meta(conn, "article_rev", str(rev))

    def _ensure_digests(self) -> None:
        """Build `article_digests` and the results sums for a store written before they
        existed, by an older `stageview.DIGEST_VERSION`, or with articles added since by a
        version that did not keep them (their count no longer matches): once, reading every row."""
        from .stageview import DIGEST_VERSION

        def current(conn: sqlite3.Connection) -> bool:
            if self._meta(conn, "digests_version") != DIGEST_VERSION:
                return False
            kept = _parse_sum(self._meta(conn, "articles_sum", "0:0"))[0]
            return kept == conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]

        if current(self._conn):
            return
        with self.transaction() as conn:
            if current(conn):
                return        # another connection did it meanwhile
            conn.execute("DELETE FROM article_digests")
            conn.execute("DELETE FROM stage_marks")
            self._set_meta(conn, "articles_sum", "0:0")
            last = 0
            while True:
                rows = conn.execute("SELECT seq, data FROM articles WHERE seq > ? ORDER BY seq LIMIT 500",
                                    (last,)).fetchall()
                if not rows:
                    break
                last = rows[-1][0]
                self._put_digests(conn, [Article.from_dict(json.loads(d)) for _, d in rows])
            for key in [k for (k,) in conn.execute("SELECT key FROM meta WHERE key LIKE 'results:%'")]:
                conn.execute("DELETE FROM meta WHERE key=?", (key,))
            for kind, data in conn.execute("SELECT kind, data FROM reuse").fetchall():
                self._results_delta(conn, f"reuse:{kind}", added=[data])
            self._results_delta(conn, "events", added=[d for (d,) in conn.execute("SELECT data FROM events")])
            self._set_meta(conn, "digests_version", DIGEST_VERSION)

    def articles_sum(self) -> str:
        """"count:sum" of every stored article's view digest (see the block comment): equal
        for two stores holding the same articles (as stages read them), whatever the order."""
        return self._meta(self._conn, "articles_sum", "0:0")

    def article_digests(self, ids: Iterable[str]) -> dict[str, bytes]:
        """id -> 16-byte digest of the article as stages read it."""
        out: dict[str, bytes] = {}
        for chunk in _chunks(list(ids)):
            marks = ",".join("?" * len(chunk))
            out.update((i, bytes(d)) for i, d in self._conn.execute(
                f"SELECT id, digest FROM article_digests WHERE id IN ({marks})", chunk))
        return out

    def articles_mark(self) -> tuple[int, int]:
        """(highest seq, change counter) now: take it when a stage starts reading articles
        and hand it to `mark_stage` when the stage finishes."""
        return self._articles_mark(self._conn)

    def _articles_mark(self, conn: sqlite3.Connection) -> tuple[int, int]:
        seq = conn.execute("SELECT COALESCE(MAX(seq), 0) FROM articles").fetchone()[0]
        return seq, int(self._meta(conn, "article_rev", "0"))

    def stage_mark(self, name: str) -> tuple[int, int] | None:
        """The `articles_mark()` recorded by the last `mark_stage(name, ..., mark=...)`."""
        row = self._conn.execute("SELECT seq, rev FROM stage_marks WHERE name=?", (name,)).fetchone()
        return (row[0], row[1]) if row else None

    def new_article_ids_since(self, name: str) -> list[str]:
        """Ids of articles inserted after the mark of stage `name` (all when it has none), seq order."""
        mark = self.stage_mark(name)
        return [r[0] for r in self._conn.execute("SELECT id FROM articles WHERE seq > ? ORDER BY seq",
                                                 (mark[0] if mark else 0,))]

    def changed_article_ids_since(self, name: str) -> list[str]:
        """Ids of articles inserted, or changed as stages read them (e.g. new hidden
        boilerplate spans; not an inferred year), after the mark of stage `name` (all when
        it has none), in seq order. A superset of `new_article_ids_since(name)`; it may hold
        an article that changed and changed back (e.g. a copy from a smaller path replaced
        the record, then its hidden spans were restored): compare `article_digests` when
        that matters."""
        mark = self.stage_mark(name)
        return self._ids_where("d.rev > ?", (mark[1] if mark else 0,))

    # -- results sums: an order-independent digest of stored links / events ---------------
    # Meta `results:<key>` = "count:sum" of the 16-byte digests of each stored row's `data`
    # (keys `reuse:<kind>` and `events`), kept current by every writer of those tables:
    # a writer that changes rows calls `_results_delta` in its transaction with the `data`
    # text of rows removed and added.
    def _results_delta(self, conn: sqlite3.Connection, key: str, *, added: Iterable[str] = (),
                       removed: Iterable[str] = (), reset: bool = False) -> None:
        count, total = (0, 0) if reset else _parse_sum(self._meta(conn, f"results:{key}", "0:0"))
        for data in added:
            count += 1
            total += _row_digest(data)
        for data in removed:
            count -= 1
            total -= _row_digest(data)
        self._set_meta(conn, f"results:{key}", f"{count}:{total % _MOD:032x}")

    def results_keys(self, prefix: str = "") -> list[str]:
        """The results keys (`reuse:<kind>`, `events`) starting with `prefix` that hold rows."""
        return sorted(k[len("results:"):] for k, v in self._conn.execute(
            "SELECT key, value FROM meta WHERE key LIKE ? ESCAPE '\\'",
            ("results:" + prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%",))
            if _parse_sum(v)[0] != 0)

    def results_digest(self, *keys: str) -> str:
        """Digest of the stored rows under the given keys (`reuse:<kind>`, `events`): equal
        for equal stored contents, whatever order or batches they were written in (a key
        without rows counts as absent)."""
        sums = {k: self._meta(self._conn, f"results:{k}", "0:0") for k in keys}
        parts = [f"{k}={v}" for k, v in sorted(sums.items()) if _parse_sum(v)[0] != 0]
        return hashlib.blake2b("|".join(parts).encode(), digest_size=16).hexdigest()

    def results_count(self, *keys: str) -> int:
        """How many stored rows the given results keys hold (no table scan)."""
        return sum(_parse_sum(self._meta(self._conn, f"results:{k}", "0:0"))[0] for k in set(keys))

    # -- sources and errors --------------------------------------------------------
    def source_done(self, path: str) -> bool:
        row = self._conn.execute("SELECT status FROM sources WHERE path=?", (path,)).fetchone()
        return row is not None

    def add_errors(self, errors: Iterable[InputError]) -> None:
        """Record failed inputs; a source that fails again replaces its earlier error line."""
        with self.transaction() as conn:
            for err in errors:
                conn.execute("DELETE FROM errors WHERE path=?", (err.path,))
                conn.execute("INSERT INTO errors(path, reason, stage, at) VALUES (?,?,?,?)",
                             (err.path, err.reason, err.stage, time.time()))
                conn.execute("INSERT OR REPLACE INTO sources VALUES (?,?,?,?,?)",
                             (err.path, None, "failed", err.reason, time.time()))

    def errors(self) -> list[InputError]:
        rows = self._conn.execute("SELECT path, reason, stage FROM errors ORDER BY seq").fetchall()
        return [InputError(*r) for r in rows]

    # -- reuse ---------------------------------------------------------------------
    def replace_reuse(self, links: Iterable[ReuseLink], kinds: Iterable[str] | None = None) -> None:
        """Replace stored links (all kinds, or only the given kinds) in one transaction.

        When `links` carries `families` (what `reuse.detect_reuse` returns), the stored
        families are replaced in the same transaction."""
        families = getattr(links, "families", None)
        with self.transaction() as conn:
            if families is not None:
                self._replace_families(conn, families)
            if kinds is None:
                conn.execute("DELETE FROM reuse")
                cleared = None
                for (key,) in conn.execute("SELECT key FROM meta WHERE key LIKE 'results:reuse:%'").fetchall():
                    conn.execute("DELETE FROM meta WHERE key=?", (key,))
            else:
                cleared = set(kinds)
                for kind in cleared:
                    conn.execute("DELETE FROM reuse WHERE kind=?", (kind,))
                    self._results_delta(conn, f"reuse:{kind}", reset=True)
            rows = {(l.a, l.b, l.kind): json.dumps(l.to_dict(), ensure_ascii=False) for l in links}
            for (a, b, kind), data in rows.items():
                old = None
                if cleared is not None and kind not in cleared:
                    old = conn.execute("SELECT data FROM reuse WHERE a=? AND b=? AND kind=?", (a, b, kind)).fetchone()
                self._results_delta(conn, f"reuse:{kind}", added=[data], removed=[old[0]] if old else [])
            conn.executemany("INSERT OR REPLACE INTO reuse VALUES (?,?,?,?)",
                             [(a, b, kind, data) for (a, b, kind), data in rows.items()])

    def update_reuse(self, conn: sqlite3.Connection, pairs: Iterable[tuple[str, str]], links: Iterable[ReuseLink],
                     families: Iterable[Family], kinds: Iterable[str], drop_families: Iterable[str] = ()) -> None:
        """Inside `transaction()`: replace the links of the given pairs (of the given kinds)
        by `links`, and the given families (by id, members re-filed), keeping the results
        sums current (`reuse.index`, an increment of the passage index)."""
        kinds = list(kinds)
        marks = ",".join("?" * len(kinds))
        # rows read one by one (primary key lookups), written in batches, sums updated once per kind
        added: dict[str, list[str]] = {}
        removed: dict[str, list[str]] = {}
        gone = []
        for a, b in dict.fromkeys(pairs):
            for kind, data in conn.execute(f"SELECT kind, data FROM reuse WHERE a=? AND b=? AND kind IN ({marks})",
                                           (a, b, *kinds)).fetchall():
                removed.setdefault(kind, []).append(data)
                gone.append((a, b, kind))
        conn.executemany("DELETE FROM reuse WHERE a=? AND b=? AND kind=?", gone)
        written: dict[tuple[str, str, str], str] = {}
        for l in links:
            key = (l.a, l.b, l.kind)
            data = json.dumps(l.to_dict(), ensure_ascii=False)
            if key in written:
                old = written[key]
            else:
                row = conn.execute("SELECT data FROM reuse WHERE a=? AND b=? AND kind=?", key).fetchone()
                old = row[0] if row else None
            if old is not None:
                removed.setdefault(l.kind, []).append(old)
            added.setdefault(l.kind, []).append(data)
            written[key] = data
        conn.executemany("INSERT OR REPLACE INTO reuse VALUES (?,?,?,?)",
                         [(a, b, kind, data) for (a, b, kind), data in written.items()])
        for kind in sorted(set(added) | set(removed)):
            self._results_delta(conn, f"reuse:{kind}", added=added.get(kind, ()), removed=removed.get(kind, ()))
        for fid in drop_families:
            conn.execute("DELETE FROM family_members WHERE family=?", (fid,))
            conn.execute("DELETE FROM families WHERE id=?", (fid,))
        for fam in families:
            conn.execute("DELETE FROM family_members WHERE family=?", (fam.id,))
            conn.execute("INSERT OR REPLACE INTO families VALUES (?,?,?)",
                         (fam.id, fam.representative, json.dumps(fam.to_dict(), ensure_ascii=False)))
            conn.executemany("INSERT OR REPLACE INTO family_members VALUES (?,?)",
                             [(m, fam.id) for m in fam.member_ids])

    def reuse_links(self, article: str | None = None, kind: str | None = None) -> list[ReuseLink]:
        sql, args = "SELECT data FROM reuse WHERE 1=1", []
        if article:
            sql += " AND (a=? OR b=?)"
            args += [article, article]
        if kind:
            sql += " AND kind=?"
            args.append(kind)
        rows = self._conn.execute(sql + " ORDER BY a, b, kind", args).fetchall()
        return [ReuseLink.from_dict(json.loads(r[0])) for r in rows]

    def _replace_families(self, conn: sqlite3.Connection, families: Iterable[Family]) -> None:
        conn.execute("DELETE FROM families")
        conn.execute("DELETE FROM family_members")
        for fam in families:
            conn.execute("INSERT INTO families VALUES (?,?,?)",
                         (fam.id, fam.representative, json.dumps(fam.to_dict(), ensure_ascii=False)))
            conn.executemany("INSERT OR REPLACE INTO family_members VALUES (?,?)",
                             [(m, fam.id) for m in fam.member_ids])

    def replace_families(self, families: Iterable[Family]) -> None:
        with self.transaction() as conn:
            self._replace_families(conn, families)

    def families(self, article: str | None = None) -> list[Family]:
        """Families of near-identical copies (all, or the one holding `article`); none in a
        store written before families existed and opened read-only."""
        if not self._conn.execute("SELECT 1 FROM sqlite_master WHERE name='families'").fetchone():
            return []
        if article:
            rows = self._conn.execute("SELECT f.data FROM families f JOIN family_members m ON m.family=f.id "
                                      "WHERE m.article=?", (article,)).fetchall()
        else:
            rows = self._conn.execute("SELECT data FROM families ORDER BY id").fetchall()
        return [Family.from_dict(json.loads(r[0])) for r in rows]

    # -- events --------------------------------------------------------------------
    def replace_events(self, events: Iterable[Event]) -> None:
        with self.transaction() as conn:
            conn.execute("DELETE FROM events")
            conn.execute("DELETE FROM event_members")
            added = []
            for ev in events:
                added.append(json.dumps(ev.to_dict(), ensure_ascii=False))
                conn.execute("INSERT INTO events VALUES (?,?)", (ev.id, added[-1]))
                conn.executemany("INSERT OR REPLACE INTO event_members VALUES (?,?)",
                                 [(a, ev.id) for a in ev.articles])
            self._results_delta(conn, "events", added=added, reset=True)

    def put_events(self, events: Iterable[Event]) -> None:
        """Write these events (new, or replacing the stored record of the same id) and
        leave every other stored event as it is: what an increment changed."""
        with self.transaction() as conn:
            for ev in events:
                data = json.dumps(ev.to_dict(), ensure_ascii=False)
                old = conn.execute("SELECT data FROM events WHERE id=?", (ev.id,)).fetchone()
                conn.execute("DELETE FROM event_members WHERE event=?", (ev.id,))
                conn.execute("INSERT OR REPLACE INTO events VALUES (?,?)", (ev.id, data))
                conn.executemany("INSERT OR REPLACE INTO event_members VALUES (?,?)",
                                 [(a, ev.id) for a in ev.articles])
                self._results_delta(conn, "events", added=[data], removed=[old[0]] if old else [])

    def events_of_articles(self, ids: Iterable[str]) -> list[Event]:
        """The stored events with a member among these articles, by id."""
        found: dict[str, str] = {}
        for chunk in _chunks(list(dict.fromkeys(ids))):
            marks = ",".join("?" * len(chunk))
            found.update(self._conn.execute(
                f"SELECT e.id, e.data FROM events e WHERE e.id IN "
                f"(SELECT event FROM event_members WHERE article IN ({marks}))", chunk))
        return [Event.from_dict(json.loads(found[k])) for k in sorted(found)]

    def unclustered_article_ids(self) -> list[str]:
        """Ids of stored articles that no stored event holds (what an increment clusters), seq order."""
        # the ids through the covering indexes of both tables (a few MB at 41,000 articles),
        # then the few found sorted by seq: not every article row walked in seq order (issue 13)
        ids = [r[0] for r in self._conn.execute(
            "SELECT a.id FROM articles a "
            "WHERE NOT EXISTS (SELECT 1 FROM event_members m WHERE m.article = a.id)")]
        seq: dict[str, int] = {}
        for chunk in _chunks(ids):
            seq.update(self._conn.execute(
                f"SELECT id, seq FROM articles WHERE id IN ({','.join('?' * len(chunk))})", chunk))
        return sorted(ids, key=seq.__getitem__)

    def newest_published_day(self) -> int | None:
        """The latest full publication day (as found; `date.toordinal()`) of any stored article."""
        return self._conn.execute("SELECT MAX(published_day) FROM article_digests").fetchone()[0]

    def reuse_links_among(self, ids: Iterable[str], kinds: Iterable[str] | None = None) -> list[ReuseLink]:
        """The stored links (of the given kinds) with both articles among `ids`."""
        wanted = set(ids)
        kinds = set(kinds) if kinds is not None else None
        rows: dict[tuple[str, str, str], str] = {}
        # a link with both ends among `ids` has its `a` among them: one lookup per id (the
        # primary key's prefix); `b IN` too would read every such link twice
        for chunk in _chunks(sorted(wanted)):
            marks = ",".join("?" * len(chunk))
            for a, b, kind, data in self._conn.execute(
                    f"SELECT a, b, kind, data FROM reuse WHERE a IN ({marks})", chunk):
                if b in wanted and (kinds is None or kind in kinds):
                    rows[(a, b, kind)] = data
        return [ReuseLink.from_dict(json.loads(rows[k])) for k in sorted(rows)]

    def replace_reuse_touching(self, ids: Iterable[str], links: Iterable[ReuseLink], kind: str) -> None:
        """Replace the stored links of one kind that touch any of `ids` by `links` (e.g. the
        translation links of the events an increment rebuilt), keeping the results sum."""
        ids = sorted(set(ids))
        with self.transaction() as conn:
            for chunk in _chunks(ids):
                marks = ",".join("?" * len(chunk))
                for column in ("a", "b"):
                    rows = conn.execute(f"SELECT a, b, data FROM reuse WHERE kind=? AND {column} IN ({marks})",
                                        (kind, *chunk)).fetchall()
                    for a, b, data in rows:
                        self._results_delta(conn, f"reuse:{kind}", removed=[data])
                        conn.execute("DELETE FROM reuse WHERE a=? AND b=? AND kind=?", (a, b, kind))
            self._upsert_links(conn, links)

    def _upsert_links(self, conn: sqlite3.Connection, links: Iterable[ReuseLink]) -> None:
        """Inside a transaction: write links over any stored row of the same pair and kind,
        keeping the results sums current."""
        for l in links:
            data = json.dumps(l.to_dict(), ensure_ascii=False)
            old = conn.execute("SELECT data FROM reuse WHERE a=? AND b=? AND kind=?", (l.a, l.b, l.kind)).fetchone()
            self._results_delta(conn, f"reuse:{l.kind}", added=[data], removed=[old[0]] if old else [])
            conn.execute("INSERT OR REPLACE INTO reuse VALUES (?,?,?,?)", (l.a, l.b, l.kind, data))

    def events(self) -> list[Event]:
        rows = self._conn.execute("SELECT data FROM events ORDER BY id").fetchall()
        return [Event.from_dict(json.loads(r[0])) for r in rows]

    def get_event(self, event_id: str) -> Event | None:
        row = self._conn.execute("SELECT data FROM events WHERE id=?", (event_id,)).fetchone()
        return Event.from_dict(json.loads(row[0])) if row else None

    def event_of(self, article_id: str) -> str | None:
        row = self._conn.execute("SELECT event FROM event_members WHERE article=?",
                                 (article_id,)).fetchone()
        return row[0] if row else None

    # -- embedding cache -----------------------------------------------------------
    def get_vectors(self, keys: list[str], model: str) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        for i in range(0, len(keys), 500):
            chunk = keys[i:i + 500]
            marks = ",".join("?" * len(chunk))
            for key, dim, blob in self._conn.execute(
                    f"SELECT key, dim, vec FROM embeddings WHERE model=? AND key IN ({marks})",
                    [model, *chunk]):
                out[key] = np.frombuffer(blob, dtype=np.float32, count=dim)
        return out

    def put_vectors(self, vectors: dict[str, np.ndarray], model: str) -> None:
        with self.transaction() as conn:
            conn.executemany(
                "INSERT OR REPLACE INTO embeddings VALUES (?,?,?,?)",
                [(k, model, int(v.shape[0]), np.asarray(v, dtype=np.float32).tobytes())
                 for k, v in vectors.items()])

    # -- event signals cache (per article; `engines.local.cached_signals`) ----------
    def _get_keyed(self, table: str, keys: dict[str, str]) -> dict[str, bytes]:
        """Article id -> record of a per-article cache table (article, key, data), for
        those stored under the given key (an older key means the record is stale)."""
        out: dict[str, bytes] = {}
        for chunk in _chunks(list(keys)):
            marks = ",".join("?" * len(chunk))
            for article, key, data in self._conn.execute(
                    f"SELECT article, key, data FROM {table} WHERE article IN ({marks})", chunk):
                if keys[article] == key:
                    out[article] = data
        return out

    def _put_keyed(self, table: str, records: dict[str, tuple[str, bytes]]) -> None:
        with self.transaction() as conn:
            conn.executemany(f"INSERT OR REPLACE INTO {table} VALUES (?,?,?)",
                             [(a, k, d) for a, (k, d) in records.items()])

    def get_signals(self, keys: dict[str, str]) -> dict[str, bytes]:
        """Article id -> stored signals record, for those stored under the given key."""
        return self._get_keyed("signals", keys)

    def put_signals(self, records: dict[str, tuple[str, bytes]]) -> None:
        """Store article id -> (key, signals record), replacing older ones."""
        self._put_keyed("signals", records)

    # -- compact event rows (per article; `engines.local.cached_rows`) ----------------
    def get_event_rows(self, keys: dict[str, str]) -> dict[str, bytes]:
        """Article id -> stored compact event row, for those stored under the given key."""
        return self._get_keyed("event_rows", keys)

    def put_event_rows(self, records: dict[str, tuple[str, bytes]]) -> None:
        """Store article id -> (key, compact event row), replacing older ones."""
        self._put_keyed("event_rows", records)

    # -- alignment memo (per candidate pair; `engines.local.AlignmentMemo`) ---------
    def get_alignments(self, keys: list[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        for i in range(0, len(keys), 500):
            chunk = keys[i:i + 500]
            marks = ",".join("?" * len(chunk))
            out.update(self._conn.execute(f"SELECT key, data FROM alignments WHERE key IN ({marks})", chunk))
        return out

    def put_alignments(self, records: dict[str, str]) -> None:
        with self.transaction() as conn:
            conn.executemany("INSERT OR REPLACE INTO alignments VALUES (?,?)", list(records.items()))

    def count_alignments(self) -> int:
        return self._conn.execute("SELECT count(*) FROM alignments").fetchone()[0]

    def keep_alignments(self, keys: Iterable[str]) -> int:
        """Delete every stored alignment whose key is not in `keys`; returns how many went."""
        with self.transaction() as conn:
            conn.execute("CREATE TEMP TABLE IF NOT EXISTS live_keys (key TEXT PRIMARY KEY)")
            conn.execute("DELETE FROM live_keys")
            conn.executemany("INSERT OR IGNORE INTO live_keys VALUES (?)", ((k,) for k in keys))
            gone = conn.execute("DELETE FROM alignments WHERE key NOT IN (SELECT key FROM live_keys)").rowcount
            conn.execute("DELETE FROM live_keys")
        return gone

    # -- files seen by `storytrace watch` ------------------------------------------
    def seen_files(self) -> dict[str, tuple[int, int]]:
        """path -> (size, mtime_ns) of every file `watch` has handed to ingest."""
        return {p: (s, m) for p, s, m in self._conn.execute("SELECT path, size, mtime_ns FROM seen_files")}

    def mark_seen(self, files: Iterable[tuple[str, int, int]]) -> None:
        with self.transaction() as conn:
            now = time.time()
            conn.executemany("INSERT OR REPLACE INTO seen_files VALUES (?,?,?,?)",
                             [(p, s, m, now) for p, s, m in files])

    # -- named stages --------------------------------------------------------------
    def stage_fingerprint(self, name: str) -> str | None:
        row = self._conn.execute("SELECT fingerprint FROM stages WHERE name=?", (name,)).fetchone()
        return row[0] if row else None

    def mark_stage(self, name: str, fingerprint: str, mark: tuple[int, int] | None = None) -> None:
        """Record that stage `name` finished with `fingerprint`; `mark`: the
        `articles_mark()` taken when it started reading articles (what
        `new_article_ids_since` / `changed_article_ids_since` count from)."""
        with self.transaction() as conn:
            conn.execute("INSERT OR REPLACE INTO stages VALUES (?,?,?)", (name, fingerprint, time.time()))
            if mark is not None:
                conn.execute("INSERT OR REPLACE INTO stage_marks VALUES (?,?,?)", (name, int(mark[0]), int(mark[1])))


# -- one writer per store: the analysis lease ------------------------------------------------
# An analysis rewrites whole tables (reuse, events) from its own snapshot of the articles, so two
# at once on one store lose work. Whoever analyses (the CLI, the web app's job, a Spark run)
# first takes the lease: a row in the store itself, taken in one IMMEDIATE transaction, renewed
# by a heartbeat thread and given up at the end. On the same host a holder whose pid is gone is
# known dead at once; a holder on another host (a shared store) that stops renewing loses the
# lease LEASE_TTL seconds after its last heartbeat.
LEASE_TTL = 30.0
ANALYSIS_LEASE = "analysis"


class LeaseHeld(RuntimeError):
    """Another live process holds the lease; `holder` describes it (owner, pid, purpose, ages)."""

    def __init__(self, message: str, holder: dict[str, Any]):
        super().__init__(message)
        self.holder = holder


def _pid_alive(pid: int) -> bool:
    import os

    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:     # a zombie has ended; only its parent has not reaped it yet
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[-1].split()[0] not in ("Z", "X")
    except OSError:
        return True


def describe_holder(holder: dict[str, Any], now: float | None = None) -> str:
    now = time.time() if now is None else now
    return (f"{holder['purpose']} by pid {holder['pid']} on {holder['host']}, running for "
            f"{now - holder['taken']:.0f} s (last heartbeat {now - holder['heartbeat']:.0f} s ago)")


class Lease:
    """A held lease; renews itself every ttl/3 seconds until `release()` (or the `with` block ends)."""

    def __init__(self, path: Path, name: str, owner: str, ttl: float):
        self.path, self.name, self.owner, self.ttl = path, name, owner, ttl
        self.lost = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"storytrace-lease-{name}", daemon=True)
        self._thread.start()

    def _beat(self) -> None:
        conn = sqlite3.connect(self.path, timeout=30.0, isolation_level=None, check_same_thread=False)
        try:
            while not self._stop.wait(self.ttl / 3):
                now = time.time()
                try:
                    cur = conn.execute("UPDATE leases SET heartbeat=?, expires=? WHERE name=? AND owner=?",
                                       (now, now + self.ttl, self.name, self.owner))
                except sqlite3.Error:
                    continue      # busy past the timeout: try again at the next beat
                if cur.rowcount == 0:
                    self.lost = True
                    return
        finally:
            conn.close()

    def release(self) -> None:
        self._stop.set()
        self._thread.join()
        conn = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
        try:
            conn.execute("DELETE FROM leases WHERE name=? AND owner=?", (self.name, self.owner))
        finally:
            conn.close()

    def __enter__(self) -> "Lease":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.release()


def _lease_holder(conn: sqlite3.Connection, name: str) -> dict[str, Any] | None:
    row = conn.execute("SELECT owner, host, pid, purpose, taken, heartbeat, expires FROM leases "
                       "WHERE name=?", (name,)).fetchone()
    if row is None:
        return None
    return dict(zip(("owner", "host", "pid", "purpose", "taken", "heartbeat", "expires"), row))


def _holder_dead(holder: dict[str, Any], now: float) -> bool:
    """On this host the holder's pid decides (a long write that delays the heartbeat is no
    death); a holder on another host is dead once its expiry passed without a heartbeat."""
    import socket

    if holder["host"] == socket.gethostname():
        return not _pid_alive(int(holder["pid"]))
    return holder["expires"] <= now


def _try_lease(store: Store, name: str, owner: str, purpose: str, ttl: float) -> dict[str, Any] | None:
    """Take the lease in one transaction; None when taken, else the live holder."""
    import os
    import socket

    with store.transaction() as conn:
        now = time.time()
        holder = _lease_holder(conn, name)
        if holder is not None and holder["owner"] != owner and not _holder_dead(holder, now):
            return holder
        conn.execute("INSERT OR REPLACE INTO leases VALUES (?,?,?,?,?,?,?,?)",
                     (name, owner, socket.gethostname(), os.getpid(), purpose, now, now, now + ttl))
    return None


def lease_holder(store: Store, name: str = ANALYSIS_LEASE) -> dict[str, Any] | None:
    """The live holder of the lease `name`, or None when it is free (or its holder died)."""
    holder = _lease_holder(store._conn, name)
    return None if holder is None or _holder_dead(holder, time.time()) else holder


def acquire_lease(store: Store, name: str = ANALYSIS_LEASE, *, purpose: str = "analysis",
                  wait: float | None = 0.0, ttl: float = LEASE_TTL, poll: float = 0.5,
                  on_wait=None) -> Lease:
    """Take the lease `name` on `store`, or raise `LeaseHeld` naming who holds it.

    `wait`: seconds to keep trying (0: try once; None: until it is free; a holder that dies
    frees it within `ttl`). `on_wait(holder)` is called once when the first try fails.
    """
    import os
    import secrets
    import socket

    owner = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(6)}"
    deadline = None if wait is None else time.monotonic() + wait
    told = False
    while True:
        holder = _try_lease(store, name, owner, purpose, ttl)
        if holder is None:
            return Lease(store.path, name, owner, ttl)
        if deadline is not None and time.monotonic() >= deadline:
            raise LeaseHeld(f"{store.path}: another {describe_holder(holder)} holds this store; "
                            f"try again when it ends", holder)
        if on_wait is not None and not told:
            on_wait(holder)
            told = True
        time.sleep(poll)
