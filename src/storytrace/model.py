"""The one record model that flows through every step (read → normalize → reuse → events → present).

Why plain slots dataclasses: they are cheap to build by the thousand, pickle across
processes and Spark workers, and turn into JSON rows with `to_dict()` without a schema
library. Character offsets anywhere in storytrace are offsets into `Article.text`.
"""
from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field, fields
from typing import Any


def content_id(text: str, title: str = "") -> str:
    """Stable article id: the same clean title and body always give the same id."""
    digest = hashlib.blake2b(f"{title}\n\x1f{text}".encode("utf-8"), digest_size=8).hexdigest()
    return digest


@dataclass(slots=True)
class RawDocument:
    """One unit a reader found: bytes or text plus whatever metadata the container gave.

    `source_path` is the input as given; a member of an archive is `archive.zip!member`,
    a line of a JSON Lines file `file.jsonl#L12`, a WARC record `file.warc.gz#offset`.
    `format` is a hint for the normalizer: html | markdown | text.
    """

    source_path: str
    content: str
    format: str
    metadata: dict[str, Any] = field(default_factory=dict)
    encoding: str | None = None


@dataclass(slots=True)
class InputError:
    """An input that could not be used, with a reason a person can act on."""

    path: str
    reason: str
    stage: str = "read"

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "reason": self.reason, "stage": self.stage}


@dataclass(slots=True)
class Article:
    """A clean article. `text` is the body exactly as later offsets refer to it."""

    id: str
    source_path: str
    title: str
    text: str
    language: str | None = None          # BCP 47 primary tag: zh, vi, en ...
    script: str | None = None            # ISO 15924: Hans, Hant, Latn ...
    outlet: str | None = None
    url: str | None = None
    author: str | None = None
    published: str | None = None         # ISO 8601, with offset when known
    published_precision: str | None = None   # datetime | date | month-day
    published_evidence: str | None = None
    published_inferred: bool = False     # year filled in from the event it joined
    cited_sources: list[str] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Article":
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


@dataclass(slots=True)
class Passage:
    """One shared passage: [a_start, a_end) in article a's text matches [b_start, b_end) in b's."""

    a_start: int
    a_end: int
    b_start: int
    b_end: int
    similarity: float
    edits: dict[str, Any] = field(default_factory=dict)
    formula: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class ReuseLink:
    """A related article pair. kind: duplicate | reprint | partial | formula | translation."""

    a: str
    b: str
    kind: str
    a_coverage: float
    b_coverage: float
    direction: str = "unknown"           # a->b | b->a | common-source | unknown
    direction_evidence: str = ""
    common_source: str | None = None
    passages: list[Passage] = field(default_factory=list)
    family: str | None = None            # Family.id when this links a family member to its representative

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "ReuseLink":
        data = dict(data)
        data["passages"] = [Passage(**p) for p in data.get("passages", [])]
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


@dataclass(slots=True)
class Family:
    """Near-identical copies of one text (a story and its reprints), stored once.

    `members` lists every copy, the representative first, each as a dict: id, outlet,
    published, role (`representative` | `reprint`) and, for reprints, what the link to
    the representative says (kind, coverage, representative_coverage, similarity, edits,
    kept/cut/added characters against the representative). `source` is the member the
    others took the text from when the evidence allows (the credited outlet's own copy, or
    the one published first), with `direction_evidence`; `common_source` names an agency
    every member credits when none of them is that agency.
    """

    id: str
    representative: str
    members: list[dict[str, Any]] = field(default_factory=list)
    source: str | None = None
    direction_evidence: str = ""
    common_source: str | None = None

    @property
    def member_ids(self) -> list[str]:
        return [m["id"] for m in self.members]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Family":
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


@dataclass(slots=True)
class Event:
    """One real-world happening; every article belongs to exactly one event."""

    id: str
    title: str
    articles: list[str]
    summary: list[dict[str, str]] = field(default_factory=list)   # [{"text", "article"}]
    languages: list[str] = field(default_factory=list)
    outlets: list[str] = field(default_factory=list)
    start: str | None = None
    end: str | None = None
    event_date: str | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    confidence: float = 1.0
    reasons: dict[str, str] = field(default_factory=dict)        # article id -> why attached

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Event":
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})
