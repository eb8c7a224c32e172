"""Bytes to text without mojibake.

Order of evidence: a byte-order mark, then a charset the document declares (HTML meta
or XML prolog), then charset-normalizer's statistical guess. A declared charset is only
trusted when the bytes actually decode with it, because pages often lie (a GBK page
declaring UTF-8). GBK and GB2312 are widened to GB18030, their superset, and Big5 to
Big5-HKSCS, so rare characters do not turn a good file into an error.
"""
from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes


class DecodeError(ValueError):
    """The bytes are not text in any encoding we can trust."""


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_DECLARED = re.compile(rb"""(?:<meta[^>]{0,200}?charset\s*=\s*["']?|<\?xml[^>]{0,100}?encoding\s*=\s*["'])([A-Za-z0-9_\-]{2,20})""",
                       re.IGNORECASE)
_WIDER = {"gbk": "gb18030", "gb2312": "gb18030", "gb_2312-80": "gb18030", "cp936": "gb18030",
          "big5": "big5hkscs", "cp950": "big5hkscs", "ascii": "utf-8", "us-ascii": "utf-8"}
# Control characters (other than tab/newline/CR/FF) are a sign of binary data or a wrong guess.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def _canonical(name: str) -> str | None:
    try:
        name = codecs.lookup(name).name
    except LookupError:
        return None
    return _WIDER.get(name, name)


def looks_binary(data: bytes) -> bool:
    """NUL bytes outside a UTF-16/32 BOM file mean binary (images, executables, sqlite...)."""
    head = data[:8192]
    if any(head.startswith(bom) for bom, _ in _BOMS if bom not in (codecs.BOM_UTF8,)):
        return False
    return b"\x00" in head


def _plausible(text: str) -> bool:
    if not text:
        return True
    bad = len(_CONTROL.findall(text[:20000])) + text[:20000].count("\ufffd")
    return bad <= max(2, len(text[:20000]) // 1000)


def decode_bytes(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Return (text, encoding). Raises DecodeError for binary or undecodable bytes."""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(enc)
            except UnicodeDecodeError as exc:
                raise DecodeError(f"byte-order mark says {enc} but the bytes do not decode: {exc.reason}") from None
            return text.lstrip("\ufeff"), enc
    if looks_binary(data):
        raise DecodeError("binary content (NUL bytes), not text")
    candidates: list[str] = []
    if declared:
        candidates.append(declared)
    match = _DECLARED.search(data[:4096])
    if match:
        candidates.append(match.group(1).decode("ascii"))
    candidates.append("utf-8")
    for name in candidates:
        enc = _canonical(name)
        if not enc:
            continue
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        if _plausible(text):
            return text, enc
    best = from_bytes(data[:200_000]).best()
    # UTF-16/32 without a byte-order mark is a guess that turns any binary into "text".
    if best is not None and best.encoding and not best.encoding.startswith(("utf_16", "utf_32")):
        enc = _canonical(best.encoding) or best.encoding
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            text = None
        if text is not None and _plausible(text):
            return text, enc
    raise DecodeError("undecodable: not valid UTF-8 and no trustworthy encoding detected")
