"""The SQLite store: idempotent inserts, atomic transactions, concurrent readers."""
import sqlite3

import numpy as np
import pytest

from storytrace.model import Article, Event, InputError, Passage, ReuseLink, content_id
from storytrace.store import Store


def _article(text: str, title: str = "标题", **kw) -> Article:
    return Article(id=content_id(text, title), source_path=f"{title}.txt", title=title, text=text, **kw)


def test_add_is_idempotent(tmp_path):
    with Store(tmp_path / "s.db") as store:
        a = _article("第一篇文章的正文。")
        new, dup = store.add_articles([a])
        assert new == [a.id] and dup == []
        new, dup = store.add_articles([a])
        assert new == [] and dup == [a.id]
        assert store.count_articles() == 1
        assert store.get_article(a.id).text == a.text
        assert store.get_article(a.id[:6]).id == a.id


def test_failed_transaction_leaves_store_unchanged(tmp_path):
    with Store(tmp_path / "s.db") as store:
        store.add_articles([_article("保留的文章。")])
        with pytest.raises(RuntimeError):
            with store.transaction() as conn:
                conn.execute("DELETE FROM articles")
                raise RuntimeError("crash in the middle")
        assert store.count_articles() == 1
        assert store.integrity_ok()


def test_reader_sees_committed_data_while_writer_holds_transaction(tmp_path):
    path = tmp_path / "s.db"
    writer = Store(path)
    writer.add_articles([_article("已提交。")])
    reader = Store(path, readonly=True)
    with writer.transaction() as conn:
        conn.execute("DELETE FROM articles")
        assert reader.count_articles() == 1   # WAL: the reader still sees the last commit
    assert reader.count_articles() == 0
    writer.close(); reader.close()


def test_search_ignores_script(tmp_path):
    with Store(tmp_path / "s.db") as store:
        a = _article("習近平會見古巴領導人。", title="會見")
        b = _article("unrelated text", title="other")
        store.add_articles([a, b])
        assert store.search_articles("习近平") == [a.id]
        assert store.search_articles("100%") == []


def test_reuse_events_errors_vectors_roundtrip(tmp_path):
    with Store(tmp_path / "s.db") as store:
        link = ReuseLink(a="a1", b="b2", kind="partial", a_coverage=0.5, b_coverage=0.1,
                         passages=[Passage(0, 10, 5, 15, 0.9, {"punctuation": 1})])
        store.replace_reuse([link])
        assert store.reuse_links(article="b2")[0].passages[0].b_end == 15
        store.replace_reuse([], kinds=["translation"])
        assert len(store.reuse_links()) == 1
        ev = Event(id="E1", title="t", articles=["a1", "b2"])
        store.replace_events([ev])
        assert store.event_of("b2") == "E1" and store.get_event("E1").articles == ["a1", "b2"]
        store.add_errors([InputError("bad.html", "empty file")])
        assert store.errors()[0].reason == "empty file"
        store.put_vectors({"k": np.arange(4, dtype=np.float32)}, "m")
        assert store.get_vectors(["k", "missing"], "m")["k"].tolist() == [0, 1, 2, 3]
        store.mark_stage("reuse", "fp1")
        assert store.stage_fingerprint("reuse") == "fp1"


def test_store_is_wal(tmp_path):
    Store(tmp_path / "s.db").close()
    mode = sqlite3.connect(tmp_path / "s.db").execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_errors_are_replaced_not_repeated_and_cleared_when_fixed(tmp_path):
    with Store(tmp_path / "s.db") as store:
        store.add_errors([InputError("a.html", "empty file")])
        store.add_errors([InputError("a.html", "empty file")])
        assert [e.path for e in store.errors()] == ["a.html"]
        fixed = _article("修好的文章。")
        fixed.source_path = "a.html"
        store.add_articles([fixed])
        assert store.errors() == []
