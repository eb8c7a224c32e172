"""`storytrace reuse` and `storytrace compare` against a real SQLite store."""
import random

import pytest
from typer.testing import CliRunner

from storytrace.cli import app
from storytrace.model import Article
from storytrace.reuse import ReuseSettings, detect_reuse
from storytrace.store import Store

POOL = "国会议发展经济时间问题东西车马门风飞鸟鱼龙书语说话读请谢让认识记忆观点实现开关长短动静听见买卖钱银铁钟"


def _text(seed: int, n: int = 240) -> str:
    rng = random.Random(seed)
    return "。".join("".join(rng.choice(POOL) for _ in range(20)) for _ in range(n // 20)) + "。"


@pytest.fixture
def store_path(tmp_path):
    shared = _text(1)
    arts = [Article(id="aaaa1111", source_path="a.txt", title="甲报道", text=_text(2) + "\n" + shared, outlet="CNA"),
            Article(id="bbbb2222", source_path="b.txt", title="乙报道", text=shared + "\n" + _text(3), outlet="RFI",
                    cited_sources=["CNA"]),
            Article(id="cccc3333", source_path="c.txt", title="丙报道", text=_text(4), outlet="DW")]
    path = tmp_path / "st.db"
    with Store(path) as st:
        st.add_articles(arts)
        st.replace_reuse(detect_reuse(arts, settings=ReuseSettings(workers=1)))
    return path


def test_reuse_table_lists_the_link(store_path):
    result = CliRunner().invoke(app, ["reuse", "--store", str(store_path)], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "aaaa1111" in result.output and "bbbb2222" in result.output
    assert "partial" in result.output and "a->b" in result.output and "cccc3333" not in result.output


def test_reuse_filters(store_path):
    runner = CliRunner()
    only_c = runner.invoke(app, ["reuse", "--article", "cccc", "--store", str(store_path)], terminal_width=200)
    assert only_c.exit_code == 0 and "0 links" in only_c.output
    too_long = runner.invoke(app, ["reuse", "--min-chars", "5000", "--store", str(store_path)], terminal_width=200)
    assert "0 links" in too_long.output
    missing = runner.invoke(app, ["reuse", "--article", "zzzz", "--store", str(store_path)])
    assert missing.exit_code == 2


def test_compare_shows_both_sides_and_what_only_each_has(store_path):
    result = CliRunner().invoke(app, ["compare", "bbbb", "aaaa", "--store", str(store_path)], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "A bbbb2222" in result.output and "B aaaa1111" in result.output
    assert "Only in A (1 stretches)" in result.output and "Only in B (1 stretches)" in result.output


def test_compare_unlinked_pair_says_so(store_path):
    result = CliRunner().invoke(app, ["compare", "aaaa", "cccc", "--store", str(store_path)], terminal_width=200)
    assert result.exit_code == 0 and "no shared passages" in result.output


def test_missing_store_is_a_clear_error(tmp_path):
    result = CliRunner().invoke(app, ["reuse", "--store", str(tmp_path / "none.db")])
    assert result.exit_code == 2
