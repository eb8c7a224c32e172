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
from charset_normalizer.md import mess_ratio


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


_CHINESE_LEGACY = ("gb18030", "big5hkscs")
# Private-use and half-width katakana: what a wrong legacy decoding of Chinese produces.
_UNLIKELY = re.compile(r"[\ue000-\uf8ff\uff61-\uff9f]")


def _mess(text: str) -> float:
    sample = text[:20000]
    return mess_ratio(sample) + 10 * len(_UNLIKELY.findall(sample)) / max(len(sample), 1)


def _best_guess(data: bytes) -> tuple[str, str] | None:
    """Lowest-mess decoding among charset-normalizer's candidates, the Chinese legacy
    encodings and Windows-1252. Short GBK or Big5 texts are often guessed as Korean or
    Japanese by statistics alone; scoring every decoding with the same mess measure, with
    the encodings this tool's sources use winning ties, gets them right."""
    preferred = {enc: rank for rank, enc in enumerate(_CHINESE_LEGACY + ("cp1252",))}
    names = [_canonical(m.encoding) or m.encoding for m in from_bytes(data[:200_000])]
    options: list[tuple[float, int, str, str]] = []
    for enc in dict.fromkeys([*_CHINESE_LEGACY, "cp1252", *names]):
        if enc.startswith(("utf-16", "utf-32", "utf_16", "utf_32")):
            continue  # without a BOM, a guess that turns any binary into "text"
        try:
            text = data.decode(enc)
        except (UnicodeDecodeError, LookupError):
            continue
        if _plausible(text):
            options.append((round(_mess(text), 3), preferred.get(enc, len(preferred)), enc, text))
    if not options:
        return None
    _, _, enc, text = min(options)
    return text, enc


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
    guess = _best_guess(data)
    if guess is not None:
        return guess
    salvaged = _mostly_utf8(data)
    if salvaged is not None:
        return salvaged
    raise DecodeError("undecodable: not valid UTF-8 and no trustworthy encoding detected")


def _mostly_utf8(data: bytes) -> tuple[str, str] | None:
    """UTF-8 with a handful of corrupt bytes (a truncated download, one bad copy-paste): keep
    the article with U+FFFD in their place rather than lose it, and say so in the encoding.
    Only when the damage is tiny, so a file in another encoding is never read as UTF-8."""
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    if bad <= max(8, len(text) // 200) and not _CONTROL.search(text[:20000]):
        return text, f"utf-8 ({bad} invalid byte sequence{'s' if bad != 1 else ''} replaced)"
    return None
