"""Sources never seen in development are cleaned and named too (issue 17).

Fixtures are pages written here in the shapes such sites use (a related-links block with
its heading and counters, an embedded-content notice, a photo with its credit line, a page
nested 100,000 levels deep); the shared corpus, when present, is checked as a whole.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from storytrace.model import InputError, RawDocument
from storytrace.normalize import NormalizeError, build_article
from storytrace.normalize.htmltext import extract_html
from storytrace.normalize.sources import outlet_from_domain

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "zh-vi-2025-11" / "posts"
RELATED = re.compile(r"list \d+ of \d+|list of \d+ items|end of list|阅读更多|閱讀更多|Read more")

BODY = ["港口管理局周三宣布，新的集装箱码头将于明年三月启用，预计每年可处理两百万标准箱。",
        "管理局发言人表示，码头建设耗时四年，总投资约为八十亿元，其中一半来自私人投资者。",
        "当地商会对此表示欢迎，认为新码头将为周边地区带来约三千个就业岗位。"]


def _related(titles: list[str], host: str = "https://news.example-wire.net") -> str:
    items = "".join(f'<li><span>list {i} of {len(titles)}</span><a href="{host}/a/{i}">{t}</a></li>'
                    for i, t in enumerate(titles, 1))
    return (f'<section><h2>阅读更多<!-- --> </h2><span>list of {len(titles)} items</span><ul>{items}</ul>'
            f'<span>end of list</span></section>')


def _post(name: str, title: str, body: list[str], extra: str, link: str) -> RawDocument:
    paragraphs = "".join(f"<p>{p}</p>" for p in body[:2]) + extra + "".join(f"<p>{p}</p>" for p in body[2:])
    content = (f"---\nlayout: post\ntitle: {title}\ndate: 2025-11-08 03:36:02 +00:00\nlink: {link}\n"
               f"categories: zz\n---\n\n<div aria-live=\"polite\">{paragraphs}</div>\n")
    return RawDocument(source_path=name, content=content, format="html")


RELATED_TITLES = ["台风逼近东南沿海 多地停课停工", "央行宣布下调存款准备金率半个百分点",
                  "国际油价连续第三周下跌", "新版城市总体规划征求公众意见"]


def test_a_related_links_block_is_dropped_with_its_heading_and_counters():
    art = build_article(_post("a.html", "新集装箱码头明年启用", BODY, _related(RELATED_TITLES),
                              "https://chinese.example-wire.net/news/2025/11/8/port"))
    assert not RELATED.search(art.text), art.text
    for title in RELATED_TITLES:
        assert title not in art.text
    for paragraph in BODY:          # the article's own paragraphs, each whole and apart
        assert paragraph in art.text.split("\n\n")


def test_an_outlet_no_table_knows_is_named_by_its_registered_domain():
    art = build_article(_post("a.html", "新集装箱码头明年启用", BODY, "",
                              "https://chinese.example-wire.net/news/2025/11/8/port"))
    assert art.outlet == "example-wire.net"
    assert outlet_from_domain("https://www.example.co.uk/x") == "example.co.uk"
    assert outlet_from_domain("http://127.0.0.1:8765/x") is None
    assert outlet_from_domain("/local/file.html") is None


def test_two_articles_sharing_a_related_list_make_no_reuse_link():
    from storytrace.reuse import ReuseSettings, detect_reuse

    other = ["市政府公布新一轮老旧小区改造名单，涉及两百多个小区，预计惠及八万户居民。",
             "改造内容包括加装电梯、更新管网和增设停车位，资金由市区两级财政共同承担。",
             "市民可在下月底前通过政府网站查询所在小区是否列入名单并提出意见。"]
    a = build_article(_post("a.html", "新集装箱码头明年启用", BODY, _related(RELATED_TITLES),
                            "https://chinese.example-wire.net/a"))
    b = build_article(_post("b.html", "老旧小区改造名单公布", other, _related(RELATED_TITLES),
                            "https://chinese.example-wire.net/b"))
    assert detect_reuse([a, b], settings=ReuseSettings(workers=1)) == []


def test_an_embedded_content_notice_and_a_photo_credit_are_not_text():
    notice = ("<div class=\"social-embed\"><p>此文包含Instagram提供的内容。由于这些内容可能使用cookies或其他技术，"
              "我们在加载任何内容前征求您的同意。</p><a href=\"#\">接受并继续</a></div>")
    photo = ("<figure><img src=\"p.jpg\"><figcaption>港口新码头的起重机。记者王小明宁波摄 114年11月6日"
             "</figcaption></figure>")
    html = (f"<html><head><title>新集装箱码头明年启用</title></head><body><article><h1>新集装箱码头明年启用</h1>"
            f"<p>{BODY[0]}</p>{photo}<p>{BODY[1]}</p>{notice}<p>{BODY[2]}</p></article></body></html>")
    text, _ = extract_html(html)
    assert "Instagram" not in text and "接受并继续" not in text
    assert "摄" not in text and "起重机" not in text
    for paragraph in BODY:
        assert paragraph in text


def test_links_inside_prose_and_a_page_that_is_a_list_are_kept():
    linked = [p.replace("管理局", '<a href="/port">管理局</a>', 1) for p in BODY]
    list_page = ("<html><head><title>今日要闻</title></head><body><ul>"
                 + "".join(f'<li><a href="/n/{i}">{p}</a></li>' for i, p in enumerate(BODY)) + "</ul></body></html>")
    text, _ = extract_html("<html><body><article>" + "".join(f"<p>{p}</p>" for p in linked)
                           + "</article></body></html>")
    assert all(p in text for p in BODY)
    text, _ = extract_html(list_page)              # the list *is* the page: never dropped whole
    assert all(p in text for p in BODY)


@pytest.mark.parametrize("depth", [300, 100_000])
def test_html_nested_deeper_than_lxml_reads_keeps_its_text(depth):
    deep = "<div>" * depth + f"<p>{BODY[0]}</p>" + "</div>" * depth
    html = f"<html><head><title>深层页面</title></head><body><p>{BODY[1]}</p>{deep}<p>{BODY[2]}</p></body></html>"
    text, meta = extract_html(html)
    assert all(p in text for p in BODY), text[:300]
    assert "nesting_fallback" in meta and "255" in meta["nesting_fallback"]
    art = build_article(RawDocument(source_path="deep.html", content=html, format="html"))
    assert BODY[0] in art.text and art.title == "深层页面"
    assert "255" in art.metadata["nesting_fallback"]


def test_deep_html_with_no_text_at_all_is_reported_not_silently_empty():
    html = "<html><body>" + "<div>" * 100_000 + "</div>" * 100_000 + "</body></html>"
    with pytest.raises(NormalizeError, match="no article text"):
        build_article(RawDocument(source_path="empty-deep.html", content=html, format="html"))


@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not present")
def test_the_shared_corpus_keeps_no_related_list_and_names_every_al_jazeera_post():
    from storytrace.read import iter_documents

    kept, unnamed, aj = [], [], 0
    for doc in iter_documents([str(CORPUS)]):
        if isinstance(doc, InputError):
            continue
        try:
            art = build_article(doc)
        except NormalizeError:
            continue
        if m := RELATED.search(art.text):
            kept.append((Path(doc.source_path).name, art.text[max(0, m.start() - 30):m.end() + 30]))
        head = doc.content[:600] if isinstance(doc.content, str) else ""
        if "categories: aj" in head and "aljazeera.net" in head:
            aj += 1
            if not art.outlet:
                unnamed.append(Path(doc.source_path).name)
    assert aj >= 10, "found no Al Jazeera posts: the corpus layout changed"
    assert not kept, kept[:5]
    assert not unnamed, unnamed[:5]
