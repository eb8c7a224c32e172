"""Exports: articles, events, reuse and families as JSON Lines, Parquet and CSV (columns in docs/exports.md).

Why three shapes of the same rows: JSON Lines keeps the records whole (passages nested,
`ReuseLink.from_dict` reads a line back), Parquet keeps types and lists for pandas/R, and
CSV is flat (lists joined with "; ", dicts as JSON, one row per passage in passages.csv)
so a spreadsheet opens it as is. Each file is written to a temporary name and renamed, so
a killed export never leaves half a file under the final name.

JSON Lines are kept current by partition (issue 13): every record belongs to a publication
day (`day_key`; articles by their own date, links by the later of their two articles, events
by their earliest dated member, families by their representative), each day's records are one file
`parts/<table>/<day>.jsonl`, and `parts/manifest.json` keeps, per partition, a digest of the
stored rows it was made from. A later write hashes the stored rows (raw bytes, no parsing)
and rewrites only the partitions whose digest changed, so an increment parses and writes
what it touched. The single files (`articles.jsonl`, ...) are the concatenation of their
partitions in day order ("undated" last), re-joined byte for byte (a kernel-side copy, no
JSON work) only when one of their partitions changed.
"""
from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterable

from ..model import Article, Event, Family, ReuseLink
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
    families.jsonl (one record per family of near-identical copies), kept current by day
    partitions under `parts/` (see the module's docstring): only what changed is rewritten."""
    return PartitionedJsonl(store, out_dir).write()


# -- day partitions -------------------------------------------------------------------------
PARTS = "parts"
MANIFEST = "manifest.json"
UNDATED = "undated"
JSONL_TABLES = ("articles", "events", "reuse", "families")
# Part of every digest: a change to how records are written must rewrite every partition.
LAYOUT_VERSION = "1"
_DAY = re.compile(r"(\d{4}-\d{2}-\d{2})")


def day_key(published: str | None) -> str:
    """The partition of a record dated `published`: its calendar day as written (the outlet's
    own date, no time zone conversion), or "undated" (no date, or a month-day without year)."""
    m = _DAY.match(published or "")
    return m.group(1) if m else UNDATED


def _key_order(key: str) -> tuple[bool, str]:
    return key == UNDATED, key


def _h(data: bytes) -> bytes:
    return hashlib.md5(data, usedforsecurity=False).digest()


@contextmanager
def _read_snapshot(store: Store):
    """One read transaction (WAL snapshot): what is planned and what is written agree even
    while an ingest commits meanwhile."""
    conn: sqlite3.Connection = store._conn       # the store's own connection (same thread)
    with store._lock:
        own = not conn.in_transaction
        if own:
            conn.execute("BEGIN")
        try:
            yield conn
        finally:
            if own:
                conn.execute("ROLLBACK")


def _chunks(items: list, size: int = 500):
    for i in range(0, len(items), size):
        yield items[i:i + size]


class _Part:
    """One partition of one table: the stored rows it is made from and their digest."""

    __slots__ = ("keys", "hasher")

    def __init__(self) -> None:
        self.keys: list = []
        self.hasher = hashlib.blake2b(LAYOUT_VERSION.encode(), digest_size=16)

    def digest(self) -> str:
        return self.hasher.hexdigest()


class PartitionedJsonl:
    """Plans (digests per day partition from the stored rows' raw bytes) and writes the
    partitions that changed, then the single files of the tables that changed.

    `written` lists (table, day) of the partitions rewritten by the last `write()`."""

    def __init__(self, store: Store, out_dir: str | Path):
        self.store = store
        self.out = Path(out_dir)
        self.written: list[tuple[str, str]] = []

    # planning: one pass over raw rows, nothing parsed
    def _plan(self, conn: sqlite3.Connection) -> dict[str, dict[str, _Part]]:
        """Per table, day -> the row keys of that day (in export order) and their digest.

        An article's record depends on its stored row, its event and the links that touch it
        (`original_share`), so a link's digest also goes into the digest of its articles' days."""
        day: dict[str, str] = {}
        event_of: dict[str, str | None] = {}
        event_day: dict[str, str] = {}
        articles: dict[str, _Part] = {}
        for aid, published, data, event in conn.execute(
                "SELECT a.id, a.published, CAST(a.data AS BLOB), m.event FROM articles a "
                "LEFT JOIN event_members m ON m.article = a.id ORDER BY a.id"):
            key = day[aid] = day_key(published)
            event_of[aid] = event
            if event is not None and key != UNDATED and key < event_day.get(event, "~"):
                event_day[event] = key          # an event's day: its earliest dated member's
            part = articles.get(key) or articles.setdefault(key, _Part())
            part.keys.append(aid)
            part.hasher.update(f"{aid}\t{event}\t".encode() + _h(data))
        touching: dict[str, _Part] = {}        # per article day: the links touching its articles
        reuse: dict[str, _Part] = {}
        for a, b, kind, data in conn.execute(
                "SELECT a, b, kind, CAST(data AS BLOB) FROM reuse ORDER BY a, b, kind"):
            row = f"{a}\t{b}\t{kind}\t".encode() + _h(data)
            da, db = day.get(a, UNDATED), day.get(b, UNDATED)
            key = db if da == UNDATED else da if db == UNDATED else max(da, db)
            part = reuse.get(key) or reuse.setdefault(key, _Part())
            part.keys.append((a, b, kind))
            part.hasher.update(row)
            for k in {da, db}:
                (touching.get(k) or touching.setdefault(k, _Part())).hasher.update(row)
        for key, part in touching.items():
            if key in articles:
                articles[key].hasher.update(b"links\t" + part.hasher.digest())
        events: dict[str, _Part] = {}
        for eid, data in conn.execute("SELECT id, CAST(data AS BLOB) FROM events ORDER BY id"):
            key = event_day.get(eid, UNDATED)
            part = events.get(key) or events.setdefault(key, _Part())
            part.keys.append(eid)
            part.hasher.update(eid.encode() + b"\t" + _h(data))
        families: dict[str, _Part] = {}
        if conn.execute("SELECT 1 FROM sqlite_master WHERE name='families'").fetchone():
            for fid, rep, data in conn.execute(
                    "SELECT id, representative, CAST(data AS BLOB) FROM families ORDER BY id"):
                key = day.get(rep, UNDATED)
                part = families.get(key) or families.setdefault(key, _Part())
                part.keys.append(fid)
                part.hasher.update(fid.encode() + b"\t" + _h(data))
        self._event_of = event_of
        return {"articles": articles, "events": events, "reuse": reuse, "families": families}

    # reading the records of one partition
    def _records(self, conn: sqlite3.Connection, table: str, keys: list) -> list[dict[str, Any]]:
        if table == "reuse":
            got = {}
            for a, b, kind in keys:
                row = conn.execute("SELECT data FROM reuse WHERE a=? AND b=? AND kind=?", (a, b, kind)).fetchone()
                got[(a, b, kind)] = ReuseLink.from_dict(json.loads(row[0])).to_dict()
            return [got[k] for k in keys]
        if table in ("events", "families"):
            cls = Event if table == "events" else Family
            got = {}
            for chunk in _chunks(keys):
                marks = ",".join("?" * len(chunk))
                for kid, data in conn.execute(f"SELECT id, data FROM {table} WHERE id IN ({marks})", chunk):
                    got[kid] = cls.from_dict(json.loads(data)).to_dict()
            return [got[k] for k in keys]
        arts: dict[str, Article] = {}
        link_data: dict[tuple[str, str, str], str] = {}
        for chunk in _chunks(keys):
            marks = ",".join("?" * len(chunk))
            for aid, data in conn.execute(f"SELECT id, data FROM articles WHERE id IN ({marks})", chunk):
                arts[aid] = Article.from_dict(json.loads(data))
            for end in ("a", "b"):
                for a, b, kind, data in conn.execute(
                        f"SELECT a, b, kind, data FROM reuse WHERE {end} IN ({marks})", chunk):
                    link_data[(a, b, kind)] = data
        ordered = [arts[k] for k in keys]
        links = [ReuseLink.from_dict(json.loads(link_data[k])) for k in sorted(link_data)]
        shares = original_shares(ordered, links)
        out = []
        for art in ordered:
            row = art.to_dict()
            row["event"] = self._event_of.get(art.id)
            if art.id in shares:
                row["original_share"] = round(float(shares[art.id]), 4)
            out.append(row)
        return out

    def _manifest(self) -> dict[str, Any]:
        path = self.out / PARTS / MANIFEST
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return manifest if isinstance(manifest, dict) and manifest.get("layout") == "day" else {}

    def write(self) -> list[Path]:
        self.out.mkdir(parents=True, exist_ok=True)
        before = self._manifest().get("tables", {})
        tables: dict[str, list[dict[str, Any]]] = {}
        paths = []
        self.written = []
        with _read_snapshot(self.store) as conn:
            plan = self._plan(conn)
            for table in JSONL_TABLES:
                folder = self.out / PARTS / table
                folder.mkdir(parents=True, exist_ok=True)
                old = {e["key"]: e for e in before.get(table, []) if isinstance(e, dict) and "key" in e}
                entries, changed = [], False
                for key in sorted(plan[table], key=_key_order):
                    part = plan[table][key]
                    path = folder / f"{key}.jsonl"
                    entry = {"key": key, "file": f"{PARTS}/{table}/{key}.jsonl", "rows": len(part.keys),
                             "digest": part.digest()}
                    prev = old.get(key)
                    if (prev and prev.get("digest") == entry["digest"] and path.is_file()
                            and path.stat().st_size == prev.get("bytes")):
                        entry["bytes"] = prev["bytes"]
                    else:
                        _write_jsonl(path, self._records(conn, table, part.keys))
                        entry["bytes"] = path.stat().st_size
                        self.written.append((table, key))
                        changed = True
                    entries.append(entry)
                live = {e["key"] for e in entries}
                for stale in folder.glob("*.jsonl"):
                    if stale.stem not in live:
                        stale.unlink()
                        changed = True
                tables[table] = entries
                single = self.out / f"{table}.jsonl"
                total = sum(e["bytes"] for e in entries)
                if changed or not single.is_file() or single.stat().st_size != total:
                    _join(single, [self.out / e["file"] for e in entries])
                paths.append(single)
        manifest = {"layout": "day", "version": LAYOUT_VERSION, "tables": tables}
        _atomic_writer(self.out / PARTS / MANIFEST, lambda tmp: tmp.write_text(
            json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"))
        return paths


def _join(path: Path, parts: list[Path]) -> Path:
    """`path` as the byte-for-byte concatenation of `parts` (copied by the kernel)."""
    def write(tmp: Path) -> None:
        with open(tmp, "wb") as dst:
            for part in parts:
                with open(part, "rb") as src:
                    size = os.fstat(src.fileno()).st_size
                    sent = 0
                    try:
                        while sent < size:
                            n = os.copy_file_range(src.fileno(), dst.fileno(), size - sent)
                            if n == 0:
                                break
                            sent += n
                    except (AttributeError, OSError):
                        src.seek(sent)
                        dst.seek(0, os.SEEK_END)
                        while chunk := src.read(1 << 20):
                            dst.write(chunk)
    return _atomic_writer(path, write)


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
