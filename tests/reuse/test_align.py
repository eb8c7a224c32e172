"""Each kind of edit a copy goes through, checked through the whole reuse step."""
import random

import opencc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reuse_samples import article, make_sentence, make_text
from rapidfuzz.distance import Levenshtein

from storytrace.reuse import ReuseSettings, detect_reuse
from storytrace.reuse.align import chain_anchors
from storytrace.textfold import fold

S2T = opencc.OpenCC("s2t")
SERIAL = ReuseSettings(workers=1)


def plant(passage: str, host_seed: int, where: float = 0.5) -> tuple[str, int]:
    """Put passage inside a fresh synthetic host text; returns (text, start of passage)."""
    host = make_text(host_seed, paragraphs=6)
    cut = host.index("。", int(len(host) * where)) + 1
    return host[:cut] + passage + host[cut:], cut


def found_share(link, side: str, start: int, end: int) -> float:
    """Share of [start, end) covered by the link's passages on side a or b."""
    covered = set()
    for p in link.passages:
        lo, hi = (p.a_start, p.a_end) if side == "a" else (p.b_start, p.b_end)
        covered.update(range(max(lo, start), min(hi, end)))
    return len(covered) / (end - start)


def one_link(a, b):
    links = [l for l in detect_reuse([a, b], settings=SERIAL) if l.kind != "formula"]
    assert len(links) == 1, links
    return links[0]


def assert_offsets_match(link, a, b):
    texts = {a.id: a.text, b.id: b.text}
    for p in link.passages:
        left = fold(texts[link.a][p.a_start:p.a_end])
        right = fold(texts[link.b][p.b_start:p.b_end])
        assert left[0] == right[0] and left[-1] == right[-1]        # spans start and end on matches
        assert Levenshtein.normalized_similarity(left, right) >= 0.6


_RNG = random.Random(99)
PASSAGE = "".join(make_sentence(_RNG, 20, 30) for _ in range(3))


def test_verbatim_paragraph_inside_a_long_unrelated_article():
    long_text = make_text(1, paragraphs=30, sentences=5)       # ~3,000 characters
    host, start = plant(PASSAGE, 2)
    a = article("a", long_text[:1500] + PASSAGE + long_text[1500:])
    b = article("b", host)
    link = one_link(a, b)
    assert found_share(link, "b", start, start + len(PASSAGE)) >= 0.95
    assert link.kind == "partial" and link.a_coverage < 0.1
    assert_offsets_match(link, a, b)


def test_script_conversion_is_reuse_and_is_named():
    a_text, a_start = plant(PASSAGE, 3)
    b_text, b_start = plant(S2T.convert(PASSAGE), 4)
    assert S2T.convert(PASSAGE) != PASSAGE
    link = one_link(article("a", a_text), article("b", b_text))
    assert found_share(link, "b", b_start, b_start + len(PASSAGE)) >= 0.95
    assert sum(p.edits["script"] for p in link.passages) > 0
    assert_offsets_match(link, article("a", a_text), article("b", b_text))


def test_punctuation_and_width_changes():
    passage = PASSAGE.replace("，", ",").replace("。", ".", 1)
    digits = "2021年GDP增长了35%的报告"
    a_text, _ = plant(PASSAGE + digits, 5)
    b_text, b_start = plant(passage + "２０２１年ＧＤＰ增长了３５％的报告", 6)
    link = one_link(article("a", a_text), article("b", b_text))
    assert found_share(link, "b", b_start, b_start + len(passage) + len(digits)) >= 0.95
    assert sum(p.edits["punctuation"] for p in link.passages) > 0
    assert sum(p.edits["width"] for p in link.passages) > 0


@pytest.mark.parametrize("rate", [0.0, 0.05, 0.10, 0.15])
def test_character_edits_up_to_fifteen_percent(rate):
    rng = random.Random(int(rate * 100))
    chars = list(PASSAGE)
    positions = [i for i, ch in enumerate(chars) if ch not in "，。"]
    for i in rng.sample(positions, int(len(positions) * rate)):
        chars[i] = rng.choice("甲乙丙丁戊己庚辛壬癸")
    edited = "".join(chars)
    a_text, _ = plant(PASSAGE, 7)
    b_text, b_start = plant(edited, 8)
    link = one_link(article("a", a_text), article("b", b_text))
    assert found_share(link, "b", b_start, b_start + len(edited)) >= 0.8
    if rate:
        assert sum(p.edits["substitutions"] for p in link.passages) > 0


def test_insertion_inside_a_passage_keeps_one_passage():
    inserted = "据现场记者观察指出"
    middle = PASSAGE.index("。") + 1
    a_text, _ = plant(PASSAGE, 9)
    b_text, b_start = plant(PASSAGE[:middle] + inserted + PASSAGE[middle:], 10)
    link = one_link(article("a", a_text), article("b", b_text))
    spanning = [p for p in link.passages if p.b_start <= b_start + middle and p.b_end >= b_start + middle + len(inserted)]
    assert len(spanning) == 1
    assert spanning[0].edits["insertions"] >= len(inserted)


def test_reordered_paragraphs_are_a_duplicate():
    paragraphs = make_text(11, paragraphs=5).split("\n")
    a = article("a", "\n".join(paragraphs))
    b = article("b", "\n".join(paragraphs[::-1]))
    link = one_link(a, b)
    assert link.kind == "duplicate"
    assert link.a_coverage >= 0.95 and link.b_coverage >= 0.95
    assert len(link.passages) >= 5
    assert_offsets_match(link, a, b)


def test_unrelated_texts_do_not_link():
    assert detect_reuse([article("a", make_text(20)), article("b", make_text(21))], settings=SERIAL) == []


def test_chaining_splits_distant_regions():
    import numpy as np

    pos_a = np.array([0, 1, 2, 3, 100, 101, 102], dtype=np.int32)
    pos_b = np.array([50, 51, 52, 53, 5, 6, 7], dtype=np.int32)
    chains = chain_anchors(pos_a, pos_b, np.zeros(7, dtype=bool), ReuseSettings())
    assert [(c.a0, c.b0, c.anchors) for c in chains] == [(0, 50, 4), (100, 5, 3)]


def test_very_long_duplicates_are_verified_in_pieces():
    from storytrace.reuse.align import MAX_REGION

    text = make_text(77, paragraphs=120, sentences=6)          # ~15,000 characters
    a, b = article("a", text), article("b", "前言。" + text)
    link = one_link(a, b)
    assert link.kind == "duplicate" and link.a_coverage >= 0.99
    assert len(link.passages) >= 2
    assert all(p.a_end - p.a_start <= MAX_REGION * 2 for p in link.passages)
    assert_offsets_match(link, a, b)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), rate=st.floats(0, 0.15), convert=st.booleans(), where=st.floats(0.1, 0.9))
def test_reported_offsets_always_point_at_matching_text(seed, rate, convert, where):
    rng = random.Random(seed)
    passage = "".join(make_sentence(rng, 15, 35) for _ in range(rng.randint(2, 6)))
    chars = list(S2T.convert(passage) if convert else passage)
    for _ in range(int(len(chars) * rate)):
        i = rng.randrange(len(chars))
        if rng.random() < 0.5:
            chars[i] = "丁"
        else:
            chars.insert(i, "乙")
    a = article("a", plant(passage, seed + 1, where)[0])
    b = article("b", plant("".join(chars), seed + 2, 1 - where)[0])
    for link in detect_reuse([a, b], settings=SERIAL):
        for p in link.passages:
            assert 0 <= p.a_start < p.a_end <= len(a.text) and 0 <= p.b_start < p.b_end <= len(b.text)
            assert 0.6 <= p.similarity <= 1.0
        assert_offsets_match(link, a, b)


def _sweep_one_by_one(pos_a, pos_b, frequent, settings):
    """The plain greedy sweep, one anchor at a time (the reference for the run-wise one)."""
    from storytrace.reuse.align import MAX_REGION

    gap, drift, k = settings.max_gap, settings.max_drift, settings.shingle
    chains, active = [], []
    for a, b, f in zip(pos_a.tolist(), pos_b.tolist(), frequent.tolist()):
        best, best_cost, still = -1, drift + 1, []
        for ci in active:
            c = chains[ci]
            da = a - c[2]
            if da > gap:
                continue
            still.append(ci)
            db = b - c[3]
            if 0 < db <= gap and abs(da - db) < best_cost and a - c[0] < MAX_REGION:
                best, best_cost = ci, abs(da - db)
        active = still
        if best >= 0:
            c = chains[best]
            c[2], c[3], c[4], c[5] = a, b, c[4] + 1, c[5] + int(f)
        else:
            chains.append([a, b, a, b, 1, int(f)])
            active.append(len(chains) - 1)
    return [(c[0], c[1], c[2] + k, c[3] + k, c[4], c[5]) for c in chains if c[4] >= settings.min_anchors]


def test_run_wise_chaining_equals_the_anchor_by_anchor_sweep():
    import numpy as np

    from storytrace.reuse.align import chain_anchors

    rng = random.Random(3)
    cases = [np.arange(n, dtype=np.int32) for n in (60, 4500, 9000)]      # long diagonals cross MAX_REGION
    cases = [(a, a + 7, np.zeros(len(a), bool)) for a in cases]
    for _ in range(1500):
        n = rng.randint(1, 400)
        a = np.array(sorted(rng.sample(range(9000), n)), dtype=np.int32)
        b = np.array([x + rng.choice([0, 0, 0, 0, 3, -2, 40]) + (rng.randint(0, 5000) if rng.random() < 0.05 else 0)
                      for x in a], dtype=np.int32)
        cases.append((a, b, np.array([rng.random() < 0.3 for _ in a])))
    for a, b, f in cases:
        settings = ReuseSettings(workers=1, max_gap=rng.choice([3, 24]), max_drift=rng.choice([2, 24]))
        got = [(c.a0, c.b0, c.a1, c.b1, c.anchors, c.frequent) for c in chain_anchors(a, b, f, settings)]
        assert got == _sweep_one_by_one(a, b, f, settings)
