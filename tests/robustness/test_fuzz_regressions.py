"""Inputs that crashed a reader or the normalizer under bench/fuzz.py, kept as regressions.

Files in fuzz_regressions/ are the fuzzer's own inputs, mutated from self-written seed
articles (no third-party text). Each once raised out of `documents_from_bytes` or
`build_article`; now each must become documents or `InputError`s with a reason.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from storytrace.model import InputError, RawDocument
from storytrace.normalize import NormalizeError, build_article
from storytrace.read.formats import documents_from_bytes

HERE = Path(__file__).resolve().parent / "fuzz_regressions"

# file -> what it used to raise
FOUND = {
    "warc-no-target-uri.warc": "AttributeError in warcio (response record without WARC-Target-URI)",
    "zip-bogus-version.zip": "NotImplementedError from zipfile.ZipFile ('zip file version 24.2')",
    "zip-empty-member-name.zip": "IndexError from ZipInfo.is_dir() on an empty member name",
    "zip-negative-seek.zip": "ValueError 'negative seek value' opening a member",
    "zip-undecodable-name.zip": "UnicodeDecodeError on a member name flagged UTF-8",
    "html-control-char-lxml.html": "ValueError from lxml inside trafilatura.extract_metadata (control chars)",
}


def _read_and_normalize(name: str, data: bytes) -> list[RawDocument | InputError]:
    out: list = []
    for item in documents_from_bytes(name, data):
        assert isinstance(item, (RawDocument, InputError))
        if isinstance(item, InputError):
            assert item.reason.strip() and item.path.startswith(name)
        else:
            try:
                build_article(item)
            except NormalizeError as exc:
                assert exc.reason.strip()
        out.append(item)
    return out


@pytest.mark.parametrize("name", sorted(FOUND))
def test_fuzz_found_input_no_longer_raises(name: str):
    items = _read_and_normalize(name, (HERE / name).read_bytes())
    assert items, f"{name} produced neither a document nor an error"


def test_warc_response_without_target_uri_is_an_input_error():
    record = (b"WARC/1.0\r\nWARC-Type: response\r\nContent-Length: 20\r\n\r\n"
              b"HTTP/1.1 200 OK\r\n\r\n\r\n\r\n")
    items = list(documents_from_bytes("crawl.warc", record))
    assert items and all(isinstance(i, InputError) for i in items)
    assert any("WARC" in i.reason for i in items)


def test_zip_member_with_empty_name_is_reported_and_neighbours_read():
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("ok.txt", "Harbour plan approved\n\n" + "The council approved the plan today. " * 8)
    data = buf.getvalue().replace(b"ok.txt", b"\x00k.txt")   # same length keeps offsets valid
    items = list(documents_from_bytes("pack.zip", data))
    assert items and all(isinstance(i, (RawDocument, InputError)) for i in items)


def test_html_with_control_characters_normalizes():
    html = ("<html><head><title>Harbour\x08 plan</title></head><body><article><h1>Harbour\x0b plan</h1>"
            + "<p>The council\x01 approved the harbour plan after a long debate on Monday.</p>" * 6
            + "</article></body></html>")
    article = build_article(RawDocument("ctl.html", html, "html"))
    assert "approved the harbour plan" in article.text
    assert not any(ch in article.text for ch in "\x00\x01\x08\x0b")
