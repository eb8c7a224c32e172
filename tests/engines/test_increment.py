"""Increments (issue 13): a store analysed batch by batch gives the reuse answer of one run
over all its articles, while the second analysis aligns only the pairs it has not seen and
builds event signals only for articles it has not read before.

Inputs: the bundled examples split in halves, and the five seed articles split 3 + 2
(../shared/seeds, skipped when absent; read, never copied).
"""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from storytrace.engines import local
from storytrace.engines.local import cached_signals, signals_from_json, signals_to_json
from storytrace.events.signals import build_signals
from storytrace.ingest import ingest
from storytrace.pipeline import analyze
from storytrace.present.exports import write_jsonl_outputs
from storytrace.read import expand_inputs
from storytrace.reuse import align as align_module
from storytrace.store import Store

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "articles"
SEEDS = ROOT.parent / "shared" / "seeds"
EXACT = ("reuse.jsonl", "families.jsonl")


def _exports(folder: Path, batches: list[list[str]], counter=None, per_batch=None) -> dict[str, bytes]:
    with Store(folder / "storytrace.db") as store:
        for batch in batches:
            ingest(batch, store, workers=1)
            before = counter.calls if counter else 0
            analyze(store)
            if per_batch is not None:
                per_batch.append(counter.calls - before)
        write_jsonl_outputs(store, folder)
    return {name: (folder / name).read_bytes() for name in ("reuse.jsonl", "families.jsonl", "events.jsonl")}


class AlignCounter:
    """Counts real calls of `align_pair` (the aligner itself runs)."""

    def __init__(self, monkeypatch) -> None:
        self.calls = 0
        original = align_module.align_pair

        def counted(*args, **kwargs):
            self.calls += 1
            return original(*args, **kwargs)
        import storytrace.reuse.detect as detect

        monkeypatch.setattr(detect, "align_pair", counted)


def _seed_units() -> list[str]:
    if not SEEDS.is_dir():
        pytest.skip("seeds not present")
    units = sorted(str(p) for p in SEEDS.iterdir() if p.suffix == ".txt")
    if len(units) < 5:
        pytest.skip("fewer than five seeds")
    return units[:5]


@pytest.mark.parametrize("which", ["examples", "seeds"])
def test_increment_gives_the_reuse_of_one_run(which, tmp_path, monkeypatch):
    units = (sorted(u for u in expand_inputs([str(EXAMPLES)]) if isinstance(u, str))
             if which == "examples" else _seed_units())
    cut = len(units) // 2 if which == "examples" else 3
    counter = AlignCounter(monkeypatch)
    whole = _exports(tmp_path / "whole", [units])
    aligned_whole = counter.calls
    per_batch: list[int] = []
    split = _exports(tmp_path / "split", [units[:cut], units[cut:]], counter, per_batch)
    for name in EXACT:
        assert split[name] == whole[name], f"{name} differs after the increment"
    # events: the same groups of articles; an event that grew keeps the id it opened with and
    # its earlier members the reason they joined with (README: A growing store)
    def groups(data: bytes) -> list[list[str]]:
        return sorted(sorted(json.loads(line)["articles"]) for line in data.decode().splitlines())
    assert groups(split["events.jsonl"]) == groups(whole["events.jsonl"])
    links = [json.loads(line) for line in whole["reuse.jsonl"].decode().splitlines()]
    assert links, "the inputs must hold reuse for this test to mean anything"
    # the increment re-used the first analysis's alignments: it aligned fewer pairs than the
    # single run over everything (old pairs are aligned again only where their anchors changed)
    assert aligned_whole > 0 and per_batch[0] > 0
    assert per_batch[1] < aligned_whole


def test_second_analysis_aligns_only_new_pairs(tmp_path, monkeypatch):
    units = sorted(u for u in expand_inputs([str(EXAMPLES)]) if isinstance(u, str))
    counter = AlignCounter(monkeypatch)
    with Store(tmp_path / "s.db") as store:
        ingest(units, store, workers=1)
        analyze(store)
        first = counter.calls
        assert first > 0
        counter.calls = 0
        analyze(store, force=True)          # --force aligns everything again
        assert counter.calls == first
        counter.calls = 0
        memo = local.AlignmentMemo(store)
        from storytrace.reuse import ReuseSettings, detect_reuse

        links = detect_reuse(store.articles(), settings=ReuseSettings(workers=1), align=memo)
        assert counter.calls == 0 and memo.aligned == 0 and memo.reused >= first
        assert sorted((l.a, l.b, l.kind) for l in links) == sorted(
            (l.a, l.b, l.kind) for l in store.reuse_links() if l.kind != "translation")


def test_signals_survive_the_store(tmp_path):
    with Store(tmp_path / "s.db") as store:
        ingest([str(EXAMPLES)], store, workers=1)
        for art in store.articles():
            sig = build_signals(art)
            assert signals_from_json(signals_to_json(sig)) == sig
            # the record as stored is the JSON of `dataclasses.asdict` (its deep copy skipped)
            record = dataclasses.asdict(sig)
            record["published"] = sig.published.isoformat() if sig.published else None
            assert signals_to_json(sig) == json.dumps(record, ensure_ascii=False)


def test_signals_built_once_per_article(tmp_path):
    units = sorted(u for u in expand_inputs([str(EXAMPLES)]) if isinstance(u, str))
    built: list[str] = []

    def step(articles):
        built.extend(a.id for a in articles)
        return [build_signals(a) for a in articles]

    with Store(tmp_path / "s.db") as store:
        ingest(units[: len(units) // 2], store, workers=1)
        first = store.article_ids()
        read = cached_signals(store, step)
        arts = sorted(store.articles(), key=lambda a: a.id)
        assert [s.id for s in read(arts)] == [a.id for a in arts]
        assert sorted(built) == sorted(first)
        built.clear()
        ingest(units[len(units) // 2:], store, workers=1)
        arts = sorted(store.articles(), key=lambda a: a.id)
        again = read(arts)
        assert sorted(built) == sorted(set(store.article_ids()) - set(first))
        assert again == [build_signals(a) for a in arts]       # cached = built anew
        built.clear()
        edited = dataclasses.replace(arts[0], title=arts[0].title + "（更新）")
        assert read([edited])[0] == build_signals(edited)        # a changed record is rebuilt
        assert built == [edited.id]
        built.clear()
        cached_signals(store, step, force=True)(arts[:2])
        assert built == [a.id for a in arts[:2]]


@pytest.mark.spark
@pytest.mark.slow
def test_spark_increment_gives_the_reuse_and_groups_of_one_local_run(spark, tmp_path):
    """The examples in halves, each half ingested and analysed on Spark (signals cache shared
    with the local engine, reuse recomputed on Spark), equal one local run over all of them."""
    from storytrace.engines.spark import analyze_spark, ingest_spark

    units = sorted(u for u in expand_inputs([str(EXAMPLES)]) if isinstance(u, str))
    whole = _exports(tmp_path / "whole", [units])
    cut = len(units) // 2
    folder = tmp_path / "spark"
    with Store(folder / "storytrace.db") as store:
        for batch in (units[:cut], units[cut:]):
            ingest_spark(batch, store, master="local[2]")
            analyze_spark(store, master="local[2]")
        write_jsonl_outputs(store, folder)
    for name in EXACT:
        assert (folder / name).read_bytes() == whole[name], f"{name} differs after the Spark increment"
    groups = [sorted(sorted(json.loads(line)["articles"]) for line in data.splitlines())
              for data in ((folder / "events.jsonl").read_bytes().decode(), whole["events.jsonl"].decode())]
    assert groups[0] == groups[1]


def test_stale_alignments_are_pruned(tmp_path, monkeypatch):
    from storytrace.reuse import ReuseSettings, detect_reuse

    with Store(tmp_path / "s.db") as store:
        ingest([str(EXAMPLES)], store, workers=1)
        articles = store.articles()
        settings = ReuseSettings(workers=1)
        memo = local.AlignmentMemo(store)
        first = detect_reuse(articles, settings=settings, align=memo)
        live = store.count_alignments()
        assert live == memo.aligned > 0
        store.put_alignments({f"stale-{i}": "[]" for i in range(local.PRUNE_FACTOR * live + 1)})
        counter = AlignCounter(monkeypatch)
        again = detect_reuse(articles, settings=settings, align=memo)
        assert store.count_alignments() == live            # the stale keys went, the live ones stayed
        assert counter.calls == 0 and memo.reused == live
        assert [l.to_dict() for l in again] == [l.to_dict() for l in first]


def _stories() -> list:
    """The self-written multilingual stories of tests/events/data (two March events, two
    August ones), as articles."""
    from storytrace.model import Article

    rows = json.loads((ROOT / "tests" / "events" / "data" / "stories.json").read_text(encoding="utf-8"))
    return [Article(id=r["id"], source_path=f"stories.json#{r['id']}", title=r["title"], text="\n".join(r["paragraphs"]),
                    language=r["language"], script=r["script"], outlet=r["outlet"], published=r["published"],
                    published_precision="datetime") for r in rows]


def test_increment_writes_only_the_events_new_articles_join(tmp_path, monkeypatch):
    """The events stage of an increment reads the window from the store and writes only the
    events a new article joined (or opened) and their translation links; every other event
    row and translation link stays byte-identical, and the groups equal one run's."""
    stories = _stories()
    late = [a for a in stories if a.published >= "2024-08"]
    early = [a for a in stories if a not in late]
    assert early and late
    with Store(tmp_path / "whole.db") as store:
        store.add_articles(stories)
        analyze(store)
        whole = sorted(sorted(e.articles) for e in store.events())
    with Store(tmp_path / "s.db") as store:
        store.add_articles(early)
        analyze(store)
        events_before = dict(store._conn.execute("SELECT id, data FROM events").fetchall())
        translations_before = {(l.a, l.b): l.to_dict() for l in store.reuse_links(kind="translation")}
        assert translations_before, "no translation links: the test would mean less"
        store.add_articles(late)
        new = {a.id for a in late}
        assert set(store.unclustered_article_ids()) == new
        rewrites = []
        original = Store.replace_events
        monkeypatch.setattr(Store, "replace_events", lambda self, events: (rewrites.append(1), original(self, events)))
        analyze(store)
        assert not rewrites, "an increment rewrote the whole events table"
        assert not store.unclustered_article_ids()
        after = dict(store._conn.execute("SELECT id, data FROM events").fetchall())
        assert set(events_before) <= set(after)
        assert all(after[i] == events_before[i] for i in events_before)     # the March events as stored
        translations_after = {(l.a, l.b): l.to_dict() for l in store.reuse_links(kind="translation")}
        assert {k: v for k, v in translations_after.items() if k[0] not in new} == translations_before
        assert len(translations_after) > len(translations_before)          # the August events' links added
        groups = sorted(sorted(json.loads(d)["articles"]) for d in after.values())
    assert groups == whole


def test_reuse_increment_goes_through_the_passage_index(tmp_path):
    """The second analysis extends reuse from the passage index (reuse/index.py): it reads the
    new articles and what they reach, and does not fall back to a run over every article."""
    from storytrace.reuse import index as index_module

    units = sorted(u for u in expand_inputs([str(EXAMPLES)]) if isinstance(u, str))
    with Store(tmp_path / "s.db") as store:
        ingest(units[: len(units) // 2], store, workers=1)
        analyze(store)
        assert "declined" in index_module.LAST          # the first run has no index yet
        before = store.count_articles()
        ingest(units[len(units) // 2:], store, workers=1)
        analyze(store)
        stats = index_module.LAST
        assert "declined" not in stats, stats
        assert stats["new"] == store.count_articles() - before
        store._conn.execute("DELETE FROM reuse_index_grams")
        analyze(store, force=True)                      # --force: from scratch, index filed anew
        indexed = store._conn.execute("SELECT count(*) FROM reuse_index_articles").fetchone()[0]
        grams = store._conn.execute("SELECT count(*) FROM reuse_index_grams").fetchone()[0]
        assert indexed == store.count_articles() and grams > 0
