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


def test_recurring_lines_do_not_depend_on_order_across_outlets():
    footer = "本台记者综合报道"
    texts = [("Outlet A", f"第{i}篇独立的正文。\n\n{footer}") for i in range(5)]
    shared = ("Outlet B", "第0篇独立的正文。\n\n" + footer)      # the same text under another outlet
    assert recurring_lines([shared] + texts, min_articles=5) == recurring_lines(texts + [shared], min_articles=5)
    assert recurring_lines([shared] + texts, min_articles=5) == {"Outlet A": {footer}}


def test_hidden_spans_point_into_the_text_and_masking_keeps_offsets():
    from storytrace.model import Article
    from storytrace.normalize.boilerplate import (HIDDEN_KEY, collection_hidden_spans, line_spans, mask_spans,
                                                  visible_text)

    footer = "本台记者综合报道"
    text = f"正文第一段。\n\n  {footer}\n\n结尾。\n\n{footer}"
    spans = line_spans(text, {footer})
    assert [text[s:e] for s, e in spans] == [footer, footer]
    masked = mask_spans(text, spans)
    assert len(masked) == len(text) and footer not in masked
    assert masked.split("\n\n")[0] == "正文第一段。" and masked.count("\n") == text.count("\n")

    articles = [Article(id=f"a{i}", source_path=f"{i}.txt", title=f"t{i}", text=f"第{i}篇正文。\n\n{footer}",
                        outlet="Outlet A") for i in range(5)]
    articles.append(Article(id="b", source_path="b.txt", title="b", text=f"别的。\n\n{footer}", outlet="Outlet B"))
    hidden = collection_hidden_spans(reversed(articles))
    assert hidden == collection_hidden_spans(articles)
    assert set(hidden) == {f"a{i}" for i in range(5)}          # learned per outlet; B has one post only
    art = articles[0]
    art.metadata[HIDDEN_KEY] = hidden["a0"]
    assert visible_text(art).rstrip() == "第0篇正文。" and len(visible_text(art)) == len(art.text)
