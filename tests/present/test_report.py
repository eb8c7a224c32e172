import json
import re
from html.parser import HTMLParser

from storytrace.present.compare import build_pair
from storytrace.present.report import (StaticUrls, fold_table, render_report, safe_url, script_json,
                                       write_report)
from storytrace.present.views import ReportData


class _Collector(HTMLParser):
    """Every tag and attribute as the browser's tokenizer sees them."""

    def __init__(self):
        super().__init__()
        self.tags, self.attrs = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.extend((tag, k, v) for k, v in attrs)


def _parse(html):
    parser = _Collector()
    parser.feed(html)
    return parser


def test_report_is_one_offline_file_with_every_view(sample_store, sample, tmp_path):
    path = write_report(sample_store, tmp_path / "report.html")
    html = path.read_text(encoding="utf-8")
    parsed = _parse(html)
    # no external resources at all
    for tag, key, value in parsed.attrs:
        if key in ("src", "href") and value:
            assert (value.startswith("#") or value.startswith("data:")
                    or value.startswith(("http://", "https://")) and tag == "a"), value
    assert 'id="event-E1"' in html and 'id="event-E2"' in html
    assert html.index('data-event="E2"') < html.index('data-event="E1"')  # newest first
    pair_id = StaticUrls.pair_id(sample["a"].id, sample["b"].id)
    assert f'id="{pair_id}"' in html
    assert "Xinhua" in html and "not in the collection" in html


def test_hostile_article_is_inert(sample_store, tmp_path):
    html = render_report(sample_store)
    parsed = _parse(html)
    scripts = [a for a in parsed.attrs if a[0] == "script"]
    assert parsed.tags.count("script") == 3  # two JSON blocks and our nonce script, nothing else
    assert {k for _, k, _ in scripts} <= {"nonce", "type", "id"}
    assert not [a for a in parsed.attrs if a[1].startswith("on")]
    assert not [a for a in parsed.attrs if a[1] == "href" and "javascript:" in (a[2] or "").lower()]
    assert "img" not in parsed.tags
    assert "&lt;script&gt;window.__pwned=1;alert(1)&lt;/script&gt;" in html


def test_csp_nonce_is_fresh_and_matches_the_script(sample_store):
    first, second = render_report(sample_store), render_report(sample_store)
    nonce = re.search(r"script-src 'nonce-([^']+)'", first).group(1)
    assert f'<script nonce="{nonce}">' in first
    assert nonce not in second


def test_script_json_cannot_close_the_script_element():
    text = script_json({"t": "</script><script>x()</script>\u2028&"})
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(str(text)) == {"t": "</script><script>x()</script>\u2028&"}


def test_safe_url_only_links_http():
    assert safe_url("https://example.org/a") == "https://example.org/a"
    assert safe_url(" JavaScript:alert(1)") is None and safe_url("data:text/html,x") is None


def test_fold_table_maps_traditional_to_simplified():
    table = fold_table()
    pairs = {table[i]: table[i + 1] for i in range(0, len(table), 2)}
    assert pairs["習"] == "习" and pairs["濱"] == "滨" and pairs["，"] == ","
    assert len(table.encode("utf-8")) < 40_000


def test_events_show_members_by_time_with_sources(sample_store, sample):
    data = ReportData(sample_store)
    e1 = data.event_by_id["E1"]
    assert [m.article.id for m in e1.members] == [sample[k].id for k in ("a", "b", "c", "d")]
    assert e1.members[0].after_first == "first" and e1.members[1].after_first == "+2h 30m"
    b_source = e1.members[1].source
    assert b_source.via == "Xinhua" and b_source.other.id == sample["a"].id
    assert b_source.kept + b_source.cut == len(sample["a"].text)
    assert e1.cited == [("Xinhua", ["港湾日报", "Coastal Times"])]
    assert "not in collection" in str(e1.graph)


def test_ungrouped_articles_still_appear(tmp_path, sample):
    from storytrace.store import Store

    with Store(tmp_path / "bare.db") as store:
        store.add_articles([sample["a"], sample["d"]])
        data = ReportData(store)
        assert len(data.events) == 2 and not any(ev.grouped for ev in data.events)
        assert sample["d"].title in render_report(store)


def test_pair_marks_verbatim_and_edited_differences(sample_store, sample):
    data = ReportData(sample_store)
    view = build_pair(sample["a"], sample["b"], data.link_between(sample["a"].id, sample["b"].id))
    assert view.counts == {"verbatim": 1, "edited": 1}
    changed_a = [s.text for s in view.a_segments if s.changed]
    changed_b = [s.text for s in view.b_segments if s.changed]
    assert changed_a == ["五"] and changed_b == ["二"]  # 十五 -> 二十; script changes are not edits
    assert "".join(s.text for s in view.a_segments) == sample["a"].text
    swapped = build_pair(sample["b"], sample["a"], data.link_between(sample["a"].id, sample["b"].id))
    changed = "".join(s.text for s in swapped.a_segments if s.changed)
    assert "二" in changed and len(changed) <= 2


def test_pair_payload_segments_cover_the_text_in_order(sample_store, sample):
    from storytrace.present.compare import CLASS_CODES, pair_payload

    data = ReportData(sample_store)
    view = build_pair(sample["a"], sample["b"], data.link_between(sample["a"].id, sample["b"].id))
    payload = pair_payload(view, "E1")
    assert sum(seg[0] for seg in payload["sa"]) == len(sample["a"].text)
    assert sum(seg[0] for seg in payload["sb"]) == len(sample["b"].text)
    edited_changed = CLASS_CODES["edited"] * 2 + 1
    pos, changed = 0, []
    for length, passage, code in payload["sa"]:
        if code == edited_changed:
            changed.append(sample["a"].text[pos:pos + length])
        pos += length
    assert changed == ["五"] and payload["event"] == "E1" and payload["common_source"] == "Xinhua"
