"""HTML to clean body text and page metadata.

trafilatura does the extraction (main text, title, site name, canonical URL, date via
htmldate). Before it runs, an lxml pass removes what trafilatura would otherwise keep or
duplicate: empty ad containers, paywall placeholders, and image `title`/`alt` attributes
that repeat the visible caption. HTML is untrusted: scripts, styles and forms are dropped,
nothing is fetched, and only text comes out.

What is not article text is recognised by structure, not by rules for one outlet: navigation,
asides and figures (photos with their caption and credit line) go; so do embedded-content
notices and related-links blocks, found by their class/id hints or, for a list of links
("Read more: list of 4 items … end of list"), by its link density: a list whose text is
mostly link text, together with the heading and counters around it. None of these removals
may take the bulk of a page's text.

lxml (libxml2) stops building the tree 255 levels deep and silently drops what lies deeper;
such a page is read again by a streaming parser (`html.parser`, no tree, no depth limit), so
its text is kept (`metadata["nesting_fallback"]` says so).
"""
from __future__ import annotations

import re
from html.parser import HTMLParser
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


# Elements that are never article text, whatever they contain.
_NOT_TEXT_TAGS = ("nav", "aside", "figure", "figcaption")
# Class/id/role hints of blocks that are not article text even with text in them: related
# links, embedded-content notices (consent walls for Instagram, YouTube, X), captions, credits.
_NOT_TEXT_HINT = re.compile(r"(?:^|[-_\s])(?:related\w*|recommend\w*|read-?more|more-?(?:stories|news|on)|"
                            r"embed\w*|consent\w*|caption\w*|credits?|photo-?credit\w*|breadcrumbs?|"
                            r"complementary)(?:$|[-_\s\d])", re.IGNORECASE)
# A list is a links list when this share of its text is link text.
LINK_LIST_DENSITY = 0.5
# Never drop a block holding more than this share of the page's text.
MAX_DROPPED_SHARE = 0.5
# libxml2's depth limit: a tree this deep lost whatever lay below.
LXML_MAX_DEPTH = 255


def _text_len(element: Any) -> int:
    return len("".join(element.itertext()).strip())


def _link_density(element: Any) -> float:
    total = _text_len(element)
    if not total:
        return 0.0
    return sum(_text_len(a) for a in element.iter("a")) / total


def _is_link_list(element: Any) -> bool:
    items = [li for li in element if isinstance(li.tag, str) and li.tag == "li"]
    linked = [li for li in items if any(_text_len(a) for a in li.iter("a"))]
    return len(linked) >= 2 and len(linked) >= 0.8 * len(items) and _link_density(element) >= LINK_LIST_DENSITY


def _drop_not_text(tree: Any) -> None:
    """Remove navigation, asides, figures, embed notices and related-links lists (see above)."""
    page = _text_len(tree) or 1

    def droppable(element: Any) -> bool:
        return element.getparent() is not None and _text_len(element) <= MAX_DROPPED_SHARE * page

    for element in list(tree.iter(*_NOT_TEXT_TAGS)):
        if droppable(element):
            element.drop_tree()
    for element in list(tree.iter()):
        if not isinstance(element.tag, str) or element.getparent() is None:
            continue
        hints = " ".join(filter(None, (element.get("id"), element.get("class"), element.get("role"),
                                       element.get("data-component"), element.get("data-e2e"))))
        if hints and _NOT_TEXT_HINT.search(hints) and droppable(element):
            element.drop_tree()
    for element in list(tree.iter("ul", "ol")):
        if element.getparent() is None or not _is_link_list(element):
            continue
        # Climb to the block that holds the list with its heading and counters ("Read more",
        # "list of 4 items", "end of list"): as long as that block is still mostly links.
        block = element
        while True:
            parent = block.getparent()
            if (parent is None or parent.getparent() is None or parent.tag in ("body", "html", "article", "main")
                    or _link_density(parent) < LINK_LIST_DENSITY or not droppable(parent)):
                break
            block = parent
        if droppable(block):
            block.drop_tree()


def _max_depth(tree: Any) -> int:
    depth = deepest = 0
    for event, _ in etree.iterwalk(tree, events=("start", "end")):
        depth += 1 if event == "start" else -1
        deepest = max(deepest, depth)
    return deepest


class _StreamText(HTMLParser):
    """Block-aware text of HTML of any depth, from parse events (no tree is built)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title: list[str] = []
        self._skip = 0          # inside script/style/… (and how deep)
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        if tag in _DROP_TAGS or tag in _NOT_TEXT_TAGS or tag == "head":
            self._skip += 1
        elif tag == "title":
            self._in_title = True
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if (tag in _DROP_TAGS or tag in _NOT_TEXT_TAGS or tag == "head") and self._skip:
            self._skip -= 1
        elif tag == "title":
            self._in_title = False
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data):
        if self._in_title:
            self.title.append(data)
        elif not self._skip:
            self.parts.append(data)


def stream_text(html: str) -> tuple[str, str]:
    """(text, title) of HTML read as a stream: the fallback for trees too deep for lxml."""
    parser = _StreamText()
    parser.feed(html)
    parser.close()
    text = re.sub(r"[ \t\r\f\v]*\n\s*", "\n\n", "".join(parser.parts)).strip()
    return text, " ".join("".join(parser.title).split())


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
    _drop_not_text(tree)
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
    if _max_depth(tree) >= LXML_MAX_DEPTH:
        return _deep_fallback(html, tree, full_page)
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


def _deep_fallback(html: str, tree: Any, full_page: bool) -> tuple[str, dict[str, Any]]:
    """Text of a page nested deeper than lxml reads, with what metadata the shallow part gives."""
    text, title = stream_text(_XML_ILLEGAL.sub("", html))
    metadata: dict[str, Any] = {"nesting_fallback": f"HTML nested deeper than {LXML_MAX_DEPTH} levels: "
                                                    f"read without a tree"}
    if title:
        metadata["title"] = title
    if full_page:
        if found := published_meta(tree, html):
            metadata["published_meta"] = found
    else:
        metadata.update({k: v for k, v in fragment_metadata(tree).items() if k not in metadata})
    return text, metadata


def is_full_page(html: str) -> bool:
    head = html[:5000].lower()
    return "<html" in head or "<head" in head or "<meta" in head
