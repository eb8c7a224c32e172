"""Stock phrases recur across unrelated articles; they must not link them."""
from reuse_samples import article, make_text

from storytrace.reuse import ReuseSettings, detect_reuse, original_share

SLOGAN = "坚持以人民为中心的发展思想，推动构建更加公正合理的国际秩序"      # self-written, 29 characters


def test_slogan_in_many_unrelated_articles_is_formula_and_does_not_link():
    arts = [article(f"x{i:02d}", make_text(100 + i, paragraphs=3) + "\n" + SLOGAN + "。\n" + make_text(200 + i, 2))
            for i in range(10)]
    links = detect_reuse(arts, settings=ReuseSettings(workers=1))
    assert links, "the slogan is still reported, as formula"
    assert {l.kind for l in links} == {"formula"}
    assert all(p.formula for l in links for p in l.passages)
    shares = original_share(arts, links)
    assert min(shares.values()) == 1.0        # formula never reduces originality


def test_same_passage_in_few_articles_is_reuse():
    arts = [article(f"y{i}", make_text(300 + i, paragraphs=3) + "\n" + SLOGAN + "。\n" + make_text(400 + i, 2))
            for i in range(3)]
    links = detect_reuse(arts, settings=ReuseSettings(workers=1))
    assert len(links) == 3 and {l.kind for l in links} == {"partial"}


def test_short_shared_phrase_is_formula_even_in_a_small_collection():
    phrase = "构建人类命运共同体的重要理念"          # 14 characters: a phrase, not a copied account
    a = article("a", make_text(1) + phrase + make_text(2))
    b = article("b", make_text(3) + phrase + make_text(4))
    links = detect_reuse([a, b], settings=ReuseSettings(workers=1, min_chars=10, formula_max_chars=16))
    assert [l.kind for l in links] == ["formula"]
    assert detect_reuse([a, b], settings=ReuseSettings(workers=1)) == []   # below min_chars: not even listed


def test_a_link_with_real_reuse_keeps_its_formula_passages_marked():
    body = make_text(50, paragraphs=2)
    arts = [article(f"z{i:02d}", make_text(500 + i, paragraphs=2) + "\n" + SLOGAN + "。") for i in range(9)]
    arts.append(article("pair1", body + "\n" + make_text(52, 2) + "\n" + SLOGAN + "。"))
    arts.append(article("pair2", SLOGAN + "。\n" + make_text(51) + "\n" + body))
    links = detect_reuse(arts, settings=ReuseSettings(workers=1))
    pair = [l for l in links if {l.a, l.b} == {"pair1", "pair2"}]
    assert len(pair) == 1 and pair[0].kind in ("reprint", "partial")
    assert any(p.formula for p in pair[0].passages) and any(not p.formula for p in pair[0].passages)


def test_formula_threshold_is_relative_to_the_collection_in_families():
    from storytrace.reuse.family import thresholds

    defaults = ReuseSettings(workers=1)
    assert thresholds(defaults, 2_600) == (8, 60)              # the week: the floors
    assert thresholds(defaults, 40_000) == (40, 300)           # 0.1 % of the families; the cap follows
    relative = ReuseSettings(workers=1, formula_min_docs=2, formula_share=0.5)
    with_slogan = [article(f"x{i:02d}", make_text(100 + i, paragraphs=3) + "\n" + SLOGAN + "。\n" + make_text(200 + i, 2))
                   for i in range(10)]
    without = [article(f"w{i:02d}", make_text(700 + i, paragraphs=3)) for i in range(20)]
    assert {l.kind for l in detect_reuse(with_slogan, settings=relative)} == {"formula"}        # 10 of 10 families
    assert {l.kind for l in detect_reuse(with_slogan + without, settings=relative)} == {"partial"}  # 10 of 30


def test_copies_of_one_text_count_once_toward_frequency():
    """The slogan sits in 5 unrelated texts, one of them reprinted 20 times: 5 families, not 25
    articles, so with formula_min_docs=8 it is reuse, as in a collection without the reprints."""
    texts = [make_text(300 + i, paragraphs=3) + "\n" + SLOGAN + "。\n" + make_text(400 + i, 2) for i in range(5)]
    arts = [article(f"y{i}", t) for i, t in enumerate(texts)]
    arts += [article(f"y0-copy{k:02d}", texts[0].replace("，", ",", k % 3)) for k in range(20)]
    links = detect_reuse(arts, settings=ReuseSettings(workers=1))
    across = [l for l in links if not l.family]
    assert across and {l.kind for l in across} == {"partial"}
    assert len(links.families) == 1 and len(links.families[0].members) == 21
