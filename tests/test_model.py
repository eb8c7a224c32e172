from storytrace.model import Article, Event, Passage, ReuseLink, content_id


def test_content_id_is_stable_and_content_sensitive():
    assert content_id("正文", "标题") == content_id("正文", "标题")
    assert content_id("正文", "标题") != content_id("正文。", "标题")


def test_records_roundtrip_through_dicts():
    art = Article(id="x", source_path="p", title="t", text="b", cited_sources=["Xinhua"])
    assert Article.from_dict(art.to_dict() | {"unknown_field": 1}) == art
    link = ReuseLink("a", "b", "reprint", 0.7, 0.9, passages=[Passage(0, 1, 2, 3, 1.0)])
    assert ReuseLink.from_dict(link.to_dict()) == link
    ev = Event(id="E", title="t", articles=["a"])
    assert Event.from_dict(ev.to_dict()) == ev
