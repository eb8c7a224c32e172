"""Load the shared week corpus as Articles for the events benchmarks.

Uses the normalizer teammate's `storytrace.normalize.build_article` when it exists;
until then a small loader: YAML front matter, HTML to text with lxml, the feed footer cut.
"""
from __future__ import annotations

import re
from pathlib import Path

from storytrace.model import Article, content_id

CORPUS = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus" / "zh-2021-02"
_FOOTER = re.compile(r"获取更多RSS[\s\S]*$")


def _html_to_text(html: str) -> str:
    import lxml.html

    try:
        root = lxml.html.fromstring(f"<div>{html}</div>")
    except Exception:  # lxml raises several types on odd markup; fall back to tag stripping
        return re.sub(r"<[^>]+>", " ", html)
    for bad in root.xpath("//script|//style|//figure|//figcaption"):
        bad.drop_tree()
    for block in root.xpath("//p|//div|//br|//h1|//h2|//h3|//li"):
        block.tail = "\n" + (block.tail or "")
    return root.text_content()


def _own_loader(path: Path) -> Article:
    import yaml

    raw = path.read_text(encoding="utf-8", errors="replace")
    meta, body = {}, raw
    match = re.match(r"---\r?\n([\s\S]*?)\r?\n---\r?\n", raw)
    if match:
        meta = yaml.safe_load(match.group(1)) or {}
        body = raw[match.end():]
    text = _FOOTER.sub("", _html_to_text(body) if path.suffix == ".html" else body)
    text = "\n".join(line.strip() for line in text.splitlines() if line.strip())
    title = str(meta.get("title") or "").strip()
    when = meta.get("date")
    iso = when.isoformat() if hasattr(when, "isoformat") else (str(when) if when else None)
    outlet = str(meta.get("categories") or path.name.split("-")[3]).upper()
    script = "Hant" if outlet in ("CNA", "RTHK") else "Hans"
    return Article(id=content_id(text, title), source_path=str(path), title=title, text=text,
                   language="zh", script=script, outlet=outlet, published=iso,
                   published_precision="datetime" if iso else None)


def load_article(path: Path) -> Article:
    try:
        from storytrace.normalize import build_article
        from storytrace.read import iter_documents
    except ImportError:
        return _own_loader(path)
    for raw in iter_documents([str(path)]):
        if hasattr(raw, "content"):
            return build_article(raw)
    return _own_loader(path)


def load_files(paths: list[Path]) -> list[Article]:
    return [load_article(p) for p in paths]
