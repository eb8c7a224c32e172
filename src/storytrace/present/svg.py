"""Inline SVG charts: event timelines, reuse graphs and kept/cut/added bars.

Why hand-written SVG rather than a plotting library: the report must be one offline file,
charts are three small shapes, and plain functions returning markup are easy to test
(parse the XML, count the circles). Every text that comes from an article goes through
`markupsafe.escape`; colours come from the palettes below, which the templates also use
for the legends, so a colour never appears without its meaning.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from markupsafe import Markup, escape

# Okabe–Ito colours: distinguishable with the common colour-vision deficiencies.
LANGUAGE_COLOURS = {"zh": "#D55E00", "en": "#0072B2", "vi": "#009E73", "ja": "#CC79A7",
                    "ko": "#E69F00", "fr": "#56B4E9"}
OTHER_COLOUR = "#666666"
KIND_COLOURS = {"duplicate": "#000000", "reprint": "#D55E00", "partial": "#E69F00",
                "formula": "#999999", "translation": "#0072B2", "common-source": "#CC79A7"}
KIND_LABELS = {"duplicate": "duplicate (same text)", "reprint": "reprint (most of the text)",
               "partial": "partial reuse", "formula": "stock phrases only",
               "translation": "translation", "common-source": "from a common source"}
SEGMENT_COLOURS = {"kept": "#009E73", "cut": "#D55E00", "added": "#56B4E9"}
# Darker shades of the same hues for text (labels, badges): at least 4.5:1 on white (WCAG AA).
KIND_TEXT_COLOURS = {"duplicate": "#000000", "reprint": "#B34F00", "partial": "#8A5A00",
                     "formula": "#6B6B6B", "translation": "#0072B2", "common-source": "#9E4A7F"}
TEXT_GREY = "#595959"


def language_colour(language: str | None) -> str:
    return LANGUAGE_COLOURS.get((language or "").lower(), OTHER_COLOUR)


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True, slots=True)
class TimelinePoint:
    outlet: str
    when: datetime
    language: str | None = None
    label: str = ""


def _scale(start: datetime, end: datetime, x0: float, x1: float):
    span = (end - start).total_seconds() or 1.0
    return lambda t: x0 + (x1 - x0) * (t - start).total_seconds() / span


def _time_label(t: datetime, span: timedelta) -> str:
    return t.strftime("%m-%d %H:%M") if span < timedelta(days=3) else t.strftime("%Y-%m-%d")


def timeline_svg(points: list[TimelinePoint], *, compact: bool = False, width: int = 640,
                 label: str = "When each outlet published") -> Markup:
    """One row per outlet (ordered by first publication), one dot per article at its time.
    `label` is the chart's accessible name (make it unique on the page: name the event)."""
    if not points:
        return Markup("")
    points = sorted(points, key=lambda p: p.when)
    outlets: list[str] = []
    for p in points:
        if p.outlet not in outlets:
            outlets.append(p.outlet)
    start, end = points[0].when, points[-1].when
    if end - start < timedelta(minutes=30):
        start, end = start - timedelta(minutes=30), end + timedelta(minutes=30)
    if compact:
        width, row, left, right, top, radius = 160, 8, 4, 4, 4, 3.0
    else:
        row, left, right, top, radius = 24, 150, 20, 10, 6.0
    height = top * 2 + row * len(outlets) + (0 if compact else 22)
    x = _scale(start, end, left, width - right)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="timeline{" compact" if compact else ""}" '
             f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="{escape(label)}">']
    for i, outlet in enumerate(outlets):
        y = top + row * i + row / 2
        parts.append(f'<line class="lane" x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" '
                     f'stroke="#ddd" stroke-width="1"/>')
        if not compact:
            parts.append(f'<text x="{left - 8}" y="{y + 4:.1f}" text-anchor="end" font-size="12">'
                         f'{escape(_short(outlet, 20))}</text>')
    lane = {o: i for i, o in enumerate(outlets)}
    for p in points:
        y = top + row * lane[p.outlet] + row / 2
        tip = f"{p.outlet} · {p.when.strftime('%Y-%m-%d %H:%M')}" + (f" · {p.label}" if p.label else "")
        parts.append(f'<circle cx="{x(p.when):.1f}" cy="{y:.1f}" r="{radius}" '
                     f'fill="{language_colour(p.language)}"><title>{escape(tip)}</title></circle>')
    if not compact:
        y = top + row * len(outlets) + 14
        span = end - start
        parts.append(f'<text x="{left}" y="{y}" font-size="11" fill="{TEXT_GREY}">{_time_label(start, span)}</text>')
        parts.append(f'<text x="{width - right}" y="{y}" font-size="11" fill="{TEXT_GREY}" '
                     f'text-anchor="end">{_time_label(end, span)} (UTC)</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


@dataclass(frozen=True, slots=True)
class GraphNode:
    key: str
    label: str
    absent: bool = False      # a common source that is not in the collection (e.g. Xinhua)
    count: int = 0
    also_member: bool = False  # absent, yet the same name is a member outlet (another version of its text)


@dataclass(frozen=True, slots=True)
class GraphEdge:
    source: str
    target: str
    kind: str
    label: str = ""
    directed: bool = True


def _text_width(text: str, size: float = 12) -> float:
    """Rough rendered width: CJK and other wide characters are about one em, the rest about 0.6."""
    return sum(size if ord(ch) >= 0x1100 else size * 0.6 for ch in text)


def _fit(text: str, max_width: float, size: float = 12) -> str:
    if _text_width(text, size) <= max_width:
        return text
    while text and _text_width(text + "…", size) > max_width:
        text = text[:-1]
    return text + "…"


_ROW_TOP, _ROW_BOTTOM = 70, 70   # node centres this far from the top and the bottom edge


def _node_positions(nodes: list[GraphNode], width: int, height: int) -> dict[str, tuple[float, float]]:
    """Left to right in the given (time) order, alternating between a top and a bottom row so
    that edges run through the middle band and never through a node or its label."""
    margin = 75
    n = len(nodes)
    pos = {}
    for i, node in enumerate(nodes):
        x = width / 2 if n == 1 else margin + (width - 2 * margin) * i / (n - 1)
        y = height / 2 if n <= 2 else (_ROW_TOP if i % 2 == 0 else height - _ROW_BOTTOM)
        pos[node.key] = (x, y)
    return pos


class _Labels:
    """Boxes already used by nodes and labels, so a new label can be put where it is free."""

    def __init__(self):
        self.boxes: list[tuple[float, float, float, float]] = []

    def free(self, x: float, y: float, w: float, h: float) -> bool:
        return all(x + w / 2 < a or x - w / 2 > b or y + h / 2 < c or y - h / 2 > d
                   for a, b, c, d in self.boxes)

    def take(self, x: float, y: float, w: float, h: float) -> None:
        self.boxes.append((x - w / 2, x + w / 2, y - h / 2, y + h / 2))


def _bezier(p0, p1, p2, t):
    return tuple((1 - t) ** 2 * a + 2 * (1 - t) * t * b + t * t * c for a, b, c in zip(p0, p1, p2))


def reuse_graph_svg(nodes: list[GraphNode], edges: list[GraphEdge], *, width: int = 640,
                    height: int = 270, label: str = "Who reused whose text") -> Markup:
    """Outlets as nodes (in time order), arrows from source to copier labelled with the share;
    reuse inside one outlet is a loop. Node names sit outside the band the arrows use (above
    the top row, below the bottom row) and share labels are moved along their arrow until
    they overlap nothing. `label` is the accessible name (name the event)."""
    if not nodes:
        return Markup("")
    pos = _node_positions(nodes, width, height)
    radius = 20
    n = len(nodes)
    row_gap = (width - 150) * (2 if n > 2 else 1) / max(1, n - 1) if n > 1 else width
    name_width = min(150.0, row_gap - 10)
    placed = _Labels()
    top_row = {node.key: n > 2 and i % 2 == 0 for i, node in enumerate(nodes)}
    node_parts = []
    for node in nodes:
        x, y = pos[node.key]
        placed.take(x, y, 2 * radius + 4, 2 * radius + 4)
        above = top_row[node.key]
        lines = [_fit(node.label, name_width)]
        if node.absent:
            lines.append("(version not in collection)" if node.also_member else "(text not in collection)")
        # Names above top-row nodes (last line nearest the node), below the others.
        ys = ([y - radius - 8 - 14 * (len(lines) - 1 - k) for k in range(len(lines))] if above
              else [y + radius + 15 + 14 * k for k in range(len(lines))])
        style = 'fill="#fff" stroke="#9E4A7F" stroke-dasharray="4 3"' if node.absent \
            else 'fill="#f4f1ea" stroke="#333"'
        node_parts.append(f'<g class="node{" absent" if node.absent else ""}"><circle cx="{x:.1f}" cy="{y:.1f}" '
                          f'r="{radius}" {style} stroke-width="1.5"/>')
        if node.count:
            node_parts.append(f'<text x="{x:.1f}" y="{y + 4:.1f}" text-anchor="middle" font-size="12">'
                              f'{node.count}</text>')
        for k, (line, ly) in enumerate(zip(lines, ys)):
            size = 12 if k == 0 else 11
            fill = "#1f2328" if k == 0 else TEXT_GREY
            half = _text_width(line, size) / 2 + 2
            lx = min(max(x, half), width - half)     # kept inside the box
            node_parts.append(f'<text class="{"node-label" if k == 0 else "node-note"}" x="{lx:.1f}" y="{ly:.1f}" '
                              f'text-anchor="middle" font-size="{size}" fill="{fill}">{escape(line)}</text>')
            placed.take(lx, ly - 4, 2 * half, 14)
        node_parts.append(f'<title>{escape(node.label)}</title></g>')

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="reuse-graph" width="{width}" '
             f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="{escape(label)}"><defs>']
    for kind, colour in KIND_COLOURS.items():
        parts.append(f'<marker id="arrow-{kind}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
                     f'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
                     f'fill="{colour}"/></marker>')
    parts.append("</defs>")
    label_parts = []
    seen_pairs: set[tuple[str, str]] = set()
    for edge in edges:
        if edge.source not in pos or edge.target not in pos:
            continue
        colour = KIND_COLOURS.get(edge.kind, OTHER_COLOUR)
        text_colour = KIND_TEXT_COLOURS.get(edge.kind, TEXT_GREY)
        dash = ' stroke-dasharray="5 4"' if edge.kind in ("formula", "translation", "common-source") else ""
        marker = f' marker-end="url(#arrow-{edge.kind if edge.kind in KIND_COLOURS else "partial"})"' \
            if edge.directed else ""
        title = f'<title>{escape(KIND_LABELS.get(edge.kind, edge.kind))}</title>'
        if edge.source == edge.target:
            # Reuse between two articles of the same outlet: a loop on the node's left.
            x, y = pos[edge.source]
            path = (f"M{x - radius * 0.8:.1f},{y - radius * 0.6:.1f} C{x - radius - 45:.1f},{y - 40:.1f} "
                    f"{x - radius - 45:.1f},{y + 40:.1f} {x - radius * 0.8 - 2:.1f},{y + radius * 0.6 + 2:.1f}")
            candidates = [(x - radius - 38, y + 4)]
        else:
            (x1, y1), (x2, y2) = pos[edge.source], pos[edge.target]
            dx, dy = x2 - x1, y2 - y1
            dist = math.hypot(dx, dy) or 1.0
            ux, uy = dx / dist, dy / dist
            reverse = (edge.target, edge.source) in seen_pairs
            seen_pairs.add((edge.source, edge.target))
            if abs(dy) < 1 and n > 2:
                # Same row: bow towards the middle band, past the nodes in between.
                toward = 1 if y1 < height / 2 else -1
                bend = min(70.0, 18 + dist * 0.18) * (0.55 if reverse else 1.0)
                cx, cy = (x1 + x2) / 2, (y1 + y2) / 2 + toward * bend
            else:
                bend = min(40.0, dist * 0.15)
                cx, cy = (x1 + x2) / 2 - uy * bend, (y1 + y2) / 2 + ux * bend
            # Start and end on the circles, in the direction of the control point.
            def on_circle(px, py, qx, qy, r):
                d = math.hypot(qx - px, qy - py) or 1.0
                return px + (qx - px) / d * r, py + (qy - py) / d * r
            sx, sy = on_circle(x1, y1, cx, cy, radius)
            ex, ey = on_circle(x2, y2, cx, cy, radius + 2)
            path = f"M{sx:.1f},{sy:.1f} Q{cx:.1f},{cy:.1f} {ex:.1f},{ey:.1f}"
            candidates = [_bezier((sx, sy), (cx, cy), (ex, ey), t) for t in (0.5, 0.38, 0.62, 0.28, 0.72, 0.2, 0.8)]
        parts.append(f'<path class="edge edge-{escape(edge.kind)}" d="{path}" fill="none" stroke="{colour}" '
                     f'stroke-width="2"{dash}{marker}>{title}</path>')
        if edge.label:
            w = _text_width(edge.label) + 6
            lx, ly = next(((px, py) for px, py in candidates if placed.free(px, py, w, 15)), candidates[0])
            placed.take(lx, ly, w, 15)
            label_parts.append(f'<rect class="edge-label-bg" x="{lx - w / 2:.1f}" y="{ly - 7.5:.1f}" width="{w:.1f}" '
                               f'height="15" rx="3" fill="#fff" fill-opacity="0.92"/>')
            label_parts.append(f'<text class="edge-label" x="{lx:.1f}" y="{ly + 4:.1f}" text-anchor="middle" '
                               f'font-size="12" font-weight="600" fill="{text_colour}" stroke="#fff" '
                               f'stroke-width="4" paint-order="stroke">{escape(edge.label)}</text>')
    parts += node_parts + label_parts
    parts.append("</svg>")
    return Markup("".join(parts))


def segments_bar_svg(kept: int, cut: int, added: int, *, width: int = 220, height: int = 12) -> Markup:
    """One stacked bar: characters kept from the source, cut from it, and added by the member."""
    total = kept + cut + added
    if total <= 0:
        return Markup("")
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="segments" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="kept {kept}, cut {cut}, added {added} characters">']
    x = 0.0
    for name, value in (("kept", kept), ("cut", cut), ("added", added)):
        w = width * value / total
        if w > 0:
            parts.append(f'<rect class="seg-{name}" x="{x:.1f}" y="0" width="{w:.1f}" height="{height}" '
                         f'fill="{SEGMENT_COLOURS[name]}"><title>{name}: {value} characters</title></rect>')
        x += w
    parts.append("</svg>")
    return Markup("".join(parts))
