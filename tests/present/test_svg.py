import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone

from storytrace.present.svg import (KIND_COLOURS, GraphEdge, GraphNode, TimelinePoint,
                                    language_colour, reuse_graph_svg, segments_bar_svg, timeline_svg)

NS = "{http://www.w3.org/2000/svg}"
T0 = datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)


def _parse(markup):
    return ET.fromstring(str(markup))


def test_timeline_rows_follow_first_publication_and_dots_follow_time():
    points = [TimelinePoint("Late", T0 + timedelta(hours=5), "en"),
              TimelinePoint("Early", T0, "zh"),
              TimelinePoint("Early", T0 + timedelta(hours=10), "zh")]
    root = _parse(timeline_svg(points))
    labels = [t.text for t in root.iter(NS + "text")]
    assert labels[:2] == ["Early", "Late"]
    circles = root.findall(NS + "circle")
    assert len(circles) == 3
    xs = sorted(float(c.get("cx")) for c in circles)
    assert xs[0] < xs[1] < xs[2]
    early = [c for c in circles if c.get("fill") == language_colour("zh")]
    assert len(early) == 2 and early[0].get("cy") == early[1].get("cy")


def test_compact_timeline_has_no_labels_and_handles_one_point():
    root = _parse(timeline_svg([TimelinePoint("Solo", T0, "vi")], compact=True))
    assert root.findall(NS + "text") == []
    circle = root.find(NS + "circle")
    assert 0 < float(circle.get("cx")) < float(root.get("width"))
    assert timeline_svg([]) == ""


def test_svg_escapes_outlet_names():
    markup = timeline_svg([TimelinePoint('<script>alert(1)</script>', T0, "en", label='"><img onerror=x>')])
    assert "<script>" not in markup and "<img" not in markup
    root = _parse(markup)  # still well-formed XML
    assert any("<script>" in (t.text or "") for t in root.iter(NS + "text"))


def test_reuse_graph_draws_arrows_labels_and_absent_source():
    nodes = [GraphNode("xinhua", "Xinhua", absent=True), GraphNode("a", "Outlet A", count=2),
             GraphNode("b", "Outlet B", count=1)]
    edges = [GraphEdge("xinhua", "a", "common-source", "70%"),
             GraphEdge("xinhua", "b", "common-source", "75%"),
             GraphEdge("a", "b", "translation", "40%", directed=False),
             GraphEdge("a", "a", "reprint", "12%")]  # reuse inside one outlet: a loop
    root = _parse(reuse_graph_svg(nodes, edges, label="Who reused whose text: Bridge opens"))
    assert root.get("aria-label") == "Who reused whose text: Bridge opens"
    paths = root.findall(NS + "path")
    assert len(paths) == 4
    assert sum(1 for p in paths if p.get("marker-end")) == 3
    assert "12%" in [t.text for t in root.iter(NS + "text")]
    assert paths[0].get("stroke") == KIND_COLOURS["common-source"]
    texts = [t.text for t in root.iter(NS + "text")]
    assert "70%" in texts and "75%" in texts
    assert "Xinhua" in texts and "(text not in collection)" in texts
    assert len(root.findall(f"{NS}g[@class='node absent']")) == 1


def test_segments_bar_widths_are_proportional():
    root = _parse(segments_bar_svg(50, 25, 25, width=200))
    widths = {r.get("class"): float(r.get("width")) for r in root.findall(NS + "rect")}
    assert widths == {"seg-kept": 100.0, "seg-cut": 50.0, "seg-added": 50.0}
    assert segments_bar_svg(0, 0, 0) == ""


def test_reuse_graph_labels_do_not_overlap_and_use_the_box():
    """Many outlets, arrows both ways and two common sources: no two texts share a spot."""
    nodes = [GraphNode("source:Xinhua", "Xinhua", absent=True), GraphNode("source:CNS", "China News Service", absent=True)]
    nodes += [GraphNode(f"o{i}", name, count=1) for i, name in
              enumerate(["港湾日报", "島嶼郵報", "Coastal Times", "Báo Duyên Hải", "中央通讯社新闻网站国际频道", "Metro"])]
    edges = [GraphEdge("source:Xinhua", f"o{i}", "common-source", f"{3 + i}%") for i in range(6)]
    edges += [GraphEdge("o0", "o1", "reprint", "80%"), GraphEdge("o1", "o0", "partial", "30%"),
              GraphEdge("o2", "o4", "translation", "40%", directed=False), GraphEdge("o3", "o3", "partial", "9%")]
    root = _parse(reuse_graph_svg(nodes, edges))
    boxes = []
    for t in root.iter(NS + "text"):
        x, y, size = float(t.get("x")), float(t.get("y")), float(t.get("font-size"))
        width = sum(size if ord(ch) >= 0x1100 else size * 0.6 for ch in t.text)
        if t.get("text-anchor") == "middle":
            x -= width / 2
        assert 0 <= x and x + width <= 640 + 1, t.text      # inside the box
        boxes.append((x, x + width, y - size, y, t.text))
    for i, (a0, a1, b0, b1, ta) in enumerate(boxes):
        for c0, c1, d0, d1, tb in boxes[i + 1:]:
            assert a1 <= c0 or c1 <= a0 or b1 <= d0 or d1 <= b0, (ta, tb)
    ys = [float(c.get("cy")) for c in root.iter(NS + "circle")]
    assert max(ys) - min(ys) >= 270 * 0.45     # nodes spread over the height, not one middle band
