"""Hostile files beside good ones: each bad one reported, every good one stored, memory bounded.

The corpus is built once per module (the zip/gzip bombs take a few seconds to deflate).
The ingest runs as a real `storytrace ingest` child process so its peak RSS is measured.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from hostile import HostileCorpus, build_hostile_corpus
from procs import run_cli

# The bound we promise: a 200 MB file, 1 GB zip/gzip bombs and an 8 GB nested bomb never
# push one ingest process past this (the readers cap any one document at 50 MB).
PEAK_RSS_BOUND_MB = 500
INGEST_SECONDS_BOUND = 60


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> HostileCorpus:
    return build_hostile_corpus(tmp_path_factory.mktemp("hostile") / "junk")


def _matches(case_key: str, path: str) -> bool:
    return case_key in path


def test_readers_account_for_every_hostile_file(hostile: HostileCorpus):
    """At the reader level (in-process): fail cases are InputErrors, nothing raises."""
    from storytrace.model import InputError, RawDocument
    from storytrace.read import iter_documents

    items = list(iter_documents([str(hostile.root)]))
    errors = [i for i in items if isinstance(i, InputError)]
    docs = [i for i in items if isinstance(i, RawDocument)]
    assert all(e.reason.strip() for e in errors)
    for case in [c for c in hostile.of("fail") if c.stage == "read"]:
        assert any(_matches(case.key, e.path) for e in errors), f"no error for {case.what} ({case.key})"
        assert not any(_matches(case.key, d.source_path) for d in docs), f"{case.key} was read as a document"
    for case in hostile.of("good") + hostile.of("accounted"):
        assert any(_matches(case.key, x.path if isinstance(x, InputError) else x.source_path)
                   for x in items), f"{case.what} ({case.key}) silently dropped"
    for case in hostile.of("good"):
        assert any(_matches(case.key, d.source_path) for d in docs), f"good file {case.key} not read"


@pytest.mark.slow
def test_ingest_cli_survives_hostile_folder(hostile: HostileCorpus, tmp_path: Path):
    """The real CLI: no crash, an error line per bad file, every good file stored, RSS bounded."""
    from storytrace.store import Store

    store_path = tmp_path / "store.db"
    before = {p.name for p in hostile.root.parent.iterdir()}
    absolute_escape = Path("/tmp/escape-absolute.html")
    existed = absolute_escape.exists()

    done = run_cli(["ingest", str(hostile.root), "--store", str(store_path), "--no-progress"],
                   tmp_path / "logs", timeout=INGEST_SECONDS_BOUND * 3)

    assert done.returncode in (0, 1), f"ingest crashed (rc={done.returncode}):\n{done.stderr[-3000:]}"
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    assert done.peak_rss_mb < PEAK_RSS_BOUND_MB, f"peak RSS {done.peak_rss_mb:.0f} MB"
    assert done.seconds < INGEST_SECONDS_BOUND, f"ingest took {done.seconds:.1f} s"

    with Store(store_path) as store:
        assert store.integrity_ok()
        errors = store.errors()
        articles = store.articles()
    assert all(e.reason.strip() for e in errors)
    for case in hostile.of("fail"):
        assert any(_matches(case.key, e.path) for e in errors), f"no error line for {case.what}"
        assert not any(_matches(case.key, a.source_path) for a in articles), f"{case.key} stored"
    for case in hostile.of("accounted"):
        assert (any(_matches(case.key, e.path) for e in errors)
                or any(_matches(case.key, a.source_path) for a in articles)), f"{case.what} lost"
    for case in hostile.of("good"):
        stored = [a for a in articles if _matches(case.key, a.source_path)]
        assert stored, f"good file {case.key} ({case.what}) not stored"
        assert any(case.marker in a.title + a.text for a in stored), f"{case.key}: text lost"

    # Nothing was extracted anywhere, least of all outside the input folder.
    assert {p.name for p in hostile.root.parent.iterdir()} == before
    assert absolute_escape.exists() == existed
    # The exit code says some inputs failed.
    assert done.returncode == 1


@pytest.mark.slow
def test_run_writes_errors_jsonl(hostile: HostileCorpus, tmp_path: Path):
    """`storytrace run` puts one JSON line per failed input (path + reason) in errors.jsonl."""
    out = tmp_path / "out"
    bad_only = tmp_path / "few"
    bad_only.mkdir()
    for name in ("bad-zero.html", "bad-binary.html", "mixed-lines.jsonl", "good-page.html"):
        (bad_only / name).write_bytes((hostile.root / name).read_bytes())
    done = run_cli(["run", str(bad_only), "--out", str(out), "--no-progress", "--no-report"],
                   tmp_path / "logs", timeout=300)
    assert done.returncode == 1, done.stderr[-3000:]
    lines = [json.loads(x) for x in (out / "errors.jsonl").read_text(encoding="utf-8").splitlines()]
    assert {"path", "reason"} <= set(lines[0])
    paths = " ".join(x["path"] for x in lines)
    for key in ("bad-zero.html", "bad-binary.html", "mixed-lines.jsonl#L1", "mixed-lines.jsonl#L5"):
        assert key in paths
