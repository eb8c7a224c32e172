"""Store access that costs what is asked for: articles by id, streamed in batches, by
publication window; per-article digests and their order-independent sum; what was added
or changed since a stage last ran; results sums kept by the writers."""
import dataclasses
import sqlite3
from datetime import date, datetime, timezone

import pytest

from storytrace.model import Article, Event, Passage, ReuseLink, content_id
from storytrace.stageview import AS_FOUND_KEY, published_day
from storytrace.store import Store


def _article(text: str, title: str = "标题", **kw) -> Article:
    return Article(id=content_id(text, title), source_path=f"{title}-{text[:4]}.txt", title=title, text=text, **kw)


PUBLISHED = ["2021-02-03T08:00:00+08:00",   # 00:00 UTC on the 3rd
             "2021-02-03",                  # 12:00 UTC on the 3rd
             "2021-02-03T23:30:00-05:00",   # 04:30 UTC on the 4th, written as the 3rd
             "2021-02-05T10:00:00Z",
             "--02-04",                     # no year: undated
             None,
             "not a date"]


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "s.db") as st:
        st.add_articles([_article(f"第{i}篇文章的正文，各不相同。", title=f"标题{i}", published=p, outlet="新华社")
                         for i, p in enumerate(PUBLISHED)])
        yield st


def test_get_articles_keeps_the_order_given_and_leaves_out_unknown_ids(store):
    ids = store.article_ids()
    wanted = [ids[3], "nope", ids[0], ids[3]]
    assert [a.id for a in store.get_articles(wanted)] == [ids[3], ids[0], ids[3]]
    many = ids * 300                         # more than one IN batch
    assert [a.id for a in store.get_articles(many)] == many
    assert store.get_articles([]) == []


def test_iter_articles_streams_in_seq_order_across_batches_and_sees_later_inserts(store):
    assert [a.id for a in store.iter_articles(batch=2)] == store.article_ids()
    stream = store.iter_articles(batch=3)
    first = [next(stream) for _ in range(3)]
    late = _article("读到一半时才加入的文章。", title="后来")
    store.add_articles([late])                # a write between batches is fine
    rest = list(stream)
    assert [a.id for a in first + rest] == store.article_ids()
    assert rest[-1].id == late.id
    assert [a.id for a in store.iter_articles(after_seq=5)] == store.article_ids()[5:]


def test_publication_window_by_instant_and_by_day_as_written(store):
    by_pub = {a.published: a.id for a in store.articles()}
    day3 = datetime(2021, 2, 3, tzinfo=timezone.utc)
    got = store.article_ids_published_between(day3, datetime(2021, 2, 3, 23, 59, 59, tzinfo=timezone.utc))
    assert set(got) == {by_pub["2021-02-03T08:00:00+08:00"], by_pub["2021-02-03"]}
    # bounds are inclusive; naive datetimes and ISO strings are UTC; None is open
    assert store.article_ids_published_between("2021-02-03T12:00:00", "2021-02-03T12:00:00") == [by_pub["2021-02-03"]]
    assert set(store.article_ids_published_between("2021-02-04T00:00:00Z", None)) == {
        by_pub["2021-02-03T23:30:00-05:00"], by_pub["2021-02-05T10:00:00Z"]}
    assert [a.id for a in store.articles_published_between(None, day3)] == [by_pub["2021-02-03T08:00:00+08:00"]]
    # by day as written (the offset's own calendar): the -05:00 article is on the 3rd
    assert set(store.article_ids_on_days(date(2021, 2, 3), date(2021, 2, 3))) == {
        by_pub["2021-02-03T08:00:00+08:00"], by_pub["2021-02-03"], by_pub["2021-02-03T23:30:00-05:00"]}
    assert store.article_ids_on_days(date(2021, 2, 5).toordinal(), None) == [by_pub["2021-02-05T10:00:00Z"]]
    assert set(store.undated_article_ids()) == {by_pub["--02-04"], by_pub[None], by_pub["not a date"]}
    assert {a.id for a in store.undated_articles()} == set(store.undated_article_ids())
    with pytest.raises(TypeError, match="not an instant"):
        store.article_ids_published_between(date(2021, 2, 3), None)


def test_windows_read_the_date_as_found_not_an_inferred_year(store):
    undated = next(a for a in store.articles() if a.published == "--02-04")
    inferred = dataclasses.replace(undated, published="2021-02-04", published_precision="date", published_inferred=True,
                                   metadata={AS_FOUND_KEY: {"published": "--02-04",
                                                            "precision": undated.published_precision,
                                                            "evidence": undated.published_evidence}})
    before = store.articles_sum(), store.articles_mark()
    store.update_articles([inferred])
    assert undated.id in store.undated_article_ids()
    assert undated.id not in store.article_ids_on_days(None, None)
    # an inferred year does not change the article as stages read it: no digest change, no rev
    assert (store.articles_sum(), store.articles_mark()) == before


def test_published_day_reads_what_parse_published_reads():
    from storytrace.events.signals import parse_published

    for value in PUBLISHED + ["2021-02-30", "2021-02-03T25:00", "2021-02-03 10:00", "20210203", "--13-40", ""]:
        parsed = parse_published(value)[0]
        assert published_day(value) == (parsed.toordinal() if parsed else None), value


def test_articles_sum_is_order_independent_and_follows_every_write(tmp_path):
    arts = [_article(f"正文{i}，足够长的一段文字。", title=f"题{i}", outlet="中新网") for i in range(30)]
    with Store(tmp_path / "a.db") as a, Store(tmp_path / "b.db") as b:
        a.add_articles(arts)
        for k in range(0, 30, 7):
            b.add_articles(list(reversed(arts))[k:k + 7])
        assert a.articles_sum() == b.articles_sum()
        assert a.articles_sum().startswith("30:")
        assert a.article_digests([arts[0].id]) == b.article_digests([arts[0].id])
        # hidden spans change the view: digest, sum and rev move
        seq, rev = a.articles_mark()
        hidden = dataclasses.replace(arts[3], metadata={"boilerplate_hidden": [[0, 2]]})
        a.update_articles([hidden])
        assert a.articles_sum() != b.articles_sum()
        assert a.articles_mark() == (seq, rev + 1)
        b.update_articles([hidden])
        assert a.articles_sum() == b.articles_sum()
        # a re-ingested copy from a smaller path replaces the record: its view changed too
        copy = dataclasses.replace(arts[5], source_path="0-first.txt")
        a.add_articles([copy])
        assert a.get_article(arts[5].id).source_path == "0-first.txt"
        assert a.articles_sum() != b.articles_sum()


def test_new_and_changed_since_a_stage(store):
    ids = store.article_ids()
    assert store.stage_mark("reuse") is None
    assert store.new_article_ids_since("reuse") == ids == store.changed_article_ids_since("reuse")
    mark = store.articles_mark()
    store.mark_stage("reuse", "fp", mark)
    assert store.stage_mark("reuse") == mark
    assert store.new_article_ids_since("reuse") == [] == store.changed_article_ids_since("reuse")
    added = _article("新来的文章。", title="新")
    store.add_articles([added])
    changed = dataclasses.replace(store.get_article(ids[2]), metadata={"boilerplate_hidden": [[0, 1]]})
    store.update_articles([changed])
    store.update_articles([changed])              # no change as stages read it: no new rev
    assert store.new_article_ids_since("reuse") == [added.id]
    assert store.changed_article_ids_since("reuse") == [ids[2], added.id]     # seq order
    assert store.new_article_ids_since("events") == ids + [added.id]          # never marked
    store.mark_stage("reuse", "fp2")                                          # no mark: kept
    assert store.stage_mark("reuse") == mark


def _link(a, b, kind="reprint", score=0.9):
    return ReuseLink(a=a, b=b, kind=kind, a_coverage=score, b_coverage=0.4, passages=[Passage(0, 5, 0, 5, 0.9)])


def test_results_digest_follows_content_not_write_order(tmp_path):
    links = [_link("a", "b"), _link("a", "c", "partial"), _link("b", "c", "formula")]
    events = [Event(id="e1", title="t1", articles=["a", "b"]), Event(id="e2", title="t2", articles=["c"])]
    with Store(tmp_path / "a.db") as a, Store(tmp_path / "b.db") as b:
        a.replace_reuse(links)
        a.replace_events(events)
        b.replace_reuse(list(reversed(links)))
        b.replace_reuse([_link("x", "y", "translation")], kinds=["translation"])
        b.replace_events(list(reversed(events)))
        kinds = ["reuse:reprint", "reuse:partial", "reuse:formula"]
        assert a.results_digest(*kinds) == b.results_digest(*kinds)
        assert a.results_digest("events") == b.results_digest("events")
        assert a.results_digest("reuse:translation") != b.results_digest("reuse:translation")
        b.replace_reuse([_link("a", "b", score=0.5)], kinds=["reprint"])
        assert a.results_digest(*kinds) != b.results_digest(*kinds)
        b.replace_reuse([_link("a", "b")], kinds=["reprint"])
        assert a.results_digest(*kinds) == b.results_digest(*kinds)
        b.replace_events(events[:1])
        assert a.results_digest("events") != b.results_digest("events")


def test_a_store_written_before_digests_gets_them_on_open(tmp_path):
    path = tmp_path / "old.db"
    with Store(path) as st:
        st.add_articles([_article(f"旧库文章{i}。", published="2021-02-0%d" % (i + 1)) for i in range(5)])
        st.replace_reuse([_link("a", "b")])
        want = st.articles_sum(), st.results_digest("reuse:reprint"), st.article_ids_on_days(None, None)
    raw = sqlite3.connect(path)
    raw.execute("DROP TABLE article_digests")
    raw.execute("DROP TABLE stage_marks")
    raw.execute("DELETE FROM meta WHERE key != 'schema_version'")
    raw.commit()
    raw.close()
    with Store(path) as st:
        assert (st.articles_sum(), st.results_digest("reuse:reprint"), st.article_ids_on_days(None, None)) == want
        assert st.changed_article_ids_since("reuse") == st.article_ids()


def test_articles_added_by_a_version_without_digests_are_digested_on_open(tmp_path):
    path = tmp_path / "mixed.db"
    with Store(path) as st:
        st.add_articles([_article("先有的文章。")])
    late = _article("旧版本写入的文章。", title="旧", published="2021-02-03")
    raw = sqlite3.connect(path)          # what an older storytrace's add_articles writes
    raw.execute("INSERT INTO articles VALUES (?,?,?,?,?,?,?,?,?,?)",
                (late.id, 2, late.source_path, late.title, None, None, None, late.published, "x",
                 __import__("json").dumps(late.to_dict(), ensure_ascii=False)))
    raw.commit()
    raw.close()
    with Store(path) as st:
        assert st.articles_sum().startswith("2:")
        assert st.article_ids_on_days(date(2021, 2, 3), date(2021, 2, 3)) == [late.id]
