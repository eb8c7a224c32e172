"""Self-written multilingual test stories (tests/events/data/stories.json).

EA: Li Qiang meets Pham Minh Chinh in Hanoi (zh-Hans, zh-Hant, vi, en, paragraph-aligned).
EB: same-topic distractor, Li Qiang meets the Lao premier in Beijing eight days later.
EC: a typhoon lands in Guangdong (zh-Hans, vi, en, paragraph-aligned).
ED: same-topic distractor, another typhoon lands in Fujian four days later.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from storytrace.model import Article

DATA = Path(__file__).resolve().parent / "data" / "stories.json"
SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"


def load_stories() -> tuple[list[Article], dict[str, str], dict[str, list[str]]]:
    rows = json.loads(DATA.read_text(encoding="utf-8"))
    articles, gold, paragraphs = [], {}, {}
    for row in rows:
        text = "\n".join(row["paragraphs"])
        articles.append(Article(id=row["id"], source_path=f"stories.json#{row['id']}", title=row["title"],
                                text=text, language=row["language"], script=row["script"],
                                outlet=row["outlet"], published=row["published"],
                                published_precision="datetime"))
        gold[row["id"]] = row["event"]
        paragraphs[row["id"]] = row["paragraphs"]
    return articles, gold, paragraphs


@pytest.fixture(scope="session")
def stories():
    return load_stories()


@pytest.fixture(scope="session")
def encoder():
    from storytrace.events.encoder import get_encoder

    return get_encoder()
