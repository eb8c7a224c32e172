"""HTML to clean body text and page metadata.

trafilatura does the extraction (main text, title, site name, canonical URL, date via
htmldate). Before it runs, an lxml pass removes what trafilatura would otherwise keep or
duplicate: empty ad containers, paywall placeholders, and image `title`/`alt` attributes
that repeat the visible caption. HTML is untrusted: scripts, styles and forms are dropped,
nothing is fetched, and only text comes out.
"""
from __future__ import annotations

import re
from typing import Any

import lxml.html
import trafilatura
from lxml import etree

_AD_HINT = re.compile(r"(?:^|[-_\s])(?:ad|ads|adv|advert\w*|dfp|gpt|banner|sponsor\w*|promo\w*|paywall|"
                      r"piano|cx_paywall|outbrain|taboola|innity|subscribe|newsletter|share|social)(?:$|[-_\s\d])",
                      re.IGNORECASE)
_DROP_TAGS = ("script", "style", "noscript", "iframe", "form", "button", "svg", "template", "object", "embed")
_BLOCK_TAGS = {"p", "div", "section", "article", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote",
               "figcaption", "pre", "tr", "br", "main", "header", "footer", "td", "dd", "dt"}


# lxml refuses text with XML-illegal control characters, and trafilatura sets such text while
# pruning (ValueError deep inside extract_metadata): drop them before parsing (bench/fuzz.py).
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def preclean(html: str) -> Any | None:
    """Parsed tree with ads, placeholders and duplicated captions removed (None if unparsable)."""
    html = _XML_ILLEGAL.sub("", html)
    try:
        tree = lxml.html.fromstring(html)
    except (etree.ParserError, ValueError):
        return None
    for element in list(tree.iter(*_DROP_TAGS)):
        element.drop_tree()
    for element in list(tree.iter()):
        if not isinstance(element.tag, str) or element.getparent() is None:
            continue
        hints = " ".join(filter(None, (element.get("id"), element.get("class"), element.get("aria-label"))))
        if hints and _AD_HINT.search(hints) and not element.text_content().strip():
            element.drop_tree()
        elif element.tag == "img":
            for attr in ("title", "alt"):
                element.attrib.pop(attr, None)
        elif element.get("aria-label", "").startswith(("广告", "廣告", "Advertisement", "Quảng cáo")):
            element.drop_tree()
    return tree


_DATE_META = ("article:published_time", "og:published_time", "datepublished", "pubdate", "publishdate",
              "publish-date", "dc.date.issued", "dcterms.created", "sailthru.date", "parsely-pub-date")
_JSONLD_DATE = re.compile(r'"datePublished"\s*:\s*"([^"]{8,40})"')


def published_meta(tree: Any, raw_html: str) -> tuple[str, str] | None:
    """A full publication timestamp from meta tags or JSON-LD, before htmldate's date-only guess."""
    for meta in tree.iter("meta"):
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").strip().lower()
        if key in _DATE_META and meta.get("content"):
            return meta.get("content").strip(), f"HTML meta {key}"
    for node in tree.iter("time"):
        if (node.get("itemprop") or "").lower() == "datepublished" and node.get("datetime"):
            return node.get("datetime").strip(), "HTML time itemprop=datePublished"
    if m := _JSONLD_DATE.search(raw_html):
        return m.group(1), "JSON-LD datePublished"
    return None


def fragment_metadata(tree: Any) -> dict[str, Any]:
    """A fragment has no <head>: its title is a heading that opens it, its date a <time>."""
    metadata: dict[str, Any] = {}
    for node in tree.iter("h1", "h2", "h3", "p"):
        text = node.text_content().strip()
        if text:
            if node.tag != "p" and len(text) <= 200:
                metadata["title"] = " ".join(text.split())
            break
    for node in tree.iter("time"):
        value = (node.get("datetime") or "").strip()
        if value:
            metadata["published_meta"] = (value, "HTML <time datetime>")
            break
    return metadata


def _simple_text(tree: Any) -> str:
    """Block-aware text of a tree: the fallback when trafilatura finds no main text."""
    parts: list[str] = []

    def walk(node: Any) -> None:
        if not isinstance(node.tag, str):
            if node.tail:
                parts.append(node.tail)
            return
        block = node.tag in _BLOCK_TAGS
        if block:
            parts.append("\n")
        if node.text:
            parts.append(node.text)
        for child in node:
            walk(child)
        if block:
            parts.append("\n")
        if node.tail:
            parts.append(node.tail)

    walk(tree)
    return "".join(parts)


def extract_html(html: str, *, url: str | None = None, full_page: bool = True) -> tuple[str, dict[str, Any]]:
    """Return (text with one paragraph per line, metadata: title/url/sitename/date/author)."""
    tree = preclean(html)
    if tree is None:
        return "", {}
    metadata: dict[str, Any] = {}
    if not full_page:
        metadata.update(fragment_metadata(tree))
    else:
        if found := published_meta(tree, html):
            metadata["published_meta"] = found
        meta = trafilatura.extract_metadata(tree, default_url=url)
        if meta is not None:
            for key in ("title", "url", "sitename", "date", "author"):
                value = getattr(meta, key, None)
                if value:
                    metadata[key] = value
    text = trafilatura.extract(tree, url=url, include_comments=False, include_tables=True,
                               include_images=False, favor_recall=True, deduplicate=False, fast=True,
                               with_metadata=False, output_format="txt")
    if not text or len(text) < 0.3 * len(_simple_text(tree).strip()):
        text = _simple_text(tree)
    return text, metadata


def is_full_page(html: str) -> bool:
    head = html[:5000].lower()
    return "<html" in head or "<head" in head or "<meta" in head
