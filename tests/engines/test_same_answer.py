"""Same articles, same answer (issue 15): whatever the split into batches and the order,
ids, texts, reuse, events and exports come out byte-identical, and `analyze --force` on a
store built batch by batch equals a fresh run.

Inputs: the bundled examples plus six posts of one outlet sharing a footer, written here
(the case the issue describes: a footer learned from the collection is hidden as spans,
never cut from the text or the id). Hypothesis draws the order and the batch boundaries;
examples are few because each draw is a whole real pipeline run (~5 s).
"""
from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from storytrace.ingest import ingest
from storytrace.normalize.boilerplate import HIDDEN_KEY, visible_text
from storytrace.pipeline import analyze
from storytrace.present.exports import write_jsonl_outputs
from storytrace.read import expand_inputs
from storytrace.store import Store

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "articles"
FOOTER = "本台消息由乙市新闻中心统一发布，转载请注明出处"
OUTPUTS = ("articles.jsonl", "events.jsonl", "reuse.jsonl")


def _post(i: int) -> str:
    topics = ["地铁三号线", "跨江大桥", "老城区改造", "新建图书馆", "污水处理厂", "体育中心"]
    return (f"---\ntitle: 乙市{topics[i]}工程进展第{i}期\ndate: 2024-03-1{i % 4} 0{i}:30:00 +08:00\n"
            f"categories: dw\n---\n<p>乙市{topics[i]}工程今天完成第{i + 2}阶段施工，负责人介绍了后续安排。</p>"
            f"<p>据介绍，{topics[i]}将于明年投入使用，预计每天服务市民{(i + 1) * 1000}人次。</p>"
            f"<p>{FOOTER}</p>")


@pytest.fixture(scope="module")
def units(tmp_path_factory) -> list[str]:
    """The input files, each one unit a batch can hold."""
    own = tmp_path_factory.mktemp("footer-posts")
    for i in range(6):
        (own / f"post-{i}.html").write_text(_post(i), encoding="utf-8")
    found = [item for item in expand_inputs([str(EXAMPLES), str(own)]) if isinstance(item, str)]
    assert len(found) >= 15
    return found


def _run(folder: Path, batches: list[list[str]], *, analyze_each: bool = False,
         force: bool = False) -> dict[str, bytes]:
    with Store(folder / "storytrace.db") as store:
        for batch in batches:
            ingest(batch, store, workers=1)
            if analyze_each:
                analyze(store)
        analyze(store, force=force)
        write_jsonl_outputs(store, folder)
    return {name: (folder / name).read_bytes() for name in OUTPUTS}


@pytest.fixture(scope="module")
def reference(units, tmp_path_factory) -> dict[str, bytes]:
    out = _run(tmp_path_factory.mktemp("one-run"), [units])
    with Store(tmp_path_factory.getbasetemp() / "one-run0" / "storytrace.db", readonly=True) as store:
        footer_posts = [a for a in store.articles() if a.outlet == "DW"]
        assert len(footer_posts) == 6
        for art in footer_posts:            # kept in the text, hidden by spans, offsets into the text
            assert FOOTER in art.text and FOOTER not in visible_text(art)
            assert [art.text[s:e] for s, e in art.metadata[HIDDEN_KEY]] == [FOOTER]
        assert any(a.published_inferred for a in store.articles())    # the force property has teeth
    return out


def _split(data, units: list[str]) -> list[list[str]]:
    order = data.draw(st.permutations(units), label="order")
    cuts = sorted(data.draw(st.sets(st.integers(1, len(units) - 1), min_size=1, max_size=3), label="cuts"))
    bounds = [0, *cuts, len(units)]
    return [list(order[a:b]) for a, b in zip(bounds, bounds[1:])]


def _assert_same(got: dict[str, bytes], want: dict[str, bytes]) -> None:
    for name in OUTPUTS:
        assert got[name] == want[name], f"{name} differs"


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_batches_any_order_same_exports(units, reference, data):
    batches = _split(data, units)
    with tempfile.TemporaryDirectory() as folder:
        _assert_same(_run(Path(folder), batches), reference)


@settings(max_examples=2, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_analyzed_batch_by_batch_then_force_equals_a_fresh_run(units, reference, data):
    """Each batch ingested and analyzed (as the app does per upload), then `--force`."""
    batches = _split(data, units)
    with tempfile.TemporaryDirectory() as folder:
        _assert_same(_run(Path(folder), batches, analyze_each=True, force=True), reference)


def test_force_on_an_analyzed_store_equals_the_fresh_run(units, reference, tmp_path):
    """Inferred years stored by the first analysis are not evidence for the second."""
    with Store(tmp_path / "storytrace.db") as store:
        ingest(units, store, workers=1)
        analyze(store)
        assert any(a.published_inferred for a in store.articles())
    _assert_same(_run(tmp_path, [], force=True), reference)


@pytest.mark.spark
@pytest.mark.slow
def test_spark_engine_on_one_split_gives_the_same_exports(units, reference, tmp_path):
    pytest.importorskip("pyspark")
    import shutil

    if not shutil.which("java"):
        pytest.skip("Spark needs Java on PATH")
    from storytrace.engines.spark import analyze_spark, ingest_spark

    batches = [list(reversed(units[::2])), units[1::2]]
    with Store(tmp_path / "storytrace.db") as store:
        for batch in batches:
            ingest_spark(batch, store, master="local[2]")
        analyze_spark(store, master="local[2]")
        write_jsonl_outputs(store, tmp_path)
    _assert_same({name: (tmp_path / name).read_bytes() for name in OUTPUTS}, reference)
