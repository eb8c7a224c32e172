import gzip
import io
import json
import os
import zipfile

from storytrace.model import InputError, RawDocument
from storytrace.read import iter_documents

HTML = "<html><head><title>T</title></head><body><article><p>{}</p></article></body></html>"


def _split(items):
    docs = [i for i in items if isinstance(i, RawDocument)]
    errors = [i for i in items if isinstance(i, InputError)]
    return docs, errors


def test_folder_is_recursive_sorted_and_skips_unknown_files(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "2.txt").write_text("Title two\n\nBody two.", encoding="utf-8")
    (tmp_path / "a.html").write_text(HTML.format("Body one."), encoding="utf-8")
    (tmp_path / "notes.tsv").write_text("x\ty\n", encoding="utf-8")
    (tmp_path / ".hidden.txt").write_text("secret", encoding="utf-8")
    docs, errors = _split(list(iter_documents([str(tmp_path)])))
    assert not errors
    assert [os.path.basename(d.source_path) for d in docs] == ["a.html", "2.txt"]
    assert [d.format for d in docs] == ["html", "text"]


def test_globs_and_missing_inputs(tmp_path):
    for name in ("x1.md", "x2.md", "y.md"):
        (tmp_path / name).write_text(f"# {name}\n\nSome body text here.", encoding="utf-8")
    docs, errors = _split(list(iter_documents([str(tmp_path / "x*.md"), str(tmp_path / "nope.txt"),
                                               str(tmp_path / "z*.md")])))
    assert [os.path.basename(d.source_path) for d in docs] == ["x1.md", "x2.md"]
    assert {e.reason for e in errors} == {"no such file or folder", "glob matches no files"}


def test_empty_binary_huge_and_undecodable_files_are_errors(tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "blank.txt").write_bytes(b"  \n\n ")
    (tmp_path / "image.html").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00" + bytes(range(256)))
    huge = tmp_path / "huge.txt"
    with open(huge, "wb") as fh:  # sparse: the size check must happen before reading
        fh.truncate(51 * 1024 * 1024)
    docs, errors = _split(list(iter_documents([str(tmp_path)])))
    assert not docs
    reasons = {os.path.basename(e.path): e.reason for e in errors}
    assert "empty" in reasons["empty.txt"] and "empty" in reasons["blank.txt"]
    assert "binary" in reasons["image.html"]
    assert "too large" in reasons["huge.txt"]


def test_gbk_big5_utf16_files_decode(tmp_path):
    text_hans = "标题\n\n这是一篇用简体中文写的新闻稿件，内容完全是测试用的。"
    text_hant = "標題\n\n這是一篇用繁體中文寫的新聞稿件，內容完全是測試用的。"
    (tmp_path / "gbk.txt").write_bytes(text_hans.encode("gbk"))
    (tmp_path / "big5.txt").write_bytes(text_hant.encode("big5"))
    (tmp_path / "u16.txt").write_bytes(text_hant.encode("utf-16"))
    docs, errors = _split(list(iter_documents([str(tmp_path)])))
    assert not errors
    contents = {os.path.basename(d.source_path): d.content for d in docs}
    assert contents == {"big5.txt": text_hant, "gbk.txt": text_hans, "u16.txt": text_hant}


def test_jsonl_lines_good_bad_and_non_objects(tmp_path):
    path = tmp_path / "feed.jsonl"
    lines = [json.dumps({"title": "One", "text": "First body.", "url": "https://example.org/1",
                         "published": "2022-11-25T08:00:00+08:00", "source": "Example"}),
             "{not json", "[1, 2]", json.dumps({"title": "No body"}),
             json.dumps({"headline": "Two", "html": "<p>Second <b>body</b>.</p><p>More.</p>"})]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    docs, errors = _split(list(iter_documents([str(path)])))
    assert [d.source_path for d in docs] == [f"{path}#L1", f"{path}#L5"]
    assert docs[0].metadata == {"title": "One", "url": "https://example.org/1", "date": "2022-11-25T08:00:00+08:00",
                                "outlet": "Example", "date_field": "published"}
    assert docs[1].format == "html" and docs[1].metadata["title"] == "Two"
    assert [e.path for e in errors] == [f"{path}#L2", f"{path}#L3", f"{path}#L4"]
    assert "invalid JSON" in errors[0].reason and "not an object" in errors[1].reason


def test_zip_members_traversal_and_corruption(tmp_path):
    path = tmp_path / "bundle.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("a/story.txt", "Story title\n\nStory body.")
        zf.writestr("../evil.txt", "escape")
        zf.writestr("/abs.txt", "absolute")
        zf.writestr("inner.jsonl", json.dumps({"title": "J", "text": "json body"}) + "\n")
    (tmp_path / "broken.zip").write_bytes(b"PK\x03\x04" + b"garbage" * 20)
    docs, errors = _split(list(iter_documents([str(path), str(tmp_path / "broken.zip")])))
    assert sorted(d.source_path for d in docs) == [f"{path}!a/story.txt", f"{path}!inner.jsonl#L1"]
    unsafe = [e for e in errors if "unsafe" in e.reason]
    assert {e.path for e in unsafe} == {f"{path}!../evil.txt", f"{path}!/abs.txt"}
    assert any(e.path.endswith("broken.zip") and "corrupt zip" in e.reason for e in errors)
    assert not (tmp_path.parent / "evil.txt").exists()


def test_zip_bomb_member_is_capped(tmp_path, monkeypatch):
    from storytrace.read import archives, formats

    monkeypatch.setattr(archives, "MAX_BYTES", 1000)
    monkeypatch.setattr(formats, "MAX_BYTES", 1000)
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("big.txt", "a" * 100_000)
    docs, errors = _split(list(iter_documents([str(path)])))
    assert not docs and "too large" in errors[0].reason


def test_gzip_member_and_corrupt_gzip(tmp_path):
    (tmp_path / "story.html.gz").write_bytes(gzip.compress(HTML.format("Gzipped body.").encode()))
    good = gzip.compress(b"Title\n\nBody text of a truncated file that goes on and on." * 50)
    (tmp_path / "cut.txt.gz").write_bytes(good[: len(good) // 2])
    docs, errors = _split(list(iter_documents([str(tmp_path)])))
    assert [d.format for d in docs] == ["html"] and "Gzipped body." in docs[0].content
    assert errors[0].path.endswith("cut.txt.gz") and "gzip" in errors[0].reason


def _warc_bytes(pages, gz=True):
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=gz)
    for url, body, ctype in pages:
        headers = StatusAndHeaders("200 OK", [("Content-Type", ctype)], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body),
                                                      http_headers=headers))
    return buffer.getvalue()


def test_warc_html_responses(tmp_path):
    data = _warc_bytes([
        ("https://example.org/a", HTML.format("网页正文").encode("gbk"), "text/html; charset=gbk"),
        ("https://example.org/logo.png", b"\x89PNG\x00\x00", "image/png"),
        ("https://example.org/b", HTML.format("Second page").encode(), "text/html"),
    ])
    path = tmp_path / "crawl.warc.gz"
    path.write_bytes(data)
    docs, errors = _split(list(iter_documents([str(path)])))
    assert not errors
    assert [d.metadata["url"] for d in docs] == ["https://example.org/a", "https://example.org/b"]
    assert "网页正文" in docs[0].content and docs[0].source_path.startswith(f"{path}#")
    (tmp_path / "cut.warc.gz").write_bytes(data[: len(data) // 3])
    docs, errors = _split(list(iter_documents([str(tmp_path / "cut.warc.gz")])))
    assert errors and all("WARC" in e.reason or "corrupt" in e.reason for e in errors)


def test_json_file_with_one_object_or_an_array(tmp_path):
    (tmp_path / "one.json").write_text(json.dumps({"title": "One", "text": "Body."}, indent=2), encoding="utf-8")
    (tmp_path / "many.json").write_text(json.dumps([{"title": "A", "text": "a"}, 3]), encoding="utf-8")
    docs, errors = _split(list(iter_documents([str(tmp_path / "one.json"), str(tmp_path / "many.json")])))
    assert [d.source_path.rsplit("/", 1)[1] for d in docs] == ["one.json", "many.json#1"]
    assert [e.path.rsplit("/", 1)[1] for e in errors] == ["many.json#2"]


def test_folder_walk_skips_all_capitals_documentation_files(tmp_path):
    from storytrace.read import expand_inputs

    (tmp_path / "README.md").write_text("# About this folder\n", encoding="utf-8")
    (tmp_path / "EXPECTED.md").write_text("# What to expect\n", encoding="utf-8")
    (tmp_path / "story.md").write_text("# 标题\n\n正文。\n", encoding="utf-8")
    walked = [p for p in expand_inputs([str(tmp_path)])]
    assert walked == [str(tmp_path / "story.md")]
    assert list(expand_inputs([str(tmp_path / "README.md")])) == [str(tmp_path / "README.md")]
