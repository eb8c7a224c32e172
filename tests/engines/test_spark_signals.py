"""Event signals built on Spark executors equal `build_signals` on the driver, in order.

Inputs: the shared seed articles (skipped when absent), the bundled examples and the
team's self-written multilingual stories, each ingested by the local engine first.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from storytrace.events.signals import build_signals
from storytrace.model import Article

pytestmark = pytest.mark.spark

REPO = Path(__file__).resolve().parents[2]
SEEDS = REPO / ".." / "shared" / "seeds"
EXAMPLES = REPO / "examples" / "articles"
STORIES = REPO / "tests" / "events" / "data" / "stories.json"


def _ingested(inputs: list[str], tmp_path: Path) -> list[Article]:
    from storytrace.ingest import ingest
    from storytrace.store import Store

    with Store(tmp_path / "in.db") as store:
        ingest(inputs, store, workers=1)
        return store.articles()


def _stories() -> list[Article]:
    rows = json.loads(STORIES.read_text(encoding="utf-8"))
    return [Article(id=row["id"], source_path=row["id"], title=row["title"], text="\n".join(row["paragraphs"]),
                    language=row["language"], script=row["script"], outlet=row["outlet"],
                    published=row["published"]) for row in rows]


def _check(spark, articles: list[Article]) -> None:
    from storytrace.engines.spark import spark_signals

    assert articles
    expected = [build_signals(a) for a in articles]
    assert spark_signals(spark, articles) == expected
    backwards = list(reversed(articles))
    assert spark_signals(spark, backwards) == list(reversed(expected))


def test_spark_signals_equal_driver_signals_on_seeds(spark, tmp_path):
    if not SEEDS.is_dir():
        pytest.skip("shared seeds not present")
    inputs = [str(p) for p in sorted(SEEDS.iterdir()) if p.is_file() and p.name != "EXPECTED.md"]
    articles = _ingested(inputs, tmp_path)
    assert len(articles) == 5
    _check(spark, articles)


def test_spark_signals_equal_driver_signals_on_examples_and_stories(spark, tmp_path):
    if not EXAMPLES.is_dir() or not any(EXAMPLES.iterdir()):
        pytest.skip("bundled examples not present")
    articles = _ingested([str(EXAMPLES)], tmp_path) + _stories()
    assert any(s.entities for s in map(build_signals, articles))    # the tagger found names
    _check(spark, articles)


def test_spark_signals_of_nothing(spark):
    from storytrace.engines.spark import spark_signals

    assert spark_signals(spark, []) == []
