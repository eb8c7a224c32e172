"""WARC / WARC.gz: one document per HTML (or plain-text) HTTP response record, via warcio.

The WARC-Date is when the crawler fetched the page, not when it was published, so it is
kept as `fetched` metadata only; the normalizer never uses it as the publication date.
"""
from __future__ import annotations

import io
import zlib
from typing import Iterator

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from ..model import InputError, RawDocument
from .encoding import DecodeError, decode_bytes
from .formats import MAX_BYTES

_TEXT_TYPES = ("text/html", "application/xhtml+xml", "text/plain")


def _charset(content_type: str) -> str | None:
    for part in content_type.split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.lower() == "charset" and value:
            return value.strip("\"' ")
    return None


def _gzip_truncated(data: bytes) -> str | None:
    """warcio stops quietly at a cut-off gzip member; check every member ourselves
    (streaming, bounded output, so a bomb costs time but never memory)."""
    rest = data
    while rest:
        inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
        pending = rest
        try:
            while not inflater.eof:
                if not pending:
                    return "truncated gzip member"
                inflater.decompress(pending, 1 << 16)
                pending = inflater.unconsumed_tail
        except zlib.error as exc:
            return f"corrupt gzip data: {exc}"
        rest = inflater.unused_data.lstrip(b"\0")
    return None


def iter_warc(source: str, data: bytes) -> Iterator[RawDocument | InputError]:
    if data[:2] == b"\x1f\x8b" and (problem := _gzip_truncated(data)):
        yield InputError(source, f"corrupt or truncated WARC: {problem}")
        return
    found = 0
    stream = io.BytesIO(data)
    try:
        records = ArchiveIterator(stream, arc2warc=True)
        for record in records:
            if record.rec_type not in ("response", "resource"):
                continue
            offset = records.offset  # this record's start; get_record_offset() would consume the payload first
            where = f"{source}#{offset}"
            uri = record.rec_headers.get_header("WARC-Target-URI")
            content_type = ""
            if record.http_headers is not None:
                status = record.http_headers.get_statuscode()
                if status and not status.startswith("2"):
                    continue
                content_type = record.http_headers.get_header("Content-Type") or ""
            else:
                content_type = record.rec_headers.get_header("Content-Type") or ""
            mime = content_type.split(";")[0].strip().lower()
            if mime and mime not in _TEXT_TYPES:
                continue
            try:
                payload = record.content_stream().read(MAX_BYTES + 1)
            except (OSError, EOFError, ValueError) as exc:
                yield InputError(where, f"corrupt WARC record: {exc}")
                continue
            found += 1
            if len(payload) > MAX_BYTES:
                yield InputError(where, f"WARC record larger than {MAX_BYTES} bytes")
                continue
            if not payload.strip():
                yield InputError(where, "empty WARC response")
                continue
            try:
                text, encoding = decode_bytes(payload, declared=_charset(content_type))
            except DecodeError as exc:
                yield InputError(where, str(exc))
                continue
            metadata = {"url": uri} if uri else {}
            fetched = record.rec_headers.get_header("WARC-Date")
            if fetched:
                metadata["fetched"] = fetched
            yield RawDocument(source_path=where, content=text,
                              format="text" if mime == "text/plain" else "html",
                              metadata=metadata, encoding=encoding)
    except (ArchiveLoadFailed, OSError, EOFError, ValueError, AttributeError, TypeError, IndexError,
            KeyError) as exc:
        # warcio assumes well-formed headers: a response record without WARC-Target-URI raises
        # AttributeError, other malformed headers Type/Index/KeyError (found by bench/fuzz.py).
        detail = exc if isinstance(exc, (ArchiveLoadFailed, OSError, EOFError, ValueError)) else \
            "malformed record headers (e.g. a response without WARC-Target-URI)"
        yield InputError(source, f"corrupt or truncated WARC: {detail}")
        return
    if found == 0:
        yield InputError(source, "WARC file has no HTML response records")
