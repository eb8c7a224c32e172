"""The running app (uvicorn on 127.0.0.1) in real Chromium, and raw traversal requests."""
import http.client
from urllib.parse import urlsplit

import pytest

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = pytest.mark.browser


def test_app_pages_click_through_to_side_by_side(watched, live_app, sample):
    base, _ = live_app
    page = watched.page
    response = page.goto(base + "/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    rows = page.locator("#all-events .event-row")
    expect(rows).to_have_count(2)
    page.click(".event-row[data-event=E1] a.headline")
    expect(page).to_have_url(base + "/events/E1")
    expect(page.locator("svg.reuse-graph")).to_be_visible()
    watched.shot("app-event")
    page.locator("ol.members > li").nth(1).locator("a.compare-link").click()
    assert "/compare?" in page.url
    assert page.locator(".col[data-side=a] mark.p-verbatim").count() >= 1
    assert page.locator(".col[data-side=b] mark.p-edited ins").count() >= 1
    watched.shot("app-side-by-side")
    page.goto(base + "/?q=來到橋頭")
    expect(rows).to_have_count(1)
    assert not watched.errors and not watched.csp_violations(), watched.console


def test_app_renders_hostile_article_inert(watched, live_app, sample):
    base, _ = live_app
    page = watched.page
    page.goto(base + "/events/E2")
    page.locator("details.article").first.locator("summary").click()
    page.locator(".member .outlet", has_text="Evil").first.hover()
    page.locator("a.compare-link").first.click()
    page.goto(base + "/api/articles/" + sample["evil"].id)  # JSON, never HTML
    page.goto(base + "/?q=storm")
    assert page.evaluate("window.__pwned") is None
    assert watched.dialogs == [] and page.locator("img").count() == 0
    assert not watched.csp_violations(), watched.console
    watched.shot("app-hostile")


@pytest.mark.parametrize("raw_path", [
    "/static/../../../../etc/passwd",
    "/static/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/static/..%2f..%2f..%2fpyproject.toml",
    "/static//etc/passwd",
    "/static/%2Fetc%2Fpasswd",
    "/../../../../etc/passwd",
    "/%2e%2e/%2e%2e/sample.db",
    "/static/report.js/../../sample.db",
    "/uploads/../sample.db",
])
def test_traversal_urls_are_refused(live_app, raw_path):
    base, _ = live_app
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    conn.putrequest("GET", raw_path, skip_accept_encoding=True)  # sent as is, no normalisation
    conn.endheaders()
    response = conn.getresponse()
    body = response.read()
    conn.close()
    assert response.status in (400, 404), (raw_path, response.status)
    assert b"root:" not in body and b"SQLite format" not in body and b"[project]" not in body


def test_traversal_url_in_the_browser(watched, live_app):
    base, _ = live_app
    response = watched.page.goto(base + "/static/%2e%2e/%2e%2e/etc/passwd")
    assert response.status == 404
    assert "root:" not in watched.page.content()
