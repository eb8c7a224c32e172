"""Fetching against a real HTTP server on 127.0.0.1."""
import http.server
import threading
from functools import partial

import pytest

from storytrace.model import InputError, RawDocument
from storytrace.read import fetch, iter_documents

PAGE = ("<html><head><meta charset='gbk'><title>测试页面</title></head><body><article>"
        "<p>这是本地服务器上的一篇测试文章。</p></article></body></html>")


class _Handler(http.server.SimpleHTTPRequestHandler):
    seen_agents: list[str] = []

    def do_GET(self):  # noqa: N802 - http.server API
        _Handler.seen_agents.append(self.headers.get("User-Agent", ""))
        if self.path == "/story.html":
            body = PAGE.encode("gbk")
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
        elif self.path == "/image.png":
            body = b"\x89PNG\x00\x00"
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
        else:
            body = b"not here"
            self.send_response(404)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture()
def server(monkeypatch):
    monkeypatch.setattr(fetch, "HOST_DELAY_S", 0.05)
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(_Handler))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_fetch_urls_directly_and_from_a_list(server, tmp_path):
    urls = tmp_path / "urls.txt"
    urls.write_text(f"# comment\n{server}/story.html\n\n{server}/missing.html\n{server}/image.png\n",
                    encoding="utf-8")
    items = list(iter_documents([f"{server}/story.html", str(urls)]))
    docs = [i for i in items if isinstance(i, RawDocument)]
    errors = [i for i in items if isinstance(i, InputError)]
    assert len(docs) == 2 and all("这是本地服务器上的一篇测试文章" in d.content for d in docs)
    assert docs[0].metadata["url"] == f"{server}/story.html" and docs[0].format == "html"
    assert [(e.path, e.reason) for e in errors] == [
        (f"{server}/missing.html", "HTTP 404 Not Found"),
        (f"{server}/image.png", "not a text page (Content-Type image/png)")]
    assert all(agent.startswith("storytrace/") for agent in _Handler.seen_agents)


def test_unreachable_host_is_one_clear_error():
    result = fetch.fetch_url("http://127.0.0.1:9/nothing", timeout=2, delay=0)
    assert isinstance(result, InputError) and result.reason.startswith("cannot fetch")
