"""Families through the store and the local engine: increments join, downstream sees one story."""
from __future__ import annotations

from syndication_samples import collection

from storytrace.engines.local import run_analysis
from storytrace.store import Store


def test_the_41st_copy_joins_the_stored_family_and_downgrades_nothing(tmp_path):
    arts, source, reprints, others, quoting = collection(42)
    late = next(a for a in arts if a.id == reprints[-1])
    first_batch = [a for a in arts if a.id != late.id]
    with Store(tmp_path / "s.db") as store:
        store.add_articles(first_batch)
        run_analysis(store, workers=1)
        before = {(l.a, l.b): l.kind for l in store.reuse_links() if l.kind != "translation"}
        [fam] = store.families()
        assert len(fam.members) == 41 and late.id not in fam.member_ids

        store.add_articles([late])
        run_analysis(store, workers=1)
        after = {(l.a, l.b): l.kind for l in store.reuse_links() if l.kind != "translation"}
        [fam] = store.families()
        assert len(fam.members) == 42 and late.id in fam.member_ids
        assert store.families(article=late.id)[0].id == fam.id
        link = after[tuple(sorted((source, late.id)))]
        assert link in ("duplicate", "reprint")
        assert {pair: after.get(pair) for pair in before} == before      # nothing downgraded or lost

        # events: the whole family is one story, in one event, with the quoting article's link
        event = store.event_of(source)
        assert event is not None and all(store.event_of(c) == event for c in reprints)


def test_families_are_exported_once_each_in_every_format(tmp_path):
    import csv
    import json

    import pyarrow.parquet as pq

    from storytrace.model import Family, ReuseLink
    from storytrace.present.exports import export
    from storytrace.reuse import ReuseSettings, detect_reuse

    arts, source, reprints, _, _ = collection(40)
    with Store(tmp_path / "s.db") as store:
        store.add_articles(arts)
        store.replace_reuse(detect_reuse(arts, settings=ReuseSettings(workers=1)))
        export(store, tmp_path / "jsonl", "jsonl")
        export(store, tmp_path / "pq", "parquet")
        export(store, tmp_path / "csv", "csv")
    [row] = [json.loads(line) for line in (tmp_path / "jsonl" / "families.jsonl").read_text("utf-8").splitlines()]
    fam = Family.from_dict(row)
    assert fam.representative == source and set(fam.member_ids) == {source, *reprints}
    links = [ReuseLink.from_dict(json.loads(line))
             for line in (tmp_path / "jsonl" / "reuse.jsonl").read_text("utf-8").splitlines()]
    assert sum(1 for l in links if l.family == fam.id) == 39
    [prow] = pq.read_table(tmp_path / "pq" / "families.parquet").to_pylist()
    assert prow["size"] == 40 and prow["members"][0] == source
    assert len(json.loads(prow["member_records"])) == 40
    with open(tmp_path / "csv" / "families.csv", encoding="utf-8-sig", newline="") as fh:
        [crow] = list(csv.DictReader(fh))
    assert crow["representative"] == source and crow["source"] == source


def test_report_and_app_show_one_source_and_its_reprints(tmp_path):
    from storytrace.model import Event
    from storytrace.present.views import ReportData
    from storytrace.reuse import ReuseSettings, detect_reuse

    arts, source, reprints, _, _ = collection(12)
    with Store(tmp_path / "s.db") as store:
        store.add_articles(arts)
        store.replace_reuse(detect_reuse(arts, settings=ReuseSettings(workers=1)))
        store.replace_events([Event("E1", "story", [source, *reprints])])
        data = ReportData(store)
        from storytrace.present.report import write_report
        html = write_report(store, tmp_path / "report.html").read_text(encoding="utf-8")
    assert "One story in 12 copies: source 新华社" in html and "11 reprints by" in html
    ev = data.event_by_id["E1"]
    [fv] = ev.families
    assert fv.size == 12 and fv.source.id == source and len(fv.reprints) == 11
    assert len(ev.links) == 11                            # a star around the source, not a hairball
    sourced = [m for m in ev.members if m.article.id != source]
    assert all(m.source is not None and m.source.other.id == source for m in sourced)   # kept/cut/added vs the source
    derived = data.link_between(reprints[3], reprints[4])        # the compare view of two reprints
    assert derived is not None and derived.kind in ("duplicate", "reprint") and derived.passages


def test_cli_compare_of_two_reprints_shows_their_own_link(tmp_path):
    from typer.testing import CliRunner

    from storytrace.cli import app
    from storytrace.reuse import ReuseSettings, detect_reuse

    arts, source, reprints, _, _ = collection(8)
    with Store(tmp_path / "s.db") as store:
        store.add_articles(arts)
        store.replace_reuse(detect_reuse(arts, settings=ReuseSettings(workers=1)))
        assert not [l for l in store.reuse_links(article=reprints[2]) if reprints[5] in (l.a, l.b)]
    result = CliRunner().invoke(app, ["compare", reprints[2], reprints[5], "--store", str(tmp_path / "s.db")],
                                terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "duplicate" in result.output and "no shared passages" not in result.output
