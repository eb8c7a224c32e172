"""Turn one named blob of bytes into documents, choosing the reader by name and content.

Archives call back into `documents_from_bytes` for their members, so a zip of WARCs or a
gzipped JSON Lines file work without special cases; `depth` caps the nesting.
"""
from __future__ import annotations

import re
from typing import Iterator

from ..model import InputError, RawDocument
from .encoding import DecodeError, decode_bytes

MAX_BYTES = 50 * 1024 * 1024
MAX_DEPTH = 3

HTML_EXT = (".html", ".htm", ".xhtml", ".shtml")
MARKDOWN_EXT = (".md", ".markdown", ".mdown")
TEXT_EXT = (".txt", ".text")
JSONL_EXT = (".jsonl", ".ndjson", ".json")
WARC_EXT = (".warc", ".warc.gz", ".arc", ".arc.gz")
ARCHIVE_EXT = (".zip", ".gz")
URL_LIST_EXT = (".urls",)
KNOWN_EXT = HTML_EXT + MARKDOWN_EXT + TEXT_EXT + JSONL_EXT + WARC_EXT + ARCHIVE_EXT + URL_LIST_EXT

_HTML_START = re.compile(r"\s*(?:<!doctype\s+html|<html|<head|<body|<div|<p[\s>]|<article|<main|<section|<meta|<!--)",
                         re.IGNORECASE)
_URL_LINE = re.compile(r"^https?://\S+$")


def looks_like_html(text: str) -> bool:
    return bool(_HTML_START.match(text[:2000])) or text[:5000].count("</p>") >= 2


def url_list(text: str) -> list[str] | None:
    """The URLs if every non-blank, non-comment line is an http(s) URL, else None."""
    lines = [ln.strip() for ln in text.splitlines()]
    lines = [ln for ln in lines if ln and not ln.startswith("#")]
    if lines and all(_URL_LINE.match(ln) for ln in lines):
        return lines
    return None


def text_format(name: str, text: str) -> str:
    """html | markdown | text for a decoded single-article file."""
    lower = name.lower()
    if lower.endswith(MARKDOWN_EXT):
        return "markdown"
    if lower.endswith(HTML_EXT):
        return "html"
    body = text
    if text.startswith("---"):
        parts = text.split("\n---", 1)
        body = parts[1] if len(parts) == 2 else text
    if looks_like_html(body.lstrip("-\r\n ")):
        return "html"
    return "text"


def documents_from_bytes(source: str, data: bytes, *, name: str | None = None,
                         depth: int = 0) -> Iterator[RawDocument | InputError]:
    """Yield the documents in `data`; `source` is the path reported, `name` picks the reader."""
    from . import archives, jsonl, warc
    from .fetch import fetch_urls

    name = (name or source).lower()
    if len(data) > MAX_BYTES:
        yield InputError(source, f"too large ({len(data)} bytes > {MAX_BYTES})")
        return
    if not data.strip():
        yield InputError(source, "empty file")
        return
    if depth > MAX_DEPTH:
        yield InputError(source, f"archives nested deeper than {MAX_DEPTH}")
        return
    if name.endswith(WARC_EXT) or data[:4] == b"WARC":
        yield from warc.iter_warc(source, data)
        return
    if name.endswith(".zip") or data[:4] == b"PK\x03\x04":
        yield from archives.iter_zip(source, data, depth=depth)
        return
    if name.endswith(".gz") or data[:2] == b"\x1f\x8b":
        yield from archives.iter_gzip(source, data, name=name, depth=depth)
        return
    try:
        text, encoding = decode_bytes(data)
    except DecodeError as exc:
        yield InputError(source, str(exc))
        return
    if not text.strip():
        yield InputError(source, "empty file (only whitespace)")
        return
    if name.endswith(JSONL_EXT):
        yield from jsonl.iter_jsonl(source, text, encoding)
        return
    if depth == 0 and name.endswith(TEXT_EXT + URL_LIST_EXT) and (urls := url_list(text)):
        yield from fetch_urls(urls)
        return
    if name.endswith(URL_LIST_EXT):
        yield InputError(source, "URL list has lines that are not http(s) URLs")
        return
    yield RawDocument(source_path=source, content=text, format=text_format(name, text), encoding=encoding)
