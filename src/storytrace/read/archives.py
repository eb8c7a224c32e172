"""Zip and gzip containers, read defensively.

Members are untrusted: a name with `..` or an absolute path is reported, never used, and
both the member count and the decompressed size are capped (checked while reading, not
only from the headers, which a zip bomb can falsify). Nothing is ever extracted to disk.
"""
from __future__ import annotations

import gzip
import io
import posixpath
import zipfile
import zlib
from typing import Iterator

from ..model import InputError, RawDocument
from .formats import MAX_BYTES, documents_from_bytes

MAX_MEMBERS = 10_000
MAX_TOTAL_BYTES = 1024 * 1024 * 1024


def unsafe_member_name(name: str) -> bool:
    normalized = name.replace("\\", "/")
    if normalized.startswith("/") or (len(normalized) > 1 and normalized[1] == ":"):
        return True
    return ".." in posixpath.normpath(normalized).split("/") or ".." in normalized.split("/")


def iter_zip(source: str, data: bytes, *, depth: int = 0) -> Iterator[RawDocument | InputError]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, NotImplementedError) as exc:
        # NotImplementedError: zipfile's answer to a bogus "version needed" field (found by fuzzing).
        yield InputError(source, f"corrupt zip: {exc}")
        return
    if len(infos) > MAX_MEMBERS:
        yield InputError(source, f"zip has {len(infos)} members (limit {MAX_MEMBERS})")
        return
    total = 0
    for info in sorted(infos, key=lambda i: i.filename):
        if not info.filename:            # zipfile's is_dir() raises IndexError on an empty name
            yield InputError(f"{source}!", "zip member without a name; skipped")
            continue
        if info.is_dir():
            continue
        where = f"{source}!{info.filename}"
        if unsafe_member_name(info.filename):
            yield InputError(where, "unsafe member path (absolute or '..'); skipped")
            continue
        if info.file_size > MAX_BYTES:
            yield InputError(where, f"member too large ({info.file_size} bytes > {MAX_BYTES})")
            continue
        try:
            with archive.open(info) as fh:
                payload = fh.read(MAX_BYTES + 1)
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError, NotImplementedError, RuntimeError,
                ValueError) as exc:   # ValueError: negative seek / undecodable name in a forged header
            yield InputError(where, f"corrupt zip member: {exc}")
            continue
        if len(payload) > MAX_BYTES:
            yield InputError(where, f"member decompresses to more than {MAX_BYTES} bytes")
            continue
        total += len(payload)
        if total > MAX_TOTAL_BYTES:
            yield InputError(source, f"zip decompresses to more than {MAX_TOTAL_BYTES} bytes; stopped")
            return
        yield from documents_from_bytes(where, payload, name=info.filename, depth=depth + 1)


def iter_gzip(source: str, data: bytes, *, name: str, depth: int = 0) -> Iterator[RawDocument | InputError]:
    inner = name[:-3] if name.endswith(".gz") else name
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as fh:
            payload = fh.read(MAX_BYTES + 1)
    except (OSError, EOFError, zlib.error) as exc:
        yield InputError(source, f"corrupt or truncated gzip: {exc}")
        return
    if len(payload) > MAX_BYTES:
        yield InputError(source, f"decompresses to more than {MAX_BYTES} bytes")
        return
    if inner.endswith(".tar"):
        yield InputError(source, "tar archives are not supported; use zip")
        return
    yield from documents_from_bytes(source, payload, name=inner, depth=depth + 1)
