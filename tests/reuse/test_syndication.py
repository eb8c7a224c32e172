"""A story reprinted by many outlets is reuse, not a stock phrase (issue 14).

One self-written wire story reprinted 5, 8, 40 and 400 times with small edits (characters,
punctuation, Traditional script, a different headline and editor line each), among 30
unrelated stories that share only genuine stock phrases (datelines, "（完）", the agency
credit, a disclaimer), plus one article quoting a paragraph of the story.
"""
from __future__ import annotations

import pytest
from syndication_samples import DISCLAIMER, collection, stock_spans

from storytrace.reuse import ReuseSettings, detect_reuse, original_share, pair_link
from storytrace.textfold import fold


def _inside(spans: list[tuple[int, int]], start: int, end: int) -> float:
    inside = sum(max(0, min(end, e) - max(start, s)) for s, e in spans)
    return inside / max(1, end - start)


@pytest.mark.parametrize("copies", [5, 8, 40, 400])
def test_every_reprint_joins_one_family_and_stock_phrases_stay_formula(copies):
    arts, source, reprints, others, quoting = collection(copies)
    texts = {a.id: a.text for a in arts}
    links = detect_reuse(arts, settings=ReuseSettings(workers=1))

    # one family: the agency's copy and every reprint, the agency's copy as representative
    [fam] = links.families
    assert fam.representative == source and set(fam.member_ids) == {source, *reprints}
    assert fam.source == source and "credit" in fam.direction_evidence
    assert fam.common_source is None            # the credited agency is a member, not an absent source

    # every copy is linked to the representative as reuse, once; no copy-copy links
    by_pair = {(l.a, l.b): l for l in links}
    for copy in reprints:
        link = by_pair[tuple(sorted((source, copy)))]
        assert link.kind in ("duplicate", "reprint") and link.family == fam.id, copy
        assert not any(p.formula for p in link.passages)
    assert sum(1 for l in links if l.family) == copies - 1
    copy_set = set(reprints)
    assert not [l for l in links if l.a in copy_set and l.b in copy_set]

    # each member's record names its edits against the representative
    rows = {m["id"]: m for m in fam.members}
    assert rows[source]["role"] == "representative"
    for copy in reprints:
        row = rows[copy]
        assert row["kind"] in ("duplicate", "reprint") and row["coverage"] >= 0.8
        assert row["edits"]["substitutions"] + row["edits"]["script"] + row["edits"]["punctuation"] >= 1
        assert row["kept"] > 0.9 * len(texts[source]) - 10 and row["added"] > 0   # own editor line
    trad = [c for k, c in enumerate(reprints) if k % 3 == 0]
    assert all(rows[c]["edits"]["script"] > 0 for c in trad)

    # the quoting article is reuse of the story, linked to the family's representative
    quoted = [l for l in links if quoting in (l.a, l.b)]
    assert [tuple(sorted((l.a, l.b))) for l in quoted] == [tuple(sorted((source, quoting)))]
    assert quoted[0].kind == "partial" and any(not p.formula for p in quoted[0].passages)

    # genuine stock phrases: every passage lying in them is formula; unrelated texts never link
    disclaimer_seen = False
    for link in links:
        if link.family:
            continue
        for p in link.passages:
            in_a = _inside(stock_spans(texts[link.a]), p.a_start, p.a_end)
            in_b = _inside(stock_spans(texts[link.b]), p.b_start, p.b_end)
            if in_a >= 0.5 and in_b >= 0.5:
                assert p.formula, (link.a, link.b, texts[link.a][p.a_start:p.a_end])
            disclaimer_seen |= fold(DISCLAIMER)[:12] in fold(texts[link.a][p.a_start:p.a_end])
        if quoting not in (link.a, link.b):
            assert link.kind == "formula", (link.a, link.b)
    assert disclaimer_seen, "the disclaimer is reported (as formula), so the check above is not empty"

    shares = original_share(arts, links)
    assert all(shares[c] < 0.2 for c in [source, *reprints])     # own editor line, credit, disclaimer
    assert all(shares[o] == 1.0 for o in others)


def test_output_grows_linearly_with_the_copies():
    sizes = {}
    for copies in (40, 400):
        links = detect_reuse(collection(copies)[0], settings=ReuseSettings(workers=1))
        sizes[copies] = (len(links), sum(len(l.passages) for l in links))
    # k - 1 family links plus a fixed number of others: ten times the copies, ten times the links
    assert sizes[400][0] - sizes[40][0] == 360
    assert sizes[400][1] - sizes[40][1] <= 2 * 360


def test_pair_links_between_two_members_are_derived_on_request():
    arts, source, reprints, _, _ = collection(8)
    by_id = {a.id: a for a in arts}
    link = pair_link(by_id[reprints[1]], by_id[reprints[2]])
    assert link is not None and link.kind in ("duplicate", "reprint")
    assert {link.a, link.b} == {reprints[1], reprints[2]}


def test_heavier_edits_and_trims_stay_in_the_family():
    """Reprints that cut the last paragraph or add a paragraph of their own still join."""
    arts, source, reprints, _, _ = collection(12)
    story = next(a for a in arts if a.id == source).text
    paragraphs = story.split("\n")
    trimmed = arts[1]
    trimmed.text = "\n".join(paragraphs[:-1])
    extended = arts[2]
    extended.text = story + "\n本网编辑部补充：" + "相关部门将继续跟进此事的后续进展情况并及时通报。"
    links = detect_reuse(arts, settings=ReuseSettings(workers=1))
    [fam] = links.families
    assert {trimmed.id, extended.id} <= set(fam.member_ids)
    rows = {m["id"]: m for m in fam.members}
    assert rows[trimmed.id]["cut"] > 0 and rows[extended.id]["added"] > 20
