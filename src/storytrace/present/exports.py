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
digests of the stored rows it was made from. A later write hashes the stored rows the store's
log names as written since (raw bytes, no parsing; every row when it cannot follow the log),
takes the other rows' digests from `export_lines`, and rewrites only the partitions whose
digest changed, so an increment reads, parses and writes what it touched. The single files (`articles.jsonl`, ...) are the concatenation of their
partitions in day order ("undated" last), rewritten in place from the first partition that
changed on (a kernel-side copy, no JSON work; the leading days stay as they are) only when
one of their partitions changed.
"""
from __future__ import annotations

import copy
import csv
import dataclasses
import hashlib
import json
import os
import re
import sqlite3
import stat
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


def _lines(rows: Iterable[dict[str, Any]]) -> Iterable[str]:
    for row in rows:
        line = json.dumps(row, ensure_ascii=False)
        # U+2028/9 are legal in JSON but many line readers split on them.
        yield line.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029") + "\n"


def _write_jsonl(path: Path, rows: Iterable[dict[str, Any]]) -> Path:
    def write(tmp: Path) -> None:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.writelines(_lines(rows))
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


_FIELDS: dict[type, tuple[str, ...]] = {}


def plain(value: Any) -> Any:
    """`dataclasses.asdict` for the records' JSON (the same dicts, lists and values, in the same
    order) without its deep copies: a third of the time of `to_dict()` on links and events."""
    kind = type(value)
    if value is None or kind in (str, int, float, bool):
        return value
    if kind is list or kind is tuple:
        return [plain(v) for v in value]
    if kind is dict:
        return {plain(k): plain(v) for k, v in value.items()}
    names = _FIELDS.get(kind)
    if names is None:
        if not dataclasses.is_dataclass(kind):
            return copy.deepcopy(value)
        names = _FIELDS[kind] = tuple(f.name for f in dataclasses.fields(kind))
    return {n: plain(getattr(value, n)) for n in names}


def _h(data: bytes) -> bytes:
    return hashlib.md5(data, usedforsecurity=False).digest()


def _row_digest(row: bytes, touching: list[bytes] | None = None) -> str:
    """The digest of one record's line: its stored row (and, for an article, the links
    touching it), under LAYOUT_VERSION."""
    return _h(LAYOUT_VERSION.encode() + b"\t" + row + b"".join(sorted(touching or ()))).hex()


def _add_row(parts: dict, key: str, ident, row: bytes) -> None:
    """File one record's row under its partition `key`: its key, its row digest, the partition digest."""
    part = parts.get(key) or parts.setdefault(key, _Part())
    part.keys.append(ident)
    part.rows.append(_row_digest(row))


def _key_text(table: str, key: Any) -> str:
    return _SEP.join(key) if table == "reuse" else key


def _line_prefix(table: str, key: Any) -> str:
    """How the line of `key` starts (records are written with the key fields first)."""
    dump = lambda v: json.dumps(v, ensure_ascii=False)  # noqa: E731
    if table == "reuse":
        return f'{{"a": {dump(key[0])}, "b": {dump(key[1])}, "kind": {dump(key[2])}, '
    return f'{{"id": {dump(key)}, '


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

    __slots__ = ("keys", "rows", "own")

    def __init__(self) -> None:
        self.keys: list = []
        self.rows: list[str] = []          # each row's digest (what its line is made from)
        self.own: list[str] = []           # articles: each stored row's own digest (`ROW_DIGESTS`)

    def digest(self) -> str:
        """The partition's digest: of its rows' digests in order (`PART_DIGEST`), so that an
        export from the log takes the digests of the rows the log does not name from
        `export_lines` instead of reading and hashing those rows again."""
        return hashlib.blake2b("\n".join([LAYOUT_VERSION, *self.rows]).encode(), digest_size=16).hexdigest()


# How partition digests are made (the manifest's `partition_digest`): a manifest without it
# holds digests of another kind, and the next export hashes every row (the digests path).
PART_DIGEST = "rows"


# What changed since the last export, recorded by the store itself: triggers append the key of
# every row written to the exported tables to `export_log`, and `export_lines` holds each
# exported row's partition and line digest as of the last export (`meta` export:seq = the last
# log entry it includes). An export that starts where the last one ended reads only the log,
# and in a partition it rewrites copies the lines whose digest is unchanged.
_SEP = "\x1f"       # between a, b and kind in a link's key (sorts like the tuple)
# `export_lines` also holds, under this name, each article's own row digest (of its stored row
# alone; its line's digest also covers its event and the links touching it): what the report
# keys an article by, so a new link does not redraw every page that merely shows its ends.
ROW_DIGESTS = "article_rows"
_STATE = f"export_lines {LAYOUT_VERSION} {ROW_DIGESTS}"   # what `export_lines` holds (meta export:state)
_LOGGED = {"articles": "{r}.id", "reuse": "{r}.a || char(31) || {r}.b || char(31) || {r}.kind",
           "events": "{r}.id", "event_members": "{r}.article", "families": "{r}.id"}


# One day's rows of one table in `export_lines`, through its (tbl, day) index: without statistics
# SQLite prefers the primary key's (tbl) prefix, i.e. every row of the table (16x the work in a
# store of 16 weeks: issue 13).
_DAY_ROWS = "SELECT key, digest FROM export_lines INDEXED BY export_lines_day WHERE tbl=? AND day=?"


def _log_schema() -> list[str]:
    """The statements that create the log, the row table and one trigger per table and write."""
    out = ["CREATE TABLE IF NOT EXISTS export_log (seq INTEGER PRIMARY KEY AUTOINCREMENT, "
           "tbl TEXT NOT NULL, key TEXT NOT NULL)",
           "CREATE TABLE IF NOT EXISTS export_lines (tbl TEXT NOT NULL, key TEXT NOT NULL, day TEXT NOT NULL, "
           "digest TEXT NOT NULL, PRIMARY KEY (tbl, key)) WITHOUT ROWID",
           "CREATE INDEX IF NOT EXISTS export_lines_day ON export_lines(tbl, day)"]
    for table, key in _LOGGED.items():
        for op, rows in (("INSERT", ("NEW",)), ("UPDATE", ("OLD", "NEW")), ("DELETE", ("OLD",))):
            body = " ".join(f"INSERT INTO export_log(tbl, key) VALUES ('{table}', {key.format(r=r)});" for r in rows)
            out.append(f"CREATE TRIGGER IF NOT EXISTS export_log_{table}_{op.lower()} AFTER {op} ON {table} "
                       f"WHEN {_LOGGING} BEGIN {body} END")
    return out


# The log grows only while an export follows it, and by at most LOG_LIMIT entries between two
# exports (a store analysed again and again without --out): past that an export hashes every row.
LOG_LIMIT = 1_000_000
_LOGGING = ("COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'export_log'), 0) - "
            f"CAST((SELECT value FROM meta WHERE key = 'export:seq') AS INTEGER) < {LOG_LIMIT}")


def line_digests_current(conn: sqlite3.Connection) -> bool:
    """True when `export_lines` describes every exported row as it is now: the last export
    recorded its rows (this layout) and nothing was logged since (logging never stopped: a
    stopped log would leave the sequence past `export:seq` too). Then a row's digest there
    (articles: row, event and touching links; events, links, families: the row) changes
    whenever its row does, and a reader can take it instead of hashing the row (the report)."""
    try:
        meta = dict(conn.execute("SELECT key, value FROM meta WHERE key IN ('export:seq', 'export:state')"))
        if meta.get("export:state") != _STATE or meta.get("export:seq") is None:
            return False
        row = conn.execute("SELECT seq FROM sqlite_sequence WHERE name='export_log'").fetchone()
        pending = conn.execute("SELECT 1 FROM export_log LIMIT 1").fetchone()
    except sqlite3.Error:
        return False
    return pending is None and (row[0] if row else 0) == int(meta["export:seq"])


def _link_key(key: str) -> tuple[str, str, str]:
    a, b, kind = key.split(_SEP)
    return a, b, kind


def _in(conn: sqlite3.Connection, sql: str, keys: list, *, prefix: tuple = ()) -> list[tuple]:
    """`sql` with one `IN ({marks})` over `keys`, in batches."""
    out: list[tuple] = []
    for chunk in _chunks(list(keys)):
        out += conn.execute(sql.format(marks=",".join("?" * len(chunk))), (*prefix, *chunk)).fetchall()
    return out


def _links_by_key(conn: sqlite3.Connection, keys: list, column: str) -> dict[tuple[str, str, str], Any]:
    """`column` of the stored links with these (a, b, kind) keys, by primary key, a batch at a time."""
    found = {}
    for chunk in _chunks(list(keys), 300):
        marks = ",".join(["(?,?,?)"] * len(chunk))
        found.update(((a, b, kind), data) for a, b, kind, data in conn.execute(
            f"SELECT r.a, r.b, r.kind, {column} FROM (VALUES {marks}) v CROSS JOIN reuse r "
            "ON r.a = v.column1 AND r.b = v.column2 AND r.kind = v.column3", [x for k in chunk for x in k]))
    return found


class PartitionedJsonl:
    """Writes the JSONL partitions that changed, then the single files of the tables that
    changed. What changed comes from the store's export log when this folder was the last one
    written from this store (`path == "log"`); otherwise from a digest of every stored row's
    raw bytes, compared with the manifest's (`path == "digests"`).

    `written` lists (table, day) of the partitions rewritten by the last `write()`."""

    def __init__(self, store: Store, out_dir: str | Path, *, use_log: bool = True):
        self.store = store
        self.out = Path(out_dir)
        self.use_log = use_log
        self.written: list[tuple[str, str]] = []
        self.path = ""
        self.reused_lines = 0                 # lines of rewritten partitions kept as they were
        self.joined: dict[str, int] = {}      # per table, bytes of its single file written by write()
        self._old_rows: dict[tuple[str, str], dict[str, str]] = {}
        self._new_rows: dict[tuple[str, str], list[tuple[str, str]]] = {}
        self._link_h: dict[tuple[str, str, str], bytes] = {}   # (a, b, kind) -> `_h` of its stored row
        self._fresh: dict[str, set] = {}      # per table, the keys the log names (`_changes`)

    # -- the log ------------------------------------------------------------------------
    def _ensure_log(self) -> bool:
        """Create the log, its triggers and the row table (once per store); False when the
        store cannot be written (then every export hashes every row)."""
        if not self.use_log or self.store.readonly:
            return False
        try:
            with self.store.transaction() as conn:
                for stmt in _log_schema():
                    conn.execute(stmt)
                if conn.execute("SELECT value FROM meta WHERE key='export:id'").fetchone() is None:
                    conn.execute("INSERT INTO meta VALUES ('export:id', ?)", (os.urandom(8).hex(),))
        except sqlite3.Error:
            return False
        return True

    @staticmethod
    def _meta(conn: sqlite3.Connection, key: str) -> str | None:
        row = conn.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    # -- the digest plan: one pass over raw rows, nothing parsed --------------------------
    def _plan(self, conn: sqlite3.Connection) -> dict[str, dict[str, _Part]]:
        """Per table, day -> the row keys of that day (in export order) and their digest.

        An article's record depends on its stored row, its event and the links that touch it
        (`original_share`), so a link's digest also goes into the digest of its articles' days."""
        day: dict[str, str] = {}
        event_day: dict[str, str] = {}
        articles: dict[str, _Part] = {}
        art_row: dict[str, bytes] = {}
        touching_rows: dict[str, list[bytes]] = {}
        for aid, published, data, event in conn.execute(
                "SELECT a.id, a.published, CAST(a.data AS BLOB), m.event FROM articles a "
                "LEFT JOIN event_members m ON m.article = a.id ORDER BY a.id"):
            key = day[aid] = day_key(published)
            if event is not None and key != UNDATED and key < event_day.get(event, "~"):
                event_day[event] = key          # an event's day: its earliest dated member's
            part = articles.get(key) or articles.setdefault(key, _Part())
            part.keys.append(aid)
            art_row[aid] = f"{aid}\t{event}\t".encode() + _h(data)
        reuse: dict[str, _Part] = {}
        for a, b, kind, data in conn.execute(
                "SELECT a, b, kind, CAST(data AS BLOB) FROM reuse ORDER BY a, b, kind"):
            row = f"{a}\t{b}\t{kind}\t".encode() + _h(data)
            _add_row(reuse, _link_day(day.get(a), day.get(b)), (a, b, kind), row)
            for x in {a, b}:
                if x in day:
                    touching_rows.setdefault(x, []).append(row)
        for part in articles.values():
            part.rows = [_row_digest(art_row[aid], touching_rows.get(aid)) for aid in part.keys]
            part.own = [art_row[aid][-16:].hex() for aid in part.keys]
        events: dict[str, _Part] = {}
        for eid, data in conn.execute("SELECT id, CAST(data AS BLOB) FROM events ORDER BY id"):
            _add_row(events, event_day.get(eid, UNDATED), eid, eid.encode() + b"\t" + _h(data))
        families: dict[str, _Part] = {}
        if conn.execute("SELECT 1 FROM sqlite_master WHERE name='families'").fetchone():
            for fid, rep, data in conn.execute(
                    "SELECT id, representative, CAST(data AS BLOB) FROM families ORDER BY id"):
                _add_row(families, day.get(rep, UNDATED), fid, fid.encode() + b"\t" + _h(data))
        return {"articles": articles, "events": events, "reuse": reuse, "families": families}

    # -- one partition from its keys (the same digest as the plan's) ---------------------
    def _part(self, conn: sqlite3.Connection, table: str, day: str, keys: list) -> tuple[_Part, Any]:
        """(the partition `day` holding `keys`, sorted in export order, with its digest and its
        rows' digests as the plan makes them; event_of for articles, None when not all were read).

        Only the rows the log names (`_fresh`: written since the last export, or, for an
        article, touched by a link written since) or that were not in this partition at the
        last export are read and hashed; the others' digests are those `export_lines` holds."""
        part = _Part()
        part.keys = keys
        old = self._old_rows.get((table, day)) or {}
        fresh = self._fresh.get(table, set())
        if table == "articles":
            own = self._old_rows[(ROW_DIGESTS, day)] = dict(conn.execute(_DAY_ROWS, (ROW_DIGESTS, day)))
            todo = [aid for aid in keys if aid in fresh or aid not in old or aid not in own]
            rows = {aid: (event, data) for aid, data, event in _in(
                conn, "SELECT a.id, CAST(a.data AS BLOB), m.event FROM articles a LEFT JOIN event_members m "
                      "ON m.article = a.id WHERE a.id IN ({marks})", todo)}
            art_row = {aid: f"{aid}\t{rows[aid][0]}\t".encode() + _h(rows[aid][1]) for aid in todo}
            # the links touching them, each row read once (a link between two of them is found
            # by both ends: the second time by key only); their digests are kept for the link
            # partitions of this write (`_link_h`)
            links = {(a, b, kind): data for a, b, kind, data in _in(
                conn, "SELECT a, b, kind, CAST(data AS BLOB) FROM reuse WHERE a IN ({marks})", todo)}
            rest = [k for k in _in(conn, "SELECT a, b, kind FROM reuse WHERE b IN ({marks})", todo) if k not in links]
            links.update(_links_by_key(conn, rest, "CAST(r.data AS BLOB)"))
            hashed = {k: _h(data) for k, data in links.items()}
            self._link_h.update(hashed)
            touching_rows: dict[str, list[bytes]] = {}
            for k in sorted(links):
                row = "\t".join(k).encode() + b"\t" + hashed[k]
                for x in set(k[:2]) & art_row.keys():
                    touching_rows.setdefault(x, []).append(row)
            new = {aid: _row_digest(art_row[aid], touching_rows.get(aid)) for aid in todo}
            part.rows = [new[aid] if aid in new else old[aid] for aid in keys]
            part.own = [art_row[aid][-16:].hex() if aid in art_row else own[aid] for aid in keys]
            return part, ({aid: rows[aid][0] for aid in keys} if len(todo) == len(keys) else None)
        texts = [_key_text(table, k) for k in keys]
        todo = [k for k, t in zip(keys, texts) if t in fresh or t not in old]
        if table == "reuse":
            hashed = self._link_h          # links already read by this write's article partitions
            found = _links_by_key(conn, [k for k in todo if k not in hashed], "CAST(r.data AS BLOB)")
        else:
            hashed = {}
            found = dict(_in(conn, f"SELECT id, CAST(data AS BLOB) FROM {table} WHERE id IN ({{marks}})", todo))
        new = {}
        for key in todo:
            digest = hashed.get(key) or _h(found[key])
            row = ("\t".join(key) if table == "reuse" else key).encode() + b"\t" + digest
            new[_key_text(table, key)] = _row_digest(row)
        part.rows = [new[t] if t in new else old[t] for t in texts]
        return part, None

    def _changes(self, conn: sqlite3.Connection, since: int, upto: int
                 ) -> tuple[dict[str, dict[str, list]], dict[str, dict[str, str | None]]]:
        """From the log: (table -> day -> keys now, for the days to write again; table -> key ->
        its day now, None when gone, for every row whose day may have changed)."""
        logged: dict[str, set[str]] = {t: set() for t in JSONL_TABLES}
        for tbl, key in conn.execute("SELECT tbl, key FROM export_log WHERE seq > ? AND seq <= ?", (since, upto)):
            logged["articles" if tbl == "event_members" else tbl].add(key)

        def old_days(table: str, keys) -> dict[str, str]:
            return dict(_in(conn, "SELECT key, day FROM export_lines WHERE tbl=? AND key IN ({marks})",
                            list(keys), prefix=(table,)))

        old = {"articles": old_days("articles", logged["articles"])}
        now_art = {a: None for a in logged["articles"]}
        now_art.update((aid, day_key(pub)) for aid, pub in _in(
            conn, "SELECT id, published FROM articles WHERE id IN ({marks})", list(logged["articles"])))
        moved = [a for a in logged["articles"] if old["articles"].get(a) != now_art[a]]
        for end in ("a", "b"):                        # rows placed by a moved article's day
            logged["reuse"].update(_SEP.join(r) for r in _in(
                conn, f"SELECT a, b, kind FROM reuse WHERE {end} IN ({{marks}})", moved))
        logged["events"].update(r[0] for r in _in(conn, "SELECT event FROM event_members WHERE article IN ({marks})", moved))
        logged["families"].update(r[0] for r in _in(conn, "SELECT family FROM family_members WHERE article IN ({marks})", moved))
        links = [_link_key(k) for k in logged["reuse"]]
        member_rows = _in(conn, "SELECT event, article FROM event_members WHERE event IN ({marks})", list(logged["events"]))
        reps = dict(_in(conn, "SELECT id, representative FROM families WHERE id IN ({marks})", list(logged["families"])))
        needed = {x for l in links for x in l[:2]} | {a for _, a in member_rows} | set(reps.values())
        art_day = old_days("articles", needed - now_art.keys())
        art_day.update((a, d) for a, d in now_art.items() if d is not None)

        now: dict[str, dict[str, str | None]] = {"articles": now_art}
        existing = {(a, b, kind) for a, b, kind in _in(
            conn, "SELECT a, b, kind FROM reuse WHERE a IN ({marks})", sorted({l[0] for l in links}))}
        now["reuse"] = {_SEP.join(l): (_link_day(art_day.get(l[0]), art_day.get(l[1])) if l in existing else None)
                        for l in links}
        stored_events = {r[0] for r in _in(conn, "SELECT id FROM events WHERE id IN ({marks})", list(logged["events"]))}
        first: dict[str, str] = {}
        for event, article in member_rows:
            d = art_day.get(article)
            if d is not None and d != UNDATED and d < first.get(event, "~"):
                first[event] = d
        now["events"] = {e: (first.get(e, UNDATED) if e in stored_events else None) for e in logged["events"]}
        now["families"] = {f: (art_day.get(reps[f], UNDATED) if f in reps else None) for f in logged["families"]}

        # rows written since the last export (an article also when a link touching it was)
        self._fresh = {t: set(now[t]) for t in JSONL_TABLES}
        self._fresh["articles"].update(x for l in links for x in l[:2])
        dirty: dict[str, set[str]] = {t: set() for t in JSONL_TABLES}
        for table in ("reuse", "events", "families"):
            old[table] = old_days(table, now[table])
            for key, day in now[table].items():
                dirty[table] |= {d for d in (old[table].get(key), day) if d is not None}
        dirty["articles"] |= {d for a, day in now_art.items() for d in (old["articles"].get(a), day) if d is not None}
        for l in links:                              # a link sets its articles' original_share
            dirty["articles"] |= {art_day[x] for x in l[:2] if x in art_day}

        parts: dict[str, dict[str, list]] = {}
        for table, days in dirty.items():
            parts[table] = {}
            for day in days:
                self._old_rows[(table, day)] = dict(conn.execute(_DAY_ROWS, (table, day)))
                keys = {k for k in self._old_rows[(table, day)] if k not in now[table]}
                keys |= {k for k, d in now[table].items() if d == day}
                parts[table][day] = sorted(_link_key(k) for k in keys) if table == "reuse" else sorted(keys)
        return parts, now

    # -- reading the records of one partition ----------------------------------------
    def _records(self, conn: sqlite3.Connection, table: str, keys: list,
                 event_of: dict[str, str | None]) -> list[dict[str, Any]]:
        if table == "reuse":
            rows = _links_by_key(conn, keys, "r.data")
            return [plain(ReuseLink.from_dict(json.loads(rows[k]))) for k in keys]
        if table in ("events", "families"):
            cls = Event if table == "events" else Family
            got = {kid: plain(cls.from_dict(json.loads(data)))
                   for kid, data in _in(conn, f"SELECT id, data FROM {table} WHERE id IN ({{marks}})", keys)}
            return [got[k] for k in keys]
        arts = {aid: Article.from_dict(json.loads(data))
                for aid, data in _in(conn, "SELECT id, data FROM articles WHERE id IN ({marks})", keys)}
        link_data: dict[tuple[str, str, str], str] = {}
        for end in ("a", "b"):
            for a, b, kind, data in _in(conn, f"SELECT a, b, kind, data FROM reuse WHERE {end} IN ({{marks}})", keys):
                link_data[(a, b, kind)] = data
        ordered = [arts[k] for k in keys]
        links = [ReuseLink.from_dict(json.loads(link_data[k])) for k in sorted(link_data)]
        shares = original_shares(ordered, links)
        out = []
        for art in ordered:
            row = plain(art)
            row["event"] = event_of.get(art.id)
            if art.id in shares:
                row["original_share"] = round(float(shares[art.id]), 4)
            out.append(row)
        return out

    def _kept_lines(self, table: str, day: str, path: Path, prev: dict | None) -> dict[str, tuple[str, str]]:
        """The lines of a partition file as the last export wrote it: key -> (row digest, line),
        or nothing when the file is not exactly that (size, rows, or a line's start differ)."""
        old = self._old_rows.get((table, day)) or {}
        if not old or not prev or not path.is_file() or path.stat().st_size != prev.get("bytes"):
            return {}
        lines = path.read_text(encoding="utf-8").split("\n")
        if lines[-1] != "" or len(lines) - 1 != len(old) or prev.get("rows") != len(old):
            return {}
        out = {}
        for k, line in zip(sorted(old), lines):
            key = _link_key(k) if table == "reuse" else k
            if not line.startswith(_line_prefix(table, key)):
                return {}
            out[k] = (old[k], line + "\n")
        return out

    def _write_part(self, conn: sqlite3.Connection, table: str, path: Path, part: _Part,
                    kept: dict[str, tuple[str, str]], event_of: dict[str, str | None]) -> None:
        """Write one partition: a line whose row digest is unchanged is copied from the file
        the last export wrote, the others are read from the store and serialized."""
        texts = [_key_text(table, k) for k in part.keys]
        fresh = [k for k, t, d in zip(part.keys, texts, part.rows) if kept.get(t, ("",))[0] != d]
        made = iter(_lines(self._records(conn, table, fresh, event_of)))
        out = []
        for t, d in zip(texts, part.rows):
            line = kept.get(t)
            if line is not None and line[0] == d:
                out.append(line[1])
                self.reused_lines += 1
            else:
                out.append(next(made))

        def write(tmp: Path) -> None:
            with open(tmp, "w", encoding="utf-8") as fh:
                fh.writelines(out)
        _atomic_writer(path, write)

    def _manifest(self) -> dict[str, Any]:
        path = self.out / PARTS / MANIFEST
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return manifest if isinstance(manifest, dict) and manifest.get("layout") == "day" else {}

    def write(self) -> list[Path]:
        self.out.mkdir(parents=True, exist_ok=True)
        manifest = self._manifest()
        before = manifest.get("tables", {}) if isinstance(manifest.get("tables"), dict) else {}
        logging = self._ensure_log()
        tables: dict[str, list[dict[str, Any]]] = {}
        paths = []
        self.written, self.reused_lines, self._old_rows, self._new_rows, self._link_h = [], 0, {}, {}, {}
        self._fresh = {}
        with _read_snapshot(self.store) as conn:
            upto = base = store_id = None
            if logging:
                # the last entry ever logged (AUTOINCREMENT: also when the log was emptied since)
                upto = conn.execute("SELECT MAX(COALESCE((SELECT MAX(seq) FROM export_log), 0), COALESCE("
                                    "(SELECT seq FROM sqlite_sequence WHERE name='export_log'), 0))").fetchone()[0]
                store_id = self._meta(conn, "export:id")
                seq = self._meta(conn, "export:seq")
                if self._meta(conn, "export:state") != _STATE:
                    seq = None                  # rows kept by another version of this code: hash every row
                if (seq is not None and manifest.get("store") == store_id and manifest.get("log_seq") == int(seq)
                        and upto - int(seq) < LOG_LIMIT and all(isinstance(before.get(t), list) for t in JSONL_TABLES)
                        and manifest.get("partition_digest") == PART_DIGEST):
                    base = int(seq)
            if base is not None:
                self.path = "log"
                parts, moved = self._changes(conn, base, upto)
            else:
                self.path = "digests"
                plan = self._plan(conn)
                parts = {t: {day: part.keys for day, part in plan[t].items()} for t in JSONL_TABLES}
                moved = None
            for table in JSONL_TABLES:
                folder = self.out / PARTS / table
                folder.mkdir(parents=True, exist_ok=True)
                old = {e["key"]: e for e in before.get(table, []) if isinstance(e, dict) and "key" in e}
                entries = dict(old) if base is not None else {}
                prefix = f"{folder}{os.sep}"       # one stat per kept partition (448 days at 16x): no Path objects
                for key, entry in old.items() if base is not None else ():
                    if key in parts[table]:
                        continue
                    size = _file_size(f"{prefix}{key}.jsonl")
                    if size is None or size != entry.get("bytes"):
                        keys = sorted(k for k, _ in conn.execute(_DAY_ROWS, (table, key)))
                        parts[table][key] = [_link_key(k) for k in keys] if table == "reuse" else keys
                        entry["digest"] = None          # lost or edited by hand: write it again
                        self._old_rows[(table, key)] = {}
                changed = False
                for key, keys in parts[table].items():
                    path = folder / f"{key}.jsonl"
                    if not keys:
                        entries.pop(key, None)
                        changed |= path.exists()
                        path.unlink(missing_ok=True)
                        continue
                    if base is None:
                        part, event_of = plan[table][key], None
                    else:
                        part, event_of = self._part(conn, table, key, keys)
                    digest = part.digest()
                    self._new_rows[(table, key)] = [(_key_text(table, k), d) for k, d in zip(keys, part.rows)]
                    if table == "articles":
                        self._new_rows[(ROW_DIGESTS, key)] = list(zip(keys, part.own))
                    entry = {"key": key, "file": f"{PARTS}/{table}/{key}.jsonl", "rows": len(keys), "digest": digest}
                    prev = old.get(key)
                    if (prev and prev.get("digest") == digest and path.is_file()
                            and path.stat().st_size == prev.get("bytes")):
                        entry["bytes"] = prev["bytes"]
                    else:
                        if event_of is None and table == "articles":
                            event_of = dict(_in(conn, "SELECT article, event FROM event_members "
                                                      "WHERE article IN ({marks})", keys))
                        kept = self._kept_lines(table, key, path, prev) if base is not None else {}
                        self._write_part(conn, table, path, part, kept, event_of or {})
                        entry["bytes"] = path.stat().st_size
                        self.written.append((table, key))
                        changed = True
                    entries[key] = entry
                ordered = [entries[k] for k in sorted(entries, key=_key_order)]
                if base is None:
                    live = {e["key"] for e in ordered}
                    for stale in folder.glob("*.jsonl"):
                        if stale.stem not in live:
                            stale.unlink()
                            changed = True
                tables[table] = ordered
                single = self.out / f"{table}.jsonl"
                written = {key for t, key in self.written if t == table}
                start = _rejoin(single, self.out, ordered, before.get(table), written, changed)
                self.joined[table] = single.stat().st_size - start
                paths.append(single)
        manifest = {"layout": "day", "version": LAYOUT_VERSION, "partition_digest": PART_DIGEST, "tables": tables}
        if logging:
            manifest.update(store=store_id, log_seq=upto)
        _atomic_writer(self.out / PARTS / MANIFEST, lambda tmp: tmp.write_text(
            json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"))
        for single in paths:
            _dirty_mark(single).unlink(missing_ok=True)
        if logging:
            self._record(base, upto, parts if moved is None else None, moved)
        return paths

    def _record(self, base: int | None, upto: int, full: dict[str, dict[str, list]] | None,
                moved: dict[str, dict[str, str | None]] | None) -> None:
        """Bring `export_lines` to the state this export wrote (log entries up to `upto`), unless
        another export moved it meanwhile; drop the log entries it covers."""
        try:
            with self.store.transaction() as conn:
                seq = self._meta(conn, "export:seq")
                if (base is not None and seq != str(base)) or (seq is not None and int(seq) > upto):
                    # another export moved the rows meanwhile: the next export hashes every row
                    conn.execute("DELETE FROM meta WHERE key='export:seq'")
                    return
                if full is not None:
                    conn.execute("DELETE FROM export_lines")
                else:
                    for t, rows in moved.items():
                        conn.executemany("DELETE FROM export_lines WHERE tbl=? AND key=?",
                                         ((t, k) for k, d in rows.items() if d is None))
                # from the log: only the rows whose digest or day changed (the others are there)
                old = self._old_rows if full is None else {}
                conn.executemany("INSERT OR REPLACE INTO export_lines VALUES (?,?,?,?)", (
                    (t, k, day, d) for (t, day), rows in self._new_rows.items()
                    for kept in [old.get((t, day)) or {}] for k, d in rows if kept.get(k) != d))
                conn.execute("DELETE FROM export_log WHERE seq <= ?", (upto,))
                conn.execute("INSERT OR REPLACE INTO meta VALUES ('export:seq', ?)", (str(upto),))
                conn.execute("INSERT OR REPLACE INTO meta VALUES ('export:state', ?)", (_STATE,))
        except sqlite3.Error:
            pass


def _file_size(path: str) -> int | None:
    """The size of the regular file `path`, None when there is none."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_size if stat.S_ISREG(st.st_mode) else None


def _link_day(da: str | None, db: str | None) -> str:
    """A link's day: the later of its two articles' days (an undated or missing one left out)."""
    dated = [d for d in (da, db) if d is not None and d != UNDATED]
    return max(dated) if dated else UNDATED


def _append(dst, parts: list[Path]) -> None:
    """Append the bytes of `parts` to the open file `dst` (positioned at its end), copied by
    the kernel where it can."""
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


def _join(path: Path, parts: list[Path]) -> Path:
    """`path` as the byte-for-byte concatenation of `parts` (copied by the kernel)."""
    def write(tmp: Path) -> None:
        with open(tmp, "wb") as dst:
            _append(dst, parts)
    return _atomic_writer(path, write)


def _dirty_mark(single: Path) -> Path:
    return single.with_name(single.name + ".joining")


def _rejoin(single: Path, out: Path, ordered: list[dict], before: Any, written: set[str],
            changed: bool) -> int:
    """Bring the single file `single` to the concatenation of the partitions `ordered`
    (manifest entries in day order). When the file is exactly what the last export joined
    (`before`: its entries; no `.joining` mark left by an interrupted rewrite; its size their
    sum), the leading partitions that neither moved nor were rewritten stay in place: the file is
    truncated after them and the rest appended, so an increment that adds the newest days
    writes those days, not the store. Otherwise it is joined whole under a temporary name.
    Returns the offset from which the file was written (its size when nothing was)."""
    total = sum(e["bytes"] for e in ordered)
    mark = _dirty_mark(single)
    dirty = mark.exists()
    size = single.stat().st_size if single.is_file() else -1
    if not changed and not dirty and size == total:
        return size
    old = before if isinstance(before, list) else []
    same = not dirty and size >= 0 and all(isinstance(e, dict) and isinstance(e.get("bytes"), int) for e in old)
    if same and size == sum(e["bytes"] for e in old):
        start = keep = 0
        for new_e, old_e in zip(ordered, old):
            if (new_e["key"] != old_e.get("key") or new_e["bytes"] != old_e["bytes"]
                    or new_e["key"] in written):
                break
            keep += 1
            start += new_e["bytes"]
        # Marked before the first byte changes; the mark goes once the manifest that describes
        # the new file is written (`PartitionedJsonl.write`): a run that dies in between leaves
        # it, and the next export joins the file whole.
        mark.touch()
        with open(single, "r+b") as dst:
            dst.truncate(start)
            dst.seek(start)
            _append(dst, [out / e["file"] for e in ordered[keep:]])
        return start
    mark.touch()
    _join(single, [out / e["file"] for e in ordered])
    return 0


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
