import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from storytrace.ingest import ingest
from storytrace.store import Store


def _post(i: int, outlet: str = "rthk", footer: str = "") -> str:
    return (f"---\ntitle: 第{i}号测试新闻标题\ndate: 2021-02-0{1 + i % 8} 10:00:00 +08:00\ncategories: {outlet}\n---\n"
            f"<p>这是第{i}篇测试文章的正文，内容讲述甲市第{i}项工程的进展情况。</p>"
            f"<p>工程负责人表示，第{i}项工程将于年内完工。</p>" + (f"<p>{footer}</p>" if footer else ""))


def _write_corpus(folder: Path, n: int, **kw) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        (folder / f"post-{i:04d}.html").write_text(_post(i, **kw), encoding="utf-8")


def test_ingest_counts_errors_and_is_a_no_op_the_second_time(tmp_path):
    _write_corpus(tmp_path / "in", 4)
    (tmp_path / "in" / "broken.md").write_text("---\ntitle: [oops\n---\nbody", encoding="utf-8")
    (tmp_path / "in" / "feed.jsonl").write_text('{"title": "J", "text": "JSON 正文一段。"}\n{bad\n', encoding="utf-8")
    with Store(tmp_path / "s.db") as store:
        first = ingest([str(tmp_path / "in")], store, workers=1)
        assert (first.read, first.stored, first.duplicates, first.failed) == (7, 5, 0, 2)
        assert {Path(e.path.split("#")[0]).name for e in first.errors} == {"broken.md", "feed.jsonl"}
        assert len(store.errors()) == 2 and store.count_articles() == 5
        second = ingest([str(tmp_path / "in")], store, workers=1)
        assert (second.stored, second.duplicates) == (0, 5) and second.failed == 2
        third = ingest([str(tmp_path / "in")], store, workers=1, resume=False)
        assert (third.stored, third.duplicates) == (0, 5)
        (tmp_path / "in" / "new.txt").write_text("新标题\n\n新的正文内容。", encoding="utf-8")
        fourth = ingest([str(tmp_path / "in")], store, workers=1)
        assert fourth.stored == 1 and len(fourth.new_ids) == 1
        assert store.count_articles() == 6


def _records(store: Store) -> dict[str, tuple[str, str, str]]:
    return {a.id: (Path(a.source_path).name, a.title, a.text) for a in store.articles()}


def test_same_articles_whatever_the_batches_and_footer_hidden_not_cut(tmp_path):
    """Issue 15: six posts of one outlet sharing a footer get the same ids and texts whether
    ingested in one run or in two runs of three; analysis hides the footer as spans."""
    from storytrace.engines.local import run_analysis
    from storytrace.normalize.boilerplate import HIDDEN_KEY, visible_text

    footer = "本台消息由甲市新闻中心统一发布"
    _write_corpus(tmp_path / "all", 6, outlet="dw", footer=footer)
    files = sorted((tmp_path / "all").iterdir())
    with Store(tmp_path / "one.db") as one, Store(tmp_path / "two.db") as two:
        ingest([str(tmp_path / "all")], one, workers=1)
        ingest([str(f) for f in files[3:]], two, workers=1)
        ingest([str(f) for f in files[:3]], two, workers=1)
        assert _records(one) == _records(two) and len(_records(one)) == 6
        assert all(footer in a.text for a in one.articles())          # stored as published
        run_analysis(one, workers=1)
        for art in one.articles():
            start, end = art.metadata[HIDDEN_KEY][-1]
            assert art.text[start:end] == footer                       # spans point into the text
            visible = visible_text(art)
            assert len(visible) == len(art.text) and footer not in visible
        ids_before = set(_records(one))
        (tmp_path / "later.html").write_text(_post(99, outlet="dw", footer=footer), encoding="utf-8")
        summary = ingest([str(tmp_path / "later.html")], one, workers=1)
        run_analysis(one, workers=1)
        later = one.get_article(summary.new_ids[0])
        assert later.outlet == "DW" and footer in later.text and later.metadata[HIDDEN_KEY]
        assert ids_before < set(_records(one))                         # no earlier id changed


def _counting_pools(monkeypatch) -> list:
    import storytrace.ingest as ing

    started = []

    class Counted(ing.ProcessPoolExecutor):       # a real pool, counted
        def __init__(self, *args, **kwargs):
            started.append(self)
            super().__init__(*args, **kwargs)
    monkeypatch.setattr(ing, "ProcessPoolExecutor", Counted)
    return started


def test_process_pool_gives_the_same_articles(tmp_path, monkeypatch):
    import storytrace.ingest as ing

    _write_corpus(tmp_path / "in", 30)
    monkeypatch.setattr(ing, "POOL_MIN_SECONDS", 0.0)       # any work left is worth the pool
    started = _counting_pools(monkeypatch)
    with Store(tmp_path / "a.db") as one, Store(tmp_path / "b.db") as two:
        ingest([str(tmp_path / "in")], one, workers=1)
        assert not started
        ingest([str(tmp_path / "in")], two, workers=2)
        assert len(started) == 1
        assert one.article_ids() == two.article_ids() and len(one.article_ids()) == 30
        assert [a.text for a in one.get_articles(one.article_ids())] == \
            [a.text for a in two.get_articles(two.article_ids())]


def test_a_small_batch_is_normalized_without_a_pool(tmp_path, monkeypatch):
    # 30 short posts are far less work than POOL_MIN_SECONDS: starting a pool would cost more
    _write_corpus(tmp_path / "in", 30)
    started = _counting_pools(monkeypatch)
    with Store(tmp_path / "a.db") as store:
        summary = ingest([str(tmp_path / "in")], store, workers=2)
        assert summary.stored == 30 and not started


def test_kill_minus_nine_leaves_a_consistent_resumable_store(tmp_path):
    _write_corpus(tmp_path / "in", 400)
    db = tmp_path / "s.db"
    script = ("import sys, storytrace.ingest as ing\n"
              "from storytrace.store import Store\n"
              "ing.WINDOW, ing.BATCH = 40, 10\n"
              "ing.ingest([sys.argv[1]], Store(sys.argv[2]), workers=1)\n")
    proc = subprocess.Popen([sys.executable, "-c", script, str(tmp_path / "in"), str(db)])
    stored = 0
    deadline = time.time() + 60
    while time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
        if db.exists():
            try:
                with Store(db, readonly=True) as reader:  # readers work while ingest writes
                    stored = reader.count_articles()
            except Exception:  # noqa: BLE001 - the file may not have its schema yet
                continue
            if stored >= 20:
                break
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    with Store(db) as store:
        assert store.integrity_ok()
        partial = store.count_articles()
        assert 0 < partial < 400 and partial % 10 == 0
        summary = ingest([str(tmp_path / "in")], store, workers=1)
        assert store.count_articles() == 400
        assert summary.resumed >= partial and summary.stored == 400 - partial


def test_which_copy_of_one_text_is_kept_does_not_depend_on_arrival(tmp_path):
    """Two sources with the same title and text (one id): the smaller source path is kept,
    whichever came first, so the stored record is the same."""
    (tmp_path / "a-copy.md").write_text("---\ntitle: 同一标题\ndate: 2021-02-01\n---\n同一篇正文，内容完全相同。",
                                        encoding="utf-8")
    (tmp_path / "b-copy.md").write_text("---\ntitle: 同一标题\ndate: 2021-02-03\n---\n同一篇正文，内容完全相同。",
                                        encoding="utf-8")
    kept = []
    for name, order in (("ab.db", ["a-copy.md", "b-copy.md"]), ("ba.db", ["b-copy.md", "a-copy.md"])):
        with Store(tmp_path / name) as store:
            for file in order:
                ingest([str(tmp_path / file)], store, workers=1)
            assert store.count_articles() == 1
            kept.append(store.articles()[0].to_dict())
    assert kept[0] == kept[1]
    assert Path(kept[0]["source_path"]).name == "a-copy.md" and kept[0]["published"].startswith("2021-02-01")
