"""The occasion a headline names, and the group pass that joins the pieces of one occasion
(self-written headlines; scores planted, so the pass's rule is what is tested)."""
from __future__ import annotations

import numpy as np

from storytrace.events.linkage import merge_by_occasion
from storytrace.events.occasion import headline_terms, occasion_terms
from storytrace.events.signals import ArticleSignals


def sig(title: str, names: tuple[str, ...] = (), outlet: str = "rthk") -> ArticleSignals:
    return ArticleSignals(id=title, language="zh", lead=f"{title}\n正文", tokens=[], published=None,
                          month_day=None, entities={f"k{n}": name for n, name in enumerate(names)}, outlet=outlet)


def test_terms_are_three_units_without_kicker_names_or_figures():
    terms = headline_terms(sig("全運會｜開幕式晚上8時在廣州舉行　習近平與夫人進場", names=("習近平", "廣州")))
    assert "开幕式" in terms                       # folded to Simplified
    assert not any("运" in t for t in terms)        # the kicker before ｜ is a topic label
    assert not any("习" in t or "广州" in t for t in terms)   # names are not occasions
    assert not any(ch.isdigit() for t in terms for ch in t)
    assert not any(len(t) == 2 for t in terms)      # two characters are one ordinary word
    latin = headline_terms(sig("Live | Opening ceremony of the games, 8pm", outlet="x"))
    assert "opening ceremony of" in latin and not any("live" in t for t in latin)
    assert "the games pm" not in latin              # figures and punctuation end a run


def test_a_term_counts_when_several_headlines_but_not_most_name_it():
    titles = ["開幕式今晚舉行　市民到商場觀看", "商場直播開幕式　人流上升", "開幕式暖場表演開始",
              "女子公路賽港隊奪金", "女子公路賽明早起步"] + [f"其他新聞第{k}則報道內容" for k in range(40)]
    terms = occasion_terms([sig(t, outlet=f"o{k % 7}") for k, t in enumerate(titles)])
    assert "开幕式" in terms[0] and "开幕式" in terms[2]   # 3 of 45 headlines
    assert "女子公" not in terms[3]                          # only 2 headlines: not an occasion yet
    assert "新闻第" not in terms[5]                          # 40 of 45: a running label, not an occasion


def test_an_outlets_boilerplate_is_not_an_occasion():
    titles = [f"新聞{k} – 法國國際廣播電台" for k in "甲乙丙丁戊己"]
    terms = occasion_terms([sig(t, outlet="rfi") for t in titles] + [sig(f"無關報道{k}", outlet="x") for k in range(60)])
    assert not any(terms[:6])


def planted(n_a=4, n_b=3, n_c=3, within=0.9, between=0.5, lookalike=0.5):
    """Items 0..n_a-1 (group A) and the next n_b (group B): one occasion; the last n_c
    (group C): a look-alike of the same topic. Scores planted."""
    n = n_a + n_b + n_c
    score = np.full((n, n), 0.1)
    blocks = [range(0, n_a), range(n_a, n_a + n_b), range(n_a + n_b, n)]
    for block in blocks:
        for i in block:
            for j in block:
                score[i, j] = within
    for i in blocks[0]:
        for j in blocks[1]:
            score[i, j] = score[j, i] = between
        for j in blocks[2]:
            score[i, j] = score[j, i] = lookalike
    return score, [list(b) for b in blocks]


def run(score, groups, terms, mean=0.45, share=0.5, threshold=0.7, strong=((0, 4), (0, 7))):
    i = np.array([a for a, _ in strong])
    j = np.array([b for _, b in strong])

    def cross_sums(pairs):
        return [float(score[np.ix_(a, b)].sum()) for a, b in pairs]

    return merge_by_occasion(groups, i, j, terms, cross_sums, mean, share)


def test_pieces_naming_one_occasion_join_and_a_lookalike_does_not():
    score, groups = planted()
    ceremony, race = frozenset({"开幕式"}), frozenset({"公路赛"})
    terms = [ceremony] * 4 + [ceremony, ceremony, frozenset()] + [race] * 3   # B: 2 of 3 name it
    assert run(score, groups, terms) == [[0, 1, 2, 3, 4, 5, 6], [7, 8, 9]]


def test_no_join_without_a_shared_occasion_a_strong_pair_or_the_mean():
    score, groups = planted()
    ceremony = frozenset({"开幕式"})
    assert run(score, groups, [ceremony] * 4 + [frozenset()] * 6) == groups            # B names no occasion
    assert run(score, groups, [ceremony] * 4 + [ceremony, frozenset(), frozenset()] + [frozenset()] * 3) == groups  # 1 of 3
    assert run(score, groups, [ceremony] * 10, strong=((0, 7),)) == [[0, 1, 2, 3, 7, 8, 9], [4, 5, 6]]  # no strong A-B pair
    low, groups = planted(between=0.4)
    assert run(low, groups, [ceremony] * 7 + [frozenset()] * 3) == groups             # mean 0.4 < 0.45


def test_best_mean_first_and_terms_measured_again_after_a_merge():
    score, groups = planted(between=0.6, lookalike=0.5)
    ceremony = frozenset({"开幕式"})
    # A names the ceremony; B and C each name it once in three: after A + B (mean 0.6) the
    # merged group's share of it is 5 of 7, C's still 1 of 3: C stays apart.
    terms = [ceremony] * 4 + [ceremony, ceremony, frozenset()] + [ceremony, frozenset(), frozenset()]
    assert run(score, groups, terms) == [[0, 1, 2, 3, 4, 5, 6], [7, 8, 9]]


def test_an_occasion_spans_one_news_day_not_a_series_of_days():
    score, groups = planted()
    ceremony = frozenset({"开幕式"})
    terms = [ceremony] * 7 + [frozenset()] * 3

    def with_days(day_of_b: int):
        days = np.array([100] * 4 + [day_of_b] * 3 + [100] * 3)
        i, j = np.array([0, 0]), np.array([4, 7])
        return merge_by_occasion(groups, i, j, terms, lambda pairs: [float(score[np.ix_(a, b)].sum()) for a, b in pairs],
                                 0.45, 0.5, days, 1)

    assert with_days(101)[0] == [0, 1, 2, 3, 4, 5, 6]   # the preview the day before: one occasion
    assert with_days(103) == groups                     # the same kind of occasion three days on: another
