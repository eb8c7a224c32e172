"""JSON Lines: one article object per line, with whatever field names the exporter chose.

Field names vary between scrapers and datasets; we accept the common ones and map them
onto the metadata keys the normalizer reads (title, url, date, outlet, author, language).
"""
from __future__ import annotations

import json
from typing import Any, Iterator

from ..model import InputError, RawDocument
from .formats import looks_like_html

_BODY_FIELDS = (("html", "html"), ("raw_html", "html"), ("content_html", "html"),
                ("text", None), ("content", None), ("body", None), ("article", None),
                ("maintext", None), ("markdown", "markdown"))
_META_FIELDS = {
    "title": ("title", "headline"),
    "url": ("url", "link", "canonical_url", "source_url"),
    "date": ("published", "date", "published_at", "date_publish", "pubdate", "datetime", "time"),
    "outlet": ("outlet", "source", "site", "site_name", "sitename", "publisher", "domain"),
    "author": ("author", "authors", "byline"),
    "language": ("language", "lang"),
}


def _as_text(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return ", ".join(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return None


def record_to_document(source: str, record: dict[str, Any], encoding: str | None) -> RawDocument | InputError:
    found = next(((record[name], fmt) for name, fmt in _BODY_FIELDS
                  if isinstance(record.get(name), str) and record[name].strip()), None)
    if found is None:
        return InputError(source, "JSON object has no text field (text, content, body or html)")
    body, fmt = found
    metadata: dict[str, Any] = {}
    for key, names in _META_FIELDS.items():
        for name in names:
            value = _as_text(record.get(name))
            if value and value.strip():
                metadata[key] = value.strip()
                break
    if "date" in metadata:
        metadata["date_field"] = next(n for n in _META_FIELDS["date"] if _as_text(record.get(n)))
    fmt = fmt or ("html" if looks_like_html(body) else "text")
    return RawDocument(source_path=source, content=body, format=fmt, metadata=metadata, encoding=encoding)


def iter_jsonl(source: str, text: str, encoding: str | None = None) -> Iterator[RawDocument | InputError]:
    """One document per line; a bad line is an InputError `file.jsonl#L<n>`, the rest go on."""
    stripped = text.strip()
    if source.lower().endswith(".json") and stripped[:1] in "[{":
        # A .json file may hold one object or an array of them; if it does not parse as a
        # whole it is read as JSON Lines, which reports each bad line.
        try:
            records = json.loads(stripped)
        except json.JSONDecodeError:
            records = None
        if isinstance(records, dict):
            yield record_to_document(source, records, encoding)
            return
        if isinstance(records, list):
            if not records:
                yield InputError(source, "JSON array is empty")
            for i, record in enumerate(records, 1):
                where = f"{source}#{i}"
                yield (record_to_document(where, record, encoding) if isinstance(record, dict)
                       else InputError(where, "array item is not a JSON object"))
            return
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        where = f"{source}#L{lineno}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield InputError(where, f"invalid JSON line: {exc.msg} (column {exc.colno})")
            continue
        if not isinstance(record, dict):
            yield InputError(where, f"JSON line is a {type(record).__name__}, not an object")
            continue
        yield record_to_document(where, record, encoding)
