"""Hidden outlet boilerplate kept current in the store (`normalize.boilerplate.refresh_hidden_spans`):
after any sequence of batches the spans equal what learning over the whole store gives
(`collection_hidden_spans`), and a refresh reads and rewrites only what the batch changes."""
import dataclasses
import random

from storytrace.model import Article, content_id
from storytrace.normalize.boilerplate import HIDDEN_KEY, collection_hidden_spans, refresh_hidden_spans
from storytrace.stageview import as_found
from storytrace.store import Store

FOOTERS = {"新华社": ["（编辑：王某）", "新华社版权所有，未经授权不得转载"],
           "中新网": ["【编辑:李某】", "本文来源：中新网"],
           "BBC": ["更多BBC中文报道请点击这里"]}


def _article(i: int, outlet: str | None, rng: random.Random, footer_p: float = 0.6) -> Article:
    body = [f"第{i}篇报道的正文，讲了{rng.choice(['外交', '经济', '体育', '天气'])}方面第{i}件事。",
            f"第二段，编号{i}。"]
    lines = FOOTERS.get(outlet, ["通用尾注"])
    if rng.random() < footer_p:
        body.append(rng.choice(lines))
    if rng.random() < 0.2:
        body.insert(0, lines[0])                          # an opener
    if rng.random() < 0.1:
        body.insert(1, lines[-1])                         # the same line mid-text: hidden too
    text = "\n\n".join(body)
    title = f"标题{i}"
    return Article(id=content_id(text, title), source_path=f"src/{i:04d}.html", title=title, text=text, outlet=outlet)


def _expected(store: Store) -> dict[str, list | None]:
    spans = collection_hidden_spans(as_found(a) for a in store.articles())
    return {a.id: spans.get(a.id) for a in store.articles()}


def _stored(store: Store) -> dict[str, list | None]:
    return {a.id: a.metadata.get(HIDDEN_KEY) for a in store.articles()}


def test_spans_equal_learning_over_the_whole_store_after_any_batches(tmp_path):
    rng = random.Random(13)
    outlets = ["新华社", "中新网", "BBC", None]
    arts = [_article(i, rng.choice(outlets), rng) for i in range(160)]
    # the same text under a second outlet counts for each; a repost under one outlet counts once
    arts.append(dataclasses.replace(arts[0], id="x" + arts[0].id[1:], outlet="BBC", source_path="src/x.html"))
    arts.append(dataclasses.replace(arts[1], title="又一个标题", id="y" + arts[1].id[1:], source_path="src/y.html"))
    for order in range(2):
        rng.shuffle(arts)
        with Store(tmp_path / f"s{order}.db") as store:
            lo = 0
            while lo < len(arts):
                size = rng.choice([1, 3, 10, 40])
                store.add_articles(arts[lo:lo + size])
                lo += size
                before = _stored(store)
                rewritten = refresh_hidden_spans(store)
                after = _stored(store)
                assert after == _expected(store)
                assert rewritten == sum(before[i] != after[i] for i in after)
            assert refresh_hidden_spans(store) == 0
            assert any(after.values())


def test_a_copy_from_another_outlet_moves_the_article_between_outlets(tmp_path):
    rng = random.Random(5)
    arts = [_article(i, "新华社", rng, footer_p=1.0) for i in range(12)]
    with Store(tmp_path / "s.db") as store:
        store.add_articles(arts)
        refresh_hidden_spans(store)
        moved = arts[0]
        assert store.get_article(moved.id).metadata.get(HIDDEN_KEY)
        # the same document found again under a smaller path, credited to another outlet
        store.add_articles([dataclasses.replace(moved, source_path="a/first.html", outlet="BBC")])
        refresh_hidden_spans(store)
        assert store.get_article(moved.id).outlet == "BBC"
        assert _stored(store) == _expected(store)
        assert store.get_article(moved.id).metadata.get(HIDDEN_KEY) is None


def test_a_line_stops_recurring_when_the_outlet_outgrows_it(tmp_path):
    """`recurring_lines` needs a line in 1% of an outlet's texts once it has more than 500:
    a line in 5 of 500 is hidden, and no longer when the 501st text arrives."""
    line = "本栏目由某某赞助"
    common = [Article(id=content_id(f"正文{i}。\n\n{line}", f"t{i}"), source_path=f"{i}.txt", title=f"t{i}",
                      text=f"正文{i}。\n\n{line}", outlet="大报") for i in range(5)]
    plain = [Article(id=content_id(f"普通正文{i}。", f"p{i}"), source_path=f"p{i}.txt", title=f"p{i}",
                     text=f"普通正文{i}。", outlet="大报") for i in range(496)]
    with Store(tmp_path / "s.db") as store:
        store.add_articles(common + plain[:495])
        refresh_hidden_spans(store)
        assert all(store.get_article(a.id).metadata.get(HIDDEN_KEY) for a in common)
        mark = store.articles_mark()
        store.add_articles(plain[495:])
        assert refresh_hidden_spans(store) == 5
        assert not any(store.get_article(a.id).metadata.get(HIDDEN_KEY) for a in common)
        assert _stored(store) == _expected(store)
        # the five whose spans went are changed as stages read them; the rest are not
        store.mark_stage("reuse", "fp", mark)
        assert set(store.changed_article_ids_since("reuse")) == {a.id for a in common} | {plain[495].id}
