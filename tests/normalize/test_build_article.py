import pytest

from storytrace.model import RawDocument, content_id
from storytrace.normalize import NormalizeError, build_article
from storytrace.normalize.frontmatter import FrontMatterError, split_front_matter

JEKYLL_HTML = """---
layout: post
title: "测试新闻：两市签署合作协议"
date: 2023-04-02 10:15:00.000000000 +08:00
categories: rthk
from: https://news.example.org/a/1
---
<!--1680401700000-->
[测试新闻：两市签署合作协议](https://news.example.org/a/1)
------

<div>
<div class="figure-media"><img src="x.jpg" title="两市市长握手。（新华社）" alt="两市市长握手。（新华社）"></div>
<figcaption>两市市长握手。（新华社）</figcaption>
<p>据新华社报道，甲市和乙市今天签署了一份为期五年的合作协议，涵盖交通、教育和环保等领域。</p>
<section id="imu"><div id="dfp-ad-imu1">   </div></section>
<p>甲市市长在签字仪式上表示，两市将加强沟通，推动项目尽快落地，让市民早日受益。</p>
<p>乙市方面说，合作将从明年起分阶段实施，首批项目包括一条新的城际铁路。</p>
<div class="cx_paywall_placeholder" id="sph_1"></div>
<p>获取更多RSS：https://feed.example.net</p>
</div>
"""

PLAIN_WIRE = """

甲市与乙市签署五年合作协议 首批项目明年启动



某某社甲市3月8日电 3月8日上午，甲市市长与乙市市长在甲市会议中心签署合作协议，双方同意在交通、教育和环保等领域加强协调配

合，共同推动区域一体化发展。

会议还讨论了下一阶段的具体安排。（完）"""

VIETNAMESE = """Thứ 2, 01/01/2024, 09:00[GMT+7]

Hai thành phố ký thỏa thuận hợp tác

Thứ 6, 08/03/2023 | 10:20:30
1,234 lượt xem
Ngày 8/3, hai thành phố đã ký thỏa thuận hợp tác trong lĩnh vực giao thông và giáo dục.

Theo nhandan.vn

  • Từ khóa"""


def test_jekyll_html_post():
    art = build_article(RawDocument("post.html", JEKYLL_HTML, "html"))
    assert art.title == "测试新闻：两市签署合作协议"
    assert art.published == "2023-04-02T10:15:00+08:00" and art.published_precision == "datetime"
    assert art.published_evidence == "front matter date"
    assert (art.outlet, art.url, art.language, art.script) == ("RTHK", "https://news.example.org/a/1", "zh", "Hans")
    assert art.cited_sources == ["Xinhua"]
    assert art.text.startswith("据新华社报道") and art.text.count("两市市长握手") <= 1
    assert "RSS" not in art.text and "[" not in art.text and "---" not in art.text
    assert art.id == content_id(art.text, art.title)


def test_plain_wire_text_title_rejoin_and_month_day_date():
    art = build_article(RawDocument("wire.txt", PLAIN_WIRE, "text"))
    assert art.title == "甲市与乙市签署五年合作协议 首批项目明年启动"
    assert "加强协调配合，共同推动" in art.text
    assert (art.published, art.published_precision) == ("--03-08", "month-day")
    assert art.text.endswith("（完）")


def test_vietnamese_page_clock_is_not_the_publication_date():
    art = build_article(RawDocument("vi.txt", VIETNAMESE, "text"))
    assert art.title == "Hai thành phố ký thỏa thuận hợp tác"
    assert art.published == "2023-03-08T10:20:30+07:00"
    assert art.metadata["page_clock"] == ["Thứ 2, 01/01/2024, 09:00[GMT+7]"]
    assert art.language == "vi" and art.script == "Latn" and art.cited_sources == ["Nhân Dân"]
    assert "lượt xem" not in art.text and "Từ khóa" not in art.text and "10:20:30" not in art.text


def test_single_line_with_fullwidth_paragraphs():
    art = build_article(RawDocument("one.txt", "两市联合声明\u3000\u3000第一条内容。\u3000\u3000第二条内容。", "text"))
    assert art.title == "两市联合声明" and art.text == "第一条内容。\n\n第二条内容。"


def test_markdown_body_and_metadata_from_input_fields():
    raw = RawDocument("x.jsonl#L1", "## Heading\n\nSome *body* text with a [link](http://x.org).\n\n- item one",
                      "markdown", metadata={"title": "T", "date": "2020-05-06", "outlet": "reuters"})
    art = build_article(raw)
    assert art.text == "Heading\n\nSome body text with a link.\n\nitem one"
    assert (art.outlet, art.published, art.published_precision) == ("Reuters", "2020-05-06", "date")


def test_store_text_as_published_traditional():
    art = build_article(RawDocument("t.txt", "標題\n\n政府今天發表聲明，說明這項決定的理由。", "text"))
    assert art.text == "政府今天發表聲明，說明這項決定的理由。" and art.script == "Hant"


def test_broken_front_matter_and_empty_body_are_normalize_errors():
    with pytest.raises(NormalizeError, match="front matter"):
        build_article(RawDocument("bad.md", "---\ntitle: [unclosed\n---\nbody", "markdown"))
    with pytest.raises(NormalizeError, match="never closed"):
        build_article(RawDocument("bad2.md", "---\ntitle: x\nbody without end", "markdown"))
    with pytest.raises(NormalizeError, match="no article text"):
        build_article(RawDocument("empty.html", "<html><body><div class='ad'></div></body></html>", "html"))


def test_front_matter_keeps_dates_as_written():
    fields, body = split_front_matter("---\ndate: 2021-02-05 09:23:27.000000000 +08:00\n---\nBody")
    assert fields == {"date": "2021-02-05 09:23:27.000000000 +08:00"} and body == "Body"
    with pytest.raises(FrontMatterError):
        split_front_matter("---\n- a list\n---\nBody")


FULL_PAGE = """<!doctype html><html lang="vi"><head><meta charset="utf-8">
<title>Hai thành phố ký kết hợp tác - Báo Mẫu</title>
<meta property="og:site_name" content="Báo Mẫu">
<meta property="og:title" content="Hai thành phố ký kết hợp tác">
<link rel="canonical" href="https://baomau.example.vn/hai-thanh-pho.html">
<meta property="article:published_time" content="2023-03-08T10:20:30+07:00">
<script>document.write('<p>injected</p>')</script></head>
<body><header><nav><a href="/">Trang chủ</a></nav></header><article><h1>Hai thành phố ký kết hợp tác</h1>
<p>Ngày 8/3, hai thành phố đã ký thỏa thuận hợp tác trong lĩnh vực giao thông và giáo dục, theo đó hai bên
sẽ trao đổi kinh nghiệm quản lý.</p><p>Theo TTXVN, thỏa thuận có hiệu lực trong năm năm.</p>
<div class="ads-banner"></div><img src="x.jpg" alt="Ảnh minh họa" onerror="alert(1)"></article>
<footer>© 2023 Báo Mẫu. All rights reserved.</footer></body></html>"""


def test_full_html_page_metadata():
    art = build_article(RawDocument("page.html", FULL_PAGE, "html"))
    assert art.title == "Hai thành phố ký kết hợp tác"
    assert (art.published, art.published_evidence) == ("2023-03-08T10:20:30+07:00",
                                                       "HTML meta article:published_time")
    assert (art.outlet, art.url) == ("Báo Mẫu", "https://baomau.example.vn/hai-thanh-pho.html")
    assert art.cited_sources == ["VNA"] and art.language == "vi"
    assert "injected" not in art.text and "alert" not in art.text and "©" not in art.text
    assert "Trang chủ" not in art.text and "Ảnh minh họa" not in art.text


def test_html_fragment_title_time_and_portal_header():
    fragment = ("<article><h2>评论｜两市合作的下一步</h2><p class='byline'>特约评论员 某某 "
                "<time datetime='2024-03-16T10:00:00+08:00'>2024-03-16 10:00</time></p>"
                "<p>两市签署合作协议之后，外界关注的焦点在于具体项目能否尽快落地。</p></article>")
    art = build_article(RawDocument("frag.html", fragment, "html"))
    assert art.title == "评论｜两市合作的下一步" and art.published == "2024-03-16T10:00:00+08:00"
    assert art.text.startswith("特约评论员") or art.text.startswith("两市签署")
    portal = "两市签署合作协议\n2024-03-14 17:02:33　来源：新华社\n新华社甲市3月14日电 两市今天签署合作协议。\n（完）"
    art = build_article(RawDocument("portal.txt", portal, "text"))
    assert (art.published, art.published_precision) == ("2024-03-14T17:02:33", "datetime")
    assert "来源" not in art.text and art.cited_sources == ["Xinhua"]
