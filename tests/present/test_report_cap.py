"""The static report's stated cap (issue 13): newest and largest events in full, the rest
counted in the header and left to events.jsonl and the web app."""
from __future__ import annotations

from storytrace.present import report
from storytrace.present.views import ReportData


def test_cap_keeps_newest_and_largest(sample_store, monkeypatch):
    events = ReportData(sample_store).events            # newest first
    assert len(events) >= 2 and len(events[0].members) < max(len(ev.members) for ev in events), \
        "the sample must have a newest event that is not the largest"
    largest = max(events, key=lambda ev: len(ev.members))

    data = ReportData(sample_store)
    assert report.cap_events(data, newest=1, largest=0) == len(events) - 1
    assert [ev.id for ev in data.events] == [events[0].id]
    assert set(data.event_of.values()) == {events[0].id}

    data = ReportData(sample_store)
    assert report.cap_events(data, newest=0, largest=1) == len(events) - 1
    assert [ev.id for ev in data.events] == [largest.id]

    monkeypatch.setattr(report, "REPORT_NEWEST", 1)
    monkeypatch.setattr(report, "REPORT_LARGEST", 0)
    html = report.render_report(sample_store)
    assert f"{len(events) - 1} older events are not in this file" in html
    assert html.count('class="page event-page"') == 1


def test_small_store_is_whole(sample_store):
    data = ReportData(sample_store)
    n = len(data.events)
    assert report.cap_events(data) == 0 and len(data.events) == n
    assert "older events are not in this file" not in report.render_report(sample_store)


def _stable(html: str) -> str:
    """The page without what changes on every render: the CSP nonce and the clock."""
    import re

    html = re.sub(r'nonce-[A-Za-z0-9_-]+|nonce="[A-Za-z0-9_-]+"', "NONCE", html)
    return re.sub(r"generated \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC", "generated NOW", html)


def _whole_store_readers_refused(store, monkeypatch):
    def refuse(*_a, **_k):
        raise AssertionError("the report read the whole store")
    for name in ("articles", "events", "families", "iter_articles"):
        monkeypatch.setattr(store, name, refuse)
    monkeypatch.setattr(store, "reuse_links", lambda article=None, kind=None: refuse() if article is None
                        else type(store).reuse_links(store, article, kind))


def test_report_reads_only_its_events_and_equals_the_whole_store_view(sample_store, monkeypatch):
    """The bounded build (SQL pass + reads by id) gives the page that capping a view of the
    whole store gives, for every cap, without calling any whole-store reader."""
    total = len(ReportData(sample_store).events)
    for newest, largest in ((2000, 200), (1, 0), (0, 1), (1, 1), (0, 0)):
        full = ReportData(sample_store)
        omitted = report.cap_events(full, newest=newest, largest=largest)
        want = _stable(report.render_data(full, omitted))
        with monkeypatch.context() as m:
            _whole_store_readers_refused(sample_store, m)
            data, got_omitted = report.report_data(sample_store, newest=newest, largest=largest)
            got = _stable(report.render_data(data, got_omitted))
        assert got_omitted == omitted and [ev.id for ev in data.events] == [ev.id for ev in full.events]
        assert got == want, (newest, largest)
        assert data.article_count == 6 and data.link_count == 4
        if omitted:
            assert f"{omitted} older events are not in this file" in got
            shown = {m.article.id for ev in data.events for m in ev.members}
            linked = {x for l in data.links for x in (l.a, l.b)}
            assert set(data.articles) <= shown | linked and len(data.articles) < 6
    assert total == 2


def test_report_of_the_examples_equals_the_whole_store_view(tmp_path, monkeypatch):
    """The same on a store the real pipeline filled (families, translations, one-article events)."""
    from pathlib import Path

    from storytrace.ingest import ingest
    from storytrace.pipeline import analyze
    from storytrace.store import Store

    examples = Path(__file__).resolve().parents[2] / "examples" / "articles"
    with Store(tmp_path / "s.db") as store:
        ingest([str(examples)], store, workers=1)
        analyze(store)
        n = len(ReportData(store).events)
        for newest, largest in ((2000, 200), (1, 1), (1, 0), (0, 1)):
            full = ReportData(store)
            omitted = report.cap_events(full, newest=newest, largest=largest)
            data, got_omitted = report.report_data(store, newest=newest, largest=largest)
            assert (got_omitted, [e.id for e in data.events]) == (omitted, [e.id for e in full.events])
            assert _stable(report.render_data(data, got_omitted)) == _stable(report.render_data(full, omitted))
        assert n >= 3


def test_report_pieces_are_reused_only_while_their_inputs_stay(sample_store, tmp_path, monkeypatch):
    """write_report keeps its event pages, pair pages and pair payloads beside the report;
    the next report takes the unchanged ones from there and is the page a report drawn from
    scratch gives, after a change too."""
    from storytrace.model import Event

    path = tmp_path / "report.html"
    cold = report.FragmentCache(report.cache_path(path))
    first = report.render_data(*report.report_data(sample_store), cache=cold)
    cold.save()
    cold.close()
    assert cold.hits == 0 and cold.misses > 0

    warm = report.FragmentCache(report.cache_path(path))
    again = report.render_data(*report.report_data(sample_store), cache=warm)
    warm.close()
    assert _stable(again) == _stable(first) and warm.misses == 0 and warm.hits == cold.misses

    # the storm event gets a new title: its page changes, the bridge event's page does not
    events = sample_store.events()
    storm = next(ev for ev in events if ev.id == "E2")
    sample_store.replace_events([ev for ev in events if ev.id != "E2"]
                                + [Event(**{**storm.to_dict(), "title": "Storm warning, updated"})])
    write = report.write_report(sample_store, path).read_text(encoding="utf-8")
    assert "Storm warning, updated" in write
    assert _stable(write) == _stable(report.render_report(sample_store))    # no cache

    counted = report.FragmentCache(report.cache_path(path))
    report.render_cached(sample_store, counted)      # what write_report draws with
    counted.close()
    assert counted.misses == 0                      # the cache holds exactly the last report's pieces
    monkeypatch.setattr(report, "code_version", lambda: "another version")
    stale = report.FragmentCache(report.cache_path(path))
    assert _stable(report.render_cached(sample_store, stale)) == _stable(write)
    stale.close()
    assert stale.hits == 0                           # other code: nothing is taken from the cache


def test_an_unreadable_cache_is_replaced(sample_store, tmp_path):
    path = tmp_path / "report.html"
    report.cache_path(path).write_bytes(b"this is not a SQLite file" * 100)
    html = report.write_report(sample_store, path).read_text(encoding="utf-8")
    assert _stable(html) == _stable(report.render_report(sample_store))
    again = report.FragmentCache(report.cache_path(path))
    report.render_cached(sample_store, again)
    again.close()
    assert again.misses == 0 and again.hits > 0


def test_a_cache_that_cannot_be_kept_does_not_stop_the_report(sample_store, tmp_path):
    path = tmp_path / "report.html"
    report.cache_path(path).mkdir()              # in the way: not a file SQLite can open
    html = report.write_report(sample_store, path).read_text(encoding="utf-8")
    assert _stable(html) == _stable(report.render_report(sample_store))
    assert report.cache_path(path).is_dir()


def _render_counted(store, path, monkeypatch=None):
    cache = report.FragmentCache(report.cache_path(path))
    html = report.render_cached(store, cache)
    cache.save()
    cache.close()
    return html, cache


def _random_change(sample_store, rng, step, monkeypatch) -> str:
    """One random change to the sample store (or to the report's caps); returns its name."""
    from storytrace.model import Article, Event, Passage, ReuseLink, content_id

    op = rng.choice(["add", "retitle", "link", "unlink", "move", "join", "cap"])
    ids = sample_store.article_ids()
    events = sample_store.events()
    if op == "add":
        text = f"Update {step}: the bridge stays open; residents should stay indoors on Thursday night."
        art = Article(id=content_id(text, f"Update {step}"), source_path=f"synthetic/u{step}.txt",
                      title=f"Update {step}", text=text, language="en", script="Latn", outlet=f"Outlet {step % 3}",
                      published=f"2026-03-{rng.randint(1, 8):02d}T09:00:00+00:00")
        sample_store.add_articles([art])
    elif op == "retitle" and events:
        ev = rng.choice(events)
        sample_store.replace_events([e for e in events if e.id != ev.id]
                                    + [Event(**{**ev.to_dict(), "title": f"{ev.title} ({step})"})])
    elif op == "link":
        a, b = sorted(rng.sample(ids, 2))
        sample_store.replace_reuse(sample_store.reuse_links() + [ReuseLink(
            a, b, rng.choice(["partial", "reprint", "translation"]), 0.3, 0.4,
            direction=rng.choice(["a->b", "b->a", "unknown"]), passages=[Passage(0, 6, 0, 6, 0.9)])])
    elif op == "unlink":
        links = sample_store.reuse_links()
        if links:
            links.remove(rng.choice(links))
            sample_store.replace_reuse(links)
    elif op == "move":
        art = sample_store.get_article(rng.choice(ids))
        sample_store.update_articles([Article.from_dict({**art.to_dict(),
                                                         "published": f"2026-03-{rng.randint(1, 9):02d}"})])
    elif op == "join" and events:
        target = rng.choice(events)
        mover = rng.choice(ids)
        kept = [Event(**{**e.to_dict(), "articles": [a for a in e.articles if a != mover]}) for e in events]
        kept = [e if e.id != target.id else Event(**{**e.to_dict(), "articles": e.articles + [mover]})
                for e in kept]
        sample_store.replace_events([e for e in kept if e.articles])
    elif op == "cap":
        monkeypatch.setattr(report, "REPORT_NEWEST", rng.randint(1, 4))
        monkeypatch.setattr(report, "REPORT_LARGEST", rng.randint(0, 2))
    return op


def test_report_drawn_from_its_cache_equals_a_fresh_one_after_random_changes(sample_store, tmp_path, monkeypatch):
    """write_report's path (rows read as text, unchanged events' rows, pages and pairs from the
    cache) gives render_report's page after each of a run of random changes, with caps and a
    pre-render budget small enough that events drop out and pairs move to the script."""
    import random

    rng = random.Random(5)
    monkeypatch.setattr(report, "PRERENDER_CHARS", 400)
    path = tmp_path / "report.html"
    html, cold = _render_counted(sample_store, path)
    assert _stable(html) == _stable(report.render_report(sample_store)) and cold.hits == 0
    html, warm = _render_counted(sample_store, path)
    assert warm.misses == 0
    for step in range(16):
        op = _random_change(sample_store, rng, step, monkeypatch)
        html, counted = _render_counted(sample_store, path)
        assert _stable(html) == _stable(report.render_report(sample_store)), (step, op)
    again, warm = _render_counted(sample_store, path)
    assert warm.misses == 0 and _stable(again) == _stable(html)


def _spans(path) -> dict:
    cache = report.FragmentCache(report.cache_path(path))
    found = cache.last_report()
    cache.close()
    if found is None:
        return {}
    import os
    os.close(found[0])
    return found[1]


def test_a_report_written_over_the_last_one_copies_what_that_file_holds(sample_store, tmp_path, monkeypatch):
    """write_report notes where each piece (event page, pair page, pair payload) lies in the
    file it writes; the next one copies the unchanged pieces from that file instead of reading
    them from the cache: after each of a run of random changes the file is the page
    render_report draws from scratch, no piece the last file held is read from the cache, and
    each noted span holds its piece."""
    import random

    rng = random.Random(11)
    monkeypatch.setattr(report, "PRERENDER_CHARS", 400)
    path = tmp_path / "out" / "report.html"
    first = report.write_report(sample_store, path).read_text(encoding="utf-8")
    assert _stable(first) == _stable(report.render_report(sample_store))
    asked: list[str] = []
    real = report.FragmentCache.get_many

    def spy(self, keys, *, count=True):
        asked.extend(keys)
        return real(self, keys, count=count)
    monkeypatch.setattr(report.FragmentCache, "get_many", spy)
    copied = 0
    for step in range(14):
        op = _random_change(sample_store, rng, step, monkeypatch) if step else "none"
        held = {name.lstrip("hj") if len(name) == 41 else name for name in _spans(path)}
        assert held, step                            # the last write noted its pieces
        asked.clear()
        data = report.write_report(sample_store, path).read_bytes()
        assert _stable(data.decode("utf-8")) == _stable(report.render_report(sample_store)), (step, op)
        assert not held & set(asked), (step, op)     # taken from the file, not from the cache
        spans = _spans(path)
        copied += len(held & {n.lstrip("hj") if len(n) == 41 else n for n in spans})
        for name, (off, size) in spans.items():      # each span holds a whole section or payload
            piece = data[off:off + size].decode("utf-8")
            assert piece.startswith("<section id=" if not name.startswith("j") else "{"), (name, piece[:40])
            assert piece.endswith("</section>" if not name.startswith("j") else "}"), (name, piece[-40:])
    assert copied > 0


def test_a_report_file_changed_by_hand_is_not_copied_from(sample_store, tmp_path):
    """Only the very file the cache noted is copied from: a report rewritten by anything else
    (even with the same bytes) is ignored and the page is drawn from the cache; a copy of the
    output folder that keeps the files' times (cp -p, shutil.copytree) is still used."""
    import os
    import shutil

    path = tmp_path / "a" / "report.html"
    first = report.write_report(sample_store, path).read_text(encoding="utf-8")
    copy = tmp_path / "b" / "report.html"
    shutil.copytree(path.parent, copy.parent)
    assert _spans(copy)                              # same size, time and head: still the noted file
    path.write_text(first.replace("storytrace report", "storytrace REPORT", 1), encoding="utf-8")
    assert not _spans(path)                          # another head
    again = report.write_report(sample_store, path).read_text(encoding="utf-8")
    assert _stable(again) == _stable(first)
    os.utime(path, ns=(0, 0))                        # same bytes, another time
    assert not _spans(path)
    path.unlink()
    assert not _spans(path)
    assert _stable(report.write_report(sample_store, path).read_text(encoding="utf-8")) == _stable(first)
    assert _stable(report.write_report(sample_store, copy).read_text(encoding="utf-8")) == _stable(first)


def test_a_warm_report_holds_no_piece_it_took_from_the_cache(sample_store, tmp_path):
    """The pieces a report takes from its cache are streamed into the page and kept by key
    only (issue 13: an increment's memory follows what changed, not the report's size);
    only pieces drawn anew are held until they are saved."""
    path = tmp_path / "report.html"
    first = report.write_report(sample_store, path).read_text(encoding="utf-8")
    cache = report.FragmentCache(report.cache_path(path))
    pieces = list(report.render_pieces(sample_store, cache))
    assert len(pieces) > 10 and _stable("".join(pieces)) == _stable(first)
    assert cache.misses == 0 and cache.hits > 0
    assert cache._kept and all(value is None for value in cache._kept.values())
    cache.save()                                  # keeps every piece by its key
    cache.close()
    again = report.FragmentCache(report.cache_path(path))
    assert _stable(report.render_cached(sample_store, again)) == _stable(first)
    again.close()
    assert again.misses == 0


def test_a_report_that_fails_while_written_leaves_the_last_one(sample_store, tmp_path, monkeypatch):
    path = tmp_path / "report.html"
    first = report.write_report(sample_store, path).read_bytes()

    def broken(*_a, **_k):
        yield "<!doctype html>"
        raise RuntimeError("disk gone")
    monkeypatch.setattr(report, "_spliced_pieces", broken)
    import pytest
    with pytest.raises(RuntimeError):
        report.write_report(sample_store, path)
    assert path.read_bytes() == first and not path.with_name("report.html.part").exists()
    monkeypatch.undo()
    again = report.write_report(sample_store, path).read_text(encoding="utf-8")   # from the last file
    assert _stable(again) == _stable(report.render_report(sample_store))


def test_report_after_the_jsonl_export_takes_its_row_digests(sample_store, tmp_path, monkeypatch):
    """write_outputs writes the JSONL first: its row digests are then current and the report
    takes them instead of reading and hashing the shown rows; a change made after the export
    (digests no longer current) falls back to hashing. Either way the page equals one drawn
    from scratch, and unchanged events come from the cache."""
    import random

    from storytrace.model import Article, Event, content_id
    from storytrace.present.exports import line_digests_current, write_jsonl_outputs

    hashed: list[str] = []
    real = report._Raw._hash_query

    def spy(self, kind, query, params):
        hashed.append(kind)
        return real(self, kind, query, params)
    monkeypatch.setattr(report._Raw, "_hash_query", spy)
    rng = random.Random(7)
    out, path = tmp_path / "out", tmp_path / "out" / "report.html"
    assert not line_digests_current(sample_store._conn)
    write_jsonl_outputs(sample_store, out)
    assert line_digests_current(sample_store._conn)
    html, cold = _render_counted(sample_store, path)
    assert hashed == [] and cold.hits == 0
    assert _stable(html) == _stable(report.render_report(sample_store))
    html, warm = _render_counted(sample_store, path)
    assert warm.misses == 0
    for step in range(10):
        events = sample_store.events()
        if step % 2 == 0:
            text = f"Update {step}: the bridge stays open; residents should stay indoors on Thursday night."
            sample_store.add_articles([Article(
                id=content_id(text, f"Update {step}"), source_path=f"synthetic/u{step}.txt", title=f"Update {step}",
                text=text, language="en", script="Latn", outlet="Metro Daily",
                published=f"2026-03-{rng.randint(1, 8):02d}T09:00:00+00:00")])
        else:
            ev = rng.choice(events)
            sample_store.replace_events([e for e in events if e.id != ev.id]
                                        + [Event(**{**ev.to_dict(), "title": f"{ev.title} ({step})"})])
        exported = step % 3 != 2
        if exported:
            write_jsonl_outputs(sample_store, out)
        assert line_digests_current(sample_store._conn) == exported
        hashed.clear()
        html, counted = _render_counted(sample_store, path)
        assert bool(hashed) != exported, step         # rows hashed only when the digests are stale
        assert _stable(html) == _stable(report.render_report(sample_store)), step
        if exported and step % 3 != 0:               # the last report took the same digests
            assert counted.hits > 0, step


def test_a_new_link_redraws_the_pages_it_touches_not_those_showing_its_ends(sample_store, tmp_path, monkeypatch):
    """After the JSONL export an article is keyed by its own row's digest: a link from an
    article the bridge event only shows (the storm's) to a new article redraws the storm's
    page and the new one's, not the bridge's; every page equals one drawn from scratch."""
    from storytrace.model import Article, Passage, ReuseLink, content_id
    from storytrace.present.exports import write_jsonl_outputs

    bridge_member = next(a for a in sample_store.articles() if a.id in sample_store.get_event("E1").articles)
    evil = next(a for a in sample_store.articles() if a.id in sample_store.get_event("E2").articles
                and "script" in a.title)
    links = sample_store.reuse_links()
    sample_store.replace_reuse(links + [ReuseLink(*sorted((bridge_member.id, evil.id)), "partial", 0.1, 0.1,
                                                  passages=[Passage(0, 4, 0, 4, 1.0)])])
    text = "A follow-up: residents should stay indoors on Thursday night, the council says."
    new = Article(id=content_id(text, "Follow-up"), source_path="synthetic/f.txt", title="Follow-up", text=text,
                  language="en", script="Latn", outlet="Metro Daily", published="2026-03-06T09:00:00+00:00")
    sample_store.add_articles([new])
    out, path = tmp_path / "out", tmp_path / "out" / "report.html"
    write_jsonl_outputs(sample_store, out)
    _render_counted(sample_store, path)
    drawn: list[str] = []
    real = report._Raw.data
    monkeypatch.setattr(report._Raw, "data", lambda self, ids: drawn.extend(ids) or real(self, ids))
    sample_store.replace_reuse(sample_store.reuse_links() + [ReuseLink(*sorted((evil.id, new.id)), "partial", 0.2,
                                                                       0.3, passages=[Passage(0, 6, 0, 6, 1.0)])])
    write_jsonl_outputs(sample_store, out)
    html, counted = _render_counted(sample_store, path)
    assert "E2" in drawn and f"article-{new.id}" in drawn and "E1" not in drawn, drawn
    assert _stable(html) == _stable(report.render_report(sample_store))
    assert counted.hits > 0


def _dated_store(path, seed: int, days: int):
    """Articles dated as outlets write dates (offsets, Z, date only, no date, text that is no
    ISO date, an impossible day) in events of random sizes, some articles in no event, an
    event naming an article that is not stored, an event whose articles all moved away."""
    import random

    from storytrace.model import Article, Event
    from storytrace.store import Store

    rng = random.Random(seed)
    forms = [lambda d, h, m: f"2026-03-{d:02d}T{h:02d}:{m:02d}:00+08:00",
             lambda d, h, m: f"2026-03-{d:02d}T{h:02d}:{m:02d}:00-11:30",
             lambda d, h, m: f"2026-03-{d:02d}T{h:02d}:{m:02d}:00Z",
             lambda d, h, m: f"2026-03-{d:02d}T{h:02d}:{m:02d}:00.250+14:00",
             lambda d, h, m: f"2026-03-{d:02d}",
             lambda d, h, m: f"2026-03-{d:02d} {h:02d}:{m:02d}",
             lambda d, h, m: f" 2026-03-{d:02d}T{h:02d}:{m:02d}:00+01:00",
             lambda d, h, m: f"202603{d:02d}T{h:02d}{m:02d}00",
             lambda d, h, m: f"2026/03/{d:02d}",
             lambda d, h, m: "2026-02-30T10:00:00",
             lambda d, h, m: None,
             lambda d, h, m: ""]
    arts = []
    for i in range(400):
        form = forms[0] if rng.random() < 0.6 else rng.choice(forms)
        published = form(rng.randint(1, days), rng.randint(0, 23), rng.randint(0, 59))
        arts.append(Article(id=f"a{i:04d}", source_path=f"x/{i}.txt", title=f"t{i}", text=f"text {i}",
                            published=published))
    ids = [a.id for a in arts]
    rng.shuffle(ids)
    events, i = [], 0
    while i < 330:
        n = rng.choice([1, 1, 2, 2, 3, 5, 8])
        events.append(Event(id=f"ev-{len(events):04d}", title="e", articles=ids[i:i + n]))
        i += n
    events[0].articles.append("not-stored")
    store = Store(path)
    store.add_articles(arts)
    store.replace_events(events + [Event(id="ev-stale", title="s", articles=[ids[0]])])
    store.put_events([events[0]])           # ids[0] back in events[0]: ev-stale keeps no member
    return store


def test_bounded_choice_equals_one_pass_over_every_article(tmp_path, monkeypatch):
    """`_choose` on a store larger than the cap reads the newest articles and the largest
    events only, and chooses what the pass over every article chooses, for dates in every
    form (with and without the report's indexes)."""
    monkeypatch.setattr(report, "_WALK", 7)      # stop checks every few rows, as in a large store
    for seed in range(6):
        store = _dated_store(tmp_path / f"d{seed}.db", seed, (28, 2, 3)[seed % 3])
        if seed % 2:
            report._ensure_indexes(store)
        total = len(report._choose_all(store, 10**6, 0).order)
        assert total > 150
        bounded = 0
        for newest, largest in ((20, 5), (60, 10), (100, 20), (5, 40), (0, 3), (200, 0), (total, 0)):
            want = report._choose_all(store, newest, largest)
            calls = []
            real = report._choose_all
            report._choose_all = lambda *a: calls.append(a) or real(*a)
            try:
                got = report._choose(store, newest, largest)
            finally:
                report._choose_all = real
            bounded += not calls
            assert (got.order, got.members, got.stored, got.omitted) == (
                want.order, want.members, want.stored, want.omitted), (seed, newest, largest)
        assert bounded >= 4, "the bounded choice was not taken"
        store.close()


def test_place_names_come_from_the_report_cache(sample_store, tmp_path, monkeypatch):
    """The search index's place names (Babel's tables, a fifth of a second to build) are kept
    with the report's pieces: a later process drawing an event takes them from there, and
    its page is the same."""
    from storytrace.model import Event
    from storytrace.present import search

    path = tmp_path / "report.html"
    _forget_places()
    built = []
    real = search.babel_place_names
    monkeypatch.setattr(search, "babel_place_names", lambda: built.append(1) or real())
    first = report.write_report(sample_store, path).read_text(encoding="utf-8")
    assert built == [1] and search.place_source is None
    _forget_places()                 # as in a new process
    events = sample_store.events()
    storm = next(ev for ev in events if ev.id == "E2")
    sample_store.replace_events([ev for ev in events if ev.id != "E2"]
                                + [Event(**{**storm.to_dict(), "title": "Storm over Viet Nam and Japan"})])
    second = report.write_report(sample_store, path).read_text(encoding="utf-8")
    assert built == [1], "the place names were built again"
    _forget_places()
    fresh = report.render_report(sample_store)       # no cache: from Babel
    assert built == [1, 1] and _stable(second) == _stable(fresh) != _stable(first)
    assert "nhật bản" in second.lower() or "日本" in second
    _forget_places()


def test_an_event_drawn_again_takes_its_members_places_from_the_cache(sample_store, tmp_path, monkeypatch):
    """The places named in each shown article's title and lead are kept by its row digest: an
    event drawn again (new title) scans only its own title, and its page equals a fresh one."""
    from storytrace.model import Event
    from storytrace.present import search

    path = tmp_path / "report.html"
    report.write_report(sample_store, path)
    scanned: list[str] = []
    real = search._places_in
    monkeypatch.setattr(search, "_places_in", lambda text: scanned.append(text) or real(text))
    events = sample_store.events()
    storm = next(ev for ev in events if ev.id == "E2")
    sample_store.replace_events([ev for ev in events if ev.id != "E2"]
                                + [Event(**{**storm.to_dict(), "title": "Storm over Japan"})])
    html = report.write_report(sample_store, path).read_text(encoding="utf-8")
    drawn_again = list(scanned)
    scanned.clear()
    fresh = report.render_report(sample_store)
    assert _stable(html) == _stable(fresh)
    members = [a for a in sample_store.articles() if a.id in storm.articles]
    assert len(scanned) >= len(drawn_again) + 2 * len(members), (drawn_again, scanned)
    assert search.places_memo is None
    report.write_report(sample_store, path)                      # nothing drawn: the entries stay
    sample_store.replace_events([ev for ev in events if ev.id != "E2"]
                                + [Event(**{**storm.to_dict(), "title": "Storm over Japan, again"})])
    scanned.clear()
    html = report.write_report(sample_store, path).read_text(encoding="utf-8")
    assert len(scanned) == len(drawn_again)                   # the members' places still kept
    assert _stable(html) == _stable(report.render_report(sample_store))


def _forget_places() -> None:
    """As in a new process: no place names built yet."""
    from storytrace.present import search

    search.place_names.cache_clear()
    search._place_lookup.cache_clear()


def test_raw_link_digests_and_event_keys_equal_their_plain_reading(sample_store, tmp_path):
    """`_Raw` digests every link touching a shown article, each with the export's digest of
    its own key (or its row's hash when the export is stale); `event_key` (written without
    `event_inputs`' lists) keys each event by the same text as `event_inputs` gives."""
    from storytrace.present.exports import _SEP, write_jsonl_outputs

    for exported in (False, True):
        if exported:
            write_jsonl_outputs(sample_store, tmp_path / "out")
        choice = report._choose(sample_store, None, None)
        raw = report._Raw(sample_store, choice)
        assert bool(raw.lines) == exported
        shown = {a for e in choice.order for a in choice.members[e]}
        conn = sample_store._conn
        touching = {(a, b, k) for a, b, k in conn.execute("SELECT a, b, kind FROM reuse")
                    if a in shown or b in shown}
        assert touching and set(raw._digests["ReuseLink"]) == touching
        lines = dict(conn.execute("SELECT key, digest FROM export_lines WHERE tbl='reuse'")) if exported else {}
        for key, digest in raw._digests["ReuseLink"].items():
            if exported:
                assert digest == "x" + lines[_SEP.join(key)]
            else:
                row = conn.execute("SELECT data FROM reuse WHERE a=? AND b=? AND kind=?", key).fetchone()[0]
                assert digest == report._digest("ReuseLink", row.encode("utf-8"))
        keys = {e: raw.event_key(e, "static") for e in choice.order}
        assert keys == {e: _event_key_of_inputs(raw, e, "static") for e in choice.order}
        assert len(set(keys.values())) == len(keys)


def _event_key_of_inputs(raw, e: str, mode: str) -> str:
    """`_Raw.event_key` as first written: from `event_inputs(e)`, the text it must equal."""
    import hashlib
    import json

    head, members, links, families, others = raw.event_inputs(e)
    parts = [report.code_version(), "meta", mode, json.dumps(head, ensure_ascii=False)]
    parts += [f"{a}={d}" for a, d in members] + ["|"]
    parts += ["\x1f".join(k) + f"={d}" for k, d in links] + ["|"]
    parts += [f"{f}={d}" for f, d in families] + ["|"]
    parts += [f"{a}={d}" for a, d in others]
    return hashlib.blake2b("\x1e".join(parts).encode("utf-8"), digest_size=20).hexdigest()
