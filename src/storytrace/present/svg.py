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


def timeline_svg(points: list[TimelinePoint], *, compact: bool = False, width: int = 640) -> Markup:
    """One row per outlet (ordered by first publication), one dot per article at its time."""
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
             f'aria-label="When each outlet published">']
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
        parts.append(f'<text x="{left}" y="{y}" font-size="11" fill="#555">{_time_label(start, span)}</text>')
        parts.append(f'<text x="{width - right}" y="{y}" font-size="11" fill="#555" '
                     f'text-anchor="end">{_time_label(end, span)} (UTC)</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


@dataclass(frozen=True, slots=True)
class GraphNode:
    key: str
    label: str
    absent: bool = False      # a common source that is not in the collection (e.g. Xinhua)
    count: int = 0


@dataclass(frozen=True, slots=True)
class GraphEdge:
    source: str
    target: str
    kind: str
    label: str = ""
    directed: bool = True


def _node_positions(nodes: list[GraphNode], width: int, height: int) -> dict[str, tuple[float, float]]:
    """Left to right in the given (time) order, zig-zagging so that edges do not run through nodes."""
    margin = 80
    n = len(nodes)
    pos = {}
    for i, node in enumerate(nodes):
        x = width / 2 if n == 1 else margin + (width - 2 * margin) * i / (n - 1)
        y = height / 2 + (0 if n <= 2 else (-1) ** i * height * 0.22)
        pos[node.key] = (x, y)
    return pos


def reuse_graph_svg(nodes: list[GraphNode], edges: list[GraphEdge], *, width: int = 640,
                    height: int = 230) -> Markup:
    """Outlets as nodes (in time order), arrows from source to copier labelled with the share."""
    if not nodes:
        return Markup("")
    pos = _node_positions(nodes, width, height)
    radius = 20
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="reuse-graph" width="{width}" '
             f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="Who reused whose text"><defs>']
    for kind, colour in KIND_COLOURS.items():
        parts.append(f'<marker id="arrow-{kind}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
                     f'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
                     f'fill="{colour}"/></marker>')
    parts.append("</defs>")
    for edge in edges:
        if edge.source not in pos or edge.target not in pos or edge.source == edge.target:
            continue
        (x1, y1), (x2, y2) = pos[edge.source], pos[edge.target]
        dx, dy = x2 - x1, y2 - y1
        dist = math.hypot(dx, dy) or 1.0
        ux, uy = dx / dist, dy / dist
        bend = min(40.0, dist * 0.15)
        # Control point off the straight line, so A->B and B->A stay apart and labels don't collide.
        cx, cy = (x1 + x2) / 2 - uy * bend, (y1 + y2) / 2 + ux * bend
        sx, sy = x1 + ux * radius, y1 + uy * radius
        ex, ey = x2 - ux * (radius + 2), y2 - uy * (radius + 2)
        colour = KIND_COLOURS.get(edge.kind, OTHER_COLOUR)
        dash = ' stroke-dasharray="5 4"' if edge.kind in ("formula", "translation", "common-source") else ""
        marker = f' marker-end="url(#arrow-{edge.kind if edge.kind in KIND_COLOURS else "partial"})"' \
            if edge.directed else ""
        parts.append(f'<path class="edge edge-{escape(edge.kind)}" d="M{sx:.1f},{sy:.1f} Q{cx:.1f},{cy:.1f} '
                     f'{ex:.1f},{ey:.1f}" fill="none" stroke="{colour}" stroke-width="2"{dash}{marker}>'
                     f'<title>{escape(KIND_LABELS.get(edge.kind, edge.kind))}</title></path>')
        if edge.label:
            lx, ly = (sx + 2 * cx + ex) / 4, (sy + 2 * cy + ey) / 4
            parts.append(f'<text class="edge-label" x="{lx:.1f}" y="{ly + 4:.1f}" text-anchor="middle" '
                         f'font-size="12" fill="{colour}" stroke="#fff" stroke-width="3" '
                         f'paint-order="stroke">{escape(edge.label)}</text>')
    for node in nodes:
        x, y = pos[node.key]
        style = 'fill="#fff" stroke="#CC79A7" stroke-dasharray="4 3"' if node.absent \
            else 'fill="#f4f1ea" stroke="#333"'
        parts.append(f'<g class="node{" absent" if node.absent else ""}"><circle cx="{x:.1f}" cy="{y:.1f}" '
                     f'r="{radius}" {style} stroke-width="1.5"/>')
        if node.count:
            parts.append(f'<text x="{x:.1f}" y="{y + 4:.1f}" text-anchor="middle" font-size="12">'
                         f'{node.count}</text>')
        parts.append(f'<text x="{x:.1f}" y="{y + radius + 15:.1f}" text-anchor="middle" '
                     f'font-size="12">{escape(_short(node.label, 18))}</text>')
        if node.absent:
            parts.append(f'<text x="{x:.1f}" y="{y + radius + 29:.1f}" text-anchor="middle" '
                         f'font-size="11" fill="#666">(text not in collection)</text>')
        parts.append(f'<title>{escape(node.label)}</title></g>')
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
