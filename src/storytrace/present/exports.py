"""Exports: articles, events, reuse and families as JSON Lines, Parquet and CSV (columns in docs/exports.md).

Why three shapes of the same rows: JSON Lines keeps the records whole (passages nested,
`ReuseLink.from_dict` reads a line back), Parquet keeps types and lists for pandas/R, and
CSV is flat (lists joined with "; ", dicts as JSON, one row per passage in passages.csv)
so a spreadsheet opens it as is. Each file is written to a temporary name and renamed, so
a killed export never leaves half a file under the final name.
"""
from __future__ import annotations

import csv
import json
import os
from pathlib import Path
from typing import Any, Callable, Iterable

from ..model import Article, Event, ReuseLink
from ..store import Store

FORMATS = ("jsonl", "parquet", "csv")

ARTICLE_COLUMNS = [
    "id", "event", "title", "outlet", "language", "script", "published", "published_precision",
    "published_inferred", "published_evidence", "url", "author", "cited_sources",
    "original_share", "chars", "source_path", "text", "metadata",
]
EVENT_COLUMNS = [
    "id", "title", "size", "start", "end", "event_date", "languages", "outlets", "articles",
    "confidence", "summary", "entities", "reasons",
]
REUSE_COLUMNS = [
    "a", "b", "kind", "a_coverage", "b_coverage", "direction", "direction_evidence",
    "common_source", "passages", "shared_chars_a", "shared_chars_b", "family",
]
FAMILY_COLUMNS = [
    "id", "representative", "size", "members", "source", "direction_evidence", "common_source",
    "member_records",
]
PASSAGE_COLUMNS = [
    "a", "b", "kind", "index", "a_start", "a_end", "b_start", "b_end", "similarity", "formula",
    "edits", "a_text", "b_text",
]


def original_shares(articles: list[Article], links: list[ReuseLink]) -> dict[str, float]:
    """Per-article share of text not found elsewhere, when the reuse step provides it."""
    try:
        from ..reuse import original_share
    except ImportError:
        return {}
    return original_share(articles, links)


def _atomic_writer(path: Path, write: Callable[[Path], None]) -> Path:
    tmp = path.with_name(path.name + ".part")
    write(tmp)
    os.replace(tmp, path)
    return path


def _write_jsonl(path: Path, rows: Iterable[dict[str, Any]]) -> Path:
    def write(tmp: Path) -> None:
        with open(tmp, "w", encoding="utf-8") as fh:
            for row in rows:
                line = json.dumps(row, ensure_ascii=False)
                # U+2028/9 are legal in JSON but many line readers split on them.
                fh.write(line.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029") + "\n")
    return _atomic_writer(path, write)


class _Snapshot:
    """Everything the exports need, read from the store once."""

    def __init__(self, store: Store):
        # By id, not arrival: the same articles give byte-identical exports (issue 15).
        self.articles = sorted(store.articles(), key=lambda a: a.id)
        self.links = store.reuse_links()
        self.families = store.families()
        self.events = store.events()
        self.event_of = {a: ev.id for ev in self.events for a in ev.articles}
        self.text = {a.id: a.text for a in self.articles}
        self.shares = original_shares(self.articles, self.links)

    def article_records(self) -> Iterable[dict[str, Any]]:
        for art in self.articles:
            row = art.to_dict()
            row["event"] = self.event_of.get(art.id)
            if art.id in self.shares:
                row["original_share"] = round(float(self.shares[art.id]), 4)
            yield row

    def article_rows(self) -> Iterable[dict[str, Any]]:
        for row in self.article_records():
            row.setdefault("original_share", None)
            row["chars"] = len(row["text"])
            yield {c: row.get(c) for c in ARTICLE_COLUMNS}

    def event_rows(self) -> Iterable[dict[str, Any]]:
        for ev in self.events:
            row = ev.to_dict()
            row["size"] = len(ev.articles)
            yield {c: row.get(c) for c in EVENT_COLUMNS}

    def reuse_rows(self) -> Iterable[dict[str, Any]]:
        for link in self.links:
            row = link.to_dict()
            row["passages"] = len(link.passages)
            row["shared_chars_a"] = sum(p.a_end - p.a_start for p in link.passages)
            row["shared_chars_b"] = sum(p.b_end - p.b_start for p in link.passages)
            yield {c: row.get(c) for c in REUSE_COLUMNS}

    def family_rows(self) -> Iterable[dict[str, Any]]:
        for fam in self.families:
            row = fam.to_dict()
            row.update(size=len(fam.members), members=fam.member_ids, member_records=fam.members)
            yield {c: row.get(c) for c in FAMILY_COLUMNS}

    def passage_rows(self) -> Iterable[dict[str, Any]]:
        for link in self.links:
            a_text, b_text = self.text.get(link.a, ""), self.text.get(link.b, "")
            for i, p in enumerate(link.passages):
                yield {"a": link.a, "b": link.b, "kind": link.kind, "index": i,
                       "a_start": p.a_start, "a_end": p.a_end, "b_start": p.b_start,
                       "b_end": p.b_end, "similarity": p.similarity, "formula": p.formula,
                       "edits": p.edits, "a_text": a_text[p.a_start:p.a_end],
                       "b_text": b_text[p.b_start:p.b_end]}

    def tables(self) -> dict[str, tuple[list[str], list[dict[str, Any]]]]:
        return {
            "articles": (ARTICLE_COLUMNS, list(self.article_rows())),
            "events": (EVENT_COLUMNS, list(self.event_rows())),
            "reuse": (REUSE_COLUMNS, list(self.reuse_rows())),
            "passages": (PASSAGE_COLUMNS, list(self.passage_rows())),
            "families": (FAMILY_COLUMNS, list(self.family_rows())),
        }


def write_jsonl_outputs(store: Store, out_dir: str | Path) -> list[Path]:
    """articles.jsonl (+ event, original_share), events.jsonl, reuse.jsonl (passages nested),
    families.jsonl (one record per family of near-identical copies)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    snap = _Snapshot(store)
    return [
        _write_jsonl(out / "articles.jsonl", snap.article_records()),
        _write_jsonl(out / "events.jsonl", (ev.to_dict() for ev in snap.events)),
        _write_jsonl(out / "reuse.jsonl", (link.to_dict() for link in snap.links)),
        _write_jsonl(out / "families.jsonl", (fam.to_dict() for fam in snap.families)),
    ]


def _csv_cell(value: Any) -> Any:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "; ".join(value)
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    if value is None:
        return ""
    return value


def _write_csv(path: Path, columns: list[str], rows: list[dict[str, Any]]) -> Path:
    def write(tmp: Path) -> None:
        # utf-8-sig: Excel otherwise guesses a legacy code page and garbles Chinese and Vietnamese.
        with open(tmp, "w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=columns)
            writer.writeheader()
            for row in rows:
                writer.writerow({c: _csv_cell(row.get(c)) for c in columns})
    return _atomic_writer(path, write)


def _arrow_value(column: str, value: Any) -> Any:
    """List columns stay lists of strings; any other nested value becomes a JSON string."""
    if column in _LIST_COLUMNS:
        return [str(v) for v in value or []]
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return value


_LIST_COLUMNS = {"cited_sources", "languages", "outlets", "articles", "members"}
_FLOAT_COLUMNS = {"original_share", "confidence", "a_coverage", "b_coverage", "similarity"}
_INT_COLUMNS = {"chars", "size", "passages", "shared_chars_a", "shared_chars_b", "index",
                "a_start", "a_end", "b_start", "b_end"}
_BOOL_COLUMNS = {"published_inferred", "formula"}


def _write_parquet(path: Path, columns: list[str], rows: list[dict[str, Any]]) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    def arrow_type(col: str):
        if col in _LIST_COLUMNS:
            return pa.list_(pa.string())
        if col in _FLOAT_COLUMNS:
            return pa.float64()
        if col in _INT_COLUMNS:
            return pa.int64()
        if col in _BOOL_COLUMNS:
            return pa.bool_()
        return pa.string()

    schema = pa.schema([(c, arrow_type(c)) for c in columns])
    data = {c: [_arrow_value(c, r.get(c)) for r in rows] for c in columns}
    table = pa.Table.from_pydict(data, schema=schema)
    return _atomic_writer(path, lambda tmp: pq.write_table(table, tmp))


def export(store: Store, out_dir: str | Path, fmt: str = "jsonl") -> list[Path]:
    """Write every table in `fmt` (jsonl | parquet | csv) to `out_dir`; returns the paths."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if fmt == "jsonl":
        return write_jsonl_outputs(store, out)
    writer = _write_parquet if fmt == "parquet" else _write_csv
    tables = _Snapshot(store).tables()
    return [writer(out / f"{name}.{fmt}", cols, rows) for name, (cols, rows) in tables.items()]
