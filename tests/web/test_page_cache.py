"""Rendered answers are repeated only while the store is unchanged (web/cache.py)."""
from __future__ import annotations

import pytest


def _cache(app):
    stack = app.middleware_stack or app.build_middleware_stack()
    app.middleware_stack = stack
    from storytrace.web.cache import PageCache

    node = stack
    while node is not None and not isinstance(node, PageCache):
        node = getattr(node, "app", None)
    assert node is not None, "PageCache is not installed"
    return node


def test_a_page_is_rendered_once_and_again_after_the_store_changes(client, sample_db):
    from storytrace.model import Article
    from storytrace.store import Store

    cache = _cache(client.app)
    first = client.get("/api/articles").json()
    hits = cache.hits
    assert client.get("/api/articles").json() == first
    assert cache.hits == hits + 1
    # Another connection commits (as the analysis process does): the next answer is fresh.
    with Store(sample_db) as other:
        art = Article.from_dict({**other.articles()[0].to_dict(), "id": "cafe0000cafe0000",
                                 "title": "Freshly committed article", "source_path": "fresh.md"})
        other.add_articles([art])
    titles = [a["title"] for a in client.get("/api/articles").json()]
    assert "Freshly committed article" in titles and len(titles) == len(first) + 1


def test_progress_and_other_hosts_are_never_served_from_the_cache(client):
    cache = _cache(client.app)
    client.get("/api/analysis")
    hits = cache.hits
    client.get("/api/analysis")
    assert cache.hits == hits
    assert client.get("/").status_code == 200 and client.get("/").status_code == 200
    foreign = client.get("/", headers={"host": "attacker.example"})
    assert foreign.status_code == 400
    # Security headers come with a repeated answer too.
    assert "default-src 'none'" in client.get("/").headers["content-security-policy"]


@pytest.mark.parametrize("path", ["/add"])
def test_the_add_page_shows_the_live_job(client, path):
    cache = _cache(client.app)
    client.get(path)
    hits = cache.hits
    client.get(path)
    assert cache.hits == hits
