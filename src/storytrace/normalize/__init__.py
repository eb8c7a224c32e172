"""Normalize one raw document into a clean `Article`: body text, title, dates, language,
script, outlet and cited sources, each with a stated origin.

The text is stored as published (no script conversion); `storytrace.textfold` gives the
folded form used for matching and search.
"""
from __future__ import annotations

from typing import Any

from ..model import Article, RawDocument, content_id
from ..read.formats import looks_like_html
from .boilerplate import strip_boilerplate
from .dates import DateFinding, find_in_text, is_date_line, parse_structured
from .frontmatter import FrontMatterError, field_text, split_front_matter
from .htmltext import extract_html, is_full_page
from .language import detect_language, detect_script
from .paragraphs import join_paragraphs, rejoin_broken, split_paragraphs
from .sources import cited_sources, outlet_from_byline, outlet_from_code, outlet_from_domain, outlet_from_url

__all__ = ["NormalizeError", "build_article", "clean_body"]

_MAX_TITLE = 200


class NormalizeError(ValueError):
    """The document has no usable article text; `reason` says why."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def clean_body(text: str, title: str = "") -> tuple[str, list[str]]:
    """Paragraph repair + boilerplate removal: (clean text, dropped paragraphs).

    Repeated until nothing changes: dropping a line can make two broken halves adjacent,
    or move a trailer marker into the tail, and cleaning must be idempotent."""
    paragraphs, dropped = split_paragraphs(text), []
    while True:
        kept, removed = strip_boilerplate(rejoin_broken(paragraphs), title)
        dropped += removed
        if kept == paragraphs:
            return join_paragraphs(kept), dropped
        paragraphs = kept


def _markdown_text(body: str) -> str:
    """Markdown to plain paragraphs via markdown-it (links keep their text, images go)."""
    from markdown_it import MarkdownIt

    from .htmltext import _simple_text, preclean

    html = MarkdownIt("commonmark", {"html": True}).render(body)
    tree = preclean(f"<div>{html}</div>")
    return _simple_text(tree) if tree is not None else body


def _split_title(paragraphs: list[str]) -> tuple[str, list[str], list[str]]:
    """Title = first non-blank line that is not a page clock; returns (title, clock lines, rest)."""
    clocks: list[str] = []
    for i, para in enumerate(paragraphs):
        if is_date_line(para) and i < 3:
            clocks.append(para)
            continue
        if len(para) <= _MAX_TITLE:
            return para, clocks, paragraphs[i + 1:]
        return para[:_MAX_TITLE].rstrip(), clocks, paragraphs[i:]
    return "", clocks, []


def _first_date(candidates: list[tuple[Any, str]]) -> DateFinding | None:
    for value, evidence in candidates:
        if value:
            found = parse_structured(str(value), evidence)
            if found:
                return found
    return None


def _body_text(raw: RawDocument, fields: dict[str, Any], body: str, url: str | None) -> tuple[str, str, dict]:
    """(format actually used, plain text with one paragraph per line, page metadata)."""
    fmt = raw.format
    if fmt in ("markdown", "text") and fields and (looks_like_html(body.lstrip("\r\n -")) or "<p>" in body[:3000]):
        fmt = "html"     # Jekyll posts whose body is raw HTML
    if fmt == "html":
        text, page = extract_html(body, url=url, full_page=is_full_page(body))
        return fmt, text, page
    if fmt == "markdown":
        return fmt, _markdown_text(body), {}
    return fmt, body, {}


def _publication_date(fields: dict[str, Any], meta: dict[str, Any], page: dict[str, Any], header: list[str],
                      text: str, language: str | None) -> tuple[DateFinding | None, DateFinding | None]:
    """(published, in-text dateline kept beside it). Structured sources win; a front-matter
    or feed time is when the item was posted, while the dateline says when the story was filed."""
    structured = _first_date([(fields.get("date") or fields.get("published"), "front matter date"),
                              (meta.get("date"), f"input field {meta.get('date_field', 'date')}"),
                              *([page["published_meta"]] if page.get("published_meta") else []),
                              (page.get("date"), "HTML metadata (htmldate)")])
    dateline = find_in_text(header, text, language)
    return (structured, dateline) if structured else (dateline, None)


def _outlet(fields: dict[str, Any], meta: dict[str, Any], page: dict[str, Any], url: str | None,
            paragraphs: list[str]) -> str | None:
    return (outlet_from_code(field_text(fields, "categories", "category", "tags", "outlet", "source"))
            or outlet_from_code(field_text(fields, "author"))
            or outlet_from_code(meta.get("outlet")) or meta.get("outlet")
            or field_text(fields, "outlet")   # named by the writer (e.g. the app's Add form): kept as written
            or page.get("sitename") or outlet_from_url(url) or outlet_from_byline(paragraphs)
            or outlet_from_domain(url))     # no known name: the registered domain of its own URL


def build_article(raw: RawDocument) -> Article:
    try:
        fields, body = split_front_matter(raw.content)
    except FrontMatterError as exc:
        raise NormalizeError(str(exc)) from None
    meta: dict[str, Any] = dict(raw.metadata)
    url = field_text(fields, "from", "url", "link", "canonical_url", "source_url") or meta.get("url")
    fmt, text, page = _body_text(raw, fields, body, url)
    url = url or page.get("url")

    paragraphs = split_paragraphs(text)
    title = (field_text(fields, "title") or meta.get("title") or page.get("title") or "").strip()
    clocks: list[str] = []
    if not title:
        title, clocks, paragraphs = _split_title(paragraphs)
    elif paragraphs and is_date_line(paragraphs[0]):
        clocks, paragraphs = [paragraphs[0]], paragraphs[1:]
    header = paragraphs[:3]
    body_text, dropped = clean_body(join_paragraphs(paragraphs), title)
    language = detect_language(body_text or title)
    date, dateline = _publication_date(fields, meta, page, header, body_text, language)
    kept = body_text.split("\n\n") if body_text else []
    meta_lines = [date.line] if date and date.line else []
    if meta_lines:
        # The timestamp line under the title is metadata, not body text (its credit,
        # `来源：新华社`, still counts as a cited source below).
        kept = [p for p in kept if p not in meta_lines]
        body_text = join_paragraphs(kept)
    if not body_text.strip():
        raise NormalizeError("no article text after cleaning" + (" (only boilerplate)" if dropped else ""))

    outlet = _outlet(fields, meta, page, url, kept)
    author = field_text(fields, "author") or meta.get("author") or page.get("author")
    if author and outlet_from_code(author):
        author = None       # Jekyll feeds put the outlet in `author`
    extra: dict[str, Any] = {"format": fmt}
    if raw.encoding:
        extra["encoding"] = raw.encoding
    if clocks:
        extra["page_clock"] = clocks
    if dateline:
        extra["dateline"] = {"value": dateline.value, "precision": dateline.precision,
                             "evidence": dateline.evidence}
    if dropped:
        extra["boilerplate_dropped"] = len(dropped)
    if page.get("nesting_fallback"):
        extra["nesting_fallback"] = page["nesting_fallback"]     # too deep for lxml: read as a stream
    if meta.get("fetched"):
        extra["fetched"] = meta["fetched"]
    extra.update({key: fields[key] for key in ("categories", "tags") if key in fields})
    return Article(
        id=content_id(body_text, title), source_path=raw.source_path, title=title, text=body_text,
        language=language, script=detect_script(body_text, language), outlet=outlet, url=url, author=author,
        published=date.value if date else None, published_precision=date.precision if date else None,
        published_evidence=date.evidence if date else None,
        cited_sources=cited_sources("\n".join(meta_lines + [body_text])),
        metadata=extra,
    )
