"""JSON Lines kept current by day partitions (issue 13): a later write rewrites only the
partitions whose stored rows changed, and what it leaves is byte for byte what a write into
an empty folder gives, partitions and single files alike."""
from __future__ import annotations

import json
import os
import random
import shutil
from pathlib import Path

import pytest

from sample_store import sample_articles
from storytrace.model import Article, Event, Passage, ReuseLink, content_id
from storytrace.present.exports import (JSONL_TABLES, MANIFEST, PARTS, PartitionedJsonl, day_key,
                                        write_jsonl_outputs)

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "articles"


def _files(out: Path) -> dict[str, bytes]:
    """Every partition and single file under `out`, by relative path (the manifest aside)."""
    names = [f"{t}.jsonl" for t in JSONL_TABLES]
    names += [str(p.relative_to(out)) for p in sorted((out / PARTS).rglob("*.jsonl"))]
    return {n: (out / n).read_bytes() for n in names}


def _inodes(out: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(out)): (p.stat().st_ino, p.stat().st_mtime_ns)
            for p in sorted((out / PARTS).rglob("*.jsonl"))}


def _same_as_fresh(store, out: Path, tmp_path: Path) -> None:
    """`out` equals a write into an empty folder that hashes every stored row (not the log),
    partitions, single files and the manifest's partitions and digests alike."""
    fresh = tmp_path / "fresh"
    shutil.rmtree(fresh, ignore_errors=True)
    PartitionedJsonl(store, fresh, use_log=False).write()
    assert _files(out) == _files(fresh)
    manifest = json.loads((out / PARTS / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["tables"] == json.loads((fresh / PARTS / MANIFEST).read_text(encoding="utf-8"))["tables"]
    for table in JSONL_TABLES:
        joined = b"".join((out / e["file"]).read_bytes() for e in manifest["tables"][table])
        assert joined == (out / f"{table}.jsonl").read_bytes()
        assert sum(e["rows"] for e in manifest["tables"][table]) == joined.count(b"\n")


def test_day_keys():
    assert day_key("2026-03-02T09:00:00+08:00") == "2026-03-02"
    assert day_key("2026-03-03") == "2026-03-03"
    assert day_key("--03-02") == day_key(None) == day_key("") == day_key("March 2") == "undated"


def test_increment_rewrites_only_the_days_it_touches(sample_store, tmp_path):
    out = tmp_path / "out"
    first = PartitionedJsonl(sample_store, out)
    first.write()
    assert set(first.written) == {(t, p.stem) for t in JSONL_TABLES for p in (out / PARTS / t).glob("*.jsonl")}
    before = _inodes(out)
    again = PartitionedJsonl(sample_store, out)
    again.write()
    assert again.written == [] and _inodes(out) == before

    # A follow-up on a new day that quotes the storm warning (published the day before).
    arts = sample_articles()
    echo = arts["echo"]
    text = "Residents should stay indoors on Thursday night. The storm passed without damage."
    late = Article(id=content_id(text, "Storm passes"), source_path="synthetic/late.txt", title="Storm passes",
                   text=text, language="en", script="Latn", outlet="Metro Daily",
                   published="2026-03-06T07:00:00+00:00", published_precision="datetime")
    sample_store.add_articles([late])
    quoted = "Residents should stay indoors on Thursday night."
    link = ReuseLink(echo.id, late.id, "partial", 0.6, 0.5, direction="a->b", passages=[
        Passage(echo.text.find(quoted), echo.text.find(quoted) + len(quoted), 0, len(quoted), 1.0)])
    sample_store.replace_reuse(sample_store.reuse_links() + [link])
    sample_store.replace_events(sample_store.events() + [Event("E3", "Storm passes", [late.id],
                                                               start=late.published, end=late.published)])
    inc = PartitionedJsonl(sample_store, out)
    inc.write()
    assert inc.path == "log"                   # read from the store's log of what changed
    assert inc.reused_lines == 1               # the storm warning's own line, copied as it was
    # new day everywhere; the quoted article's day (its original_share changed); nothing else
    assert sorted(inc.written) == [("articles", "2026-03-05"), ("articles", "2026-03-06"),
                                   ("events", "2026-03-06"), ("reuse", "2026-03-06")]
    after = _inodes(out)
    untouched = {k for k in before if not any(k == f"{PARTS}/{t}/{d}.jsonl" for t, d in inc.written)}
    assert untouched and all(after[k] == before[k] for k in untouched)
    assert after[f"{PARTS}/articles/2026-03-05.jsonl"] != before[f"{PARTS}/articles/2026-03-05.jsonl"]
    _same_as_fresh(sample_store, out, tmp_path)
    rows = {json.loads(line)["id"]: json.loads(line) for line in
            (out / PARTS / "articles" / "2026-03-05.jsonl").read_text(encoding="utf-8").splitlines()}
    assert rows[echo.id]["original_share"] < 0.5       # the follow-up shares its first sentence


def test_removed_rows_and_lost_files_are_rewritten(sample_store, tmp_path):
    out = tmp_path / "out"
    write_jsonl_outputs(sample_store, out)
    # the storm event's day loses its event; a partition file is deleted by hand
    sample_store.replace_events([ev for ev in sample_store.events() if ev.id != "E2"])
    (out / PARTS / "reuse" / "2026-03-02.jsonl").unlink()
    inc = PartitionedJsonl(sample_store, out)
    inc.write()
    assert ("reuse", "2026-03-02") in inc.written
    assert not (out / PARTS / "events" / "2026-03-05.jsonl").exists()
    assert ("articles", "2026-03-05") in inc.written          # its articles lost their event
    _same_as_fresh(sample_store, out, tmp_path)


def test_a_store_written_out_by_the_pipeline_in_two_batches(tmp_path):
    """The real steps on the bundled examples, split in halves: after each analysis the folder
    equals a fresh write, and every partition not rewritten kept its file."""
    from storytrace.ingest import ingest
    from storytrace.pipeline import analyze, write_outputs
    from storytrace.read import expand_inputs
    from storytrace.store import Store

    units = sorted(str(p) for p in expand_inputs([str(EXAMPLES)]))
    out = tmp_path / "out"
    with Store(tmp_path / "s.db") as store:
        ingest(units[::2], store, workers=1)
        analyze(store)
        write_outputs(store, out, report=False)
        before = _inodes(out)
        ingest(units[1::2], store, workers=1)
        analyze(store)
        inc = PartitionedJsonl(store, out)
        inc.write()
        after = _inodes(out)
        rewritten = {f"{PARTS}/{t}/{d}.jsonl" for t, d in inc.written}
        assert all(after[k] == before[k] for k in before if k in after and k not in rewritten)
        assert set(after) - set(before) <= rewritten
        _same_as_fresh(store, out, tmp_path)
        n = sum(1 for _ in (out / "articles.jsonl").open(encoding="utf-8"))
        assert n == store.count_articles()


def test_old_single_file_folder_is_taken_over(sample_store, tmp_path):
    """A folder written before partitions existed (no manifest): everything is written once."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "articles.jsonl").write_text('{"stale": true}\n', encoding="utf-8")
    write_jsonl_outputs(sample_store, out)
    assert b"stale" not in (out / "articles.jsonl").read_bytes()
    _same_as_fresh(sample_store, out, tmp_path)


def test_a_broken_manifest_means_a_full_write(sample_store, tmp_path):
    out = tmp_path / "out"
    write_jsonl_outputs(sample_store, out)
    (out / PARTS / MANIFEST).write_text("{not json", encoding="utf-8")
    inc = PartitionedJsonl(sample_store, out)
    inc.write()
    assert {t for t, _ in inc.written} == {"articles", "events", "reuse"}
    _same_as_fresh(sample_store, out, tmp_path)


def test_partition_digests_of_another_kind_mean_hashing_every_row(sample_store, tmp_path):
    """A manifest without `partition_digest` (written before partition digests were made of
    row digests) holds digests of another kind: the next export hashes every row, once."""
    out = tmp_path / "out"
    write_jsonl_outputs(sample_store, out)
    path = out / PARTS / MANIFEST
    manifest = json.loads(path.read_text(encoding="utf-8"))
    assert manifest.pop("partition_digest") == "rows"
    path.write_text(json.dumps(manifest), encoding="utf-8")
    sample_store.put_events([Event(**{**sample_store.events()[0].to_dict(), "title": "retitled"})])
    inc = PartitionedJsonl(sample_store, out)
    inc.write()
    assert inc.path == "digests"
    _same_as_fresh(sample_store, out, tmp_path)
    again = PartitionedJsonl(sample_store, out)
    again.write()
    assert again.path == "log" and again.written == []


def test_an_export_from_the_log_hashes_only_the_rows_it_names(sample_store, tmp_path, monkeypatch):
    """One link replaced: the rows read and hashed again are that link and its two articles
    (their lines carry its share), not every row of the days they are on; the rest of those
    days' digests come from `export_lines`, and the folder equals a fresh write."""
    from storytrace.present import exports

    out = tmp_path / "out"
    write_jsonl_outputs(sample_store, out)
    link = sample_store.reuse_links()[0]
    sample_store.replace_reuse_touching([link.a], [ReuseLink(link.a, link.b, link.kind, 0.5, 0.4,
                                                             passages=[Passage(0, 4, 0, 4, 0.95)])], link.kind)
    hashed = []
    inner = exports._h
    monkeypatch.setattr(exports, "_h", lambda data: hashed.append(data) or inner(data))
    inc = PartitionedJsonl(sample_store, out)
    inc.write()
    monkeypatch.setattr(exports, "_h", inner)
    assert inc.path == "log" and ("reuse", day_key(_day_of(sample_store, link))) in inc.written
    rows = {bytes(d) for (d,) in sample_store._conn.execute(
        "SELECT CAST(data AS BLOB) FROM articles WHERE id IN (?, ?)", (link.a, link.b))}
    rows |= {bytes(d) for (d,) in sample_store._conn.execute(
        "SELECT CAST(data AS BLOB) FROM reuse WHERE a IN (?, ?) OR b IN (?, ?)", (link.a, link.b) * 2)}
    # stored rows hashed (the rest are row digests made of those): the two articles and the
    # links touching them only
    raw = [d for d in hashed if not d.startswith(exports.LAYOUT_VERSION.encode() + b"\t")]
    assert raw and set(raw) <= rows
    _same_as_fresh(sample_store, out, tmp_path)


def _day_of(store, link) -> str | None:
    days = [a.published for a in store.get_articles([link.a, link.b])]
    dated = [day_key(d) for d in days if day_key(d) != "undated"]
    return max(dated) if dated else None


@pytest.mark.skipif(not hasattr(os, "copy_file_range"), reason="no copy_file_range here")
def test_single_files_are_joined_without_python_copies(sample_store, tmp_path, monkeypatch):
    calls = []
    real = os.copy_file_range

    def counted(*args, **kwargs):
        calls.append(args[2])
        return real(*args, **kwargs)
    monkeypatch.setattr(os, "copy_file_range", counted)
    write_jsonl_outputs(sample_store, tmp_path / "out")
    assert calls and sum(calls) >= (tmp_path / "out" / "articles.jsonl").stat().st_size


def _published(store, article_id: str, published: str) -> None:
    art = store.get_article(article_id)
    store.update_articles([Article.from_dict({**art.to_dict(), "published": published})])


def test_random_changes_read_from_the_log_equal_hashing_everything(sample_store, tmp_path):
    """Adds, edits, moves between days and removals in every exported table, in random order:
    after each, the folder kept by the store's log equals a fresh write that hashes every row."""
    rng = random.Random(13)
    out = tmp_path / "out"
    write_jsonl_outputs(sample_store, out)
    arts = list(sample_articles().values())
    paths, reused = [], 0
    for step in range(24):
        op = rng.choice(["add", "move", "undate", "link", "unlink", "event", "drop-event", "relink-all",
                         "retitle", "touch-links"])
        ids = sample_store.article_ids()
        if op == "add":
            text = f"Follow-up number {step}: residents should stay indoors on Thursday night."
            new = Article(id=content_id(text, f"Follow-up {step}"), source_path=f"synthetic/f{step}.txt",
                          title=f"Follow-up {step}", text=text, language="en", script="Latn", outlet="Metro Daily",
                          published=f"2026-03-{rng.randint(1, 9):02d}T10:00:00+00:00")
            sample_store.add_articles([new])
        elif op == "move":
            _published(sample_store, rng.choice(ids), f"2026-03-{rng.randint(1, 9):02d}T08:00:00+08:00")
        elif op == "undate":
            _published(sample_store, rng.choice(ids), "--03-04")
        elif op in ("link", "unlink", "relink-all"):
            links = sample_store.reuse_links()
            if op == "link":
                a, b = sorted(rng.sample(ids, 2))
                links.append(ReuseLink(a, b, "partial", 0.1, 0.2, direction="unknown",
                                       passages=[Passage(0, 5, 0, 5, 1.0)]))
            elif op == "unlink" and links:
                links.remove(rng.choice(links))
            sample_store.replace_reuse(links)                  # every row written again
        elif op == "event":
            members = rng.sample(ids, rng.randint(1, 3))
            events = [Event(ev.id, ev.title, [a for a in ev.articles if a not in members]) for ev in sample_store.events()]
            events = [ev for ev in events if ev.articles] + [Event(f"R{step}", f"event {step}", members)]
            sample_store.replace_events(events)
        elif op == "drop-event" and sample_store.events():
            gone = rng.choice(sample_store.events()).id
            sample_store.replace_events([ev for ev in sample_store.events() if ev.id != gone])
        elif op == "retitle" and sample_store.events():              # one row written, the rest kept
            ev = rng.choice(sample_store.events())
            sample_store.put_events([Event(**{**ev.to_dict(), "title": f"retitled {step}"})])
        elif op == "touch-links":                                    # the links of one article replaced
            a = rng.choice(ids)
            b = rng.choice([x for x in ids if x != a])
            sample_store.replace_reuse_touching([a], [ReuseLink(min(a, b), max(a, b), "partial", 0.3, 0.1,
                                                                passages=[Passage(0, 3, 0, 3, 0.9)])], "partial")
        inc = PartitionedJsonl(sample_store, out)
        inc.write()
        paths.append(inc.path)
        reused += inc.reused_lines
        _same_as_fresh(sample_store, out, tmp_path)
        _row_digests_current(sample_store)
        _lines_as_fresh(sample_store, tmp_path / f"copy{step}.db", tmp_path / f"fresh{step}")
    assert set(paths) == {"log"} and reused > 0


def _lines_as_fresh(store, copy: Path, out: Path) -> None:
    """`export_lines` as kept from the log equals what an export hashing every row records."""
    import sqlite3

    from storytrace.store import Store

    dst = sqlite3.connect(copy)
    store._conn.backup(dst)
    dst.close()
    query = "SELECT tbl, key, day, digest FROM export_lines ORDER BY tbl, key"
    with Store(copy) as fresh:
        fresh._conn.execute("DELETE FROM export_lines")
        assert PartitionedJsonl(fresh, out).write() and True
        want = fresh._conn.execute(query).fetchall()
    assert store._conn.execute(query).fetchall() == want


def _row_digests_current(store) -> None:
    """`export_lines` holds every stored article's own row digest (what the report keys it by)."""
    import hashlib

    from storytrace.present.exports import ROW_DIGESTS

    conn = store._conn
    want = {aid: hashlib.md5(data).hexdigest() for aid, data in conn.execute(
        "SELECT id, CAST(data AS BLOB) FROM articles")}
    assert dict(conn.execute("SELECT key, digest FROM export_lines WHERE tbl=?", (ROW_DIGESTS,))) == want


def test_another_folder_or_a_read_only_store_hashes_every_row(sample_store, tmp_path):
    from storytrace.store import Store

    a, b = tmp_path / "a", tmp_path / "b"
    first = PartitionedJsonl(sample_store, a)
    first.write()
    assert first.path == "digests"
    sample_store.update_articles(sample_store.articles()[:1])   # logged, same content
    PartitionedJsonl(sample_store, b).write()                   # now the store's rows follow b
    again = PartitionedJsonl(sample_store, a)
    again.write()
    assert again.path == "digests" and again.written == []     # a is current: nothing rewritten
    follow = PartitionedJsonl(sample_store, a)
    follow.write()
    assert follow.path == "log"
    with Store(sample_store.path, readonly=True) as ro:
        shutil.rmtree(b)
        plain = PartitionedJsonl(ro, b)
        plain.write()
        assert plain.path == "digests"
    _same_as_fresh(sample_store, a, tmp_path)


def test_the_log_stops_at_its_limit_and_the_next_export_hashes_every_row(sample_store, tmp_path, monkeypatch):
    from storytrace.present import exports

    out = tmp_path / "out"
    write_jsonl_outputs(sample_store, out)
    sample_store._conn.execute("UPDATE meta SET value = CAST(value AS INTEGER) - ? WHERE key='export:seq'",
                               (exports.LOG_LIMIT - 2,))           # as if LIMIT - 2 entries were logged
    arts = sample_store.articles()
    sample_store.update_articles(arts[:1])                          # 2 entries: the log is full
    logged = sample_store._conn.execute("SELECT COUNT(*) FROM export_log").fetchone()[0]
    sample_store.update_articles(arts[1:3])                         # not logged any more
    assert sample_store._conn.execute("SELECT COUNT(*) FROM export_log").fetchone()[0] == logged == 2
    inc = PartitionedJsonl(sample_store, out)
    inc.write()
    assert inc.path == "digests"
    again = PartitionedJsonl(sample_store, out)
    again.write()
    assert again.path == "log"                                      # logging again from here
    _same_as_fresh(sample_store, out, tmp_path)


def test_plain_is_asdict(sample_store):
    """The exports' fast `plain` gives what `to_dict()` (dataclasses.asdict) gives, to the byte."""
    from storytrace.present.exports import plain

    records = (sample_store.articles() + sample_store.reuse_links() + sample_store.events()
               + sample_store.families())
    records.append(ReuseLink("a", "b", "reprint", 0.5, 0.5, passages=[Passage(0, 1, 0, 1, 1.0, {"script": 1})],
                             family="F"))
    for record in records:
        assert plain(record) == record.to_dict()
        assert json.dumps(plain(record), ensure_ascii=False) == json.dumps(record.to_dict(), ensure_ascii=False)


def _new_article(day: str, n: int) -> Article:
    text = f"Harbour notice {n}: the ferry to the outer islands runs again from {day}."
    return Article(id=content_id(text, f"Ferry {n}"), source_path=f"synthetic/ferry{n}.txt", title=f"Ferry {n}",
                   text=text, language="en", script="Latn", outlet="Metro Daily",
                   published=f"{day}T06:00:00+00:00", published_precision="datetime")


def test_single_files_keep_their_unchanged_days_in_place(sample_store, tmp_path):
    """Only the newest day changes: articles.jsonl is the same file (same inode), its older
    days are not written again, and the result is byte for byte a fresh export."""
    out = tmp_path / "out"
    write_jsonl_outputs(sample_store, out)
    single = out / "articles.jsonl"
    inode, size = single.stat().st_ino, single.stat().st_size
    sample_store.add_articles([_new_article("2026-03-09", 1)])
    inc = PartitionedJsonl(sample_store, out)
    inc.write()
    assert inc.written == [("articles", "2026-03-09")]
    assert single.stat().st_ino == inode                     # written in place, not replaced
    new_part = (out / PARTS / "articles" / "2026-03-09.jsonl").stat().st_size
    assert inc.joined["articles"] == new_part and single.stat().st_size == size + new_part
    assert inc.joined["events"] == inc.joined["reuse"] == 0
    assert not list(out.glob("*.joining"))
    _same_as_fresh(sample_store, out, tmp_path)


def test_single_files_rewritten_from_an_old_changed_day_on(sample_store, tmp_path):
    """An increment that changes the oldest day and adds a newer one: the single file is
    written from that day on (every later day too) and equals a fresh export."""
    out = tmp_path / "out"
    write_jsonl_outputs(sample_store, out)
    first = min(sample_store.articles(), key=lambda a: a.published or "9")
    assert day_key(first.published) == "2026-03-02"
    sample_store.update_articles([Article.from_dict({**first.to_dict(), "title": first.title + " (updated)"})])
    sample_store.add_articles([_new_article("2026-03-08", 2)])
    inc = PartitionedJsonl(sample_store, out)
    inc.write()
    assert ("articles", "2026-03-02") in inc.written
    assert inc.joined["articles"] == (out / "articles.jsonl").stat().st_size   # from the first day on
    _same_as_fresh(sample_store, out, tmp_path)
    # then a change in the middle: the days before it stay as they are
    mid = next(a for a in sample_store.articles() if day_key(a.published) == "2026-03-03")
    sample_store.update_articles([Article.from_dict({**mid.to_dict(), "title": mid.title + "!"})])
    inc = PartitionedJsonl(sample_store, out)
    inc.write()
    manifest = json.loads((out / PARTS / MANIFEST).read_text(encoding="utf-8"))
    kept = sum(e["bytes"] for e in manifest["tables"]["articles"] if e["key"] < "2026-03-03")
    assert kept > 0 and inc.joined["articles"] == (out / "articles.jsonl").stat().st_size - kept
    _same_as_fresh(sample_store, out, tmp_path)


def test_a_join_killed_midway_is_repaired_by_the_next_export(sample_store, tmp_path, monkeypatch):
    """The process dies after articles.jsonl was truncated and half its new days written (the
    manifest still describes the last export): the next export notices the mark and rejoins
    the whole file, also when the broken file has by chance the size the manifest sums to."""
    import storytrace.present.exports as exports

    out = tmp_path / "out"
    write_jsonl_outputs(sample_store, out)
    manifest_before = (out / PARTS / MANIFEST).read_bytes()
    size_before = (out / "articles.jsonl").stat().st_size
    sample_store.add_articles([_new_article("2026-03-09", 3)])
    real = exports._append

    def dies(dst, parts):
        dst.write(b'{"id": "half a li')
        raise KeyboardInterrupt("killed")
    monkeypatch.setattr(exports, "_append", dies)
    with pytest.raises(KeyboardInterrupt):
        PartitionedJsonl(sample_store, out).write()
    monkeypatch.setattr(exports, "_append", real)
    assert (out / PARTS / MANIFEST).read_bytes() == manifest_before
    assert (out / "articles.jsonl.joining").exists()
    # the worst case: the broken file has exactly the size the old manifest sums to
    with open(out / "articles.jsonl", "r+b") as fh:
        fh.truncate(size_before)
    inc = PartitionedJsonl(sample_store, out)
    inc.write()
    assert inc.joined["articles"] == (out / "articles.jsonl").stat().st_size
    assert not (out / "articles.jsonl.joining").exists()
    _same_as_fresh(sample_store, out, tmp_path)
