"""A small hand-written store for presentation tests: two events, four languages, hostile HTML.

All texts are written for these tests (no third-party news). Offsets are computed with
str.find so the passages always point at the intended characters.
"""
from __future__ import annotations

from pathlib import Path

from storytrace.model import Article, Event, Passage, ReuseLink, content_id
from storytrace.store import Store

PAYLOAD_TITLE = 'Storm <script>window.__pwned=1;alert(1)</script> warning'
PAYLOAD_TEXT = (
    'Forecasters warn of a storm. <img src=x onerror="window.__pwned=1;alert(1)">\n\n'
    'Read more: <a href="javascript:window.__pwned=1">click here</a> '
    '</script><script>window.__pwned=1</script>\u2028 and "quotes" & ampersands.\n\n'
    'Residents should stay indoors on Thursday night.'
)


def _art(title: str, text: str, **kw) -> Article:
    return Article(id=content_id(text, title), source_path=f"synthetic/{kw.get('outlet', 'x')}.txt",
                   title=title, text=text, **kw)


def _span(text: str, part: str) -> tuple[int, int]:
    start = text.find(part)
    assert start >= 0, part
    return start, start + len(part)


def sample_articles() -> dict[str, Article]:
    a = _art("滨海市新跨海大桥今日通车",
             "据新华社报道，滨海市跨海大桥于3月2日上午正式通车，全长十二公里。\n\n"
             "市长王明在通车仪式上表示，大桥将把两岸通行时间从一小时缩短到十五分钟。\n\n"
             "不少市民一早就来到桥头，希望成为第一批驾车过桥的人。",
             language="zh", script="Hans", outlet="港湾日报", published="2026-03-02T09:00:00+08:00",
             published_precision="datetime", cited_sources=["Xinhua"])
    b = _art("濱海跨海大橋通車 通行時間大減",
             "濱海市跨海大橋於3月2日上午正式通車，全長十二公里。\n\n"
             "市長王明在通車儀式上表示，大橋將把兩岸通行時間從一小時縮短到二十分鐘。\n\n"
             "當局表示，大橋設計可抵禦十六級颱風。",
             language="zh", script="Hant", outlet="島嶼郵報", published="2026-03-02T11:30:00+08:00",
             published_precision="datetime")
    c = _art("Binhai's sea bridge opens to traffic",
             "The new cross-sea bridge in Binhai opened on March 2, Xinhua reported.\n\n"
             "Mayor Wang Ming said the bridge would cut travel time across the bay from an hour "
             "to fifteen minutes.",
             language="en", script="Latn", outlet="Coastal Times", published="2026-03-02T14:00:00+00:00",
             published_precision="datetime", cited_sources=["Xinhua"])
    d = _art("Cầu vượt biển Tân Hải thông xe",
             "Cầu vượt biển mới ở Tân Hải đã thông xe sáng 2/3, dài 12 km.\n\n"
             "Thị trưởng Vương Minh cho biết thời gian đi lại giảm từ một giờ xuống mười lăm phút.",
             language="vi", script="Latn", outlet="Báo Duyên Hải", published="2026-03-03",
             published_precision="date")
    evil = _art(PAYLOAD_TITLE, PAYLOAD_TEXT, language="en", script="Latn",
                outlet='<b onmouseover="window.__pwned=1">Evil</b> Outlet',
                url="javascript:window.__pwned=1", published="2026-03-05T08:00:00+00:00",
                published_precision="datetime", cited_sources=['<img src=x onerror="window.__pwned=1">'])
    echo = _art("Storm warning issued",
                "Residents should stay indoors on Thursday night. Schools will close early.",
                language="en", script="Latn", outlet="Metro Daily", published="2026-03-05T10:00:00+00:00",
                published_precision="datetime")
    return {"a": a, "b": b, "c": c, "d": d, "evil": evil, "echo": echo}


def sample_links(arts: dict[str, Article]) -> list[ReuseLink]:
    a, b, c, d, evil, echo = (arts[k] for k in ("a", "b", "c", "d", "evil", "echo"))
    p1a = _span(a.text, "滨海市跨海大桥于3月2日上午正式通车，全长十二公里。")
    p1b = _span(b.text, "濱海市跨海大橋於3月2日上午正式通車，全長十二公里。")
    p2a = _span(a.text, "市长王明在通车仪式上表示，大桥将把两岸通行时间从一小时缩短到十五分钟。")
    p2b = _span(b.text, "市長王明在通車儀式上表示，大橋將把兩岸通行時間從一小時縮短到二十分鐘。")
    t1a = _span(a.text, "市长王明在通车仪式上表示，大桥将把两岸通行时间从一小时缩短到十五分钟。")
    t1c = _span(c.text, "Mayor Wang Ming said the bridge would cut travel time across the bay from an hour "
                        "to fifteen minutes.")
    t2d = _span(d.text, "Thị trưởng Vương Minh cho biết thời gian đi lại giảm từ một giờ xuống mười lăm phút.")
    e1 = _span(evil.text, "Residents should stay indoors on Thursday night.")
    e2 = _span(echo.text, "Residents should stay indoors on Thursday night.")
    return [
        ReuseLink(a.id, b.id, "reprint", 0.7, 0.75, direction="common-source",
                  direction_evidence="a cites Xinhua; published 2.5 h apart", common_source="Xinhua",
                  passages=[Passage(*p1a, *p1b, 1.0), Passage(*p2a, *p2b, 0.94)]),
        ReuseLink(a.id, c.id, "translation", 0.4, 0.6, direction="a->b",
                  passages=[Passage(*t1a, *t1c, 0.88)]),
        ReuseLink(a.id, d.id, "translation", 0.4, 0.55, direction="a->b",
                  passages=[Passage(*t1a, *t2d, 0.85)]),
        ReuseLink(evil.id, echo.id, "partial", 0.25, 0.6, direction="a->b",
                  direction_evidence='<script>window.__pwned=1</script>',
                  passages=[Passage(*e1, *e2, 1.0)]),
    ]


def sample_events(arts: dict[str, Article]) -> list[Event]:
    bridge = [arts[k].id for k in ("a", "b", "c", "d")]
    storm = [arts["evil"].id, arts["echo"].id]
    return [
        Event("E1", "滨海市跨海大桥通车", bridge, languages=["zh", "en", "vi"],
              outlets=[arts[k].outlet for k in ("a", "b", "c", "d")],
              start="2026-03-02T09:00:00+08:00", end="2026-03-03", event_date="2026-03-02"),
        Event("E2", PAYLOAD_TITLE, storm, languages=["en"],
              outlets=[arts["evil"].outlet, "Metro Daily"], start="2026-03-05T08:00:00+00:00",
              end="2026-03-05T10:00:00+00:00", event_date="2026-03-05"),
    ]


def build_sample_store(path: Path) -> Store:
    """Fill (or create) a store at `path` with the sample records; returns it open."""
    from storytrace.model import InputError

    store = Store(path)
    arts = sample_articles()
    store.add_articles(arts.values())
    store.replace_reuse(sample_links(arts))
    store.replace_events(sample_events(arts))
    store.add_errors([InputError("inbox/broken<script>.html", "not valid UTF-8 <b>bold</b>")])
    return store
