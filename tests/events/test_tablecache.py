"""Tables kept between processes (`events.tablecache`): the same table as built, rebuilt
when damaged or when what it is built from changes, and built anyway where the cache
folder cannot be written."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from storytrace.events import tablecache


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("STORYTRACE_CACHE_DIR", str(folder))
    return folder


def test_built_once_then_read(cache):
    calls = []

    def build():
        calls.append(1)
        return {"北京": "geo:Asia/Shanghai", "Hà Nội": "geo:Asia/Bangkok"}, 3
    first = tablecache.cached_table("t", ["v1"], build)
    again = tablecache.cached_table("t", ["v1"], build)
    assert first == again == ({"北京": "geo:Asia/Shanghai", "Hà Nội": "geo:Asia/Bangkok"}, 3)
    assert len(calls) == 1
    assert [p.name.startswith("t-") for p in cache.iterdir()] == [True]
    tablecache.cached_table("t", ["v2"], build)          # a new key: built again, a second file
    assert len(calls) == 2 and len(list(cache.iterdir())) == 2


def test_damaged_or_wrong_shape_is_rebuilt(cache):
    tablecache.cached_table("t", ["k"], lambda: {"a": "b"})
    path = tablecache.table_path("t", ["k"])
    path.write_bytes(path.read_bytes()[:5])             # truncated
    assert tablecache.cached_table("t", ["k"], lambda: {"a": "c"}) == {"a": "c"}
    path.write_bytes(b"\x00garbage")
    assert tablecache.cached_table("t", ["k"], lambda: {"a": "d"}) == {"a": "d"}
    assert tablecache.cached_table("t", ["k"], lambda: {"a": "e"}, valid=lambda t: t == {"a": "e"}) == {"a": "e"}


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root writes into read-only folders")
def test_read_only_folder(cache):
    cache.mkdir()
    cache.chmod(0o500)
    try:
        assert tablecache.cached_table("t", ["k"], lambda: [1, 2]) == [1, 2]
        assert list(cache.iterdir()) == []
    finally:
        cache.chmod(0o700)


def test_unwritable_cache_path(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("STORYTRACE_CACHE_DIR", str(blocker / "cache"))     # under a file: cannot be made
    assert tablecache.cached_table("t", ["k"], lambda: {"x": 1}) == {"x": 1}


def test_gazetteer_and_jieba_tables_as_built(cache):
    """In fresh processes: the cached place names equal a build from CLDR; jieba's tagger
    and the markets' tokenizer, which read the dictionary's entries per text, cut and tag
    as jieba with its whole dictionary does, hold jieba's own values for what they read,
    and jieba's own `posseg` functions still tag with every word tag; the second process
    reads the tables the first one kept."""
    code = r"""
import sys, jieba
from storytrace.events import gazetteer, entities
names = gazetteer._names()
tagger = entities._posseg()
built = gazetteer._build_names()
assert names == built and list(names[0]) == list(built[0]) and list(names[1]) == list(built[1])
texts = [
    "新华社北京2月3日电 国家主席习近平3日在人民大会堂会见来访的越南总理范明政。",
    "國務院總理李強在河內同越南政府總理范明正舉行會談，雙方簽署多項合作文件。",
    "受台风“海葵”影响，广东省气象台发布暴雨红色预警，深圳、珠海等地停课停工。",
    "泽连斯基与欧尔班通话；沪指收涨0.8%，恒生指数、日经225指数同步走高。",
    "Tokyo股市 道指 纳指 标普500指数 报道指出 今日股市 美元兑日元 COVID-19 疫苗",
]
fresh = jieba.Tokenizer()
fresh.initialize()
full = jieba.posseg.POSTokenizer(fresh)
assert len(full.word_tag_tab) > 300000
for text in texts:
    assert [tuple(p) for p in tagger.cut(text)] == [tuple(p) for p in full.cut(text)]
    assert [tuple(p) for p in jieba.posseg.cut(text)] == [tuple(p) for p in full.cut(text)]
    assert list(jieba.cut(text)) == list(fresh.cut(text))
lazy = tagger.tokenizer
assert 0 < len(lazy.FREQ) < len(fresh.FREQ) / 10 and lazy.total == fresh.total
assert all(fresh.FREQ[k] == v for k, v in lazy.FREQ.items())
assert all(full.word_tag_tab[k] == v for k, v in tagger.word_tag_tab.items())
from storytrace.events import markets
own = markets._tokenizer()
assert own.FREQ is not lazy.FREQ
ref = jieba.Tokenizer()
ref.initialize()
for name in markets._table()[1]:
    if not name[0].isascii():
        ref.add_word(name)
for text in texts:
    assert list(own.cut(text)) == list(ref.cut(text))
assert own.total == ref.total and all(ref.FREQ[k] == v for k, v in own.FREQ.items())
print(len(names[0]), len(names[1]), len(lazy.FREQ), len(tagger.word_tag_tab))
"""
    env = {**os.environ, "STORYTRACE_CACHE_DIR": str(cache)}
    first = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert first.returncode == 0, first.stderr
    files = sorted(p.name.rsplit("-", 1)[0] for p in cache.iterdir())
    assert files == ["gazetteer", "jieba-prefix", "jieba-word-tags"]
    second = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert second.returncode == 0, second.stderr
    assert first.stdout == second.stdout


def test_keyed_table_reads_what_a_text_can_look_up(cache):
    """`keyed_table`: kept in SQLite after the first build; `fill` hands over exactly the
    entries whose prefix (first two characters, or the one) occurs in the text, once."""
    entries = {"北": 5, "北京": 9, "北京市": 3, "北方": 2, "京": 4, "上海": 7, "海": 1, "a": 0, "ab c": 8}
    calls = []

    def build():
        calls.append(1)
        return dict(entries), {"total": 39}
    table = tablecache.keyed_table("k", ["v1"], build)
    again = tablecache.keyed_table("k", ["v1"], build)
    assert len(calls) == 1 and table.meta == again.meta == {"total": 39}
    assert [p.suffix for p in cache.iterdir()] == [".sqlite"]
    for source in (table, again, tablecache.KeyedTable(None, {"total": 39}, entries)):
        target, seen = {}, set()
        source.fill(target, "在北京", seen)
        assert target == {"北": 5, "北京": 9, "北京市": 3, "京": 4}     # not 北方: 北方 is no substring's prefix
        assert seen == {"在", "北", "京", "在北", "北京"}
        target["北京"] = 99                                             # an entry changed since (add_word)
        source.fill(target, "北京上海\ud800", seen)                      # a lone surrogate is in no key
        assert target == {"北": 5, "北京": 99, "北京市": 3, "京": 4, "上海": 7, "海": 1}
        source.fill(target, "ab c", seen)
        assert target["ab c"] == 8 and target["a"] == 0


def test_keyed_table_damaged_or_unwritable(cache, tmp_path, monkeypatch):
    tablecache.keyed_table("k", ["v"], lambda: ({"ab": 1}, {}))
    path = next(cache.iterdir())
    path.write_bytes(b"\x00garbage" * 100)
    table = tablecache.keyed_table("k", ["v"], lambda: ({"ab": 2}, {"n": 1}))
    target = {}
    table.fill(target, "xab", set())
    assert target == {"ab": 2} and table.meta == {"n": 1}
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("STORYTRACE_CACHE_DIR", str(blocker / "cache"))
    table = tablecache.keyed_table("k", ["v"], lambda: ({"ab": 3}, {}))
    target = {}
    table.fill(target, "ab", set())
    assert target == {"ab": 3} and table.path is None


def test_gc_paused_restores_the_collector():
    import gc

    assert gc.isenabled()
    with tablecache.gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with tablecache.gc_paused():
            pass
        assert not gc.isenabled()          # left off when it was off
    finally:
        gc.enable()
    with pytest.raises(KeyError):
        with tablecache.gc_paused():
            raise KeyError("x")
    assert gc.isenabled()
