"""Acceptance: the "Metadata a user expects back" table of ../shared/seeds/EXPECTED.md."""
from pathlib import Path

import pytest

from storytrace.normalize import build_article
from storytrace.read import iter_documents
from storytrace.textfold import fold

SEEDS = Path(__file__).resolve().parents[1] / ".." / "shared" / "seeds"

pytestmark = pytest.mark.skipif(not SEEDS.is_dir(), reason="../shared/seeds not present")


@pytest.fixture(scope="module")
def seeds():
    out = {}
    for path in sorted(SEEDS.glob("00[0-4]_*.txt")):
        docs = list(iter_documents([str(path)]))
        assert len(docs) == 1, docs
        out[path.name[:3]] = build_article(docs[0])
    if len(out) != 5:
        pytest.skip("seed files missing")
    return out


def _expected_titles() -> dict[str, str]:
    """Titles from the table in ../shared/seeds/EXPECTED.md, read at run time so that no seed
    text is copied into this repository."""
    titles: dict[str, str] = {}
    for line in (SEEDS / "EXPECTED.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 5 and cells[0] in {"000", "001", "002", "003", "004"} and cells[1]:
            titles.setdefault(cells[0], cells[1].split(" (")[0])
    return titles


# (published, precision, language, script, cited sources); titles come from EXPECTED.md.
EXPECTED = {
    "000": ("2022-11-25T09:53:00Z", "datetime", "zh", "Hans", ["Xinhua"]),
    "001": ("--11-25", "month-day", "zh", "Hans", ["China News Service"]),
    "002": ("2022-11-25", "date", "zh", "Hans", ["Xinhua"]),
    "003": ("2022-11-26T07:15:30+07:00", "datetime", "vi", "Latn", ["Chinese state media", "Nhân Dân"]),
    "004": ("2021-12-17T15:30:00", "datetime", "zh", "Hans", ["Xinhua"]),
}


@pytest.mark.parametrize("seed", sorted(EXPECTED))
def test_seed_metadata(seeds, seed):
    art = seeds[seed]
    published, precision, language, script, cited = EXPECTED[seed]
    assert art.title == _expected_titles()[seed]
    assert (art.published, art.published_precision) == (published, precision)
    assert art.published_evidence
    assert (art.language, art.script) == (language, script)
    assert art.cited_sources == cited


def test_seed_details(seeds):
    assert "dateline" in seeds["001"].published_evidence and not seeds["001"].published_inferred
    assert "2022年" in seeds["002"].published_evidence and "至" in seeds["002"].published_evidence
    assert "17/11/2024" in seeds["003"].metadata["page_clock"][0]
    # Boilerplate and paragraph repair (checked by shape, without quoting the texts).
    assert "lượt xem" not in seeds["003"].text and "Từ khóa" not in seeds["003"].text
    assert "AI Translated" not in seeds["004"].text and not seeds["004"].text.endswith(seeds["004"].title)
    assert "\n\n合" not in seeds["001"].text
    assert all(len(p) > 1 for p in seeds["002"].text.split("\n\n")) and "\u3000" not in seeds["002"].text
    assert seeds["000"].outlet == "Lianhe Zaobao" and seeds["000"].url.startswith("https://www.zaobao.com/")
    assert (seeds["001"].outlet, seeds["002"].outlet) == ("China News Service", "Xinhua")
    # Search folding finds the Traditional title by its Simplified form.
    assert fold("习近平") in fold(seeds["004"].title)
