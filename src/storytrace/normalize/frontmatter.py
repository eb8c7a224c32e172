"""Jekyll / Markdown front matter: a YAML block between `---` lines at the top.

Dates stay strings (the YAML timestamp resolver is removed) so we keep the offset and
precision exactly as written and record where they came from.
"""
from __future__ import annotations

import re
from typing import Any

import yaml


class FrontMatterError(ValueError):
    pass


# libyaml's C loader when available: front matter parsing is a hot path on big corpora.
_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _StringDatesLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    pass


_StringDatesLoader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}

_OPEN = re.compile(r"\A\ufeff?---[ \t]*\r?\n")
_CLOSE = re.compile(r"^(?:---|\.\.\.)[ \t]*\r?$", re.MULTILINE)


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """Return (fields, body). No front matter gives ({}, text); a broken one raises."""
    opening = _OPEN.match(text)
    if not opening:
        return {}, text
    closing = _CLOSE.search(text, opening.end())
    if not closing:
        raise FrontMatterError("front matter opened with '---' but never closed")
    block = text[opening.end():closing.start()]
    try:
        fields = yaml.load(block, Loader=_StringDatesLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 2})" if mark else ""
        raise FrontMatterError(f"broken front matter: {getattr(exc, 'problem', None) or exc}{where}") from None
    if fields is None:
        fields = {}
    if not isinstance(fields, dict):
        raise FrontMatterError("front matter is not a key: value mapping")
    body = text[closing.end():]
    return {str(k).lower(): v for k, v in fields.items()}, body.lstrip("\r\n")


def field_text(fields: dict[str, Any], *names: str) -> str | None:
    """First non-empty field among names, as a string (lists joined, first item for outlets)."""
    for name in names:
        value = fields.get(name)
        if isinstance(value, list):
            value = next((v for v in value if isinstance(v, (str, int)) and str(v).strip()), None)
        if value is not None and str(value).strip():
            return str(value).strip()
    return None
