"""Planted-passage benchmark for reuse detection: recall and precision by length and edits.

    python bench/reuse_planted.py [--plants-per-cell 25] [--seed 1]

Takes the real week corpus (../shared/corpus/zh-2021-02), picks a donor and a distinct host
article for every plant, copies a passage of 30-600 characters from the donor into the host
with realistic edits, and runs `detect_reuse` over the whole corpus with the hosts replaced.

Edits: character edits at rate 0-15 % (60 % substitutions, 20 % deletions, 20 % insertions,
counted on the passage length); independently with probability 1/2 script conversion
(OpenCC s2t or t2s, away from the donor's script), 1/2 punctuation swaps (，->, 。->. 、->，
「」->“”), 1/3 an inserted clause of 6-16 characters (passages >= 100), 1/3 a paragraph move
(the two halves swapped at a sentence end, passages >= 100).

Scoring (passage level, spans on the host side):
* recall: a plant is found when >= 80 % of its span in the host is covered by reported
  non-formula passages.
* precision: every reported non-formula passage with a host on one side is judged. It is
  correct when >= 50 % of it lies inside the planted span and the partner side really
  holds the donor text (the donor itself with an overlapping span, or any article whose
  span matches the donor passage with rapidfuzz partial_ratio >= 60), or when it lies
  mostly outside the plant and its outside part overlaps a passage the same pair already
  shared before planting (pre-existing reuse, found by a run on the unmodified corpus, or for
  a pair that run links only through a family of near-identical copies, by the pair's own
  link on the unmodified texts, `reuse.pair_link`), or when the
  partner side lies in the partner's own plant and the host text matches that plant's
  donor passage (partial_ratio >= 60: planting created a genuine copy). Anything else
  is a false positive. Per-cell precision counts the passages touching that cell's plants.
* baselines: exact sentence hashing (sentences split at 。！？!?;. and line ends, at least 8
  characters), compared as written and on the folded text, scored the same way.
"""
from __future__ import annotations

import argparse
import random
import re
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import opencc
from rapidfuzz import fuzz
from reuse_speed import load_corpus

from storytrace.model import Article, Passage, ReuseLink
from storytrace.reuse import ReuseSettings, detect_reuse, pair_link
from storytrace.textfold import fold

LENGTHS = (30, 50, 100, 200, 400, 600)
RATES = (0.0, 0.05, 0.10, 0.15)
S2T, T2S = opencc.OpenCC("s2t"), opencc.OpenCC("t2s")
FILLER = "据了解相关方面表示此前已经多次强调目前仍在进一步调查中外界普遍认为情况仍有变数"
PUNCT_SWAPS = {"，": ",", "。": ".", "、": "，", "「": "“", "」": "”", "“": "「", "”": "」"}


@dataclass
class Plant:
    host: str
    donor: str
    length: int
    rate: float
    start: int          # planted span in the new host text
    end: int
    d_start: int        # copied span in the donor
    d_end: int
    transforms: str


def char_edits(text: str, rate: float, rng: random.Random) -> str:
    chars = list(text)
    for _ in range(round(len(text) * rate)):
        i = rng.randrange(len(chars))
        roll = rng.random()
        if roll < 0.6:
            chars[i] = rng.choice(FILLER)
        elif roll < 0.8 and len(chars) > 1:
            del chars[i]
        else:
            chars.insert(i, rng.choice(FILLER))
    return "".join(chars)


def transform(passage: str, rate: float, rng: random.Random) -> tuple[str, list[str]]:
    done = []
    if rng.random() < 0.5:
        converted = T2S.convert(passage) if fold(passage) != passage and S2T.convert(passage) == passage \
            else S2T.convert(passage)
        if converted != passage:
            passage = converted
            done.append("script")
    if rng.random() < 0.5:
        passage = "".join(PUNCT_SWAPS.get(ch, ch) for ch in passage)
        done.append("punct")
    if len(passage) >= 100 and rng.random() < 1 / 3:
        ends = [m.end() for m in re.finditer(r"[。！？]", passage[20:-20])]
        if ends:
            cut = 20 + rng.choice(ends)
            passage = passage[cut:] + passage[:cut]
            done.append("move")
    if len(passage) >= 100 and rng.random() < 1 / 3:
        i = rng.randrange(20, len(passage) - 20)
        clause = "".join(rng.choice(FILLER) for _ in range(rng.randint(6, 16)))
        passage = passage[:i] + clause + passage[i:]
        done.append("insert")
    if rate:
        passage = char_edits(passage, rate, rng)
        done.append(f"edits{int(rate * 100)}")
    return passage, done


def make_plants(articles: list[Article], per_cell: int, seed: int) -> tuple[list[Article], list[Plant]]:
    rng = random.Random(seed)
    pool = [a for a in articles if len(a.text) >= 300]
    rng.shuffle(pool)
    by_id = {a.id: a for a in articles}
    plants: list[Plant] = []
    used: set[str] = set()
    cells = [(length, rate) for length in LENGTHS for rate in RATES for _ in range(per_cell)]
    donors = iter(pool)
    for length, rate in cells:
        donor = next(a for a in donors if len(a.text) >= length + 40 and a.id not in used)
        used.add(donor.id)
        host = next(a for a in pool if a.id not in used)
        used.add(host.id)
        starts = [0] + [m.end() for m in re.finditer(r"[。！？\n]", donor.text) if m.end() < len(donor.text) - length]
        d_start = rng.choice(starts)
        while d_start < len(donor.text) and donor.text[d_start].isspace():
            d_start += 1
        d_end = min(d_start + length, len(donor.text))
        passage, done = transform(donor.text[d_start:d_end], rate, rng)
        breaks = [m.end() for m in re.finditer(r"\n|。", host.text)] or [len(host.text)]
        at = rng.choice(breaks)
        new_text = host.text[:at] + passage + ("\n" if host.text[at - 1:at] == "\n" else "") + host.text[at:]
        by_id[host.id] = replace(host, text=new_text)
        plants.append(Plant(host.id, donor.id, length, rate, at, at + len(passage), d_start, d_end, "+".join(done)))
    return list(by_id.values()), plants


def sentence_baseline(articles: list[Article], folded: bool = False) -> list[ReuseLink]:
    """Naive reuse: articles sharing an exact sentence (at least 8 characters), as written or folded."""
    index: dict[str, list[tuple[str, int, int]]] = defaultdict(list)
    for art in articles:
        text = fold(art.text) if folded else art.text
        for m in re.finditer(r"[^。！？!?;.\n]{8,}[。！？!?;.]?", text):
            index[m.group().strip()].append((art.id, m.start(), m.end()))
    pairs: dict[tuple[str, str], list[Passage]] = defaultdict(list)
    for hits in index.values():
        if len({h[0] for h in hits}) < 2 or len(hits) > 60:
            continue
        for i, (ida, sa, ea) in enumerate(hits):
            for idb, sb, eb in hits[i + 1:]:
                if ida == idb:
                    continue
                if ida > idb:
                    ida, sa, ea, idb, sb, eb = idb, sb, eb, ida, sa, ea
                pairs[(ida, idb)].append(Passage(sa, ea, sb, eb, 1.0))
    return [ReuseLink(a, b, "partial", 0.0, 0.0, passages=ps) for (a, b), ps in pairs.items()]


def _host_sides(links, hosts):
    """(host id, partner id, host span, partner span) of every non-formula passage touching a host."""
    for link in links:
        for p in link.passages:
            if p.formula:
                continue
            if link.a in hosts:
                yield link.a, link.b, (p.a_start, p.a_end), (p.b_start, p.b_end)
            if link.b in hosts:
                yield link.b, link.a, (p.b_start, p.b_end), (p.a_start, p.a_end)


def _overlap(x, y) -> int:
    return max(0, min(x[1], y[1]) - max(x[0], y[0]))


def score(links, baseline_links, plants, corpus: dict[str, Article], original: dict[str, Article],
          derive=None):
    """Per (length, rate) cell: [found, plants, correct passages, reported passages].

    `derive(a, b)`: the link two unmodified articles have on their own, for pairs the
    baseline run holds only through a family (storytrace links each member of a family of
    near-identical copies to its representative only; planting can move a host out of its
    family, and its pairs then appear directly)."""
    plant_of = {p.host: p for p in plants}
    before = defaultdict(list)
    for host, partner, span, _ in _host_sides(baseline_links, plant_of):
        before[(host, partner)].append(span)
    derived: set[tuple[str, str]] = set()
    cells = defaultdict(lambda: [0, 0, 0, 0])
    covered = defaultdict(set)
    stray = [0, 0]
    for host, partner, span, other in _host_sides(links, plant_of):
        plant = plant_of[host]
        inside = _overlap(span, (plant.start, plant.end))
        if inside * 2 >= span[1] - span[0]:
            donor_text = corpus[plant.donor].text[plant.d_start:plant.d_end]
            partner_text = corpus[partner].text[other[0]:other[1]]
            ok = (partner == plant.donor and _overlap(other, (plant.d_start, plant.d_end)) > 0) or \
                fuzz.partial_ratio(fold(partner_text), fold(donor_text)) >= 60
            cell = cells[(plant.length, plant.rate)]
            cell[2] += ok
            cell[3] += 1
            covered[host].update(range(max(span[0], plant.start), min(span[1], plant.end)))
            continue
        size = plant.end - plant.start
        outside = [(span[0], min(span[1], plant.start)), (max(span[0], plant.end) - size, span[1] - size)]
        ok = any(_overlap(part, s) > 0 for part in outside if part[1] > part[0] for s in before.get((host, partner), ()))
        if not ok and derive is not None and (host, partner) not in before and (host, partner) not in derived \
                and host in original and partner in original:
            derived.add((host, partner))
            link = derive(original[host], original[partner])
            for h, q, hspan, _ in _host_sides([link] if link else [], {host}):
                if q == partner:
                    before[(host, partner)].append(hspan)
            ok = any(_overlap(part, s) > 0 for part in outside if part[1] > part[0] for s in before[(host, partner)])
        other_plant = plant_of.get(partner)
        if not ok and other_plant and \
                _overlap(other, (other_plant.start, other_plant.end)) * 2 >= other[1] - other[0]:
            # The partner's plant copied a donor that genuinely shares text with this host.
            donor_text = corpus[other_plant.donor].text[other_plant.d_start:other_plant.d_end]
            ok = fuzz.partial_ratio(fold(corpus[host].text[span[0]:span[1]]), fold(donor_text)) >= 60
        if inside:
            cell = cells[(plant.length, plant.rate)]
            cell[2] += ok
            cell[3] += 1
        else:
            stray[0] += ok
            stray[1] += 1
    for plant in plants:
        cell = cells[(plant.length, plant.rate)]
        cell[1] += 1
        cell[0] += len(covered[plant.host]) >= 0.8 * (plant.end - plant.start)
    return cells, stray


def report(name: str, cells, stray) -> dict:
    print(f"\n{name}: recall / precision by planted length (rows) and edit rate (columns)")
    print("length " + "".join(f"{f'{int(r * 100)}%':>16}" for r in RATES))
    for length in LENGTHS:
        row = []
        for rate in RATES:
            found, n, ok, reported = cells[(length, rate)]
            row.append(f"{found / n:.2f} / {ok / reported if reported else float('nan'):.2f}")
        print(f"{length:>6} " + "".join(f"{x:>16}" for x in row))
    target = [cells[(length, rate)] for length in LENGTHS if length >= 50 for rate in RATES if rate <= 0.10]
    found, n = sum(c[0] for c in target), sum(c[1] for c in target)
    ok, reported = sum(c[2] for c in target), sum(c[3] for c in target)
    print(f"target region (>= 50 chars, <= 10 % edits): recall {found / n:.3f} ({found}/{n}), "
          f"precision {ok / max(reported, 1):.3f} ({ok}/{reported}); passages outside plants judged "
          f"pre-existing: {stray[0]}/{stray[1]}")
    total_ok = sum(c[2] for c in cells.values()) + stray[0]
    total = sum(c[3] for c in cells.values()) + stray[1]
    print(f"all plants: recall {sum(c[0] for c in cells.values()) / sum(c[1] for c in cells.values()):.3f}, "
          f"precision over every reported passage touching a host {total_ok / max(total, 1):.3f} ({total_ok}/{total})")
    return {"recall": found / n, "precision": ok / max(reported, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--plants-per-cell", type=int, default=25)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    original = load_corpus()
    corpus_list, plants = make_plants(original, args.plants_per_cell, args.seed)
    corpus = {a.id: a for a in corpus_list}
    settings = ReuseSettings(workers=args.workers)
    print(f"{len(corpus_list)} articles, {len(plants)} plants")
    t = time.perf_counter()
    before = detect_reuse(original, settings=settings)
    links = detect_reuse(corpus_list, settings=settings)
    print(f"storytrace: two runs in {time.perf_counter() - t:.1f}s")
    report("storytrace", *score(links, before, plants, corpus, {a.id: a for a in original},
                                derive=lambda a, b: pair_link(a, b, settings)))
    for folded in (False, True):
        base_before = sentence_baseline(original, folded)
        base_links = sentence_baseline(corpus_list, folded)
        name = "baseline: exact sentence hashing" + (" on folded text" if folded else " as written")
        report(name, *score(base_links, base_before, plants, corpus, {a.id: a for a in original}))


if __name__ == "__main__":
    main()
