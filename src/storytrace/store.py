"""The embedded store: one SQLite file in WAL mode.

Why SQLite: it ships with Python, readers keep reading while one writer commits (WAL),
and a transaction either lands whole or not at all, so a killed ingest leaves the store
consistent and a re-run simply continues (article ids are content hashes, so inserting
again is a no-op).
"""
from __future__ import annotations

import json
import sqlite3
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterable, Iterator

import numpy as np

from .model import Article, Event, InputError, ReuseLink

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
CREATE TABLE IF NOT EXISTS events (id TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS event_members (article TEXT PRIMARY KEY, event TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS embeddings (
    key TEXT PRIMARY KEY,
    model TEXT NOT NULL,
    dim INTEGER NOT NULL,
    vec BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS stages (name TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, at REAL NOT NULL);
"""


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
        with self.transaction() as conn:
            seq = conn.execute("SELECT COALESCE(MAX(seq), 0) FROM articles").fetchone()[0]
            for art in articles:
                exists = conn.execute("SELECT 1 FROM articles WHERE id=?", (art.id,)).fetchone()
                status = "duplicate" if exists else "stored"
                if exists:
                    dup.append(art.id)
                else:
                    seq += 1
                    conn.execute(
                        "INSERT INTO articles VALUES (?,?,?,?,?,?,?,?,?,?)",
                        (art.id, seq, art.source_path, art.title, art.language, art.script,
                         art.outlet, art.published, fold(art.title + "\n" + art.text),
                         json.dumps(art.to_dict(), ensure_ascii=False)),
                    )
                    new.append(art.id)
                conn.execute("INSERT OR REPLACE INTO sources VALUES (?,?,?,?,?)",
                             (art.source_path, art.id, status, None, time.time()))
                conn.execute("DELETE FROM errors WHERE path=?", (art.source_path,))
        return new, dup

    def update_articles(self, articles: Iterable[Article]) -> None:
        """Rewrite stored records (e.g. a publication year inferred from an event)."""
        with self.transaction() as conn:
            for art in articles:
                conn.execute("UPDATE articles SET published=?, data=? WHERE id=?",
                             (art.published, json.dumps(art.to_dict(), ensure_ascii=False), art.id))

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
        """Replace stored links (all kinds, or only the given kinds) in one transaction."""
        with self.transaction() as conn:
            if kinds is None:
                conn.execute("DELETE FROM reuse")
            else:
                for kind in kinds:
                    conn.execute("DELETE FROM reuse WHERE kind=?", (kind,))
            conn.executemany("INSERT OR REPLACE INTO reuse VALUES (?,?,?,?)",
                             [(l.a, l.b, l.kind, json.dumps(l.to_dict(), ensure_ascii=False))
                              for l in links])

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

    # -- events --------------------------------------------------------------------
    def replace_events(self, events: Iterable[Event]) -> None:
        with self.transaction() as conn:
            conn.execute("DELETE FROM events")
            conn.execute("DELETE FROM event_members")
            for ev in events:
                conn.execute("INSERT INTO events VALUES (?,?)",
                             (ev.id, json.dumps(ev.to_dict(), ensure_ascii=False)))
                conn.executemany("INSERT OR REPLACE INTO event_members VALUES (?,?)",
                                 [(a, ev.id) for a in ev.articles])

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

    # -- named stages --------------------------------------------------------------
    def stage_fingerprint(self, name: str) -> str | None:
        row = self._conn.execute("SELECT fingerprint FROM stages WHERE name=?", (name,)).fetchone()
        return row[0] if row else None

    def mark_stage(self, name: str, fingerprint: str) -> None:
        with self.transaction() as conn:
            conn.execute("INSERT OR REPLACE INTO stages VALUES (?,?,?)", (name, fingerprint, time.time()))
