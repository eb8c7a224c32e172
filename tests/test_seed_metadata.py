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


EXPECTED = {
    "000": ("习近平会晤古巴国家主席：共同捍卫国际公平正义", "2022-11-25T09:53:00Z", "datetime", "zh", "Hans", ["Xinhua"]),
    "001": ("习近平与古巴共产党领导人举行会谈 共同务实推动“一带一路”合作发展", "--11-25", "month-day", "zh", "Hans",
            ["China News Service"]),
    "002": ("中华人民共和国和古巴共和国关于深化新时代中古关系的联合声明", "2022-11-25", "date", "zh", "Hans", ["Xinhua"]),
    "003": ("Trung Quốc và Cuba tăng cường hợp tác", "2022-11-26T07:15:30+07:00", "datetime", "vi", "Latn",
            ["Chinese state media", "Nhân Dân"]),
    "004": ("習近平:全球治理 中俄要發出更響亮聲音", "2021-12-17T15:30:00", "datetime", "zh", "Hans", ["Xinhua"]),
}


@pytest.mark.parametrize("seed", sorted(EXPECTED))
def test_seed_metadata(seeds, seed):
    art = seeds[seed]
    title, published, precision, language, script, cited = EXPECTED[seed]
    assert art.title == title
    assert (art.published, art.published_precision) == (published, precision)
    assert art.published_evidence
    assert (art.language, art.script) == (language, script)
    assert art.cited_sources == cited


def test_seed_details(seeds):
    assert "dateline" in seeds["001"].published_evidence and not seeds["001"].published_inferred
    assert "2022年11月24日至26日" in seeds["002"].published_evidence
    assert seeds["003"].metadata["page_clock"][0].startswith("Chủ nhật, 17/11/2024")
    # Boilerplate and paragraph repair (checked by shape, without quoting the texts).
    assert "lượt xem" not in seeds["003"].text and "Từ khóa" not in seeds["003"].text
    assert "AI Translated" not in seeds["004"].text and not seeds["004"].text.endswith(seeds["004"].title)
    assert "\n\n合" not in seeds["001"].text
    assert all(len(p) > 1 for p in seeds["002"].text.split("\n\n")) and "\u3000" not in seeds["002"].text
    assert seeds["000"].outlet == "Lianhe Zaobao" and seeds["000"].url.startswith("https://www.zaobao.com/")
    assert (seeds["001"].outlet, seeds["002"].outlet) == ("China News Service", "Xinhua")
    # Search folding finds the Traditional title by its Simplified form.
    assert fold("习近平") in fold(seeds["004"].title)
