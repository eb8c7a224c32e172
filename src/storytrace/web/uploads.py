"""Saving what a person adds through the app: uploaded files and pasted text.

Files get generated names (a random hex id plus an allowed extension) inside the uploads
folder, so a client-chosen name can never point elsewhere or overwrite anything; sizes are
capped while streaming, so an oversized upload is refused before it fills the disk.
"""
from __future__ import annotations

import secrets
from pathlib import Path
from typing import BinaryIO

import yaml

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
ALLOWED_SUFFIXES = (".warc.gz", ".jsonl.gz", ".html", ".htm", ".md", ".markdown", ".txt", ".jsonl",
                    ".json", ".warc", ".zip", ".gz")
_CHUNK = 1024 * 1024


class UploadRefused(ValueError):
    """The upload cannot be accepted; the message says why, for the person who sent it."""


class UploadTooLarge(UploadRefused):
    """Refused for its size (the app answers 413)."""


def allowed_suffix(filename: str) -> str:
    name = (filename or "").lower()
    for suffix in ALLOWED_SUFFIXES:
        if name.endswith(suffix):
            return suffix
    raise UploadRefused(f"{filename or 'file'}: only {', '.join(ALLOWED_SUFFIXES)} files can be added")


def _new_path(upload_dir: Path, suffix: str) -> Path:
    upload_dir.mkdir(parents=True, exist_ok=True)
    return upload_dir / f"{secrets.token_hex(12)}{suffix}"


def save_upload(stream: BinaryIO, filename: str, upload_dir: Path,
                max_bytes: int = MAX_UPLOAD_BYTES) -> Path:
    """Copy an uploaded stream under a generated name; refuse it (and keep nothing) if too big."""
    path = _new_path(upload_dir, allowed_suffix(filename))
    size = 0
    try:
        with open(path, "xb") as out:
            while chunk := stream.read(_CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise UploadTooLarge(f"{filename}: larger than {max_bytes // (1024 * 1024)} MB")
                out.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    if size == 0:
        path.unlink(missing_ok=True)
        raise UploadRefused(f"{filename}: empty file")
    return path


def save_pasted(text: str, upload_dir: Path, *, title: str = "", outlet: str = "", url: str = "",
                published: str = "") -> Path:
    """Pasted text as a Markdown file with front matter, so it goes through the normal reader."""
    if not text.strip():
        raise UploadRefused("the pasted text is empty")
    if len(text.encode("utf-8")) > MAX_UPLOAD_BYTES:
        raise UploadTooLarge("the pasted text is too long")
    fields = {k: v.strip() for k, v in (("title", title), ("outlet", outlet), ("url", url),
                                        ("date", published)) if v and v.strip()}
    front = yaml.safe_dump(fields, allow_unicode=True, sort_keys=False) if fields else ""
    path = _new_path(upload_dir, ".md")
    path.write_text(f"---\n{front}---\n\n{text.strip()}\n" if front else text.strip() + "\n",
                    encoding="utf-8")
    return path
