"""The passage index (reuse/index.py): a store extended batch by batch holds exactly the
links and families of one run over all its articles, and the increments get there through
the index (they do not decline to a run from scratch) wherever the index can decide.

Inputs are self-written (syndication_samples, reuse_samples); the store is a real SQLite file.
"""
from __future__ import annotations

import json

import pytest
from reuse_samples import article, make_text
from syndication_samples import collection

from storytrace.engines.local import REUSE_KINDS, AlignmentMemo, code_version
from storytrace.reuse import ReuseSettings, detect_reuse
from storytrace.reuse import index as index_module
from storytrace.reuse.index import PassageIndex
from storytrace.stageview import stage_article
from storytrace.store import Store


def reuse_step(store: Store, settings: ReuseSettings) -> dict:
    """The reuse block of `engines.local.run_stages`: the index's increment, or a full run
    that files the index anew. Returns what the increment did (or why it declined)."""
    index = PassageIndex(store, settings, code_version("reuse"))
    stats = index.update(AlignmentMemo(store, prune=False))
    if stats is None:
        views = [stage_article(a) for a in store.articles()]
        links = detect_reuse(views, settings=settings, align=AlignmentMemo(store), keep_index=True)
        store.replace_reuse(links, kinds=REUSE_KINDS)
        index.rebuild(views, links.index_parts)
        return {"declined": index.reason}
    return stats


def stored(store: Store) -> str:
    return json.dumps([[l.to_dict() for l in store.reuse_links()], [f.to_dict() for f in store.families()]],
                      ensure_ascii=False, sort_keys=True)


def from_scratch(tmp_path, articles, settings, name="scratch") -> str:
    with Store(tmp_path / f"{name}.db") as store:
        store.add_articles(articles)
        reuse_step(store, settings)
        return stored(store)


def test_wire_story_reprinted_in_batches(tmp_path):
    """40 copies of one wire story among 30 unrelated stories of the same agency: copies
    arrive in four batches; the agency's own copy (published first, credited by all the
    others) comes in the third, so a stored family gets a new leader and representative."""
    articles, source, copies, others, quoting = collection(40, 30)
    by_id = {a.id: a for a in articles}
    batches = [copies[10:25] + others[:15], copies[25:] + others[15:] + [quoting],
               [source] + copies[:5], copies[5:10]]
    settings = ReuseSettings(workers=1)
    done: list[str] = []
    with Store(tmp_path / "grown.db") as store:
        for k, batch in enumerate(batches):
            store.add_articles([by_id[i] for i in batch])
            done += batch
            stats = reuse_step(store, settings)
            if k:
                assert "declined" not in stats, stats
            assert stored(store) == from_scratch(tmp_path, [by_id[i] for i in done], settings, f"scratch{k}")
        assert stats["reshaped_families"] == 0
        families = store.families()
    assert len(families) == 1 and families[0].representative == source
    assert sorted(families[0].member_ids) == sorted([source] + copies)


def test_source_arriving_late_reshapes_the_family(tmp_path):
    articles, source, copies, others, _ = collection(12, 6)
    by_id = {a.id: a for a in articles}
    settings = ReuseSettings(workers=1)
    with Store(tmp_path / "grown.db") as store:
        store.add_articles([by_id[i] for i in copies + others])
        reuse_step(store, settings)
        (before,) = store.families()
        assert before.representative != source
        store.add_articles([by_id[source]])
        stats = reuse_step(store, settings)
        assert "declined" not in stats and stats["reshaped_families"] >= 1
        (after,) = store.families()
        assert after.representative == source
        assert stored(store) == from_scratch(tmp_path, [by_id[i] for i in copies + others + [source]], settings)
        # the old family record is gone with its old representative
        assert {f.id for f in store.families()} == {f"family-{source}"}


STOCK = "本报郑重提醒广大读者朋友注意防范各类电信网络诈骗切勿轻信陌生来电和短信中的中奖信息"


def test_ngram_crossing_the_formula_threshold_through_an_increment(tmp_path):
    """A sentence in 7 unrelated stories is shared text (7 < formula_min_docs = 8 families);
    the 8th story carrying it, added later, makes it a stock phrase: the stored links between
    the first seven turn into `formula` links, as a run over all eight gives."""
    settings = ReuseSettings(workers=1)
    assert settings.formula_min_docs == 8
    stories = [article(f"story{i}", make_text(300 + i, paragraphs=2, sentences=3) + "\n" + STOCK,
                       outlet=f"网站{i}", published=f"2021-02-0{1 + i % 7}") for i in range(8)]
    with Store(tmp_path / "grown.db") as store:
        store.add_articles(stories[:7])
        reuse_step(store, settings)
        first = store.reuse_links()
        assert len(first) == 21 and all(l.kind != "formula" for l in first)
        store.add_articles(stories[7:])
        stats = reuse_step(store, settings)
        assert "declined" not in stats and stats["crossing_ngrams"] > 0
        # the 21 stored pairs keep their anchors, only flags change: passages re-marked, not aligned
        assert stats["reflagged"] == 21 and stats["reflag_realigned"] == 0
        links = store.reuse_links()
        assert len(links) == 28 and all(l.kind == "formula" for l in links)
        assert stored(store) == from_scratch(tmp_path, stories, settings)


def test_threshold_moving_through_an_increment(tmp_path):
    """The family count moves the formula threshold (here 0.5 x families, so every family
    added moves it): the increment finds the n-grams whose status the move changes through
    the frequencies it keeps (`reuse_index_common`) and re-checks only their pairs."""
    settings = ReuseSettings(workers=1, formula_min_docs=2, formula_share=0.5)
    stories = [article(f"story{i}", make_text(400 + i, paragraphs=2, sentences=3) + "\n" + STOCK)
               for i in range(4)]
    loners = [article(f"loner{i}", make_text(450 + i, paragraphs=2, sentences=3)) for i in range(8)]
    with Store(tmp_path / "grown.db") as store:
        store.add_articles(stories)
        reuse_step(store, settings)                 # 4 families: threshold max(2, 0.5 x 4) = 2
        assert {l.kind for l in store.reuse_links()} == {"formula"}
        store.add_articles(loners)                  # 12 families: threshold 6 > the sentence's 4
        stats = reuse_step(store, settings)
        assert "declined" not in stats and stats["crossing_ngrams"] > 0
        # no pair aligned again: the six stored links get their passages re-marked (`_reflag`)
        assert stats["reflagged"] == 6 and stats["candidates"] == 0
        links = store.reuse_links()
        assert len(links) == 6 and {l.kind for l in links} == {"partial"}
        assert stored(store) == from_scratch(tmp_path, stories + loners, settings)


def test_changed_article_is_a_run_from_scratch(tmp_path):
    settings = ReuseSettings(workers=1)
    articles, *_ = collection(6, 4)
    with Store(tmp_path / "grown.db") as store:
        store.add_articles(articles[:-1])
        reuse_step(store, settings)
        art = store.get_article(articles[0].id)
        art.metadata = {**art.metadata, "boilerplate_hidden": [[0, 10]]}
        store.update_articles([art])
        store.add_articles(articles[-1:])
        stats = reuse_step(store, settings)
        assert "changed" in stats["declined"]
        assert index_module.LAST == stats
        fresh = [stage_article(a) for a in store.articles()]
    with Store(tmp_path / "scratch.db") as other:
        other.add_articles(fresh)
        reuse_step(other, settings)
        want = stored(other)
    with Store(tmp_path / "grown.db") as store:
        assert stored(store) == want


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_batches_equal_one_run(tmp_path, seed):
    import random

    rng = random.Random(seed)
    articles, *_ = collection(25, 20)
    extra = [article(f"mix{i}", make_text(700 + i, 2, 3) + "\n" + STOCK + "\n" + articles[1].text[:200])
             for i in range(10)]
    pool = articles + extra
    rng.shuffle(pool)
    cuts = sorted(rng.sample(range(1, len(pool)), 4))
    settings = ReuseSettings(workers=1)
    declined = 0
    with Store(tmp_path / "grown.db") as store:
        for lo, hi in zip([0] + cuts, cuts + [len(pool)]):
            store.add_articles(pool[lo:hi])
            declined += "declined" in reuse_step(store, settings)
        assert stored(store) == from_scratch(tmp_path, pool, settings)
    assert declined == 1        # only the first batch, which has no index yet


def small_rows(store: Store) -> dict[str, int]:
    conn = store._conn
    return {"grams": conn.execute("SELECT count(*) FROM reuse_index_grams_new").fetchone()[0],
            "removed": conn.execute("SELECT count(*) FROM reuse_index_grams_new WHERE rix < 0").fetchone()[0],
            "sketch": conn.execute("SELECT count(*) FROM reuse_index_sketch_new").fetchone()[0]}


@pytest.mark.parametrize("fold", [False, True])
def test_small_tables_and_their_folding_give_the_links_of_one_run(tmp_path, monkeypatch, fold):
    """What increments add to the postings and sketch values goes to the small tables; a
    family reshaped by its late source leaves removed postings there (rix -1), which later
    increments must read as absent. Folded after every increment (`fold`) or kept, the
    links and families after each batch are those of one run over the same articles."""
    if fold:
        monkeypatch.setattr(index_module, "FOLD_FLOOR", 0)
        monkeypatch.setattr(index_module, "FOLD_SHARE", 10_000)
    articles, source, copies, others, quoting = collection(14, 8)
    by_id = {a.id: a for a in articles}
    batches = [copies[:6] + others[:4], [source] + others[4:6], copies[6:] + others[6:] + [quoting]]
    settings = ReuseSettings(workers=1)
    done: list[str] = []
    seen_removed = 0
    with Store(tmp_path / "grown.db") as store:
        for k, batch in enumerate(batches):
            store.add_articles([by_id[i] for i in batch])
            done += batch
            stats = reuse_step(store, settings)
            small = small_rows(store)
            if k == 0:
                assert "declined" in stats and small == {"grams": 0, "removed": 0, "sketch": 0}
            else:
                assert "declined" not in stats, stats
                if fold:
                    assert small == {"grams": 0, "removed": 0, "sketch": 0}
                else:
                    assert small["grams"] > 0 and small["sketch"] > 0
            if k == 1:
                assert stats["reshaped_families"] >= 1
            seen_removed = max(seen_removed, small["removed"])
            assert stored(store) == from_scratch(tmp_path, [by_id[i] for i in done], settings, f"scratch{k}")
        meta = json.loads(store._conn.execute("SELECT value FROM meta WHERE key='reuse_index'").fetchone()[0])
        total = store._conn.execute("SELECT count(*) FROM reuse_index_grams").fetchone()[0]
    assert (seen_removed > 0) != fold
    assert (meta["small"]["reuse_index_grams"] == 0) == fold
    if fold:
        assert meta["rows"]["reuse_index_grams"] >= total


def test_index_without_revision_checks_every_digest(tmp_path):
    """An index filed without the store's `article_rev` (older code) compares every stored
    digest: a changed article is still found, and an unchanged store still increments."""
    settings = ReuseSettings(workers=1)
    articles, *_ = collection(8, 4)

    def forget_rev(store):
        conn = store._conn
        meta = json.loads(conn.execute("SELECT value FROM meta WHERE key='reuse_index'").fetchone()[0])
        for key in ("rev", "rows", "small"):
            meta.pop(key)
        conn.execute("UPDATE meta SET value=? WHERE key='reuse_index'", (json.dumps(meta),))

    with Store(tmp_path / "grown.db") as store:
        store.add_articles(articles[:-2])
        reuse_step(store, settings)
        forget_rev(store)
        store.add_articles(articles[-2:-1])
        assert "declined" not in reuse_step(store, settings)
        assert stored(store) == from_scratch(tmp_path, articles[:-1], settings)
        forget_rev(store)
        art = store.get_article(articles[0].id)
        art.metadata = {**art.metadata, "boilerplate_hidden": [[0, 10]]}
        store.update_articles([art])
        store.add_articles(articles[-1:])
        assert "changed" in reuse_step(store, settings)["declined"]


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_reflag_gives_the_passages_of_an_alignment_with_the_new_flags(seed):
    """`_reflag` relies on chains not depending on the formula flags: the passages aligned
    with one set of flags, re-marked for another set, are those aligned with the other set
    (several shared stretches, short and long, among unrelated self-written text)."""
    import random

    import numpy as np

    from storytrace.reuse.align import align_pair
    from storytrace.reuse.fingerprint import fingerprint
    from storytrace.reuse.index import _reflag

    rng = random.Random(seed)
    settings = ReuseSettings(workers=1)
    shared = [make_text(900 + seed * 10 + k, paragraphs=1, sentences=rng.randint(1, 4)) for k in range(4)]
    texts = []
    for side in range(2):
        parts = [make_text(1000 + seed * 10 + side * 5 + k, paragraphs=1, sentences=2) for k in range(4)]
        for k, piece in enumerate(shared):
            parts.insert(rng.randint(0, len(parts)), piece if side == 0 else piece.replace("的", "之", k % 2))
        parts.insert(rng.randint(0, len(parts)), STOCK)
        texts.append("\n".join(parts))
    fa, fb = (fingerprint(k, t, shingle=settings.shingle, seed=settings.seed) for k, t in enumerate(texts))
    _, ia, ib = np.intersect1d(fa.hashes, fb.hashes, assume_unique=True, return_indices=True)
    pa, pb = fa.positions[ia], fb.positions[ib]
    order = np.lexsort((pb, pa))
    pa, pb = pa[order], pb[order]
    assert len(pa) > 40
    checked = 0
    for _ in range(6):
        before = np.asarray([rng.random() < rng.random() for _ in pa])
        after = before.copy()
        after[rng.sample(range(len(pa)), len(pa) // 3)] ^= True
        old = align_pair(fa, fb, pa, pb, before, settings)
        new = align_pair(fa, fb, pa, pb, after, settings)
        assert old
        got = _reflag(fa, fb, pa, pb, after, old, settings)
        assert got == new
        checked += [p.formula for p in old] != [p.formula for p in new]
    assert checked                      # some flag sets change some passage's mark
