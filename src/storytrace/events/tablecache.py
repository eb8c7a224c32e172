"""Lookup tables the events stage derives from its libraries' data, kept between processes.

Why: every process that builds event signals (a run, an increment, each Spark worker)
used to rebuild the same tables before its first article: the CLDR place names
(`gazetteer`, 0.5-0.9 s through Babel) and jieba's prefix dictionary (1 s: jieba reads its
own cache with `marshal.load` on a file, which reads object by object; `marshal.loads` of
the file's bytes takes a third of that). An increment of 100 articles pays these once per
process, so they were a third of its events stage.

The tables are stored with `marshal` (plain dicts, lists, strings and numbers: loading
one runs no code) in a per-user cache folder: `$STORYTRACE_CACHE_DIR`, else
`$XDG_CACHE_HOME/storytrace`, else `~/.cache/storytrace`. A table's file name carries a
digest of everything it is built from (the caller's key: library versions, data and source
hashes) and of Python's marshal format, so a changed library, data file or code reads a new
file and never a stale one. Nothing is downloaded. Where the folder cannot be written
(read-only home, sandbox) or a file is unreadable or damaged, the table is built as before;
a table is written to a temporary file and renamed into place, so a reader never sees half
of one.
"""
from __future__ import annotations

import gc
import hashlib
import marshal
import os
import re
import sys
import tempfile
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Callable, Iterator, TypeVar

T = TypeVar("T")


@contextmanager
def gc_paused() -> Iterator[None]:
    """The cyclic garbage collector off while a library loads its tables.

    Why: a table load creates hundreds of thousands of container objects (pypinyin's phrase
    lists, jieba's HMM tables), which triggers full collections that walk every object the
    process already holds; in an increment (the window's rows loaded) that was 2-3 full
    collections, 0.1 s each, for objects that live as long as the process anyway. Loading
    creates no cycles worth collecting; the collector is back on (if it was on) after."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def cache_dir() -> Path:
    """Where the tables are kept (see the module docstring)."""
    explicit = os.environ.get("STORYTRACE_CACHE_DIR", "").strip()
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
    return (Path(xdg) if xdg else Path.home() / ".cache") / "storytrace"


def file_digest(*paths: str | Path) -> str:
    """Digest of the given files' bytes (a library's data file, our own source)."""
    digest = hashlib.blake2b(digest_size=16)
    for path in paths:
        digest.update(Path(path).read_bytes())
        digest.update(b"\x1e")
    return digest.hexdigest()


def table_path(name: str, key: list) -> Path:
    head = [name, marshal.version, sys.version_info[:2], *key]
    digest = hashlib.blake2b(repr(head).encode("utf-8"), digest_size=12).hexdigest()
    return cache_dir() / f"{name}-{digest}.marshal"


def versions(*distributions: str) -> list:
    """Installed versions of the given distributions (None where one is not installed)."""
    from importlib import metadata

    out = []
    for name in distributions:
        try:
            out.append(metadata.version(name))
        except metadata.PackageNotFoundError:
            out.append(None)
    return out


def cached_table(name: str, key: list, build: Callable[[], T], valid: Callable[[object], bool] = lambda _: True) -> T:
    """`build()`, or the table a previous process built under the same `name` and `key`.

    `key`: everything the table depends on, as plain values (versions, `file_digest`s);
    the table itself: what `marshal` can store (dicts, lists, tuples, str, numbers);
    `valid`: whether a table read back has the expected shape (else it is built again)."""
    try:
        path = table_path(name, key)
    except RuntimeError:        # no home folder to keep a cache in
        return build()
    try:
        table = marshal.loads(path.read_bytes())
        if valid(table):
            return table
    except (OSError, EOFError, ValueError, TypeError):
        pass                    # not built yet, unreadable or damaged: build it
    table = build()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{name}-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                marshal.dump(table, fh)
            os.replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
    except (OSError, ValueError):
        pass                    # an unwritable folder costs the next process a rebuild, nothing more
    return table


# -- tables read by what a text can look up -------------------------------------------------
# jieba's prefix dictionary (498,113 entries) and its word tags (349,045) are consulted only
# for substrings of the text being cut, and every substring starts with one of the text's
# characters and, when longer, with one of its two-character substrings. So a tagger that
# is handed, before it cuts a text, every entry whose key starts with one of those (its
# "prefix": the key's first two characters, or the key itself when it is one character)
# answers every lookup exactly as with the whole table. The tables are kept in SQLite,
# (prefix, key) -> value: a hundred news leads need 8 % of the entries (40,576 of the
# prefix dictionary's), read in milliseconds, where loading either table whole took
# 0.3-0.4 s per process.

def text_prefixes(text: str) -> set[str]:
    """The prefixes (see above) of every key a lookup of a substring of `text` can ask for."""
    return set(text) | {text[i:i + 2] for i in range(len(text) - 1)}


_SURROGATE = re.compile("[\ud800-\udfff]")


def _prefix(key: str) -> str:
    return key[:2]


class KeyedTable:
    """A str-keyed table (`keyed_table`): `fill(target, text, seen)` adds to `target` the
    entries of every prefix of `text` not in `seen` (and adds those prefixes to `seen`);
    `meta`: the plain values stored with it (e.g. jieba's frequency total)."""

    QUERY_CHUNK = 500

    def __init__(self, path: Path | None, meta: dict, entries: dict | None = None) -> None:
        self.path, self.meta = path, meta
        self._grouped: dict[str, list] | None = None
        if entries is not None:
            self._group(entries)
        self._conn = None
        self._pid = None

    def _group(self, entries: dict) -> None:
        grouped: dict[str, list] = {}
        for key, value in entries.items():
            grouped.setdefault(_prefix(key), []).append((key, value))
        self._grouped = grouped

    def _rows(self, prefixes: list[str]) -> Iterator[tuple[str, object]]:
        if self._grouped is not None:
            for p in prefixes:
                yield from self._grouped.get(p, ())
            return
        if self._conn is None or self._pid != os.getpid():
            # a connection is never used across a fork: each process opens its own
            import sqlite3

            self._conn = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro&immutable=1", uri=True,
                                         check_same_thread=False)
            self._pid = os.getpid()
        for lo in range(0, len(prefixes), self.QUERY_CHUNK):
            part = prefixes[lo:lo + self.QUERY_CHUNK]
            yield from self._conn.execute(
                f"SELECT k, v FROM entries WHERE p IN ({','.join('?' * len(part))})", part)

    def fill(self, target: dict, text: str, seen: set[str]) -> None:
        todo = text_prefixes(text) - seen
        if not todo:
            return
        seen |= todo
        # a lone surrogate (text decoded leniently) is in no key, and SQLite takes only UTF-8
        target.update(self._rows(sorted(p for p in todo if not _SURROGATE.search(p))))


def keyed_table(name: str, key: list, build: Callable[[], tuple[dict, dict]]) -> KeyedTable:
    """The table `build()` returns as (entries, meta), kept in the cache folder as
    `name-<digest>.sqlite` (digest of `key`, as `cached_table`'s), or the one a previous
    process kept under the same name and key. Where the folder cannot be written or the
    file is damaged, the built table is used from memory (grouped by prefix)."""
    import json
    import sqlite3

    try:
        path = table_path(name, key).with_suffix(".sqlite")
    except RuntimeError:        # no home folder to keep a cache in
        entries, meta = build()
        return KeyedTable(None, meta, entries)
    try:
        if path.is_file():
            uri = f"{path.resolve().as_uri()}?mode=ro&immutable=1"
            with closing(sqlite3.connect(uri, uri=True)) as conn:
                meta = json.loads(conn.execute("SELECT value FROM meta WHERE name = 'meta'").fetchone()[0])
                conn.execute("SELECT k, v FROM entries WHERE p = ''").fetchall()
            if isinstance(meta, dict):
                return KeyedTable(path, meta)
    except (OSError, sqlite3.Error, TypeError, ValueError):
        pass                    # unreadable or damaged: built again
    entries, meta = build()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{name}-", suffix=".tmp")
        os.close(fd)
        try:
            with closing(sqlite3.connect(temp)) as conn:
                conn.execute("PRAGMA journal_mode = OFF")
                conn.execute("PRAGMA synchronous = OFF")
                conn.execute("CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)")
                conn.execute("CREATE TABLE entries (p TEXT NOT NULL, k TEXT NOT NULL, v, PRIMARY KEY (p, k)) "
                             "WITHOUT ROWID")
                conn.executemany("INSERT INTO entries VALUES (?, ?, ?)",
                                 sorted((_prefix(k), k, v) for k, v in entries.items()))
                conn.execute("INSERT INTO meta VALUES ('meta', ?)", (json.dumps(meta),))
                conn.commit()
            os.replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
    except (OSError, sqlite3.Error):
        return KeyedTable(None, meta, entries)     # the next process builds it again
    return KeyedTable(path, meta)
