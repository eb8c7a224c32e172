"""The passage index: reuse detection kept current at the cost of what arrives (issue 13).

A full run (`detect.detect_reuse`) leaves in the store, besides its links and families,
what an increment needs to extend them without reading the stored articles again:

* `reuse_index_articles`: per article a small row: the digest of its stage view (to see
  that nothing stored changed), its `family.priority` key, its family leader (what
  `family.find_families` decided) and representative, its bottom-k sketch, and its
  canonical outlet, credited sources and visible length (`family.family_meta`);
* `reuse_index_sketch`: sketch value -> articles (who may join whom);
* `reuse_index_grams`: the postings of the n-grams, one row per (n-gram, family) as
  `candidates.anchors_from_postings` reduces them: the family's representing article
  (the representative when it has the n-gram, else its smallest-id member having it)
  and the n-gram's position there. The number of rows of an n-gram is its document
  frequency in families, so formula statistics are always current;
* `reuse_index_credits`: credited source -> articles (whose direction evidence names
  whether that source is in the collection);
* meta `reuse_index`: settings and code it was built with, the number of families, the
  outlets present, the store's `article_rev` when the digests were taken (so an increment
  compares only the digests changed since), and the row counts below.

What increments add to the two large tables (postings, sketch values) goes first into small
tables of the same shape (`reuse_index_grams_new`, `reuse_index_sketch_new`; a posting
removed from the large table is a row with rix -1 there), read together with the large ones:
rows with random keys written into a large B-tree dirty a page each (at 16 weeks, the
~19,000 postings of 100 articles dirtied ~17,000 of its ~103,000 pages), into a small one
only its few pages. They are folded into the large tables (`_fold`) once they hold more than
`FOLD_SHARE` of them (and at least `FOLD_FLOOR` rows), and emptied by a full build.

An increment (`PassageIndex.update`) then: fingerprints the new articles only; decides
their families with the same rule as `find_families` (`family.pick_leader`), re-checking
every stored article later in priority order that shares a sketch value with a new leader;
reads the postings of the new articles' n-grams only, adds their rows and so learns which
n-grams crossed the formula threshold or the anchor cap and which family rows moved to a
new member; re-aligns (through the alignment memo) exactly the pairs whose anchors can
differ: pairs with a new article, pairs of stored articles sharing an n-gram whose status
changed or whose row moved, member-representative pairs of the families concerned; rebuilds
the links of articles crediting an outlet that is new to the collection; and rewrites the
family records it touched. Every other stored link and family is a decision the new
articles cannot change (see `update`), so the store ends up byte for byte what a run from
scratch writes.

Where an increment would have to revise a stored decision that is costly to re-derive, it
declines (`update` returns None, `reason` says why) and the caller runs from scratch and
rebuilds the index: a stored article whose view changed or that was removed, a stored
article's family leader that changes, a stored family whose representative changes, and
the family count moving the formula threshold or anchor cap (`family.thresholds`; with the
defaults, at every further 1,000 families beyond 8,000).
"""
from __future__ import annotations

import dataclasses
import heapq
import json
import time
import zlib
from datetime import datetime, timezone
from typing import Callable

import numpy as np

from ..model import Article, ReuseLink
from .align import chain_span, pair_chains
from .candidates import Candidates, build_postings
from .classify import visible_length
from .detect import ReuseLinks, build_link, fingerprint_articles
from .direction import _credits, _time, canonical
from .family import (
    BUCKET_CAP,
    family_id,
    article_sketch,
    build_families,
    family_meta,
    find_families,
    group_representative,
    pick_leader,
    priority,
    representatives,
    thresholds,
)
from .fingerprint import Fingerprint, fingerprint
from .formula import is_formula
from .settings import ReuseSettings

INDEX_FORMAT = "1"
META_KEY = "reuse_index"
REUSE_KINDS = ("duplicate", "reprint", "partial", "formula")
# Stored pairs an increment re-checks at most because n-grams crossed the anchor cap (each
# such n-gram makes every pair of its up to cap families a pair to re-check); beyond, a
# full run is cheaper.
MAX_RECHECK = 200_000
GRAM_CHUNK = 200_000       # posting rows handed to SQLite per call when the index is filed
# Rows of the small tables of an increment (see the module's docstring) are folded into the
# large ones when they exceed both FOLD_FLOOR and 1/FOLD_SHARE of the large table's rows. A
# fold rewrites about every page of the large table, an increment about every page of the
# small one its rows reach: with R rows per increment and L in the large table, a small table
# of about sqrt(R x L) rows costs least; for 100 articles (~19,000 postings) into 16 weeks
# (~17 million) that is ~560,000 rows, about L / 32.
FOLD_FLOOR = 100_000
FOLD_SHARE = 32
SMALL = {"reuse_index_grams": "reuse_index_grams_new", "reuse_index_sketch": "reuse_index_sketch_new"}
_TWO63, _TWO64 = 1 << 63, 1 << 64
_FAR = datetime.max.replace(tzinfo=timezone.utc)
LAST: dict = {}         # what the last `update` in this process did (stats, or why it declined)


def prio_key(article: Article) -> str:
    """`family.priority`'s key as a string that sorts the same way: trusted time, then id."""
    when = _time(article)
    w = when[0] if when else _FAR
    return (f"{w.year:04d}-{w.month:02d}-{w.day:02d}T{w.hour:02d}:{w.minute:02d}:{w.second:02d}"
            f".{w.microsecond:06d}|{article.id}")


def family_id_of(article_id: str) -> str:
    return family_id(Article(id=article_id, source_path="", title="", text=""))


def _pack(text: str) -> bytes:
    return zlib.compress(text.encode("utf-8"), 1)


def _unpack(data: bytes) -> str:
    return zlib.decompress(data).decode("utf-8")


def _signed(values: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(values, dtype=np.uint64).view(np.int64)


def _signed1(value: int) -> int:
    """One unsigned 64-bit value as SQLite stores it (`_signed` of one value, without numpy)."""
    return value - _TWO64 if value >= _TWO63 else value


def _unsigned1(value: int) -> int:
    return value + _TWO64 if value < 0 else value


def _meta_row(article: Article) -> dict:
    return {"outlet": canonical(article.outlet), "credits": sorted(_credits(article)),
            "length": visible_length(article.text or "")}


def family_rows(fps: list[Fingerprint], family: np.ndarray) -> tuple[np.ndarray, ...]:
    """(hash, family, article, position): one row per (n-gram, family), the representative's
    when it has the n-gram, else the smallest-index member's (`anchors_from_postings`)."""
    hashes, docs, positions = build_postings(fps)
    if not len(hashes):
        return hashes, docs, docs, positions
    fam = family[docs]
    is_rep = fam == docs
    width = np.int64(len(family))
    order = np.lexsort(((fam.astype(np.int64) * 2 + ~is_rep) * width + docs, hashes))
    h, d, p, f = hashes[order], docs[order], positions[order], fam[order]
    first = np.concatenate(([True], (h[1:] != h[:-1]) | (f[1:] != f[:-1])))
    return h[first], f[first], d[first], p[first]


def _reflag(fa: Fingerprint, fb: Fingerprint, pos_a: np.ndarray, pos_b: np.ndarray, frequent: np.ndarray,
            passages: list, settings: ReuseSettings) -> list | None:
    """`align_pair`'s passages for anchors whose positions are those the stored `passages`
    were aligned from and whose formula flags are now `frequent`: the flags only count in
    each chain's `frequent` (the chains, their extension, merging and verification do not
    read them), so each stored passage is its chain's (found by its spans) with the formula
    mark counted again. None where a passage's chain is not found unambiguously."""
    marks: dict[tuple[int, int, int, int], set[bool]] = {}
    for ch in pair_chains(fa, fb, pos_a, pos_b, frequent, settings):
        a_start, a_end, b_start, b_end, length = chain_span(ch, fa, fb)
        marks.setdefault((a_start, a_end, b_start, b_end), set()).add(
            is_formula(length, ch.anchors, ch.frequent, settings))
    out = []
    for p in passages:
        mark = marks.get((p.a_start, p.a_end, p.b_start, p.b_end))
        if mark is None or len(mark) != 1:
            return None
        out.append(dataclasses.replace(p, formula=next(iter(mark))))
    return out


class PassageIndex:
    """The persisted passage index of one store, for one `ReuseSettings` and reuse code version."""

    def __init__(self, store, settings: ReuseSettings, code: str, view: Callable[[Article], Article] | None = None):
        from ..stageview import stage_article

        self.store, self.settings, self.code = store, settings, code
        self.view = view or stage_article
        record = {k: v for k, v in settings.to_dict().items() if k != "workers"}
        self.key = json.dumps([INDEX_FORMAT, code, record], sort_keys=True)
        self.reason: str | None = None
        self.stats: dict[str, int] = {}

    # -- reading ---------------------------------------------------------------------------
    @property
    def _conn(self):
        return self.store._conn

    def _meta(self) -> dict | None:
        row = self._conn.execute("SELECT value FROM meta WHERE key=?", (META_KEY,)).fetchone()
        return json.loads(row[0]) if row else None

    def _views(self, ids: list[str]) -> list[Article]:
        return [self.view(a) for a in self.store.get_articles(ids)]

    # -- a full build ----------------------------------------------------------------------
    def rebuild(self, articles: list[Article], parts=None) -> None:
        """File the index of `articles` (the stage view, any order) after a full run.
        `parts`: (ordered, fps, leaders, family) as `detect_reuse(keep_index=True)` left
        them; None: fingerprint and group here (after a Spark run)."""
        settings = self.settings
        if parts is None:
            ordered = sorted(articles, key=lambda a: a.id)
            fps = fingerprint_articles(ordered, settings)
            order = priority(ordered)
            leaders = find_families([article_sketch(fp, settings) for fp in fps], order)
            family = representatives(leaders, family_meta(ordered), order)
        else:
            ordered, fps, leaders, family = parts
        ids = [a.id for a in ordered]
        rev = int(self.store._meta(self._conn, "article_rev", "0"))     # before the digests: see `update`
        digests = self.store.article_digests(ids)
        h, f, d, p = family_rows(fps, family)
        outlets = sorted({c for a in ordered if (c := canonical(a.outlet))})
        n_families = int(np.sum(family == np.arange(len(family)))) if len(family) else 0
        with self.store.transaction() as conn:
            for table in ("reuse_index_articles", "reuse_index_sketch", "reuse_index_grams", "reuse_index_credits",
                          "reuse_index_folded", "reuse_index_common", *SMALL.values()):
                conn.execute(f"DELETE FROM {table}")
            n_sketch = 0
            for start in range(0, len(ordered), 2000):          # rows built a slice at a time
                rows, sketch_rows, credit_rows = [], [], []
                for i in range(start, min(start + 2000, len(ordered))):
                    art, fp = ordered[i], fps[i]
                    sk = article_sketch(fp, settings)
                    meta = _meta_row(art)
                    rows.append((i, art.id, digests.get(art.id, b""), prio_key(art), int(leaders[i]),
                                 int(family[i]), sk.tobytes(), json.dumps(meta, ensure_ascii=False)))
                    sketch_rows.extend((int(v), i) for v in _signed(sk).tolist())
                    credit_rows.extend((k, i) for k in meta["credits"])
                conn.executemany("INSERT INTO reuse_index_articles VALUES (?,?,?,?,?,?,?,?)", rows)
                conn.executemany("INSERT OR IGNORE INTO reuse_index_sketch VALUES (?,?)", sketch_rows)
                n_sketch += len(sketch_rows)
                conn.executemany("INSERT OR IGNORE INTO reuse_index_credits VALUES (?,?)", credit_rows)
                conn.executemany("INSERT INTO reuse_index_folded VALUES (?,?)",
                                 ((i, _pack(fps[i].folded)) for i in range(start, min(start + 2000, len(ordered)))))
            signed = _signed(h)
            for lo in range(0, len(h), GRAM_CHUNK):          # Python ints for a slice at a time
                hi = lo + GRAM_CHUNK
                conn.executemany("INSERT INTO reuse_index_grams VALUES (?,?,?,?)",
                                 zip(signed[lo:hi].tolist(), f[lo:hi].tolist(), d[lo:hi].tolist(), p[lo:hi].tolist()))
            values, counts = np.unique(h, return_counts=True)
            keep = counts >= settings.formula_min_docs
            conn.executemany("INSERT INTO reuse_index_common VALUES (?,?)",
                             zip(_signed(values[keep]).tolist(), counts[keep].tolist()))
            rows = {"reuse_index_grams": int(len(h)), "reuse_index_sketch": n_sketch}
            conn.execute("INSERT OR REPLACE INTO meta VALUES (?,?)",
                         (META_KEY, json.dumps({"key": self.key, "families": n_families, "outlets": outlets,
                                                "rev": rev, "rows": rows, "small": {t: 0 for t in SMALL}},
                                               ensure_ascii=False)))

    def drop(self) -> None:
        with self.store.transaction() as conn:
            conn.execute("DELETE FROM meta WHERE key=?", (META_KEY,))

    # -- an increment ----------------------------------------------------------------------
    def _decline(self, reason: str) -> None:
        global LAST
        self.reason = reason
        LAST = {"declined": reason}
        return None

    def update(self, align, progress=None) -> dict | None:
        """Bring the stored links and families up to date with the articles added since the
        index was filed; None (and `reason`) when a run from scratch is needed instead.
        `align(fps, cands, settings, progress, align_all)` aligns candidate pairs (the
        alignment memo)."""
        from .detect import _align_all

        meta = self._meta()
        if meta is None or meta.get("key") != self.key:
            return self._decline("no passage index for these settings and this code")
        conn = self._conn
        gone = conn.execute("SELECT count(*) FROM reuse_index_articles WHERE id NOT IN (SELECT id FROM articles)"
                            ).fetchone()[0]
        if gone:
            return self._decline(f"{gone} indexed articles are no longer stored")
        # articles whose digest changed since the index took them have a later `rev`
        rev_now = int(self.store._meta(conn, "article_rev", "0"))
        since = meta.get("rev")
        if not isinstance(since, int) or since > rev_now:
            since = -1
        changed = conn.execute("SELECT count(*) FROM article_digests d JOIN reuse_index_articles r ON r.id = d.id "
                               "WHERE d.rev > ? AND d.digest != r.digest", (since,)).fetchone()[0]
        if changed:
            return self._decline(f"{changed} stored articles changed as the analysis reads them")
        new_ids = [r[0] for r in conn.execute(
            "SELECT id FROM articles WHERE id NOT IN (SELECT id FROM reuse_index_articles) ORDER BY id")]
        if not new_ids:
            return self._decline("no new article")
        settings = self.settings
        new_arts = sorted(self._views(new_ids), key=lambda a: a.id)
        top = conn.execute("SELECT COALESCE(MAX(rix), -1) FROM reuse_index_articles").fetchone()[0]
        first_new = top + 1
        new_rix = list(range(first_new, first_new + len(new_arts)))
        fps_new = {r: fingerprint(r, a.text or "", shingle=settings.shingle, seed=settings.seed)
                   for r, a in zip(new_rix, new_arts)}
        art_of = dict(zip(new_rix, new_arts))

        clock = [time.perf_counter()]
        spent: dict[str, float] = {}

        def lap(name: str) -> None:
            now = time.perf_counter()
            spent[name] = round(spent.get(name, 0.0) + now - clock[0], 3)
            clock[0] = now

        lap("read")
        # ---- families: the new articles' decisions, and every stored one they could change
        info: dict[int, dict] = {}
        for r, a in art_of.items():
            meta_row = _meta_row(a)
            info[r] = {"id": a.id, "prio": prio_key(a), "leader": None, "rep": None,
                       "sketch": article_sketch(fps_new[r], settings), "meta": meta_row, "new": True}

        def load(rixes) -> None:
            want = [r for r in set(rixes) if r not in info]
            for i in range(0, len(want), 500):
                chunk = want[i:i + 500]
                marks = ",".join("?" * len(chunk))
                for rix, aid, prio, leader, rep, sk, m in conn.execute(
                        f"SELECT rix, id, prio, leader, rep, sketch, meta FROM reuse_index_articles "
                        f"WHERE rix IN ({marks})", chunk):
                    info[rix] = {"id": aid, "prio": prio, "leader": leader, "rep": rep,
                                 "sketch": np.frombuffer(sk, dtype=np.uint64), "meta": json.loads(m), "new": False}

        new_by_value: dict[int, list[int]] = {}
        for r in new_rix:
            for v in info[r]["sketch"].tolist():
                new_by_value.setdefault(v, []).append(r)
        holders_cache: dict[int, list[int]] = {}

        def prefetch(values: list[int]) -> None:
            want = [v for v in values if v not in holders_cache]
            if not want:
                return
            found: dict[int, list[int]] = {v: [] for v in want}
            signed = _signed(np.asarray(want, dtype=np.uint64)).tolist()
            got = [row for table in (SMALL["reuse_index_sketch"], "reuse_index_sketch")
                   for row in conn.execute(f"SELECT s.value, s.rix FROM json_each(?) j JOIN {table} s "
                                           "ON s.value = j.value", (json.dumps(signed),)).fetchall()]
            load([r for _, r in got])
            for value, r in got:
                found[_unsigned1(value)].append(r)
            for v, old in found.items():
                holders_cache[v] = sorted(old + new_by_value.get(v, []), key=lambda r: info[r]["prio"])

        def holders(v: int) -> list[int]:
            """Articles (stored and new) whose sketch holds value v, in priority order."""
            if v not in holders_cache:
                prefetch([v])
            return holders_cache[v]

        prefetch(sorted(new_by_value))

        def is_leader(r: int) -> bool:
            return info[r]["leader"] == r

        heap = [(info[r]["prio"], r) for r in new_rix]
        heapq.heapify(heap)
        seen: set[int] = set()
        stored_leader: dict[int, int] = {}       # stored articles whose leader changes: the old one
        rechecked = 0
        while heap:
            prio, x = heapq.heappop(heap)
            if x in seen:
                continue
            seen.add(x)
            s = info[x]["sketch"]
            prefetch(s.tolist())
            buckets = []
            for v in s.tolist():
                buckets.append([r for r in holders(v) if info[r]["prio"] < prio and is_leader(r)])
            best = pick_leader(s, buckets, lambda r: info[r]["sketch"], tie_key=lambda r: info[r]["id"]) if len(s) else -1
            decision = x if best < 0 else best
            stored = info[x]["leader"]          # None for a new article
            if not info[x]["new"]:
                rechecked += 1
                if decision == stored:
                    continue
                stored_leader[x] = stored
            info[x]["leader"] = decision
            if (decision == x) != (stored == x):     # leader status changed: later articles sharing a value may decide otherwise
                for v in s.tolist():
                    later = [r for r in holders(v) if info[r]["prio"] > prio]
                    for r in later:
                        if info[r]["new"] or r in seen:
                            continue
                        before = sum(1 for q in holders(v) if info[q]["prio"] < info[r]["prio"] and is_leader(q))
                        if before > BUCKET_CAP + 1:     # the bucket was ignored before and still is
                            break
                        heapq.heappush(heap, (info[r]["prio"], r))

        # ---- representatives of every group whose members changed
        changed = new_rix + sorted(stored_leader)
        for x, old_leader in stored_leader.items():
            if old_leader == x:     # a stored leader no more: each of its members must have decided again
                members = [r for (r,) in conn.execute("SELECT rix FROM reuse_index_articles WHERE leader=?", (x,))]
                if any(m != x and m not in seen for m in members):
                    return self._decline(f"the family of stored article {info[x]['id']} dissolves unchecked")
        affected = {info[x]["leader"] for x in changed} | set(stored_leader.values())
        new_rep: dict[int, int] = {}
        for leader in sorted(affected):
            load([leader])
            if info[leader]["leader"] != leader:
                continue
            old = [r for (r,) in conn.execute("SELECT rix FROM reuse_index_articles WHERE leader=?", (leader,))]
            load(old)
            members = sorted({m for m in old if info[m]["leader"] == leader}
                             | {x for x in changed if info[x]["leader"] == leader} | {leader})
            rep = leader if len(members) == 1 else group_representative(
                leader, members, {m: info[m]["meta"]["outlet"] for m in members},
                {m: frozenset(info[m]["meta"]["credits"]) for m in members},
                {m: info[m]["meta"]["length"] for m in members}, lambda m: info[m]["prio"])
            for m in members:
                new_rep[m] = rep
        old_rep: dict[int, int] = {}            # stored articles whose representative changes
        for m, rep in new_rep.items():
            if not info[m]["new"] and info[m]["rep"] != rep:
                old_rep[m] = info[m]["rep"]
            info[m]["rep"] = rep
        for r in new_rix:
            if info[r]["rep"] is None:
                info[r]["rep"] = r
        n_old = int(meta["families"])
        n_new = n_old + sum(1 for r in new_rix if info[r]["rep"] == r) + sum(
            (info[m]["rep"] == m) - (old == m) for m, old in old_rep.items())
        old_min, old_cap = thresholds(settings, n_old)
        formula_min, cap = thresholds(settings, n_new)
        moving: list[int] = []      # n-grams whose status the threshold's own move changes
        if (old_min, old_cap) != (formula_min, cap):
            lo_f, hi_f = sorted((old_min, formula_min))
            lo_c, hi_c = sorted((old_cap, cap))
            moving = [_unsigned1(h) for (h,) in conn.execute(
                "SELECT hash FROM reuse_index_common WHERE (df >= ? AND df < ?) OR (df > ? AND df <= ?)",
                (lo_f, hi_f, lo_c, hi_c))]
        id_of = lambda r: info[r]["id"]        # noqa: E731

        # families whose membership or representative changed beyond new members joining:
        # their rows are computed again from all their members
        reshaped = set(old_rep.values()) | {info[m]["rep"] for m in old_rep}
        old_members: dict[int, list[int]] = {}
        new_members: dict[int, list[int]] = {}
        for k in sorted(reshaped):
            old_members[k] = [r for (r,) in conn.execute("SELECT rix FROM reuse_index_articles WHERE rep=?", (k,))]
            load(old_members[k])
        for k in reshaped:
            new_members[k] = sorted({m for m in old_members[k] if info[m]["rep"] == k}
                                    | {m for m in old_rep if info[m]["rep"] == k}
                                    | {r for r in new_rix if info[r]["rep"] == k}, key=id_of)
        wide = sorted({m for k in reshaped for m in old_members[k] + new_members[k]} - set(new_rix))
        self._fill(art_of, wide, info)
        folded = self._folded(wide)
        for m in wide:
            fps_new[m] = fingerprint(m, art_of[m].text or "", shingle=settings.shingle, seed=settings.seed,
                                     folded=folded.get(m))

        lap("families")
        # ---- postings: rows of the n-grams of the new articles and of reshaped families
        known = [fps_new[r].hashes for r in list(new_rix) + wide]
        hashes_new = np.unique(np.concatenate(known)) if known else np.zeros(0, np.uint64)
        old_rows = self._rows_for(np.union1d(hashes_new, np.asarray(moving, dtype=np.uint64)))  # hash -> {fam: (rix, pos)}
        load({r for fams in old_rows.values() for r, _ in fams.values()} | set(
            f for fams in old_rows.values() for f in fams))
        rows = {h: {f: v for f, v in fams.items() if f not in reshaped} for h, fams in old_rows.items()}
        added: list[tuple[int, int, int, int]] = []
        removed = [(h, f) for h, fams in old_rows.items() for f in fams if f in reshaped]
        for k in reshaped:
            if info[k]["rep"] != k:
                continue
            ordered = [k] + [m for m in new_members[k] if m != k]
            for m in ordered:
                fp = fps_new[m]
                for h, pos in zip(fp.hashes.tolist(), fp.positions.tolist()):
                    fams = rows.setdefault(h, {})
                    if k not in fams:
                        fams[k] = (m, int(pos))
                        added.append((h, k, m, int(pos)))
        proposals: dict[tuple[int, int], tuple[int, int]] = {}
        for r in new_rix:
            fam = info[r]["rep"]
            if fam in reshaped:
                continue
            fp = fps_new[r]
            for h, pos in zip(fp.hashes.tolist(), fp.positions.tolist()):
                key = (h, fam)
                cur = proposals.get(key)
                if cur is None or r == fam or (cur[0] != fam and id_of(r) < id_of(cur[0])):
                    proposals[key] = (r, int(pos))
        for (h, fam), (r, pos) in proposals.items():
            fams = rows.setdefault(h, {})
            cur = fams.get(fam)
            if cur is None or (cur[0] != fam and id_of(r) < id_of(cur[0])):
                fams[fam] = (r, pos)
                added.append((h, fam, r, pos))

        def crossed(df_old: int, df_new: int) -> str | None:
            """'anchor' when an n-gram starts or stops being an anchor (the cap), 'flag' when
            it stays one but its formula flag changes, else None."""
            if (df_old <= old_cap) != (df_new <= cap):
                return "anchor"
            if df_new <= cap and (df_old >= old_min) != (df_new >= formula_min):
                return "flag"
            return None

        pairs: set[tuple[int, int]] = set()
        families_touched: set[int] = {info[r]["rep"] for r in new_rix} | {k for k in reshaped if info[k]["rep"] == k}
        families_crossed: set[int] = set()      # every member-representative pair re-checked
        crossing = moved = 0
        counts: dict[tuple[int, int], int] = {}
        flagged: dict[int, set[int]] = {}       # stored article -> n-grams whose flag changed
        families_flagged: set[int] = set()
        for h in sorted(set(hashes_new.tolist()) | set(moving)):
            before, after = old_rows.get(h, {}), rows.get(h, {})
            olds = sorted(r for r, _ in before.values())
            change = crossed(len(before), len(after)) if before else None
            if change == "anchor":              # anchors gained or lost: every pair of its rows
                crossing += 1
                pairs.update((a, b) for k, a in enumerate(olds) for b in olds[k + 1:])
                families_crossed.update(before)
                if len(pairs) > MAX_RECHECK:
                    return self._decline(f"more than {MAX_RECHECK} stored pairs to re-check")
            elif change == "flag":              # flags change passages' formula marks only: linked pairs
                crossing += 1
                for r in olds:
                    flagged.setdefault(r, set()).add(h)
                families_flagged.update(before)
            lost = [r for f, (r, _) in before.items() if after.get(f, (None,))[0] != r]
            for x in lost:                      # a stored article no longer represents h in its family
                moved += 1
                pairs.update((min(x, r), max(x, r)) for r in olds if r != x)
            if not 2 <= len(after) <= cap:
                continue
            arts = [r for r, _ in after.values()]
            fresh = [r for f, (r, _) in after.items() if before.get(f, (None,))[0] != r]
            for a in fresh:
                for b in arts:
                    if b != a and (b not in fresh or b > a):
                        key = (min(a, b), max(a, b))
                        counts[key] = counts.get(key, 0) + 1
        # a pair with a new article has all its anchors counted; a pair of stored articles
        # only those that changed, so it is checked whatever the count
        pairs.update(k for k, c in counts.items()
                     if c >= settings.min_anchors or not (info[k[0]]["new"] or info[k[1]]["new"]))
        # member <-> representative pairs: the new members', every member's in a reshaped
        # family, and all of a family with an n-gram whose status changed
        for r in new_rix:
            if info[r]["rep"] != r:
                pairs.add((min(r, info[r]["rep"]), max(r, info[r]["rep"])))
        for k in reshaped:
            if info[k]["rep"] == k:
                pairs.update((min(m, k), max(m, k)) for m in new_members[k] if m != k)
        # pairs with a stored link whose anchors' formula flags changed (a pair without
        # passages has none whatever its flags)
        if flagged:
            ids = {info[r]["id"]: r for r in flagged}
            for a, b in self._linked_pairs(list(ids)):
                ra, rb = ids.get(a), ids.get(b)
                if ra is not None and rb is not None and flagged[ra] & flagged[rb]:
                    pairs.add((min(ra, rb), max(ra, rb)))
            for fam in families_flagged:
                if fam in info and info[fam]["rep"] == fam:
                    members = [r for (r,) in conn.execute("SELECT rix FROM reuse_index_articles WHERE rep=?", (fam,))]
                    if len(members) > 1:
                        load(members)
                        linked = self._linked_pairs([info[fam]["id"]])
                        mids = {info[m]["id"]: m for m in members if info[m]["rep"] == fam}
                        for a, b in linked:
                            if a in mids and b in mids:
                                pairs.add((min(mids[a], mids[b]), max(mids[a], mids[b])))
                                families_touched.add(fam)
        for fam in families_crossed:
            old = [r for (r,) in conn.execute("SELECT rix FROM reuse_index_articles WHERE rep=?", (fam,))]
            old = [m for m in old if info.get(m, {}).get("rep", fam) == fam]
            if len(old) > 1 and info.get(fam, {}).get("rep", fam) == fam:
                load(old)
                pairs.update((min(m, fam), max(m, fam)) for m in old if m != fam)
                families_touched.add(fam)
        # every stored link of an article whose family changed is decided again
        stale: set[tuple[str, str]] = set()
        for m in sorted(old_rep):
            for link in self.store.reuse_links(article=info[m]["id"]):
                if link.kind in REUSE_KINDS:
                    stale.add((link.a, link.b))
        ends = sorted({i for pair in stale for i in pair} - {info[m]["id"] for m in old_rep})
        rix_of = {info[m]["id"]: m for m in old_rep}
        for i in range(0, len(ends), 500):
            chunk = ends[i:i + 500]
            marks = ",".join("?" * len(chunk))
            rix_of.update(conn.execute(f"SELECT id, rix FROM reuse_index_articles WHERE id IN ({marks})", chunk))
        load(rix_of.values())
        pairs.update((min(rix_of[a], rix_of[b]), max(rix_of[a], rix_of[b])) for a, b in stale)
        dropped = [info[k]["id"] for k in reshaped if len(old_members[k]) > 1
                   and (info[k]["rep"] != k or len(new_members[k]) < 2)]

        lap("postings")
        # ---- outlets new to the collection: links whose evidence names them
        outlets_old = set(meta["outlets"])
        outlets = outlets_old | {c for a in new_arts if (c := canonical(a.outlet))}
        fresh_outlets = sorted(outlets - outlets_old)
        crediting: set[str] = set()
        if fresh_outlets:
            marks = ",".join("?" * len(fresh_outlets))
            old = [r for (r,) in conn.execute(f"SELECT rix FROM reuse_index_credits WHERE key IN ({marks})",
                                              fresh_outlets)]
            load(old)
            crediting = {info[r]["id"] for r in old}

        # ---- anchors of every affected pair, from the fingerprints and the rows
        involved = sorted({r for pair in pairs for r in pair})
        load(involved)
        self._fill(art_of, involved, info)
        local = sorted(involved, key=id_of)
        pos_of = {r: k for k, r in enumerate(local)}
        folded = self._folded([r for r in local if r not in fps_new])
        fps = [dataclasses.replace(fps_new[r], index=k) if r in fps_new else
               fingerprint(k, art_of[r].text or "", shingle=settings.shingle, seed=settings.seed, folded=folded.get(r))
               for k, r in enumerate(local)]
        # per pair (x before y by id): the shared n-grams and their indices in x's and y's
        # (sorted, unique) hashes, as `np.intersect1d(..., return_indices=True)` gives them,
        # found for all the pairs of one x at once; a pair sharing fewer than `min_anchors`
        # n-grams has fewer anchors whatever their rows say, so it is left out here
        shared: dict[tuple[int, int], tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        by_x: dict[int, list[int]] = {}
        for a, b in pairs:
            x, y = sorted((a, b), key=id_of)
            by_x.setdefault(x, []).append(y)
        for x, ys in by_x.items():
            hx = fps[pos_of[x]].hashes
            if not len(hx):
                continue
            cat = np.concatenate([fps[pos_of[y]].hashes for y in ys])
            at = np.minimum(np.searchsorted(hx, cat), len(hx) - 1)
            hit = hx[at] == cat
            ends = np.cumsum([len(fps[pos_of[y]].hashes) for y in ys])
            running = np.concatenate(([0], np.cumsum(hit)))
            counts = running[ends] - running[np.concatenate(([0], ends[:-1]))]
            lo = 0
            for y, hi, n in zip(ys, ends.tolist(), counts.tolist()):
                if n >= settings.min_anchors:
                    iy = np.flatnonzero(hit[lo:hi])
                    shared[(x, y)] = (cat[lo:hi][iy], at[lo:hi][iy], iy)
                lo = hi
        every = (np.unique(np.concatenate([v[0] for v in shared.values()])) if shared
                 else np.zeros(0, dtype=np.uint64))
        have = np.fromiter(rows.keys(), dtype=np.uint64, count=len(rows))
        # per shared n-gram: its frequency in families, and (n-gram, article) codes of its rows
        # (those of n-grams not read yet straight from the store, as arrays: `_row_array`)
        width = np.int64(max(info) + 1 if info else 1)
        hs_list = every.tolist()
        more_h, more_r = self._row_array(np.setdiff1d(every, have, assume_unique=True))
        more_k = np.searchsorted(every, more_h)
        df_of = np.bincount(more_k, minlength=len(every)).astype(np.int64)
        known_at = np.flatnonzero(np.isin(every, have)).tolist()
        df_of[known_at] = [len(rows[hs_list[k]]) for k in known_at]
        codes = np.sort(np.concatenate((more_k.astype(np.int64) * width + more_r, np.fromiter(
            (k * int(width) + r for k in known_at for r, _ in rows[hs_list[k]].values()), dtype=np.int64))))

        def represents(idx: np.ndarray, r: int) -> np.ndarray:
            want = idx.astype(np.int64) * width + r
            at = np.minimum(np.searchsorted(codes, want), max(len(codes) - 1, 0))
            return (codes[at] == want) if len(codes) else np.zeros(len(idx), dtype=bool)

        # the same per shared n-gram as the index stood before this increment (rows of the
        # n-grams it read again as they were stored, the others unchanged): a stored pair
        # whose anchors are the same before and after, only some formula flags changed, has
        # the stored passages with their formula marks re-counted (`_reflag`), not aligned again
        changed_mask = np.isin(every, np.union1d(hashes_new, np.asarray(moving, dtype=np.uint64)))
        changed_at = np.flatnonzero(changed_mask).tolist()
        old_df_of = df_of.copy()
        old_df_of[changed_at] = [len(old_rows.get(hs_list[k], ())) for k in changed_at]
        old_arts = {k: {r for r, _ in old_rows.get(hs_list[k], {}).values()} for k in changed_at}
        still = set(reshaped) | {m for pair in old_rep.items() for m in pair}
        reflagged: list[tuple[int, int, np.ndarray, np.ndarray, np.ndarray]] = []

        cand_pairs, cand_a, cand_b, cand_f, offsets = [], [], [], [], [0]
        for (x, y) in sorted(shared, key=lambda k: (pos_of[k[0]], pos_of[k[1]])):
            hs, ix, iy = shared[(x, y)]
            fx, fy = fps[pos_of[x]], fps[pos_of[y]]
            fam_x, fam_y = info[x]["rep"], info[y]["rep"]
            idx = np.searchsorted(every, hs)
            df = df_of[idx]
            if fam_x == fam_y:
                if x != fam_x and y != fam_y:
                    continue                    # two members of one family: never compared
                keep = df <= cap
            else:
                rx, ry = represents(idx, x), represents(idx, y)
                keep = (df >= 2) & (df <= cap) & rx & ry
            freq = df >= formula_min
            if keep.sum() < settings.min_anchors:
                continue
            pa, pb, fr = fx.positions[ix][keep], fy.positions[iy][keep], freq[keep]
            order = np.lexsort((pb, pa))
            if not (info[x]["new"] or info[y]["new"] or x in still or y in still
                    or fam_x in still or fam_y in still):
                # the pair's anchors as the index stood: only rows of re-read n-grams differ
                odf = old_df_of[idx]
                if fam_x == fam_y:
                    keep_old = odf <= old_cap
                else:
                    sel = np.flatnonzero(changed_mask[idx])
                    rxo, ryo = rx.copy(), ry.copy()
                    for j, k in zip(sel.tolist(), idx[sel].tolist()):
                        rxo[j], ryo[j] = x in old_arts[k], y in old_arts[k]
                    keep_old = (odf >= 2) & (odf <= old_cap) & rxo & ryo
                if np.array_equal(keep_old, keep) and not np.array_equal((odf >= old_min)[keep], fr):
                    reflagged.append((x, y, pa[order], pb[order], fr[order]))
                    continue
            cand_pairs.append((pos_of[x], pos_of[y]))
            cand_a.append(pa[order])
            cand_b.append(pb[order])
            cand_f.append(fr[order])
            offsets.append(offsets[-1] + int(keep.sum()))
        cands = Candidates(pairs=np.asarray(cand_pairs, dtype=np.int32).reshape(-1, 2),
                           offsets=np.asarray(offsets, dtype=np.int64),
                           pos_a=np.concatenate(cand_a).astype(np.int32) if cand_a else np.zeros(0, np.int32),
                           pos_b=np.concatenate(cand_b).astype(np.int32) if cand_b else np.zeros(0, np.int32),
                           frequent=np.concatenate(cand_f) if cand_f else np.zeros(0, bool))
        # pairs whose anchors did not move, only formula flags: the stored passages, re-marked
        links: dict[tuple[str, str], ReuseLink] = {}
        realign: list[tuple[int, int, np.ndarray, np.ndarray, np.ndarray]] = []
        untouched: set[tuple[str, str]] = set()
        kinds_marks = ",".join("?" * len(REUSE_KINDS))
        for x, y, pa, pb, fr in reflagged:
            row = conn.execute(f"SELECT data FROM reuse WHERE a=? AND b=? AND kind IN ({kinds_marks})",
                               (info[x]["id"], info[y]["id"], *REUSE_KINDS)).fetchone()
            if row is None:
                continue                        # no passage before: none now (flags make none)
            before = ReuseLink.from_dict(json.loads(row[0])).passages
            passages = _reflag(fps[pos_of[x]], fps[pos_of[y]], pa, pb, fr, before, settings)
            if passages is None:
                realign.append((x, y, pa, pb, fr))
                continue
            if [p.formula for p in passages] == [p.formula for p in before]:
                # the same passages: the stored link stands as any link not re-checked does
                # (re-worded below if it credits an outlet new to the collection)
                untouched.add((info[x]["id"], info[y]["id"]))
                continue
            link = build_link(art_of[x], art_of[y], passages, outlets)
            links[(link.a, link.b)] = link
        if realign:
            for x, y, pa, pb, fr in sorted(realign, key=lambda t: (pos_of[t[0]], pos_of[t[1]])):
                cand_pairs.append((pos_of[x], pos_of[y]))
                cand_a.append(pa)
                cand_b.append(pb)
                cand_f.append(fr)
                offsets.append(offsets[-1] + len(pa))
            cands = Candidates(pairs=np.asarray(cand_pairs, dtype=np.int32).reshape(-1, 2),
                               offsets=np.asarray(offsets, dtype=np.int64),
                               pos_a=np.concatenate(cand_a).astype(np.int32),
                               pos_b=np.concatenate(cand_b).astype(np.int32),
                               frequent=np.concatenate(cand_f))
        lap("anchors")
        found = dict(align(fps, cands, settings, progress, _align_all)) if len(cands) else {}
        lap("align")
        for p, passages in found.items():
            if passages:
                i, j = (int(v) for v in cands.pairs[p])
                link = build_link(art_of[local[i]], art_of[local[j]], passages, outlets)
                links[(link.a, link.b)] = link
        pair_ids = {tuple(sorted((info[a]["id"], info[b]["id"]))) for a, b in pairs} - untouched

        # links of articles crediting a new outlet: the same passages, evidence re-worded
        for aid in sorted(crediting):
            for old in self.store.reuse_links(article=aid):
                if old.kind not in REUSE_KINDS or (old.a, old.b) in pair_ids or (old.a, old.b) in links:
                    continue
                a, b = self.store.get_articles([old.a, old.b])
                link = build_link(self.view(a), self.view(b), old.passages, outlets)
                link.family = old.family
                links[(link.a, link.b)] = link
                pair_ids.add((link.a, link.b))

        # ---- family records of the families concerned
        records = []
        for fam in sorted(families_touched, key=id_of):
            members = {r for r in info if info[r]["rep"] == fam}
            if not info[fam]["new"]:
                old = [r for (r,) in conn.execute("SELECT rix FROM reuse_index_articles WHERE rep=?", (fam,))]
                load(old)
                members |= {m for m in old if info[m]["rep"] == fam}
            members = sorted(members)
            if len(members) < 2:
                continue
            self._fill(art_of, members, info)
            ordered = sorted(members, key=id_of)
            local_fam = np.asarray([ordered.index(fam)] * len(ordered), dtype=np.int32)
            fam_links = []
            rep_id = info[fam]["id"]
            for m in ordered:
                if m == fam:
                    continue
                key = tuple(sorted((info[m]["id"], rep_id)))
                if key in pair_ids:
                    if key in links:
                        fam_links.append(links[key])
                else:
                    fam_links.extend(l for l in self.store.reuse_links(article=info[m]["id"])
                                     if (l.a, l.b) == key and l.kind in REUSE_KINDS)
            records.extend(build_families([art_of[m] for m in ordered], local_fam, fam_links))

        lap("links")
        # ---- write it all at once
        grams = sorted((_signed1(h), fam, r, pos) for h, fam, r, pos in added)
        with self.store.transaction() as c:
            new_rows, sketch_rows, credit_rows = [], [], []
            digests = self.store.article_digests(new_ids)
            for r in new_rix:
                it = info[r]
                new_rows.append((r, it["id"], digests.get(it["id"], b""), it["prio"], it["leader"], it["rep"],
                                 it["sketch"].tobytes(), json.dumps(it["meta"], ensure_ascii=False)))
                sketch_rows.extend((int(v), r) for v in _signed(it["sketch"]).tolist())
                credit_rows.extend((k, r) for k in it["meta"]["credits"])
            c.executemany("INSERT INTO reuse_index_articles VALUES (?,?,?,?,?,?,?,?)", new_rows)
            c.executemany(f"INSERT OR IGNORE INTO {SMALL['reuse_index_sketch']} VALUES (?,?)", sorted(sketch_rows))
            c.executemany("INSERT OR IGNORE INTO reuse_index_credits VALUES (?,?)", credit_rows)
            c.executemany("INSERT OR REPLACE INTO reuse_index_folded VALUES (?,?)",
                          [(r, _pack(fps_new[r].folded)) for r in new_rix])
            c.executemany("UPDATE reuse_index_articles SET leader=?, rep=? WHERE rix=?",
                          [(info[m]["leader"], info[m]["rep"], m) for m in sorted(set(stored_leader) | set(old_rep))])
            # a removed posting: a row with rix -1 (`_rows_for`), which a posting added again replaces
            small_grams = SMALL["reuse_index_grams"]
            c.executemany(f"INSERT OR REPLACE INTO {small_grams} VALUES (?,?,-1,0)",
                          sorted((_signed1(h), f) for h, f in removed))
            c.executemany(f"INSERT OR REPLACE INTO {small_grams} VALUES (?,?,?,?)", grams)
            rows_meta = dict(meta.get("rows") or {})
            small_meta = dict(meta.get("small") or {})
            small_meta["reuse_index_grams"] = small_meta.get("reuse_index_grams", 0) + len(removed) + len(grams)
            small_meta["reuse_index_sketch"] = small_meta.get("reuse_index_sketch", 0) + len(sketch_rows)
            for table in SMALL:
                if small_meta[table] > max(FOLD_FLOOR, rows_meta.get(table, 0) // FOLD_SHARE):
                    rows_meta[table] = rows_meta.get(table, 0) + small_meta[table]
                    small_meta[table] = 0
                    self._fold(c, table)
            floor = settings.formula_min_docs
            common = [(h, len(rows.get(h, ()))) for h in hashes_new.tolist()]
            c.executemany("INSERT OR REPLACE INTO reuse_index_common VALUES (?,?)",
                          sorted((_signed1(h), df)
                                 for h, df in common if df >= floor))
            c.executemany("DELETE FROM reuse_index_common WHERE hash=?",
                          sorted((_signed1(h),)
                                 for h, df in common if df < floor <= len(old_rows.get(h, ()))))
            self.store.update_reuse(c, sorted(pair_ids), [links[k] for k in sorted(links)], records, REUSE_KINDS,
                                    drop_families=[family_id_of(i) for i in dropped])
            c.execute("INSERT OR REPLACE INTO meta VALUES (?,?)",
                      (META_KEY, json.dumps({"key": self.key, "families": n_new, "outlets": sorted(outlets),
                                             "rev": rev_now,
                                             "rows": rows_meta, "small": small_meta}, ensure_ascii=False)))
        lap("write")
        self.stats = {"seconds": spent, "new": len(new_rix), "rechecked_families": rechecked, "crossing_ngrams": crossing,
                      "moved_rows": moved, "reshaped_families": len(reshaped), "pairs": len(pairs), "candidates": len(cands),
                      "links_written": len(links), "families_written": len(records),
                      "reflagged": len(reflagged), "reflag_realigned": len(realign),
                      "reflag_unchanged": len(untouched)}
        global LAST
        LAST = dict(self.stats)
        return self.stats

    @staticmethod
    def _fold(conn, table: str) -> None:
        """Inside a write transaction: move the rows of `table`'s small table into it."""
        small = SMALL[table]
        if table == "reuse_index_grams":
            gone = conn.execute(f"SELECT hash, fam FROM {small} WHERE rix < 0").fetchall()
            conn.executemany("DELETE FROM reuse_index_grams WHERE hash=? AND fam=?", gone)
            conn.execute(f"INSERT OR REPLACE INTO reuse_index_grams SELECT hash, fam, rix, pos FROM {small} "
                         "WHERE rix >= 0 ORDER BY hash, fam")
        else:
            conn.execute(f"INSERT OR IGNORE INTO {table} SELECT value, rix FROM {small} ORDER BY value, rix")
        conn.execute(f"DELETE FROM {small}")

    def _linked_pairs(self, ids: list[str]) -> set[tuple[str, str]]:
        """(a, b) of the stored reuse links touching any of these articles."""
        out: set[tuple[str, str]] = set()
        kinds = ",".join("?" * len(REUSE_KINDS))
        for i in range(0, len(ids), 400):
            chunk = ids[i:i + 400]
            marks = ",".join("?" * len(chunk))
            for column in ("a", "b"):
                out.update(self._conn.execute(f"SELECT a, b FROM reuse WHERE {column} IN ({marks}) "
                                              f"AND kind IN ({kinds})", (*chunk, *REUSE_KINDS)))
        return out

    def _folded(self, rixes: list[int]) -> dict[int, str]:
        """The folded texts kept for these indexed articles (fingerprinting skips `fold`)."""
        out: dict[int, str] = {}
        for i in range(0, len(rixes), 500):
            chunk = rixes[i:i + 500]
            marks = ",".join("?" * len(chunk))
            out.update((r, _unpack(d)) for r, d in self._conn.execute(
                f"SELECT rix, data FROM reuse_index_folded WHERE rix IN ({marks})", chunk))
        return out

    def _fill(self, art_of: dict, rixes, info: dict) -> None:
        """Read the stage views of the indexed articles not yet in `art_of`."""
        need = {info[r]["id"]: r for r in rixes if r not in art_of}
        for art in self._views(list(need)):
            art_of[need[art.id]] = art

    def _row_array(self, hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(hash, article) of every stored row of the given hashes, as `_rows_for` reads them
        (a small table's row replaces the large table's, rix -1 removes it), as arrays."""
        parts = []
        if len(hashes):
            wanted = json.dumps(_signed(hashes).tolist())
            for rank, table in enumerate(("reuse_index_grams", SMALL["reuse_index_grams"])):
                got = self._conn.execute(f"SELECT g.hash, g.fam, g.rix, {rank} FROM json_each(?) j "
                                         f"JOIN {table} g ON g.hash = j.value", (wanted,)).fetchall()
                if got:
                    parts.append(np.asarray(got, dtype=np.int64))
        if not parts:
            return np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64)
        arr = np.concatenate(parts)
        arr = arr[np.lexsort((arr[:, 3], arr[:, 1], arr[:, 0]))]
        last = np.ones(len(arr), dtype=bool)          # the last row of each (hash, family): the small table's
        last[:-1] = (arr[1:, 0] != arr[:-1, 0]) | (arr[1:, 1] != arr[:-1, 1])
        arr = arr[last & (arr[:, 2] >= 0)]
        return np.ascontiguousarray(arr[:, 0]).view(np.uint64), arr[:, 2].copy()

    def _rows_for(self, hashes: np.ndarray) -> dict[int, dict[int, tuple[int, int]]]:
        """hash (unsigned) -> {family: (article, position)} as stored, for the given hashes."""
        out: dict[int, dict[int, tuple[int, int]]] = {}
        if not len(hashes):
            return out
        wanted = json.dumps(_signed(hashes).tolist())
        for table in ("reuse_index_grams", SMALL["reuse_index_grams"]):   # the small table's rows last: they win
            got = self._conn.execute(f"SELECT g.hash, g.fam, g.rix, g.pos FROM json_each(?) j "
                                     f"JOIN {table} g ON g.hash = j.value", (wanted,)).fetchall()
            if not got:
                continue
            arr = np.asarray(got, dtype=np.int64)
            hs = arr[:, 0].view(np.uint64).tolist()
            for h, f, r, p in zip(hs, arr[:, 1].tolist(), arr[:, 2].tolist(), arr[:, 3].tolist()):
                if r >= 0:
                    out.setdefault(h, {})[f] = (r, p)
                elif h in out:              # removed since the large table was written
                    out[h].pop(f, None)
                    if not out[h]:
                        del out[h]
        return out


__all__ = ["PassageIndex", "ReuseLinks", "family_rows", "prio_key"]
