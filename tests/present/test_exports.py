import csv
import json

import pyarrow.parquet as pq
import pytest

from storytrace.model import ReuseLink
from storytrace.present.exports import (ARTICLE_COLUMNS, PASSAGE_COLUMNS, export,
                                        write_jsonl_outputs)


def _lines(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_jsonl_outputs_round_trip(sample_store, sample, tmp_path):
    paths = write_jsonl_outputs(sample_store, tmp_path / "out")
    assert [p.name for p in paths] == ["articles.jsonl", "events.jsonl", "reuse.jsonl", "families.jsonl"]
    articles = _lines(paths[0])
    assert len(articles) == 6
    by_id = {a["id"]: a for a in articles}
    assert by_id[sample["a"].id]["event"] == "E1"
    assert by_id[sample["evil"].id]["title"] == sample["evil"].title  # stored verbatim, not escaped
    events = _lines(paths[1])
    assert {e["id"] for e in events} == {"E1", "E2"}
    links = [ReuseLink.from_dict(d) for d in _lines(paths[2])]
    reprint = next(l for l in links if l.kind == "reprint")
    assert reprint.common_source == "Xinhua" and len(reprint.passages) == 2
    assert not list((tmp_path / "out").glob("*.part"))


def test_parquet_reads_back_with_types(sample_store, sample, tmp_path):
    paths = export(sample_store, tmp_path, "parquet")
    assert sorted(p.name for p in paths) == ["articles.parquet", "events.parquet", "families.parquet",
                                             "passages.parquet", "reuse.parquet"]
    arts = pq.read_table(tmp_path / "articles.parquet")
    assert arts.column_names == ARTICLE_COLUMNS
    rows = {r["id"]: r for r in arts.to_pylist()}
    assert rows[sample["a"].id]["cited_sources"] == ["Xinhua"]
    assert rows[sample["a"].id]["chars"] == len(sample["a"].text)
    events = {r["id"]: r for r in pq.read_table(tmp_path / "events.parquet").to_pylist()}
    assert events["E1"]["size"] == 4 and "vi" in events["E1"]["languages"]
    passages = pq.read_table(tmp_path / "passages.parquet").to_pylist()
    verbatim = next(p for p in passages if p["kind"] == "reprint" and p["index"] == 0)
    assert verbatim["a_text"].startswith("滨海市跨海大桥") and verbatim["b_text"].startswith("濱海市跨海大橋")
    assert verbatim["a_text"] == sample["a"].text[verbatim["a_start"]:verbatim["a_end"]]


def test_csv_is_flat_and_opens_with_csv_module(sample_store, sample, tmp_path):
    export(sample_store, tmp_path, "csv")
    with open(tmp_path / "passages.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0].keys()) == PASSAGE_COLUMNS
    assert len(rows) == 5  # one row per passage over four links
    with open(tmp_path / "articles.csv", encoding="utf-8-sig", newline="") as fh:
        arts = {r["id"]: r for r in csv.DictReader(fh)}
    evil = arts[sample["evil"].id]
    assert evil["text"] == sample["evil"].text  # newlines, quotes and U+2028 survive quoting
    assert evil["published_inferred"] == "False"
    with open(tmp_path / "events.csv", encoding="utf-8-sig", newline="") as fh:
        events = {r["id"]: r for r in csv.DictReader(fh)}
    assert events["E1"]["languages"] == "zh; en; vi"


def test_unknown_format_is_refused(sample_store, tmp_path):
    with pytest.raises(ValueError, match="unknown export format"):
        export(sample_store, tmp_path, "xlsx")


def test_articles_carry_original_share_when_reuse_provides_it(sample_store, sample, tmp_path):
    pytest.importorskip("storytrace.reuse", reason="reuse step missing")
    from storytrace import reuse

    if not hasattr(reuse, "original_share"):
        pytest.skip("storytrace.reuse.original_share not available")
    rows = {r["id"]: r for r in _lines(write_jsonl_outputs(sample_store, tmp_path)[0])}
    shares = {k: rows[sample[k].id]["original_share"] for k in ("a", "evil")}
    assert all(0.0 <= v <= 1.0 for v in shares.values())
    assert shares["a"] < 1.0  # part of its text is shared with b
