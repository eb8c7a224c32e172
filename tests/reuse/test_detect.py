"""The whole reuse step: determinism, parallel = serial, originality, the five seeds."""
import random

import pytest
from reuse_samples import article, make_text

from storytrace.reuse import ReuseSettings, detect_reuse, original_share
from storytrace.reuse.detect import _PARALLEL_MIN_PAIRS


def _family(n: int) -> list:
    """n articles, each sharing a paragraph with its neighbour and one with everyone."""
    paragraphs = [make_text(1000 + i, paragraphs=1, sentences=3) for i in range(n + 1)]
    common = make_text(999, paragraphs=1, sentences=4)
    return [article(f"f{i:03d}", "\n".join([make_text(i, 2), paragraphs[i], common, paragraphs[i + 1]]),
                    outlet=f"o{i % 3}") for i in range(n)]


def _dump(links):
    return [l.to_dict() for l in links]


def test_same_output_whatever_the_input_order():
    arts = _family(12)
    shuffled = arts[:]
    random.Random(5).shuffle(shuffled)
    serial = ReuseSettings(workers=1)
    assert _dump(detect_reuse(arts, settings=serial)) == _dump(detect_reuse(shuffled, settings=serial))
    assert all(l.a < l.b for l in detect_reuse(arts, settings=serial))


def test_parallel_workers_give_the_serial_result():
    arts = _family(32)
    links = detect_reuse(arts, settings=ReuseSettings(workers=1))
    assert len(links) >= _PARALLEL_MIN_PAIRS        # enough pairs that the pool is really used
    assert _dump(detect_reuse(arts, settings=ReuseSettings(workers=2))) == _dump(links)


def test_original_share_counts_only_text_found_elsewhere():
    own = make_text(1, paragraphs=3)
    copied = make_text(2, paragraphs=1)
    a = article("a", own + "\n" + copied)
    b = article("b", make_text(3, paragraphs=3) + "\n" + copied)
    c = article("c", make_text(4))
    links = detect_reuse([a, b, c], settings=ReuseSettings(workers=1))
    shares = original_share([a, b, c], links)
    expected = len(own.replace("\n", "")) / len((own + copied).replace("\n", ""))
    assert shares["a"] == pytest.approx(expected, abs=0.03)
    assert shares["c"] == 1.0


def test_odd_inputs_do_not_crash():
    arts = [article("e", ""), article("s", "   \n  "), article("t", "短"), article("u", "Just a few words."),
            article("t2", "短")]
    assert detect_reuse(arts, settings=ReuseSettings(workers=1)) == []
    assert original_share(arts, []) == {"e": 1.0, "s": 1.0, "t": 1.0, "u": 1.0, "t2": 1.0}
    assert detect_reuse([], settings=ReuseSettings(workers=1)) == []


def test_latin_script_reuse_is_found_by_words():
    copied = ("The central bank said on Tuesday that it would keep interest rates unchanged for the rest "
              "of the quarter, citing a slower recovery in exports and weaker household spending.")
    a = article("a", "Markets opened higher in Asia. " + copied + " Analysts expected the move.")
    b = article("b", "In other news, the ministry announced new rules. " + copied.replace("Tuesday", "Monday"))
    links = detect_reuse([a, b], settings=ReuseSettings(workers=1))
    assert len(links) == 1 and links[0].kind == "partial"
    p = links[0].passages[0]
    assert a.text[p.a_start:p.a_end].startswith("The central bank")


def _seeds(shared_dir):
    from storytrace.normalize import build_article
    from storytrace.read import iter_documents

    arts = {}
    for doc in iter_documents([str(shared_dir / "seeds")]):
        name = getattr(doc, "source_path", "")
        if name.endswith(".txt") and "EXPECTED" not in name:
            arts[name.rsplit("/", 1)[-1][:3]] = build_article(doc)
    return arts


def test_seeds_reuse_as_expected(shared_dir):
    arts = _seeds(shared_dir)
    assert set(arts) == {"000", "001", "002", "003", "004"}
    links = detect_reuse(list(arts.values()), settings=ReuseSettings(workers=1))
    name = {art.id: key for key, art in arts.items()}
    by_pair = {tuple(sorted((name[l.a], name[l.b]))): l for l in links}
    main = by_pair[("000", "001")]
    assert main.kind in ("reprint", "partial")
    cov_000 = main.a_coverage if name[main.a] == "000" else main.b_coverage
    assert 0.6 <= cov_000 <= 0.95
    assert (main.direction, main.common_source) == ("common-source", "Xinhua")
    assert max(p.a_end - p.a_start for p in main.passages) >= 150
    for other in ("000", "001"):
        minor = by_pair[(other, "002")]
        assert minor.kind in ("partial", "formula") and max(minor.a_coverage, minor.b_coverage) < 0.2
    for pair, link in by_pair.items():
        if "004" in pair:
            assert link.kind == "formula", pair
    for link in links:                    # the text at the reported offsets really matches
        texts = {art.id: art.text for art in arts.values()}
        for p in link.passages:
            left, right = texts[link.a][p.a_start:p.a_end], texts[link.b][p.b_start:p.b_end]
            assert left[:2] == right[:2] or p.edits["script"] or p.edits["punctuation"]


def test_mass_reposted_text_is_one_family_linked_through_its_representative():
    release = make_text(600, paragraphs=3)
    copies = [article(f"r{i:03d}", release if i % 2 else release.replace("，", ",")) for i in range(70)]
    quoting = article("q", make_text(601, paragraphs=4) + "\n" + release.split("\n")[1])
    links = detect_reuse(copies + [quoting], settings=ReuseSettings(workers=1))
    dup = [l for l in links if l.kind == "duplicate"]
    assert len(dup) == 69                                # k - 1 links, not k(k - 1)/2
    assert {l.family for l in dup} == {"family-r000"} and all("r000" in (l.a, l.b) for l in dup)
    [fam] = links.families
    assert fam.representative == "r000" and len(fam.members) == 70
    assert all(m["kind"] == "duplicate" for m in fam.members[1:])
    texts = {a.id: a.text for a in copies + [quoting]}
    to_q = [l for l in links if "q" in (l.a, l.b)]
    assert len(to_q) == 1 and to_q[0].kind == "partial" and to_q[0].family is None
    for p in to_q[0].passages:                            # offsets point at the matching text
        left, right = texts[to_q[0].a][p.a_start:p.a_end], texts[to_q[0].b][p.b_start:p.b_end]
        assert left[:3] == right[:3] and left[-2:] == right[-2:]
