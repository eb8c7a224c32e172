"""Synthetic fixtures for the reuse tests: self-written text, no third-party articles.

`make_text` builds deterministic Chinese-looking prose from a pool of common characters
(many of which have distinct Traditional forms, so OpenCC s2t really changes them);
meaning does not matter to reuse detection, only that texts are distinct and realistic in
shape (sentences with commas and full stops, paragraphs).
"""
from __future__ import annotations

import random
from pathlib import Path

import pytest

from storytrace.model import Article

POOL = ("国会议发展经济时间问题东西车马门风飞鸟鱼龙书语说话读请谢让认识记忆观点实现开关"
        "长短动静听见买卖钱银铁钟镜头脑颜色红绿蓝黄岛湾桥楼电灯网络线条报纸杂志剧场园区"
        "远近边际农业机构团体队伍运输货币证券银行资产负债价格涨跌贸易战争历史总统选举议员"
        "医院药品疫苗检测确诊病例隔离学校教师学生考试城市乡村街道社区警察法院审判律师记者")
REPO = Path(__file__).resolve().parents[2]
SHARED = REPO / ".." / "shared"


def make_sentence(rng: random.Random, lo: int = 12, hi: int = 30) -> str:
    n = rng.randint(lo, hi)
    chars = [rng.choice(POOL) for _ in range(n)]
    if n > 10:
        chars.insert(rng.randint(4, n - 4), "，")
    return "".join(chars) + "。"


def make_text(seed: int, paragraphs: int = 4, sentences: int = 4) -> str:
    """Deterministic synthetic article body: paragraphs separated by newlines."""
    rng = random.Random(seed)
    return "\n".join("".join(make_sentence(rng) for _ in range(sentences)) for _ in range(paragraphs))


def article(article_id: str, text: str, **fields) -> Article:
    return Article(id=article_id, source_path=f"{article_id}.txt", title=article_id, text=text, **fields)


@pytest.fixture
def shared_dir() -> Path:
    if not SHARED.exists():
        pytest.skip("../shared is not available")
    return SHARED
