"""The Spark engine must give exactly what the local engine gives, on real and bundled inputs.

One SparkSession (local[2], tests/engines/conftest.py) serves the folder; each comparison runs both engines on
the same inputs into two stores and compares articles, reuse links, events and the
exported files byte for byte.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from storytrace.engines.spark_session import local_cores

pytestmark = pytest.mark.spark

REPO = Path(__file__).resolve().parents[2]
SEEDS = REPO / ".." / "shared" / "seeds"
EXAMPLES = REPO / "examples"


def test_local_cores_reads_master_strings():
    assert local_cores("local[2]") == 2
    assert local_cores("local") == 1
    assert local_cores("local[3,2]") == 3
    assert local_cores("spark://host:7077") == 2


def _snapshot(store) -> dict:
    links = sorted((json.dumps(l.to_dict(), sort_keys=True, ensure_ascii=False) for l in store.reuse_links()))
    events = sorted(json.dumps(e.to_dict(), sort_keys=True, ensure_ascii=False) for e in store.events())
    articles = [json.dumps(a.to_dict(), sort_keys=True, ensure_ascii=False) for a in store.articles()]
    return {"ids": store.article_ids(), "articles": articles, "links": links, "events": events,
            "errors": sorted((e.path, e.reason) for e in store.errors())}


def _run_both(inputs: list[str], tmp_path: Path) -> tuple[dict, dict, list[Path], list[Path]]:
    from storytrace.engines.local import run_analysis
    from storytrace.engines.spark import analyze_spark, ingest_spark
    from storytrace.ingest import ingest
    from storytrace.present.exports import write_jsonl_outputs
    from storytrace.store import Store

    with Store(tmp_path / "local.db") as st:
        local_ingest = ingest(inputs, st)
        run_analysis(st)
        local = _snapshot(st)
        local_files = write_jsonl_outputs(st, tmp_path / "out-local")
    with Store(tmp_path / "spark.db") as st:
        spark_ingest = ingest_spark(inputs, st, master="local[2]")
        summary = analyze_spark(st, master="local[2]")
        spark = _snapshot(st)
        spark_files = write_jsonl_outputs(st, tmp_path / "out-spark")
    assert (spark_ingest.read, spark_ingest.stored, spark_ingest.duplicates, spark_ingest.failed) == \
        (local_ingest.read, local_ingest.stored, local_ingest.duplicates, local_ingest.failed)
    assert summary.articles == len(local["ids"])
    return local, spark, local_files, spark_files


def _assert_same(local: dict, spark: dict, local_files: list[Path], spark_files: list[Path]) -> None:
    assert spark["ids"] == local["ids"]
    assert spark["articles"] == local["articles"]
    assert spark["links"] == local["links"]
    assert spark["events"] == local["events"]
    assert spark["errors"] == local["errors"]
    assert [p.name for p in spark_files] == [p.name for p in local_files]
    for lp, sp in zip(local_files, spark_files):
        assert sp.read_bytes() == lp.read_bytes(), f"{sp.name} differs between engines"


def test_seeds_same_results_as_local_engine(spark, tmp_path):
    if not SEEDS.is_dir():
        pytest.skip("shared seeds not present")
    inputs = [str(p) for p in sorted(SEEDS.iterdir()) if p.is_file() and p.name != "EXPECTED.md"]
    local, spark_result, lf, sf = _run_both(inputs, tmp_path)
    assert len(local["ids"]) == 5
    assert local["links"], "the seeds share passages: reuse must find links"
    _assert_same(local, spark_result, lf, sf)


def test_examples_same_results_as_local_engine(spark, tmp_path):
    folder = EXAMPLES / "articles"
    if not folder.is_dir() or not any(folder.iterdir()):
        pytest.skip("bundled examples not present yet")
    local, spark_result, lf, sf = _run_both([str(folder)], tmp_path)
    assert local["ids"]
    _assert_same(local, spark_result, lf, sf)


def test_spark_submit_entry_point_reports_bad_inputs_and_resumes(spark, tmp_path):
    from storytrace.engines.spark import analyze_spark, ingest_spark
    from storytrace.spark_submit import main
    from storytrace.store import Store

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "story.md").write_text(
        "---\ntitle: 河港新桥今日通车\ndate: 2024-03-05\n---\n\n"
        "市政府今日宣布，跨越河港的新桥正式通车，全长一千二百米，预计每日车流两万辆。\n\n"
        "工程历时三年，总造价十八亿元，沿线居民表示出行时间将大为缩短。\n", encoding="utf-8")
    (folder / "broken.md").write_text("---\ntitle: [unclosed\n---\nbody\n", encoding="utf-8")
    missing = str(tmp_path / "nope" / "missing.txt")
    out = tmp_path / "out"
    assert main([str(folder), missing, "--out", str(out), "--no-report"]) == 1   # inputs failed
    errors = [json.loads(line) for line in (out / "errors.jsonl").read_text(encoding="utf-8").splitlines()]
    assert {e["path"] for e in errors} == {missing, str(folder / "broken.md")}
    assert all(e["reason"] for e in errors)
    articles = (out / "articles.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(articles) == 1 and "河港新桥" in articles[0]
    assert len((out / "events.jsonl").read_text(encoding="utf-8").splitlines()) == 1

    with Store(out / "storytrace.db") as st:
        again = analyze_spark(st, master="local[2]")
        assert set(again.skipped_stages) == {"reuse", "events", "translation"}
        assert (again.articles, again.events) == (1, 1)
        rerun = ingest_spark([str(folder)], st, master="local[2]")
        assert (rerun.stored, rerun.resumed) == (0, 1)


def test_spark_submit_parses_arguments():
    from storytrace.spark_submit import parse_args

    args = parse_args(["a.html", "dir/", "--out", "o", "--master", "local[4]", "--force"])
    assert args.inputs == ["a.html", "dir/"] and str(args.out) == "o"
    assert args.master == "local[4]" and args.force and not args.no_report
    with pytest.raises(SystemExit):
        parse_args(["a.html"])             # --out is required
