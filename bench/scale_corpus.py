"""Synthetic enlargements of a real corpus that keep reuse and event density realistic.

Why not just copy the corpus k times: exact copies collapse to the same article id (ids are
content hashes), and k disjoint copies would have no reuse between them. Instead each new
article is derived from a real one of the same day the way newsrooms derive them:

- `script`: the other Chinese script (OpenCC s2t / t2s) plus a few character edits,
- `edit`: about 3 % of characters substituted, deleted or inserted,
- `shuffle`: paragraphs reordered, one dropped, the title reworded,
- `combine`: a fresh article from paragraphs of two or three same-day articles.

Each synthetic part p is one more "week": every real article yields one derived article
(the operation rotates), the part's dates are shifted by 7 x p days, and its words go through
a part-specific substitution cipher (a permutation of the corpus's own words within classes of
the same length and part of speech, applied in Simplified space so Traditional/Simplified
pairs stay pairs; see `WordCipher` for why words and not characters).
So reuse and events inside a part look like the real week's (copies stay copies, edited
variants stay near-copies), while parts do not share text with each other: links and
events per article stay at the real density instead of growing with k, as in a real
corpus that covers k weeks. The generated files are Markdown with front matter (like the corpus's RTHK posts)
and go to a scratch folder outside the repository: third-party text never enters the repo.
"""
from __future__ import annotations

import random
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import opencc

OPS = ("script", "edit", "shuffle", "combine")
_S2T = opencc.OpenCC("s2t")
_T2S = opencc.OpenCC("t2s")
_TITLE_SUFFIXES = ("（更新版）", "（详讯）", "（综合）", "（快讯）", "（图）", "（完整版）")


@dataclass(slots=True)
class Seed:
    """What a derived article needs from a real one."""

    title: str
    text: str
    day: str           # YYYY-MM-DD
    outlet: str


def paragraphs(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n+", text) if p.strip()]


def _flip_script(text: str) -> str:
    simplified = _T2S.convert(text)
    return _S2T.convert(text) if simplified == text else simplified


def _char_edits(text: str, rng: random.Random, rate: float) -> str:
    chars = list(text)
    if len(chars) < 4:
        return text + "。"
    for _ in range(max(1, int(len(chars) * rate))):
        i = rng.randrange(len(chars))
        roll = rng.random()
        if roll < 0.5:
            chars[i] = chars[rng.randrange(len(chars))]
        elif roll < 0.75 and len(chars) > 4:
            del chars[i]
        else:
            chars.insert(i, chars[rng.randrange(len(chars))])
    return "".join(chars)


def derive(seed: Seed, same_day: list[Seed], op: str, rng: random.Random) -> tuple[str, str]:
    """(title, text) of one derived article."""
    paras = paragraphs(seed.text) or [seed.title]
    if op == "script":
        return _flip_script(seed.title), _char_edits(_flip_script("\n\n".join(paras)), rng, 0.005)
    if op == "edit":
        return seed.title + rng.choice(_TITLE_SUFFIXES), _char_edits("\n\n".join(paras), rng, 0.03)
    if op == "shuffle":
        paras = paras[:]
        rng.shuffle(paras)
        if len(paras) > 2:
            paras.pop(rng.randrange(len(paras)))
        title = _char_edits(seed.title, rng, 0.1) + rng.choice(_TITLE_SUFFIXES)
        return title, "\n\n".join(paras)
    others = rng.sample(same_day, k=min(len(same_day), rng.randint(1, 2)))
    mixed = paras[: max(1, len(paras) // 2)]
    for other in others:
        other_paras = paragraphs(other.text)
        if other_paras:
            start = rng.randrange(len(other_paras))
            mixed += other_paras[start:start + rng.randint(1, 3)]
    return seed.title + "：" + (others[0].title[:12] if others else "") + "（综合）", "\n\n".join(mixed)


def _front_matter(title: str, day: str, index: int, outlet: str) -> str:
    hour, minute = divmod(index % 1440, 60)
    safe_title = title.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
    return (f'---\nlayout: post\ntitle: "{safe_title}"\n'
            f"date: {day} {hour:02d}:{minute:02d}:00.000000000 +08:00\n"
            f"categories: {outlet.lower()}\n---\n\n")


_HAN = re.compile(r"[\u3400-\u9fff]")


@dataclass(slots=True)
class Segmented:
    """A seed's title and text as (word, part of speech) runs, cut once for every part.

    Words are cut in Simplified space (jieba's dictionary is Simplified); `traditional` says
    whether to write the enciphered text back in Traditional.
    """

    title: list[tuple[str, str]]
    text: list[tuple[str, str]]
    traditional: bool


def segment(seed: Seed) -> Segmented:
    import jieba.posseg

    def cut(text: str) -> list[tuple[str, str]]:
        return [(w.word, w.flag) for w in jieba.posseg.cut(_T2S.convert(text), HMM=False)]

    sample = seed.title + seed.text[:400]
    return Segmented(cut(seed.title), cut(seed.text), _T2S.convert(sample) != sample)


class WordCipher:
    """A fixed permutation of the corpus's own words within (length, part of speech) classes.

    Why words, not characters: a character cipher turns every word into one jieba has never
    seen, so the event step's tagger takes its slow unknown-word path on every sentence and a
    synthetic article costs several times a real one. Mapping dictionary words to dictionary
    words of the same length and tag keeps the text's word statistics (names stay names,
    unknown runs stay unknown runs of the same length) while parts still share no text.
    """

    def __init__(self, classes: dict[tuple[int, str], list[str]], rng: random.Random):
        self.table: dict[str, str] = {}
        for key in sorted(classes):
            words = sorted(classes[key])
            shuffled = words[:]
            rng.shuffle(shuffled)
            self.table.update(zip(words, shuffled))

    def __call__(self, words: list[tuple[str, str]], traditional: bool) -> str:
        text = "".join(self.table.get(w, w) for w, _ in words)
        return _S2T.convert(text) if traditional else text


def word_classes(segmented: list[Segmented]) -> dict[tuple[int, str], list[str]]:
    classes: dict[tuple[int, str], set[str]] = defaultdict(set)
    for seg in segmented:
        for word, flag in seg.title + seg.text:
            if _HAN.search(word):
                classes[(len(word), flag)].add(word)
    return {k: sorted(v) for k, v in classes.items()}


def _shift_day(day: str, days: int) -> str:
    from datetime import date, timedelta

    return (date.fromisoformat(day) + timedelta(days=days)).isoformat()


def week_seeds(db: Path, corpus: Path) -> list[Seed]:
    """The real week as seeds, ingested once into the store `db` (reused when it exists)."""
    from storytrace.ingest import ingest
    from storytrace.store import Store

    with Store(db) as store:
        if not store.count_articles():
            ingest([str(corpus)], store)
        return [Seed(a.title, a.text, (a.published or "2021-02-05")[:10], a.outlet or "SYN")
                for a in store.articles()]


def write_enlargement(seeds: list[Seed], out_dir: Path, parts: int, *, seed: int = 20210202,
                      days_per_part: int = 7) -> list[Path]:
    """Write `parts` folders of len(seeds) derived articles each; size k uses the first k-1.
    Part p is dated `days_per_part` x p days from the real week (bench/increment.py uses -14:
    older weeks, with a gap, so the time window around new articles is the same at every size)."""
    folders = [out_dir / f"part{part:02d}" for part in range(1, parts + 1)]
    todo = [f for f in folders if not (f / ".done").exists()]
    if not todo:
        return folders
    segmented = [segment(s) for s in seeds]
    classes = word_classes(segmented)
    for part, folder in enumerate(folders, start=1):
        if folder not in todo:
            continue
        folder.mkdir(parents=True, exist_ok=True)
        rng = random.Random(seed * 100 + part)
        cipher = WordCipher(classes, random.Random(seed * 1000 + part))
        enciphered = [Seed(cipher(seg.title, seg.traditional), cipher(seg.text, seg.traditional), s.day, s.outlet)
                      for s, seg in zip(seeds, segmented)]
        by_day: dict[str, list[Seed]] = defaultdict(list)
        for s in enciphered:
            by_day[s.day].append(s)
        for i, base in enumerate(enciphered):
            op = OPS[(i + part) % len(OPS)]
            title, text = derive(base, by_day[base.day], op, rng)
            day = _shift_day(base.day, days_per_part * part)
            body = _front_matter(title, day, i, base.outlet) + text + "\n"
            (folder / f"{day}-SYN{part:02d}-{i:05d}-{op}.md").write_text(body, encoding="utf-8")
        (folder / ".done").write_text("ok")
    return folders
