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
import sys
import tempfile
from contextlib import contextmanager
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
