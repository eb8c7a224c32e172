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
    """In fresh processes: the cached place names equal a build from CLDR, and jieba's
    prefix dictionary read from the cache equals jieba's own; the second process reads."""
    code = r"""
import sys, jieba
from storytrace.events import gazetteer, entities
names = gazetteer._names()
tagger = entities._posseg()
assert tagger.tokenizer.initialized
built = gazetteer._build_names()
assert names == built and list(names[0]) == list(built[0]) and list(names[1]) == list(built[1])
fresh = jieba.Tokenizer()
fresh.initialize()
assert (jieba.dt.FREQ, jieba.dt.total) == (fresh.FREQ, fresh.total)
assert tagger.word_tag_tab is jieba.posseg.dt.word_tag_tab and len(tagger.word_tag_tab) > 300000
from storytrace.events import markets
own = markets._tokenizer()
assert own.FREQ is not jieba.dt.FREQ
ref = jieba.Tokenizer()
ref.initialize()
for name in markets._table()[1]:
    if not name[0].isascii():
        ref.add_word(name)
assert (own.FREQ, own.total) == (ref.FREQ, ref.total)
print(len(names[0]), len(names[1]))
"""
    env = {**os.environ, "STORYTRACE_CACHE_DIR": str(cache)}
    first = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert first.returncode == 0, first.stderr
    files = sorted(p.name.split("-")[0] for p in cache.iterdir())
    assert files == ["gazetteer", "jieba"]
    second = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert second.returncode == 0, second.stderr
    assert first.stdout == second.stdout


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
