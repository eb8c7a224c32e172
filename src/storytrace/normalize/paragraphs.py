"""Paragraph repair: one paragraph per line, separated by a blank line.

Why hand-written: the breakage is specific to how Chinese news text gets scraped: hard
wraps inside a word (`协调配` / blank line / `合`), full-width-space indents used as the only
paragraph marker, CRLF files, NBSP padding. No library repairs these with offsets we
control, and the rules are a few lines each.
"""
from __future__ import annotations

import re

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# A paragraph ending like this has not ended: no closing punctuation after a CJK char.
_OPEN_END = re.compile(rf"[{_CJK}A-Za-z0-9，、：；“‘（《]$")
_CJK_START = re.compile(rf"^[{_CJK}，。、：；”’）》]")
_FULLWIDTH_INDENT = re.compile(r"[ \t]*\u3000{2,}[ \t]*")
_SPACES = re.compile(r"[ \t\xa0\u2002\u2003\u2009\u200b]+")
_MIN_BROKEN_LINE = 30


def split_paragraphs(text: str) -> list[str]:
    """Lines of text as paragraphs, with whitespace normalized; blank lines dropped."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "")
    text = _FULLWIDTH_INDENT.sub("\n\n", text)
    paragraphs = []
    for line in text.split("\n"):
        line = _SPACES.sub(" ", line).strip().strip("\u3000").strip()
        if line:
            paragraphs.append(line)
    return paragraphs


def rejoin_broken(paragraphs: list[str]) -> list[str]:
    """Join a long paragraph that stops mid-sentence with a next one that starts mid-word.

    Only long CJK lines count (a short line without a full stop is usually a heading),
    and the next must start with a CJK character or closing punctuation.
    """
    out: list[str] = []
    for para in paragraphs:
        if (out and len(out[-1]) >= _MIN_BROKEN_LINE and _OPEN_END.search(out[-1])
                and re.search(rf"[{_CJK}]", out[-1][-1]) and _CJK_START.match(para)):
            out[-1] = out[-1] + para
        else:
            out.append(para)
    return out


def clean_paragraphs(text: str) -> list[str]:
    return rejoin_broken(split_paragraphs(text))


def join_paragraphs(paragraphs: list[str]) -> str:
    return "\n\n".join(p for p in paragraphs if p)
