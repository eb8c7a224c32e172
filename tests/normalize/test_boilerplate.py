from storytrace.normalize.boilerplate import is_boilerplate_line, recurring_lines, remove_lines, strip_boilerplate


def test_generic_boilerplate_lines():
    for line in ["4,466 lượt xem", "1.234 views", "  • Từ khóa", "Tags: economy, trade", "© 2021 Example Media",
                 "Copyright 2020 Example", "获取更多RSS：https://example.net", "AI Translated",
                 "This article was translated by an automatic system and may read oddly in places.",
                 "https://example.net/feed", "05/02/2021 - 10:35", "------"]:
        assert is_boilerplate_line(line), line
    for line in ["市长说，交通改造明年完成。", "Hà Nội và Huế tăng cường hợp tác du lịch.", "Copyright law was changed today by parliament in a vote."]:
        assert not is_boilerplate_line(line), line


def test_repeated_title_and_markdown_title_link_are_dropped():
    kept, dropped = strip_boilerplate(["[A Title Here](https://example.org/x)", "Body one.", "Body two.",
                                       "Body three.", "A title here"], title="A Title Here")
    assert kept == ["Body one.", "Body two.", "Body three."]
    assert len(dropped) == 2


def test_trailer_block_cut_only_near_the_end():
    paragraphs = ["Author", "p1.", "p2.", "p3.", "p4.", "相关报道", "Other story one", "Other story two"]
    kept, dropped = strip_boilerplate(paragraphs)
    assert kept == ["Author", "p1.", "p2.", "p3.", "p4."]
    assert dropped == ["相关报道", "Other story one", "Other story two"]


def test_recurring_lines_per_outlet_ignore_identical_reposts():
    footer = "本台记者综合报道"
    texts = [("Outlet A", f"第{i}篇独立的正文。\n\n{footer}") for i in range(5)]
    texts += [("Outlet B", f"别的正文{i}。\n\n{footer}") for i in range(2)]
    texts += [("Outlet C", "同一篇转载的正文。")] * 6
    learned = recurring_lines(texts, min_articles=5)
    assert learned == {"Outlet A": {footer}}
    assert remove_lines(f"正文。\n\n{footer}\n\n结尾。", learned["Outlet A"]) == "正文。\n\n结尾。"


def test_photo_credits_and_editor_lines():
    for line in ["Hai bên tại lễ ký kết ở Hà Nội. Ảnh: TTXVN", "两国代表在会上握手。（本报记者某某摄）",
                 "【纠错】　责任编辑：某某", "（編輯：某某）"]:
        assert is_boilerplate_line(line), line
    assert not is_boilerplate_line("Ảnh hưởng của bão đến mùa màng là rất lớn, theo các chuyên gia nông nghiệp.")


def test_a_statement_quoted_mid_article_is_not_learned():
    quote = "发言人说：我们坚决反对这一决定。"
    texts = [("Outlet A", f"开头{i}。\n\n第二段{i}。\n\n第三段{i}。\n\n{quote}\n\n第五段{i}。\n\n第六段{i}。\n\n结尾{i}。")
             for i in range(8)]
    assert recurring_lines(texts, min_articles=5) == {}
