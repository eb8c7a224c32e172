from storytrace.normalize.paragraphs import clean_paragraphs, rejoin_broken, split_paragraphs

LONG = "市政府今天召开新闻发布会，介绍了城市交通改造的最新进展，并回答记者提问，会上还宣布加强协调配"


def test_rejoins_a_word_broken_across_a_blank_line():
    assert clean_paragraphs(f"{LONG}\n\n合，确保工程按期完成。\n\n第二段。") == [
        LONG + "合，确保工程按期完成。", "第二段。"]


def test_short_headings_and_finished_sentences_stay_apart():
    assert rejoin_broken(["小标题没有句号", "正文开始。"]) == ["小标题没有句号", "正文开始。"]
    assert rejoin_broken([LONG + "。", "下一段。"]) == [LONG + "。", "下一段。"]
    assert rejoin_broken(["A long English line without a final stop but it is not Chinese at all",
                          "continues"]) == ["A long English line without a final stop but it is not Chinese at all",
                                            "continues"]


def test_fullwidth_spaces_crlf_and_nbsp():
    assert split_paragraphs("标题\u3000\u3000第一段。\u3000\u3000第二段。") == ["标题", "第一段。", "第二段。"]
    assert split_paragraphs("One\r\n\r\nTwo\xa0 words\rThree") == ["One", "Two words", "Three"]
