"""Side-by-side comparison of two articles: shared passages as classified, non-overlapping segments.

The report (Python, pre-rendered) and the web app use the same segments, so a passage looks
the same everywhere. Differences inside an edited passage come from rapidfuzz's Levenshtein
opcodes computed on the folded text (same length as the original, see textfold), so a
change of script alone (濱 vs 滨) is not shown as an edit while every real one is.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from rapidfuzz.distance import Levenshtein

from ..model import Article, Passage, ReuseLink
from ..textfold import fold

PASSAGE_CLASSES = {
    "verbatim": "same words (script, width and punctuation aside)",
    "edited": "edited: struck-through text was changed or cut, underlined text was changed or added",
    "translated": "the same passage in another language",
    "formula": "stock phrase (not counted as reuse)",
}


@dataclass(slots=True)
class Segment:
    """A run of one side's text; `passage` is the shared-passage number or None for own text."""

    text: str
    passage: int | None = None
    cls: str = ""
    changed: bool = False       # inside an edited passage: these characters differ


@dataclass(slots=True)
class PairView:
    a: Article
    b: Article
    link: ReuseLink | None
    a_segments: list[Segment] = field(default_factory=list)
    b_segments: list[Segment] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def same(self) -> bool:
        return self.a.id == self.b.id

    @property
    def evidence(self) -> str:
        """The link's direction evidence in words a reader can follow: article ids become
        "the left article" / "the right article"."""
        text = self.link.direction_evidence if self.link else ""
        for art, side in ((self.a, "left"), (self.b, "right")):
            if art.id:
                text = text.replace(art.id, f"the {side} article")
        return text

    @property
    def source_side(self) -> str | None:
        """'a' or 'b': the side the shared text came from, when the link says so ("a->b" in
        the link's own order, whichever side each article is shown on); None otherwise."""
        link = self.link
        if link is None or link.direction not in ("a->b", "b->a"):
            return None
        source = link.a if link.direction == "a->b" else link.b
        return "a" if source == self.a.id else "b"


def passage_class(kind: str, passage: Passage, a_text: str, b_text: str) -> str:
    if kind == "translation":
        return "translated"
    if passage.formula or kind == "formula":
        return "formula"
    if fold(a_text[passage.a_start:passage.a_end]) == fold(b_text[passage.b_start:passage.b_end]):
        return "verbatim"
    return "edited"


def _changed_spans(a_part: str, b_part: str) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Character ranges that differ, in a_part and in b_part (relative offsets)."""
    a_spans, b_spans = [], []
    for op in Levenshtein.opcodes(fold(a_part), fold(b_part)):
        if op.tag == "equal":
            continue
        if op.src_end > op.src_start:
            a_spans.append((op.src_start, op.src_end))
        if op.dest_end > op.dest_start:
            b_spans.append((op.dest_start, op.dest_end))
    return a_spans, b_spans


def _split_changed(text: str, spans: list[tuple[int, int]], number: int, cls: str) -> list[Segment]:
    out, pos = [], 0
    for start, end in spans:
        if start > pos:
            out.append(Segment(text[pos:start], number, cls))
        out.append(Segment(text[start:end], number, cls, changed=True))
        pos = end
    if pos < len(text):
        out.append(Segment(text[pos:], number, cls))
    return out


def _segments(text: str, marks: list[tuple[int, int, int, str, list[tuple[int, int]]]]) -> list[Segment]:
    """Cut `text` at the marked ranges; overlapping ranges are clipped so every char shows once."""
    out: list[Segment] = []
    pos = 0
    for orig_start, end, number, cls, changed in sorted(marks):
        start, end = max(orig_start, pos), min(end, len(text))
        if end <= start:
            continue
        if start > pos:
            out.append(Segment(text[pos:start]))
        if changed and start == orig_start:
            out.extend(_split_changed(text[start:end], [(s, min(e, end - start)) for s, e in changed
                                                          if s < end - start], number, cls))
        else:
            out.append(Segment(text[start:end], number, cls))
        pos = end
    if pos < len(text):
        out.append(Segment(text[pos:]))
    return out


def build_pair(a: Article, b: Article, link: ReuseLink | None) -> PairView:
    """Segments for both sides; the link may name the articles in either order."""
    view = PairView(a, b, link)
    if link is None or not link.passages or a.id == b.id:
        view.a_segments, view.b_segments = [Segment(a.text)], [Segment(b.text)]
        return view
    swapped = link.a != a.id
    a_marks, b_marks = [], []
    for number, p in enumerate(link.passages):
        if swapped:
            p = Passage(p.b_start, p.b_end, p.a_start, p.a_end, p.similarity, p.edits, p.formula)
        cls = passage_class(link.kind, p, a.text, b.text)
        a_changed, b_changed = [], []
        if cls == "edited":
            a_changed, b_changed = _changed_spans(a.text[p.a_start:p.a_end], b.text[p.b_start:p.b_end])
        a_marks.append((p.a_start, p.a_end, number, cls, a_changed))
        b_marks.append((p.b_start, p.b_end, number, cls, b_changed))
        view.counts[cls] = view.counts.get(cls, 0) + 1
    view.a_segments, view.b_segments = _segments(a.text, a_marks), _segments(b.text, b_marks)
    return view


CLASS_CODES = {"": 0, "verbatim": 1, "edited": 2, "translated": 3, "formula": 4}


def pair_payload(view: PairView, event_id: str | None) -> dict:
    """The same segments as compact numbers for the report's script, which slices the article
    text already in the page: [length in code points, passage number or -1, class code * 2 + changed]."""
    def shown_length(text: str) -> int:
        # The HTML parser turns CR LF and lone CR into LF in the text the script reads back.
        return len(text.replace("\r\n", "\n"))

    def segments(segs: list[Segment]) -> list[list[int]]:
        return [[shown_length(s.text), -1 if s.passage is None else s.passage,
                 CLASS_CODES[s.cls] * 2 + int(s.changed)] for s in segs]

    link = view.link
    return {"a": view.a.id, "b": view.b.id, "event": event_id, "source": view.source_side,
            "kind": link.kind if link else None, "direction": link.direction if link else None,
            "common_source": link.common_source if link else None,
            "evidence": view.evidence,
            "passages": len(link.passages) if link else 0, "counts": view.counts,
            "sa": segments(view.a_segments), "sb": segments(view.b_segments)}
