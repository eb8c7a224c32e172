"""Families of reprints: near-identical copies of one text, found before anything is counted.

A wire story reprinted by 400 outlets is one text, not 400. Every later count treats it
so: an n-gram's document frequency is the number of distinct *families* that contain it
(`candidates.anchors_from_postings`), so a passage is a formula (stock phrase) only when
it recurs across unrelated texts, and copies of one story never turn each other into
stock phrases, however many there are.

How a family is found, in time linear in the number of articles:

* sketch: each article's bottom-k n-gram hashes (`SKETCH` smallest of its distinct 5-gram
  hashes; `Fingerprint.hashes` is already sorted, so this is a slice). Two sketches
  estimate the Jaccard similarity of the two n-gram sets (Broder's bottom-k estimator).
* leaders: articles are visited in `priority` order (earliest trusted publication time,
  then id). An article joins the leader it resembles most when the estimated Jaccard is at
  least `FAMILY_JACCARD`; otherwise it becomes a leader itself. Candidate leaders are those
  sharing sketch values with it (an inverted index over the leaders' sketches only, so a
  family of 1,000 copies costs 1,000 look-ups of one leader, not 500,000 comparisons).

The leader is the family's *representative*, unless other members credit the outlet of
some members (the agency's own copies): then the most complete of those is
(`representatives`). Members are compared with it only, never
with each other (k - 1 alignments, k - 1 links), and pair links between two members are
derived on request (`detect.pair_link`). Everything here is a pure function of the
sketches and the order, so the local and the Spark engine form the same families.
"""
from __future__ import annotations

import math
from collections import Counter
from datetime import datetime, timezone

import numpy as np

from ..model import Article
from .direction import _time

SKETCH = 64
FAMILY_JACCARD = 0.5
# A sketch value shared by more leaders than this is a stock n-gram: it says nothing about
# which family an article belongs to (and would make the look-up quadratic).
BUCKET_CAP = 32
# Leaders compared exactly per article (the ones sharing most sketch values).
MAX_TRIES = 4


def sketch(hashes: np.ndarray, min_grams: int) -> np.ndarray:
    """Bottom-k sketch of a sorted array of distinct n-gram hashes; empty when the text is too
    short to be a family member (it then stays on its own)."""
    if len(hashes) < min_grams:
        return np.zeros(0, dtype=np.uint64)
    return np.ascontiguousarray(hashes[:SKETCH], dtype=np.uint64)


def sketch_jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of two n-gram sets from their bottom-k sketches."""
    if not len(a) or not len(b):
        return 0.0
    k = min(SKETCH, max(len(a), len(b)))
    union = np.union1d(a, b)[:k]
    both = np.intersect1d(a, b, assume_unique=True)
    return float(np.isin(union, both, assume_unique=True).sum()) / len(union)


def priority(articles: list[Article]) -> list[int]:
    """Indices in the order families are formed: trusted earliest publication first, then id."""
    far = datetime.max.replace(tzinfo=timezone.utc)

    def key(i: int):
        when = _time(articles[i])
        return (when[0] if when else far, articles[i].id)
    return sorted(range(len(articles)), key=key)


def find_families(sketches: list[np.ndarray], order: list[int]) -> np.ndarray:
    """family[i] = index of the representative of article i's family (i itself when alone)."""
    n = len(sketches)
    family = np.arange(n, dtype=np.int32)
    sizes = np.fromiter((len(s) for s in sketches), dtype=np.int64, count=n)
    if not sizes.sum():
        return family
    values = np.concatenate([s for s in sketches if len(s)])
    _, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    # Only values found in two or more sketches can tie an article to a leader.
    shared = np.split(values[counts[inverse] >= 2], np.cumsum(
        np.add.reduceat(counts[inverse] >= 2, np.r_[0, np.cumsum(sizes[sizes > 0])[:-1]]))[:-1])
    shared_of: dict[int, list[int]] = dict(zip(np.flatnonzero(sizes > 0).tolist(), (v.tolist() for v in shared)))
    leaders_by_value: dict[int, list[int]] = {}
    for i in order:
        values_i = shared_of.get(i)
        if not values_i:
            continue                  # shares no sketch value: joins no one, and no one joins it
        best = pick_leader(sketches[i], (leaders_by_value.get(v) for v in values_i), sketches.__getitem__)
        if best >= 0:
            family[i] = best
        else:
            for v in values_i:
                leaders_by_value.setdefault(v, []).append(i)
    return family


def pick_leader(s: np.ndarray, buckets, sketch_of, tie_key=None) -> int:
    """The leader an article with sketch `s` joins, or -1: `buckets` are, for each of its
    sketch values in ascending order, the leaders registered with that value before it
    (in `priority` order, or None); `sketch_of(leader)` is a leader's sketch; on equal
    estimates the leader with the smaller `tie_key` (default: itself) wins. One decision
    of `find_families`, shared with the persisted index (`index.py`) so both decide alike."""
    tie_key = tie_key or (lambda leader: leader)
    counts: Counter = Counter()
    for leaders in buckets:
        if leaders and len(leaders) <= BUCKET_CAP:
            counts.update(leaders)
    best, best_j = -1, -1.0
    need = FAMILY_JACCARD * min(len(s), SKETCH) / 2
    for leader, hits in counts.most_common(MAX_TRIES):
        if hits < need:
            break
        j = sketch_jaccard(sketch_of(leader), s)
        if j >= FAMILY_JACCARD and (j > best_j or (j == best_j and tie_key(leader) < tie_key(best))):
            best, best_j = leader, j
    return best


def family_meta(articles: list[Article]) -> tuple[list[str | None], list[frozenset[str]], list[int]]:
    """Per article: canonical outlet, canonical sources it credits (not itself), visible length:
    what `representatives` needs (small, so the Spark driver ships it to every task)."""
    from .classify import visible_length
    from .direction import _credits, canonical

    return ([canonical(a.outlet) for a in articles], [frozenset(_credits(a)) for a in articles],
            [visible_length(a.text or "") for a in articles])


def representatives(family: np.ndarray, meta, order: list[int]) -> np.ndarray:
    """Re-pick each family's representative where the credits say who the source is.

    Among the members whose outlet the other members credit (the agency's own copies),
    the most complete one (most visible characters; reprints cut, rarely add) is the
    representative; without such a member, the leader (the earliest) stays."""
    outlets, credits, lengths = meta
    groups: dict[int, list[int]] = {}
    for i, rep in enumerate(family.tolist()):
        if rep != i:
            groups.setdefault(rep, [rep]).append(i)
    if not groups:
        return family
    rank = np.empty(len(family), dtype=np.int64)
    rank[np.asarray(order, dtype=np.int64)] = np.arange(len(order))
    out = family.copy()
    for rep, members in groups.items():
        best = group_representative(rep, members, outlets, credits, lengths, lambda m: int(rank[m]))
        if best != rep:
            out[np.asarray(members)] = best
    return out


def group_representative(leader, members, outlets, credits, lengths, rank):
    """One family's representative (see `representatives`): `outlets`, `credits`, `lengths`
    indexable by member, `rank(m)` its place in `priority` order."""
    tally = Counter(key for m in members for key in credits[m])     # how many members credit each source
    credited = [m for m in members if outlets[m] and tally[outlets[m]] - (outlets[m] in credits[m]) > 0]
    if not credited:
        return leader
    return min(credited, key=lambda m: (-lengths[m], rank(m)))


def thresholds(settings, n_families: int) -> tuple[int, int]:
    """(formula_min, anchor_cap) in families, relative to the collection's size in families.

    formula_min: an n-gram in at least this many unrelated families is common (stock):
    max(formula_min_docs, formula_share x families). anchor_cap: n-grams in more families
    are not anchors at all; it grows with formula_min so a formula is still seen and named.
    """
    formula_min = max(settings.formula_min_docs, math.ceil(settings.formula_share * n_families))
    cap = max(settings.max_doc_freq, math.ceil(settings.max_doc_freq * formula_min / max(1, settings.formula_min_docs)))
    return formula_min, cap


def article_sketch(fp, settings) -> np.ndarray:
    """The sketch of one fingerprinted article (empty below `min_chars` visible token characters)."""
    if int((fp.ends - fp.starts).sum()) < settings.min_chars:
        return np.zeros(0, dtype=np.uint64)
    return sketch(fp.hashes, max(settings.min_anchors, 1))


def family_id(representative: Article) -> str:
    return f"family-{representative.id}"


def _member_row(art: Article, role: str) -> dict:
    return {"id": art.id, "outlet": art.outlet, "published": art.published, "role": role}


def _source(members: list[Article], rep: Article) -> tuple[str | None, str]:
    """The member the others copied, when a credit or the publication order says so."""
    from .direction import _credits, canonical

    credits = [_credits(m) for m in members]
    tally = Counter(key for c in credits for key in c)      # members crediting each source: O(k)
    for art, own in zip(members, credits):
        outlet = canonical(art.outlet)
        count = tally[outlet] - (outlet in own) if outlet else 0
        if count > 0:
            name = next(c[outlet] for m, c in zip(members, credits) if m is not art and outlet in c)
            return art.id, (f"{count} of the other {len(members) - 1} copies credit {name}, "
                            f"the outlet of {art.id}")
    from .direction import _order

    if all(_order(rep, m) < 0 for m in members if m is not rep):
        return rep.id, f"{rep.id} was published before every other copy ({rep.published})"
    return None, "no credit to a member's outlet and no member published strictly first"


def _common_credit(members: list[Article]) -> str | None:
    from .direction import _credits, canonical

    own = {canonical(m.outlet) for m in members}
    shared = None
    for m in members:
        keys = set(_credits(m)) - own
        shared = keys if shared is None else shared & keys
    if not shared:
        return None
    key = sorted(shared)[0]
    return _credits(members[0])[key]


def build_families(ordered: list[Article], family: np.ndarray, links: list) -> list:
    """One `Family` record per family of two or more, from the member-representative links
    (which this also marks with the family id)."""
    from ..model import Family
    from .classify import union_spans, visible_length

    groups: dict[int, list[int]] = {}
    for i, rep in enumerate(family.tolist()):
        if rep != i:
            groups.setdefault(rep, []).append(i)
    if not groups:
        return []
    index = {art.id: i for i, art in enumerate(ordered)}
    to_rep: dict[int, object] = {}
    for link in links:
        i, j = index.get(link.a), index.get(link.b)
        if i is None or j is None:
            continue
        if family[j] == i and j in groups.get(i, ()):
            to_rep[j] = link
        elif family[i] == j and i in groups.get(j, ()):
            to_rep[i] = link
    out = []
    for rep_i in sorted(groups, key=lambda r: ordered[r].id):
        rep = ordered[rep_i]
        fid = family_id(rep)
        rows = [_member_row(rep, "representative")]
        arts = [rep]
        for m in sorted(groups[rep_i], key=lambda x: ordered[x].id):
            art = ordered[m]
            arts.append(art)
            row = _member_row(art, "reprint")
            link = to_rep.get(m)
            if link is not None:
                link.family = fid
                member_is_a = link.a == art.id
                real = [p for p in link.passages if not p.formula] or link.passages
                mine = [(p.a_start, p.a_end) if member_is_a else (p.b_start, p.b_end) for p in real]
                theirs = [(p.b_start, p.b_end) if member_is_a else (p.a_start, p.a_end) for p in real]
                kept = sum(visible_length(rep.text[s:e]) for s, e in union_spans(theirs))
                own = sum(visible_length(art.text[s:e]) for s, e in union_spans(mine))
                edits: dict[str, int] = {}
                for p in real:
                    for key, value in p.edits.items():
                        if member_is_a and key in ("insertions", "deletions"):
                            key = "deletions" if key == "insertions" else "insertions"
                        edits[key] = edits.get(key, 0) + int(value)
                row.update(kind=link.kind,
                           coverage=link.a_coverage if member_is_a else link.b_coverage,
                           representative_coverage=link.b_coverage if member_is_a else link.a_coverage,
                           similarity=round(min(p.similarity for p in real), 4) if real else 0.0,
                           edits=edits, kept=kept, cut=max(0, visible_length(rep.text) - kept),
                           added=max(0, visible_length(art.text) - own),
                           direction=_member_direction(link, member_is_a))
            else:
                row.update(kind=None)
            rows.append(row)
        source, evidence = _source(arts, rep)
        out.append(Family(id=fid, representative=rep.id, members=rows, source=source,
                          direction_evidence=evidence, common_source=_common_credit(arts)))
    return out


def _member_direction(link, member_is_a: bool) -> str:
    """The link's direction seen from the pair (representative, member)."""
    if link.direction == ("b->a" if member_is_a else "a->b"):
        return "from representative"
    if link.direction == ("a->b" if member_is_a else "b->a"):
        return "to representative"
    return link.direction
