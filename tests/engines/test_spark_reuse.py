"""Spark reuse stages: the local engine's links exactly, across many blocks, and resumable.

Self-written synthetic articles: shared paragraphs (reuse within and across publication
blocks), a stock sentence in many articles (formula), and an exact-duplicate family.
"""
from __future__ import annotations

import random
from pathlib import Path

import pytest

from storytrace.model import Article

pytestmark = pytest.mark.spark

POOL = "国会议发展经济时间问题东西车马门风飞鸟鱼龙书语说话读请谢让认识记忆观点实现开关长短动静听见买卖钱银铁钟"


def _paragraph(rng: random.Random) -> str:
    return "".join("".join(rng.choice(POOL) for _ in range(rng.randint(14, 26))) + "。" for _ in range(3))


def corpus() -> list[Article]:
    rng = random.Random(7)
    shared = [_paragraph(rng) for _ in range(12)]
    stock = "本报记者综合报道有关部门表示将继续密切关注事态发展。"
    arts = []
    for k in range(36):
        parts = [_paragraph(rng), shared[k % 12], _paragraph(rng)]
        if k % 5 == 0:
            parts.append(shared[(k * 7) % 12])        # reaches articles of other days
        if k % 3 == 0:
            parts.append(stock)
        arts.append(Article(id=f"a{k:03d}", source_path=f"a{k:03d}.md", title=f"t{k}", text="\n".join(parts),
                            outlet=("甲报", "乙社", "丙网")[k % 3], published=f"2024-03-{1 + k % 9:02d}"))
    dup = arts[4].text
    for k, outlet in enumerate(("丁台", "戊报")):
        arts.append(Article(id=f"d{k}", source_path=f"d{k}.md", title=f"d{k}", text=dup.replace("。", "．"),
                            outlet=outlet, published="2024-03-05"))
    return arts


def _dicts(links) -> list[dict]:
    return [link.to_dict() for link in links]


def test_spark_reuse_equals_local_across_blocks_and_resumes(spark, tmp_path, monkeypatch):
    from storytrace.engines.spark_reuse import spark_reuse_links
    from storytrace.engines.spark_stages import StageDir
    from storytrace.reuse import ReuseSettings, detect_reuse

    monkeypatch.setenv("STORYTRACE_SPARK_BLOCK", "5")                # 8 blocks of 5 articles
    arts = corpus()
    local = detect_reuse(arts, settings=ReuseSettings(workers=1))
    expected = _dicts(local)
    kinds = {link["kind"] for link in expected}
    assert {"duplicate", "partial"} <= kinds and len(expected) > 30
    families = [f.to_dict() for f in local.families]
    assert [f["representative"] for f in families] == ["a004"] and len(families[0]["members"]) == 3

    root = str(tmp_path / "work")
    first = StageDir(spark, root)
    found = spark_reuse_links(spark, first, list(reversed(arts)))
    assert _dicts(found) == expected and [f.to_dict() for f in found.families] == families
    assert first.reused == []

    again = StageDir(spark, root)
    assert _dicts(spark_reuse_links(spark, again, arts)) == expected
    assert again.reused == ["pairs", "links"]

    # A run killed while writing links leaves no _SUCCESS: only that stage runs again.
    for marker in Path(root).glob("links-*/_SUCCESS"):
        marker.unlink()
    third = StageDir(spark, root)
    assert _dicts(spark_reuse_links(spark, third, arts)) == expected
    assert third.reused == ["pairs"]
    assert len(list(Path(root).glob("links-*"))) == 1


def test_time_blocks_follow_publication_order(monkeypatch):
    from storytrace.engines.spark_reuse import time_blocks

    arts = [Article(id=f"x{i}", source_path="", title="", text="", published=f"2024-01-{10 - i:02d}")
            for i in range(6)]
    monkeypatch.delenv("STORYTRACE_SPARK_BLOCK", raising=False)
    assert time_blocks(arts, 3).tolist() == [2, 2, 1, 1, 0, 0]
    monkeypatch.setenv("STORYTRACE_SPARK_BLOCK", "4")
    assert time_blocks(arts, 3).tolist() == [1, 1, 0, 0, 0, 0]
