"""The static report in real Chromium: events, filters, side by side, hostile articles, JS off."""
import pytest

expect = pytest.importorskip("playwright.sync_api").expect

from storytrace.present.report import StaticUrls, write_report
from storytrace.store import Store

pytestmark = pytest.mark.browser


@pytest.fixture
def report_url(sample_db, tmp_path):
    with Store(sample_db) as store:
        path = write_report(store, tmp_path / "report.html")
    return path.as_uri()


def _visible_rows(page):
    return page.locator("#all-events .event-row:visible")


def test_front_page_lists_events_newest_first_and_filters(watched, report_url, sample):
    page = watched.page
    page.goto(report_url)
    rows = _visible_rows(page)
    assert rows.count() == 2
    assert rows.nth(0).get_attribute("data-event") == "E2"
    assert "<script>" in rows.nth(0).locator(".headline").inner_text()  # shown as text, not run
    assert rows.nth(1).locator("svg.timeline circle").count() == 4
    page.fill("#q", "來到橋頭")  # Traditional query; only E1's Simplified article has these words
    expect(_visible_rows(page)).to_have_count(1)
    assert _visible_rows(page).nth(0).get_attribute("data-event") == "E1"
    page.fill("#q", "")
    page.select_option("#f-lang", "vi")
    expect(_visible_rows(page)).to_have_count(1)
    assert _visible_rows(page).nth(0).get_attribute("data-event") == "E1"
    page.select_option("#f-lang", "")
    page.select_option("#f-outlet", "Metro Daily")
    expect(_visible_rows(page)).to_have_count(1)
    assert _visible_rows(page).nth(0).get_attribute("data-event") == "E2"
    page.select_option("#f-outlet", "")
    page.fill("#f-from", "2026-03-04")
    expect(_visible_rows(page)).to_have_count(1)
    assert "1 of 2 events" in page.inner_text("#count")
    watched.shot("report-front-filtered")
    assert not watched.errors and not watched.csp_violations()


def test_click_through_to_side_by_side_with_highlights(watched, report_url, sample):
    page = watched.page
    page.goto(report_url)
    page.click("#all-events .event-row[data-event=E1] a.headline")
    event = page.locator("#event-E1")
    expect(event).to_be_visible()
    expect(page.locator("#front")).to_be_hidden()
    expect(event.locator("svg.reuse-graph")).to_be_visible()
    assert "not in collection" in event.locator("svg.reuse-graph").text_content()
    assert event.locator("ol.members > li").count() == 4
    assert "first to report" in event.locator("ol.members > li").nth(0).inner_text()
    watched.shot("report-event")
    event.locator("ol.members > li").nth(1).locator("a.compare-link").click()
    pair = page.locator("#" + StaticUrls.pair_id(sample["a"].id, sample["b"].id))
    expect(pair).to_be_visible()
    assert pair.locator(".col[data-side=a] mark.p-verbatim").count() >= 1
    assert pair.locator(".col[data-side=b] mark.p-verbatim").count() >= 1
    assert pair.locator(".col[data-side=a] mark.p-edited del").inner_text() == "五"
    assert "二" in pair.locator(".col[data-side=b] mark.p-edited ins").inner_text()
    # clicking a passage brings its counterpart level with it
    left = pair.locator(".col[data-side=a] mark[data-p='1']").first
    right = pair.locator(".col[data-side=b] mark[data-p='1']").first
    left.click()
    assert abs(left.bounding_box()["y"] - right.bounding_box()["y"]) < 3
    watched.shot("report-side-by-side")
    assert not watched.errors and not watched.csp_violations()


def test_compare_any_two_members(watched, report_url, sample):
    page = watched.page
    page.goto(report_url + "#event-E1")
    form = page.locator("#event-E1 form.compare-any")
    form.locator("select[name=a]").select_option(sample["c"].id)
    form.locator("select[name=b]").select_option(sample["d"].id)  # no direct link: plain texts
    form.locator("button").click()
    adhoc = page.locator("#" + StaticUrls.pair_id(sample["c"].id, sample["d"].id))
    expect(adhoc).to_be_visible()
    assert sample["d"].text[:20] in adhoc.inner_text() and adhoc.locator(".col mark").count() == 0
    page.goto(report_url + "#event-E1")
    form.locator("select[name=a]").select_option(sample["b"].id)
    form.locator("select[name=b]").select_option(sample["a"].id)  # linked: the pre-rendered pair
    form.locator("button").click()
    expect(page.locator("#" + StaticUrls.pair_id(sample["a"].id, sample["b"].id))).to_be_visible()


def test_hostile_article_stays_inert(watched, report_url, sample):
    page = watched.page
    page.goto(report_url + "#event-E2")
    page.locator("#event-E2 details.article").first.locator("summary").click()
    page.locator("#event-E2 a.compare-link").first.click()
    page.wait_for_timeout(200)
    for target in ("#event-E2", "#front"):
        page.goto(report_url + target)
        page.locator(".outlet:visible", has_text="Evil").first.hover()
    assert page.evaluate("window.__pwned") is None
    assert watched.dialogs == []
    assert page.locator("img").count() == 0
    assert page.evaluate("[...document.querySelectorAll('a[href]')].filter(a => /^\\s*javascript:/i.test(a.getAttribute('href'))).length") == 0
    assert page.evaluate("document.scripts.length") == 3  # fold table, pair data, our script
    assert not watched.csp_violations(), watched.console
    watched.shot("report-hostile")


def test_report_reads_with_javascript_off(watched_no_js, report_url):
    page = watched_no_js.page
    page.goto(report_url)
    assert page.locator("#all-events .event-row").count() == 2
    page.click("#all-events .event-row[data-event=E1] a.headline")
    expect(page.locator("#event-E1")).to_be_visible()
    expect(page.locator("#front")).to_be_hidden()
    page.locator("#event-E1 a.pair-link").first.click()
    visible_pairs = page.locator("section.pair-page:visible")
    assert visible_pairs.count() == 1 and visible_pairs.locator("mark").count() >= 1
    watched_no_js.shot("report-no-js-side-by-side")


def test_scrolling_keeps_aligned_passages_level(watched, tmp_path):
    """Two long articles whose shared passages sit at different depths: scrolling one column
    must bring the other column's counterpart to the same height."""
    from storytrace.model import Article, Event, Passage, ReuseLink, content_id

    filler_a = "".join(f"Local paragraph {i} about the harbour.\n\n" for i in range(60))
    filler_b = "".join(f"Wire note {i}.\n\n" for i in range(8))
    shared = ["The council approved the new ferry timetable on Monday.",
              "Tickets will cost two dollars for adults and one for children."]
    text_a = filler_a + shared[0] + "\n\n" + filler_a + shared[1]
    text_b = filler_b + shared[0] + "\n\n" + filler_b + shared[1] + "\n\n" + filler_a
    a = Article(content_id(text_a, "A"), "a.txt", "A", text_a, language="en", outlet="Harbour Post",
                published="2026-03-02T08:00:00+00:00")
    b = Article(content_id(text_b, "B"), "b.txt", "B", text_b, language="en", outlet="Wire",
                published="2026-03-02T09:00:00+00:00")
    passages = [Passage(text_a.index(s), text_a.index(s) + len(s), text_b.index(s), text_b.index(s) + len(s), 1.0)
                for s in shared]
    with Store(tmp_path / "long.db") as store:
        store.add_articles([a, b])
        store.replace_reuse([ReuseLink(a.id, b.id, "partial", 0.1, 0.2, direction="a->b", passages=passages)])
        store.replace_events([Event("L1", "Ferry timetable", [a.id, b.id])])
        path = write_report(store, tmp_path / "long.html")
    page = watched.page
    page.goto(path.as_uri() + "#" + StaticUrls.pair_id(a.id, b.id))
    left = page.locator(".col[data-side=a]").first
    right = page.locator(".col[data-side=b]").first
    for number in ("0", "1"):
        mark_a = left.locator(f"mark[data-p='{number}']").first
        mark_b = right.locator(f"mark[data-p='{number}']").first
        # scroll the left column until the passage reaches the reading line, which moves from
        # the column's top (scrolled to the start) to its bottom (scrolled to the end)
        left.evaluate("(col, m) => { const range = col.scrollHeight - col.clientHeight; "
                      "col.scrollTop = m.offsetTop / (1 + col.clientHeight / range); }",
                      mark_a.element_handle())
        page.wait_for_timeout(150)
        assert abs(mark_a.bounding_box()["y"] - mark_b.bounding_box()["y"]) < 12, number
    watched.shot("report-level-scroll")


def test_side_by_side_drawn_by_script_when_not_prerendered(watched, sample_db, tmp_path, sample, monkeypatch):
    """Big reports pre-render only some pairs; the rest come from compact segments in JS."""
    from storytrace.present import report as report_module

    monkeypatch.setattr(report_module, "PRERENDER_CHARS", 0)
    with Store(sample_db) as store:
        path = write_report(store, tmp_path / "big.html")
    html = path.read_text(encoding="utf-8")
    pair_id = StaticUrls.pair_id(sample["a"].id, sample["b"].id)
    assert f'<section id="{pair_id}"' not in html and "needs-js" in html
    page = watched.page
    page.goto(path.as_uri() + "#event-E1")
    page.locator("#event-E1 ol.members > li").nth(1).locator("a.compare-link").click()
    pair = page.locator("#" + pair_id)
    expect(pair).to_be_visible()
    assert pair.locator(".col[data-side=a] mark.p-verbatim").count() >= 1
    assert pair.locator(".col[data-side=a] mark.p-edited del").inner_text() == "五"
    shown = pair.locator(".col[data-side=b] .text").evaluate(
        "t => [...t.childNodes].filter(n => !n.classList || !n.classList.contains('pnum'))"
        ".map(n => n.textContent).join('')")
    assert shown == sample["b"].text  # every character once, in order, passage numbers aside
    left = pair.locator(".col[data-side=a] mark[data-p='1']").first
    left.click()
    right = pair.locator(".col[data-side=b] mark[data-p='1']").first
    assert abs(left.bounding_box()["y"] - right.bounding_box()["y"]) < 3
    page.goto(path.as_uri() + "#event-E2")
    page.locator("#event-E2 a.compare-link").first.click()
    assert page.evaluate("window.__pwned") is None and not watched.csp_violations()
    watched.shot("report-side-by-side-scripted")
