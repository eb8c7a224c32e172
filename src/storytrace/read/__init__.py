"""Read inputs as they really arrive: files, folders, globs, URLs and URL lists.

`iter_documents` never raises for bad input: every input that cannot be used becomes an
`InputError` with the path and a reason, and reading goes on with the rest.
"""
from __future__ import annotations

import glob
import os
from pathlib import Path
from typing import Iterator

from ..model import InputError, RawDocument
from .fetch import fetch_url
from .formats import KNOWN_EXT, MAX_BYTES, documents_from_bytes

__all__ = ["iter_documents", "expand_inputs", "read_path"]

_GLOB_CHARS = set("*?[")


def _is_url(value: str) -> bool:
    return value.startswith(("http://", "https://"))


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
        if _is_url(item):
            yield item
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
