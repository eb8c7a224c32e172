"""Paragraph alignment across languages, measured on self-written parallel stories."""
from __future__ import annotations

from storytrace.events import cluster_events, translation_links
from storytrace.events.translation import paragraphs


def test_paragraph_spans_point_into_the_text():
    text = "  第一段，足够长的一段中文内容。\n\nshort\nA second paragraph that is long enough to count."
    spans = paragraphs(text)
    assert [text[s:e] for s, e in spans] == ["第一段，足够长的一段中文内容。",
                                             "A second paragraph that is long enough to count."]


def test_alignment_accuracy_on_parallel_stories(stories, encoder):
    articles, _, paras = stories
    by_id = {a.id: a for a in articles}
    events = cluster_events(articles, [], encoder=encoder)
    links = translation_links(articles, events, encoder=encoder)
    assert links and all(l.kind == "translation" for l in links)
    correct = total = 0
    for link in links:
        assert by_id[link.a].language != by_id[link.b].language
        for p in link.passages:
            a_text, b_text = by_id[link.a].text, by_id[link.b].text
            assert a_text[p.a_start:p.a_end] in paras[link.a]
            assert b_text[p.b_start:p.b_end] in paras[link.b]
            correct += paras[link.a].index(a_text[p.a_start:p.a_end]) == paras[link.b].index(b_text[p.b_start:p.b_end])
            total += 1
            assert 0 < p.similarity <= 1
    # Every cross-language pair inside an event has 3 aligned paragraphs.
    possible = sum(3 for l in links)
    assert correct / total >= 0.9, (correct, total)
    assert total / possible >= 0.8, (total, possible)


def test_single_language_events_give_no_translation_links(stories, encoder):
    articles, _, _ = stories
    zh_only = [a for a in articles if a.language == "zh"]
    events = cluster_events(zh_only, [], encoder=encoder)
    assert translation_links(zh_only, events, encoder=encoder) == []
