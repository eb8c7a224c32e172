"""Read inputs as they really arrive: files, folders, globs, URLs and URL lists.

`iter_documents` never raises for bad input: every input that cannot be used becomes an
`InputError` with the path and a reason, and reading goes on with the rest.
"""
from __future__ import annotations

import glob
import os
import re
from pathlib import Path
from typing import Iterator
from urllib.parse import unquote, urlsplit

from ..model import InputError, RawDocument
from .fetch import fetch_url
from .formats import KNOWN_EXT, MAX_BYTES, documents_from_bytes

__all__ = ["iter_documents", "expand_inputs", "read_path", "ACCEPTED_INPUTS", "unsupported_scheme"]

_GLOB_CHARS = set("*?[")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
ACCEPTED_INPUTS = "local files, folders and globs, file:// paths, http:// and https:// URLs"


def _is_url(value: str) -> bool:
    return value.startswith(("http://", "https://"))


def unsupported_scheme(item: str) -> str | None:
    """Why `item` cannot be read, when it names a scheme storytrace does not read (`hdfs://`,
    `s3a://`, `ftp://` ...); None for accepted inputs. Neither engine reads Hadoop or object
    store paths as inputs: copy or mount them locally (docs/spark.md)."""
    match = _SCHEME.match(item)
    if not match or match.group(1).lower() in ("http", "https", "file"):
        return None
    return (f"unsupported input scheme '{match.group(1)}://': storytrace reads {ACCEPTED_INPUTS} "
            f"(copy or mount {match.group(1)}:// data to a local path first)")


def _local(item: str) -> str:
    """`file:///path` as a plain path; anything else unchanged."""
    if item.lower().startswith("file://"):
        parts = urlsplit(item)
        if parts.netloc not in ("", "localhost"):
            return item
        return unquote(parts.path)
    return item


def _is_folder_doc(name: str) -> bool:
    """README.md, LICENSE, EXPECTED.md...: an all-capitals name documents the folder by
    convention, it is not an article. Skipped only when walking a folder; name the file
    explicitly to read it."""
    stem = name.split(".", 1)[0]
    return len(stem) >= 4 and stem.isascii() and stem.isalpha() and stem.isupper()


def _walk(folder: Path) -> list[Path]:
    """Article files under a folder, recursively, in a stable order; hidden files skipped."""
    found = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if (not name.startswith(".") and name.lower().endswith(KNOWN_EXT)
                    and not _is_folder_doc(name)):
                found.append(Path(root) / name)
    return sorted(found)


def expand_inputs(inputs: list[str]) -> Iterator[str | InputError]:
    """Paths and URLs in a deterministic order; an input matching nothing is an InputError."""
    for item in inputs:
        reason = unsupported_scheme(item)
        if reason:
            yield InputError(item, reason)
            continue
        if _is_url(item):
            yield item
            continue
        item = _local(item)
        if "://" in item:
            yield InputError(item, f"file:// inputs must be on this machine (file:///path); storytrace reads {ACCEPTED_INPUTS}")
        elif os.path.isdir(item):
            files = _walk(Path(item))
            if not files:
                yield InputError(item, "folder has no readable article files")
            for path in files:
                yield str(path)
        elif os.path.exists(item):
            yield item
        elif _GLOB_CHARS & set(item):
            matches = sorted(glob.glob(item, recursive=True))
            if not matches:
                yield InputError(item, "glob matches no files")
            for match in matches:
                if os.path.isdir(match):
                    yield from (str(p) for p in _walk(Path(match)))
                else:
                    yield match
        else:
            yield InputError(item, "no such file or folder")


def read_path(path: str) -> Iterator[RawDocument | InputError]:
    """All documents in one local file (several for JSON Lines, WARC and archives)."""
    try:
        size = os.path.getsize(path)
        if size > MAX_BYTES:
            yield InputError(path, f"too large ({size} bytes > {MAX_BYTES}); not read")
            return
        with open(path, "rb") as fh:
            data = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        yield InputError(path, f"cannot read: {exc.strerror or exc}")
        return
    yield from documents_from_bytes(path, data)


def iter_documents(inputs: list[str]) -> Iterator[RawDocument | InputError]:
    for item in expand_inputs(list(inputs)):
        if isinstance(item, InputError):
            yield item
        elif _is_url(item):
            yield fetch_url(item)
        else:
            yield from read_path(item)
