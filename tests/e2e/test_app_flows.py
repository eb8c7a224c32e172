"""Every flow of the web app driven in real Chromium as a journalist would: type, click,
submit, wait for the analysis, and check what the page shows at the end. Plus axe-core
(vendored, tests/e2e/vendor/axe.min.js) on the front, event and compare pages, and
screenshots at 1280 and 390 px in test-artifacts/.

The store is the hand-written sample (tests/present/sample_store.py) plus three one-article
events about one place in three scripts, written for these tests.
"""
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

pytestmark = pytest.mark.browser

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
ANALYSIS_TIMEOUT_MS = 240_000


def _place_articles():
    from storytrace.model import Article, Event, content_id

    def art(title, text, **kw):
        return Article(id=content_id(text, title), source_path=f"synthetic/{kw['outlet']}.md", title=title,
                       text=text, **kw)

    hant = art("烏克蘭東部大停電 數十萬戶受影響",
               "烏克蘭東部週二晚間大範圍停電，數十萬戶家庭受到影響。\n\n電力公司表示，搶修工作將持續到週四。",
               language="zh", script="Hant", outlet="島嶼郵報", published="2026-03-04T08:00:00+08:00",
               published_precision="datetime")
    hans = art("总统会见欧洲议员 讨论冬季援助",
               "乌克兰总统泽连斯基周三在基辅会见欧洲议会代表团，双方讨论了冬季援助。\n\n代表团表示将在下月提交报告。",
               language="zh", script="Hans", outlet="港湾日报", published="2026-03-04T10:00:00+08:00",
               published_precision="datetime")
    vi = art("Ukraina nhận thêm viện trợ mùa đông",
             "Ukraina hôm thứ Tư nhận thêm một đợt viện trợ mùa đông từ các nước châu Âu.\n\n"
             "Lô hàng gồm máy phát điện và chăn ấm.",
             language="vi", script="Latn", outlet="Báo Duyên Hải", published="2026-03-04",
             published_precision="date")
    events = [
        Event("U1", hant.title, [hant.id], languages=["zh"], outlets=[hant.outlet], start=hant.published,
              end=hant.published, entities=[{"name": "烏克蘭", "aliases": [], "type": "place", "articles": 1}]),
        # The president's name appears in the text only in Chinese; the merged entity carries
        # its other forms, so "Zelensky" finds this event.
        Event("U2", hans.title, [hans.id], languages=["zh"], outlets=[hans.outlet], start=hans.published,
              end=hans.published, entities=[{"name": "泽连斯基", "aliases": ["澤連斯基", "Zelensky"],
                                              "type": "person", "articles": 1}]),
        Event("U3", vi.title, [vi.id], languages=["vi"], outlets=[vi.outlet], start=vi.published,
              end=vi.published, event_date="2026-03-09"),   # a date after its publication: not "happened"
    ]
    return [hant, hans, vi], events


@pytest.fixture
def app_db(tmp_path):
    from sample_store import build_sample_store, sample_articles, sample_events

    store = build_sample_store(tmp_path / "app.db")
    arts, events = _place_articles()
    store.add_articles(arts)
    store.replace_events(sample_events(sample_articles()) + events)
    store.close()
    return tmp_path / "app.db"


@pytest.fixture
def app_server(app_db, tmp_path, serve_app):
    from storytrace.web.app import create_app

    app = create_app(app_db, tmp_path / "uploads")
    with serve_app(app) as base:
        yield base, app, tmp_path / "uploads"


@pytest.fixture
def context_factory(browser):
    made = []

    def make(**kw):
        kw.setdefault("viewport", {"width": 1280, "height": 900})
        kw.setdefault("locale", "en-US")
        context = browser.new_context(**kw)
        made.append(context)
        return context
    yield make
    for context in made:
        context.close()


@pytest.fixture
def page(context_factory):
    page = context_factory().new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    yield page
    assert not errors, errors


def rows(page):
    return page.locator("#all-events .event-row")


def row_ids(page):
    return [r.get_attribute("data-event") for r in rows(page).all()]


def wait_for_analysis(page):
    """The Add page reloads itself when the analysis ends; wait for its final message."""
    expect(page.locator("#analysis-progress .label")).to_contain_text("Done:", timeout=ANALYSIS_TIMEOUT_MS)


# -- adding articles ------------------------------------------------------------------------

def test_add_by_paste_keeps_the_outlet_and_links_to_article_and_event(page, app_server):
    base, app, uploads = app_server
    page.goto(base + "/add")
    page.get_by_label("Title").fill("Harbour ferry resumes after pier repairs")
    page.get_by_label("Outlet").fill("Harbour Courier")        # not one of the known outlet codes
    page.get_by_label("Published").fill("2026-03-06")
    page.get_by_label("Text").fill("The harbour ferry resumed service on Friday after repairs to the pier "
                                   "were finished.\n\nOfficials said timetables return to normal next week.")
    page.get_by_role("button", name="Add and analyze").click()
    expect(page).to_have_url(re.compile(r"/add\?added=1"))
    assert "cross-site" not in page.content()
    # While the analysis runs nothing else can be started; it is enabled again when it ends.
    expect(page.get_by_role("button", name="Re-run analysis")).to_be_disabled()
    wait_for_analysis(page)
    expect(page.get_by_role("button", name="Re-run analysis")).to_be_enabled()
    added = page.locator("a.added-article")
    expect(added).to_have_text("Harbour ferry resumes after pier repairs")
    expect(page.locator(".added-list .outlet")).to_have_text("Harbour Courier")
    page.locator("a.added-event").click()
    expect(page).to_have_url(re.compile(r"/events/"))
    expect(page.locator("h1")).to_have_count(1)
    expect(page.locator(".member .outlet").first).to_have_text("Harbour Courier")
    html = page.content()
    assert str(uploads) not in html and "uploads/" not in html      # no server path shown
    page.goto(base + "/")
    expect(page.locator("#f-outlet option", has_text="Harbour Courier")).to_have_count(1)
    page.select_option("#f-outlet", "Harbour Courier")
    expect(rows(page)).to_have_count(1)
    expect(rows(page).first.locator(".headline")).to_have_text("Harbour ferry resumes after pier repairs")
    page.screenshot(path=str(_artifact("app-added-filtered-1280")), full_page=True)


def test_add_by_upload(page, app_server, tmp_path):
    base, _, _ = app_server
    upload = tmp_path / "lantern.md"
    upload.write_text("---\ntitle: 元宵灯会今晚开幕\noutlet: 港湾日报\ndate: 2026-03-07T19:00:00+08:00\n---\n\n"
                      "滨海市元宵灯会今晚在海滨公园开幕，展出花灯三百余组。\n\n主办方预计开幕当晚将有五万名市民入园。\n",
                      encoding="utf-8")
    page.goto(base + "/add")
    page.set_input_files("#upload-files", str(upload))
    page.get_by_role("button", name="Upload and analyze").click()
    expect(page).to_have_url(re.compile(r"/add\?added=1"))
    wait_for_analysis(page)
    link = page.locator("a.added-article")
    expect(link).to_have_text("元宵灯会今晚开幕")
    assert link.get_attribute("lang") == "zh-Hans"
    link.click()
    expect(page.locator("details.article[open] .fulltext")).to_contain_text("花灯三百余组")


def test_rerun_analysis_reports_progress_and_lands_on_the_result(page, app_server):
    base, _, _ = app_server
    page.goto(base + "/add")
    page.get_by_role("button", name="Re-run analysis").click()
    expect(page).to_have_url(base + "/add")
    assert "refused" not in page.content()
    wait_for_analysis(page)
    expect(page.locator("#analysis-progress .label")).to_contain_text(re.compile(r"Done: \d+ articles, \d+ events"))
    page.goto(base + "/")
    expect(rows(page).first).to_be_visible()


def test_cross_site_posts_are_refused_in_the_browser(page, app_server):
    """A page from another origin (another port of 127.0.0.1: same site, other origin) posts a
    form to the app: the browser says so (Sec-Fetch-Site) and the app refuses it."""
    base, app, _ = app_server
    evil = f"""<!doctype html><title>elsewhere</title>
<form method="post" action="{base}/analyze"><button>start</button></form>
<form method="post" action="{base}/add/text"><input name="text" value="planted"><button>plant</button></form>"""

    class Page(BaseHTTPRequestHandler):
        def do_GET(self):
            body = evil.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    other = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=other.serve_forever, daemon=True).start()
    try:
        page.goto(f"http://127.0.0.1:{other.server_address[1]}/")
        with page.expect_navigation() as nav:
            page.get_by_role("button", name="start").click()
        assert nav.value.status == 403
        expect(page.locator("body")).to_contain_text("cross-site request refused")
        page.goto(f"http://127.0.0.1:{other.server_address[1]}/")
        with page.expect_navigation() as nav:
            page.get_by_role("button", name="plant").click()
        assert nav.value.status == 403
    finally:
        other.shutdown()
    assert app.state.job.snapshot()["state"] == "idle"      # nothing was started
    assert not any(Path(app.state.uploads).glob("*")) if Path(app.state.uploads).exists() else True


# -- finding stories ------------------------------------------------------------------------

def test_filters_and_date_typing_does_not_reload(page, app_server):
    base, _, _ = app_server
    page.goto(base + "/")
    expect(rows(page)).to_have_count(5)
    page.select_option("#f-lang", "vi")                 # a list applies at once
    expect(page).to_have_url(re.compile(r"lang=vi"))
    assert set(row_ids(page)) == {"E1", "U3"}
    expect(page.locator("#count")).to_have_text("2 of 5 events")
    expect(page.locator("#intro")).to_contain_text("2 of 5 events match")
    page.select_option("#f-lang", "")
    expect(rows(page)).to_have_count(5)
    # Type a date digit by digit: the page must not reload on a partial year (0002-...).
    navigations = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))
    page.locator("#f-from").focus()
    page.keyboard.type("03052026", delay=40)
    page.wait_for_timeout(400)
    assert navigations == [], navigations
    assert page.locator("#f-from").input_value() == "2026-03-05"
    for _ in range(3):                                  # leaving the field (past its calendar button) applies it
        try:
            if page.evaluate("document.activeElement && document.activeElement.id") != "f-from":
                break
        except sync_api.Error:                          # the page is already navigating: applied
            break
        page.keyboard.press("Tab")
    expect(page).to_have_url(re.compile(r"from=2026-03-05"))
    assert row_ids(page) == ["E2"]
    page.check("#f-multi")
    expect(page).to_have_url(re.compile(r"multi=1"))
    assert row_ids(page) == ["E2"]


def test_sort_orders_and_the_default_opens_on_the_days_largest_stories(page, app_server):
    base, _, _ = app_server
    page.goto(base + "/")
    # Default: newest day first (E2 on 03-05), then within 03-04 (U1-U3, one article each),
    # then the four-article E1 of 03-02/03.
    assert row_ids(page)[0] == "E2" and row_ids(page)[-1] == "E1"
    expect(page.locator("#f-sort")).to_have_value("day")
    for how, first in (("size", "E1"), ("outlets", "E1"), ("languages", "E1"), ("newest", "E2")):
        page.select_option("#f-sort", how)
        expect(page).to_have_url(re.compile(f"sort={how}"))
        assert row_ids(page)[0] == first, (how, row_ids(page))
    sizes = [int(r.get_attribute("data-size")) for r in rows(page).all()]
    page.select_option("#f-sort", "size")
    sizes = [int(r.get_attribute("data-size")) for r in rows(page).all()]
    assert sizes == sorted(sizes, reverse=True)
    expect(page.locator("#intro")).to_contain_text("most articles")


@pytest.mark.parametrize("query", ["Ukraine", "烏克蘭", "乌克兰", "Ukraina"])
def test_search_across_scripts_and_languages(page, app_server, query):
    base, _, _ = app_server
    page.goto(base + "/")
    page.get_by_label("Search").fill(query)
    page.get_by_label("Search").press("Enter")
    expect(page).to_have_url(re.compile(r"q="))
    expect(rows(page)).to_have_count(3)
    assert set(row_ids(page)) == {"U1", "U2", "U3"}
    expect(page.locator("#count")).to_have_text("3 of 5 events")
    expect(page.locator("#intro")).to_contain_text("3 of 5 events match (3 articles)")


def test_search_finds_merged_entity_names(page, app_server):
    base, _, _ = app_server
    page.goto(base + "/?q=Zelensky")
    assert row_ids(page) == ["U2"]
    page.goto(base + "/?q=no+such+words+anywhere")
    expect(rows(page)).to_have_count(0)
    expect(page.locator("#no-results")).to_be_visible()


# -- reading an event and comparing ---------------------------------------------------------

def test_event_page_languages_headings_and_wording(page, app_server):
    base, _, _ = app_server
    page.goto(base + "/events/E1")
    expect(page.locator("h1")).to_have_count(1)
    assert page.locator("h1").get_attribute("lang") == "zh-Hans"
    titles = page.locator(".member-title")
    assert [t.get_attribute("lang") for t in titles.all()] == ["zh-Hans", "zh-Hant", "en", "vi"]
    assert [t.get_attribute("lang") for t in page.locator(".fulltext").all()] == ["zh-Hans", "zh-Hant", "en", "vi"]
    # The bridge articles share text through Xinhua, which is not in the collection: the
    # bars say "compared with", never "of the source".
    second = page.locator("ol.members > li").nth(1)
    expect(second.locator(".kept")).to_contain_text("compared with 港湾日报")
    assert "of the source" not in second.inner_text()
    expect(page.locator("ol.members > li").first).to_contain_text("first to report in this collection")
    labels = [s.get_attribute("aria-label") for s in page.locator("svg[role=img]").all()]
    assert len(labels) == len(set(labels)), labels
    page.locator(".chart-text summary").first.click()
    expect(page.locator(".chart-text ul").first).to_contain_text("島嶼郵報: 2026-03-02 03:30 UTC")
    pair = page.locator("a.pair-link").first
    expect(pair).to_contain_text("滨海市新跨海大桥今日通车")       # titles, not just outlets
    page.goto(base + "/events/U3")
    assert "happened" not in page.locator(".meta").first.inner_text()   # 2026-03-09 is after the article


def test_compare_names_the_source_with_titles_and_dates(page, app_server, sample):
    base, _, _ = app_server
    a, c = sample["a"], sample["c"]          # a -> c: a translation of 港湾日报's text
    page.goto(base + "/events/E1")
    page.locator("a.pair-link", has_text="Coastal Times").first.click()
    expect(page.locator("h1")).to_have_count(1)
    expect(page.locator("h1")).to_contain_text("港湾日报")
    expect(page.locator(".source-side")).to_have_text("the source is 港湾日报 (left)")
    # The same pair asked the other way round: the source is still 港湾日报, now on the right.
    page.goto(f"{base}/compare?a={c.id}&b={a.id}")
    expect(page.locator(".source-side")).to_have_text("the source is 港湾日报 (right)")
    expect(page.locator(".col[data-side=b] .side-label")).to_contain_text("the source")
    visible = page.locator("main").inner_text()
    assert "T09:00:00" not in visible and "+08:00" not in visible and a.id not in visible
    expect(page.locator(".col[data-side=b] time")).to_have_text("2026-03-02 01:00 UTC")
    expect(page.locator(".col[data-side=b] h2")).to_have_text(a.title)
    assert page.locator(".col[data-side=b] h2").get_attribute("lang") == "zh-Hans"
    # An article compared with itself, through the event's form.
    page.goto(base + "/events/E1")
    form = page.locator("form.compare-any")
    form.get_by_label("Right").select_option(index=0)
    form.get_by_role("button", name="Compare").click()
    expect(page.locator(".same")).to_contain_text("same article on both sides")


# -- small screens, keyboard, axe, screenshots ----------------------------------------------

def _artifact(name):
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / f"{name}.png"


def test_phone_width_works(context_factory, app_server, sample):
    base, _, _ = app_server
    page = context_factory(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True).new_page()
    for url in ("/", "/events/E1", f"/compare?a={sample['a'].id}&b={sample['b'].id}"):
        page.goto(base + url)
        overflow = page.evaluate("document.documentElement.scrollWidth")
        assert overflow <= 390, (url, overflow)                       # nothing wider than the phone
        assert page.locator("header.top").bounding_box()["height"] < 110, url   # stats are not a tall column
    page.goto(base + "/events/E1")
    for chart in page.locator(".chart-scroll").all():
        box = chart.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    expect(page.locator(".scroll-hint").first).to_be_visible()
    svg = page.locator(".chart-scroll svg").first.bounding_box()
    assert svg["width"] >= 470                                      # readable size, scrolls sideways


def test_skip_link_reaches_the_stories(page, app_server):
    base, _, _ = app_server
    page.goto(base + "/")
    page.keyboard.press("Tab")
    expect(page.locator("a.skip").first).to_be_focused()
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused == "Skip to the stories"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "headline"


@pytest.mark.parametrize("width", [1280, 390])
def test_axe_finds_no_serious_violations_and_screenshots(context_factory, app_server, sample, width):
    """axe-core on the front, event and compare pages; CSP is bypassed only so the test can
    inject axe itself (the app's own pages never run inline script)."""
    if not AXE.exists():
        pytest.skip("tests/e2e/vendor/axe.min.js missing")
    base, _, _ = app_server
    page = context_factory(viewport={"width": width, "height": 900}, bypass_csp=True).new_page()
    pages = {"front": "/", "event": "/events/E1", "compare": f"/compare?a={sample['a'].id}&b={sample['c'].id}",
             "add": "/add"}
    found = {}
    for name, url in pages.items():
        page.goto(base + url)
        page.add_script_tag(path=str(AXE))
        result = page.evaluate("""async () => {
            const r = await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}});
            return r.violations.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.length,
                                           target: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
        }""")
        found[name] = [v for v in result if v["impact"] in ("serious", "critical")]
        if name != "add":
            page.screenshot(path=str(_artifact(f"app-{name}-{width}")), full_page=True)
    assert all(not v for v in found.values()), found


def test_static_report_sorts_and_searches_entity_and_place_names(page, app_db, tmp_path):
    """The report file does the same client-side: sort select and cross-language search."""
    from storytrace.present.report import write_report
    from storytrace.store import Store

    with Store(app_db) as store:
        url = write_report(store, tmp_path / "report.html").as_uri()
    page.goto(url)
    visible = page.locator("#all-events .event-row:visible")
    assert visible.first.get_attribute("data-event") == "E2"
    page.select_option("#f-sort", "size")
    expect(visible.first).to_have_attribute("data-event", "E1")
    for query in ("Ukraine", "Zelensky"):
        page.fill("#q", query)
        expected = {"U1", "U2", "U3"} if query == "Ukraine" else {"U2"}
        expect(visible).to_have_count(len(expected))
        assert {r.get_attribute("data-event") for r in visible.all()} == expected
    expect(page.locator("#count")).to_have_text("1 of 5 events")
