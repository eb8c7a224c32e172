"""A generator of hostile input folders: junk a scraper leaves behind, beside good articles.

Every case has a unique file name and an expectation:
- `fail`: must produce an error line (store errors / errors.jsonl) naming it;
- `accounted`: may be stored or refused, but never silently dropped and never a crash
  (e.g. mixed encodings, where decoding with replacement is a fair answer);
- `good`: an ordinary article that must be stored despite its neighbours.
A case's `key` is a substring that appears in the reported path (`source_path`, or
`archive!member`, `file.jsonl#Ln`) and `marker` a word that must appear in a stored good text.
"""
from __future__ import annotations

import gzip
import io
import json
import os
import random
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from synth_corpus import en_paragraphs, html_page, markdown_post, zh_paragraphs

GiB = 1 << 30
MiB = 1 << 20


@dataclass
class Case:
    key: str
    expect: str                 # fail | accounted | good
    what: str
    marker: str | None = None
    stage: str = "read"         # where a `fail` case is refused: read | normalize


@dataclass
class HostileCorpus:
    root: Path
    cases: list[Case] = field(default_factory=list)

    def of(self, expect: str) -> list[Case]:
        return [c for c in self.cases if c.expect == expect]


def zip_bomb(path: Path, member: str, size: int) -> None:
    """A zip whose one member inflates to `size` zero bytes (~1000:1), written in chunks."""
    chunk = bytes(MiB)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        with zf.open(member, "w", force_zip64=True) as fh:
            for _ in range(size // MiB):
                fh.write(chunk)


def gzip_bomb(path: Path, size: int) -> None:
    chunk = bytes(MiB)
    with gzip.open(path, "wb", compresslevel=9) as fh:
        for _ in range(size // MiB):
            fh.write(chunk)


def _good_article(rng: random.Random, marker: str, zh: bool = True) -> tuple[str, list[str]]:
    paragraphs = zh_paragraphs(rng, 4) if zh else en_paragraphs(rng, 4)
    paragraphs[1] = (f"记者在{marker}现场看到，" if zh else f"Reporters at {marker} saw it. ") + paragraphs[1]
    title = (f"{marker}港口扩建项目获批" if zh else f"{marker} harbour plan approved")
    return title, paragraphs


def build_hostile_corpus(root: Path, *, huge_bytes: int = 200 * MiB,
                         bomb_bytes: int = 1 * GiB, nested_depth: int = 100_000,
                         seed: int = 11) -> HostileCorpus:
    """Write the hostile folder under `root` (created). Takes a few seconds (the bombs)."""
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    corpus = HostileCorpus(root)
    add = corpus.cases.append

    # ---- good files beside the junk --------------------------------------------------
    t, ps = _good_article(rng, "Qilinwan")
    (root / "good-page.html").write_text(html_page(t, ps), encoding="utf-8")
    add(Case("good-page.html", "good", "plain UTF-8 HTML article", "Qilinwan"))
    t, ps = _good_article(rng, "Fenghuangtai")
    (root / "good-post.md").write_text(markdown_post(t, ps), encoding="utf-8")
    add(Case("good-post.md", "good", "Markdown with YAML front matter", "Fenghuangtai"))
    t, ps = _good_article(rng, "Marrowdale", zh=False)
    (root / "good-note.txt").write_text(t + "\n\n" + "\n\n".join(ps), encoding="utf-8")
    add(Case("good-note.txt", "good", "plain text article (English)", "Marrowdale"))
    t, ps = _good_article(rng, "Baiyundu")
    (root / "good-gbk.html").write_bytes(html_page(t, ps, charset="gbk").encode("gbk"))
    add(Case("good-gbk.html", "good", "GBK-encoded HTML with meta charset", "Baiyundu"))
    t, ps = _good_article(rng, "Luoxiawan")
    with gzip.open(root / "good-zipped.html.gz", "wt", encoding="utf-8") as fh:
        fh.write(html_page(t, ps))
    add(Case("good-zipped.html.gz", "good", "gzip-compressed HTML", "Luoxiawan"))
    t, ps = _good_article(rng, "Yinshazhou")
    with zipfile.ZipFile(root / "good-archive.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("inner/good-member.html", html_page(t, ps))
    add(Case("good-member.html", "good", "HTML inside a zip", "Yinshazhou"))

    # ---- empty, binary, truncated --------------------------------------------------
    (root / "bad-zero.html").write_bytes(b"")
    add(Case("bad-zero.html", "fail", "0-byte file named .html"))
    (root / "bad-empty.txt").write_bytes(b"")
    add(Case("bad-empty.txt", "fail", "0-byte .txt"))
    (root / "bad-blank.md").write_text("   \n\n\t\n", encoding="utf-8")
    add(Case("bad-blank.md", "fail", "whitespace-only Markdown"))
    (root / "bad-binary.html").write_bytes(b"\x89PNG\r\n\x1a\n" + rng.randbytes(64 * 1024))
    add(Case("bad-binary.html", "fail", "PNG bytes named .html"))
    (root / "bad-noise.txt").write_bytes(bytes(rng.randrange(256) for _ in range(20_000)))
    add(Case("bad-noise.txt", "fail", "random binary named .txt"))
    good_html = html_page(*_good_article(rng, "Cutoffville")).encode("utf-8")
    (root / "odd-truncated.html").write_bytes(good_html[: len(good_html) // 2])
    add(Case("odd-truncated.html", "accounted", "HTML cut mid-document"))
    gz_buf = io.BytesIO()
    with gzip.GzipFile(fileobj=gz_buf, mode="wb") as fh:
        fh.write(good_html * 20)
    (root / "bad-truncated.html.gz").write_bytes(gz_buf.getvalue()[: len(gz_buf.getvalue()) // 2])
    add(Case("bad-truncated.html.gz", "fail", "gzip stream cut in half"))
    zip_buf = io.BytesIO()
    with zipfile.ZipFile(zip_buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("cut.html", good_html)
    (root / "bad-truncated.zip").write_bytes(zip_buf.getvalue()[: len(zip_buf.getvalue()) * 2 // 3])
    add(Case("bad-truncated.zip", "fail", "zip without its central directory"))
    (root / "bad-truncated.warc").write_bytes(
        b"WARC/1.0\r\nWARC-Type: response\r\nContent-Length: 99999\r\n\r\nHTTP/1.1 200 OK\r\n")
    add(Case("bad-truncated.warc", "fail", "WARC record shorter than its Content-Length"))

    # ---- huge and deep ------------------------------------------------------------
    with open(root / "bad-huge.html", "wb") as fh:      # sparse: instant, no disk used
        fh.truncate(huge_bytes)
    add(Case("bad-huge.html", "fail", f"{huge_bytes // MiB} MB file (must be refused by size)"))
    deep = "<html><body>" + "<div>" * nested_depth + "深层嵌套的文字。" * 20 + "</div>" * nested_depth
    (root / "odd-deep.html").write_text(deep + "</body></html>", encoding="utf-8")
    add(Case("odd-deep.html", "accounted", f"{nested_depth:,} nested <div>s"))

    # ---- bombs --------------------------------------------------------------------
    zip_bomb(root / "bad-bomb.zip", "bomb-member.html", bomb_bytes)
    add(Case("bad-bomb.zip", "fail", f"zip member inflating to {bomb_bytes // MiB} MB"))
    gzip_bomb(root / "bad-bomb.html.gz", bomb_bytes)
    add(Case("bad-bomb.html.gz", "fail", f"gzip inflating to {bomb_bytes // MiB} MB"))
    with zipfile.ZipFile(root / "bad-nested-bomb.zip", "w", zipfile.ZIP_STORED) as zf:
        for i in range(8):                      # the same 1 MB bomb eight times: 8 GB inflated
            zf.write(root / "bad-bomb.zip", f"layer{i}.zip")
    add(Case("bad-nested-bomb.zip", "fail", f"zip of 8 zips, each inflating to {bomb_bytes // MiB} MB"))

    # ---- archive members escaping the archive --------------------------------------
    page = html_page(*_good_article(rng, "Escapia"))
    with zipfile.ZipFile(root / "bad-traversal.zip", "w") as zf:
        zf.writestr(zipfile.ZipInfo("../../escape-dotdot.html"), page)
        zf.writestr(zipfile.ZipInfo("/tmp/escape-absolute.html"), page)
    add(Case("escape-dotdot.html", "fail", "zip member with ../ path"))
    add(Case("escape-absolute.html", "fail", "zip member with an absolute path"))

    # ---- symlink loops ------------------------------------------------------------
    os.symlink("bad-loop-b.html", root / "bad-loop-a.html")
    os.symlink("bad-loop-a.html", root / "bad-loop-b.html")
    add(Case("bad-loop-a.html", "fail", "symlink loop a -> b -> a"))
    add(Case("bad-loop-b.html", "fail", "symlink loop b -> a -> b"))
    (root / "sub").mkdir()
    os.symlink("..", root / "sub" / "up-loop")                # directory loop
    os.symlink("nowhere.html", root / "bad-dangling.html")
    add(Case("bad-dangling.html", "fail", "dangling symlink"))

    # ---- encodings ----------------------------------------------------------------
    t, ps = _good_article(rng, "Wuyuezhen")
    body = (t + "\n\n" + "\n\n".join(ps)).encode("utf-8")
    (root / "odd-invalid-utf8.txt").write_bytes(body[:200] + b"\xff\xfe\xc3\x28\xa0\xa1" + body[200:])
    add(Case("odd-invalid-utf8.txt", "accounted", "UTF-8 with invalid byte sequences"))
    half = len(ps) // 2
    mixed = ("\n\n".join(ps[:half])).encode("utf-8") + b"\n\n" + ("\n\n".join(ps[half:])).encode("gbk")
    (root / "odd-mixed-encoding.txt").write_bytes(mixed)
    add(Case("odd-mixed-encoding.txt", "accounted", "half UTF-8, half GBK"))
    (root / "odd-utf16.txt").write_bytes(("\n\n".join(ps)).encode("utf-16"))
    add(Case("odd-utf16.txt", "accounted", "UTF-16 with BOM"))

    # ---- structured text that is not what it claims -----------------------------
    (root / "odd-frontmatter.md").write_text(
        "---\ntitle: [unclosed\n  : : {\n---\n\n" + "\n\n".join(zh_paragraphs(rng, 3)),
        encoding="utf-8")
    add(Case("odd-frontmatter.md", "accounted", "front matter that is not YAML"))
    (root / "bad-fm-only.md").write_text("---\nfoo: bar\n---\n", encoding="utf-8")
    add(Case("bad-fm-only.md", "fail", "front matter and no body", stage="normalize"))
    t, ps = _good_article(rng, "Jadeshore")
    lines = ['[1, 2, 3]', '"just a string"', "42", "null", "{not json at all",
             json.dumps({"title": t, "text": "\n\n".join(ps), "url": "https://example.org/j"},
                        ensure_ascii=False)]
    (root / "mixed-lines.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    for n in range(1, 6):
        add(Case(f"mixed-lines.jsonl#L{n}", "fail", f"JSON line {n} is not an object"))
    add(Case("mixed-lines.jsonl#L6", "good", "good JSON line beside bad ones", "Jadeshore"))
    return corpus
