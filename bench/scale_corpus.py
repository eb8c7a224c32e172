"""Synthetic enlargements of a real corpus that keep reuse and event density realistic.

Why not just copy the corpus k times: exact copies collapse to the same article id (ids are
content hashes), and k disjoint copies would have no reuse between them. Instead each new
article is derived from a real one of the same day the way newsrooms derive them:

- `script`: the other Chinese script (OpenCC s2t / t2s) plus a few character edits,
- `edit`: about 3 % of characters substituted, deleted or inserted,
- `shuffle`: paragraphs reordered, one dropped, the title reworded,
- `combine`: a fresh article from paragraphs of two or three same-day articles.

Each synthetic part p is one more "week": every real article yields one derived article
(the operation rotates), the part's dates are shifted by 7 x p days, and all its Chinese
characters go through a part-specific substitution cipher (a permutation of the corpus's
own characters, applied in Simplified space so Traditional/Simplified pairs stay pairs).
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


class Cipher:
    """A fixed permutation of Han characters, folded through Simplified so scripts stay paired."""

    def __init__(self, alphabet: list[str], rng: random.Random):
        shuffled = alphabet[:]
        rng.shuffle(shuffled)
        self.table = dict(zip(alphabet, shuffled))
        self._memo: dict[str, str] = {}

    def char(self, ch: str) -> str:
        if ch not in self._memo:
            simple = _T2S.convert(ch)
            mapped = self.table.get(simple if len(simple) == 1 else ch)
            if mapped is None:
                self._memo[ch] = ch
            elif simple != ch:
                back = _S2T.convert(mapped)
                self._memo[ch] = back if len(back) == 1 else mapped
            else:
                self._memo[ch] = mapped
        return self._memo[ch]

    def __call__(self, text: str) -> str:
        return "".join(self.char(ch) for ch in text)


def han_alphabet(seeds: list[Seed]) -> list[str]:
    chars = set()
    for s in seeds:
        chars.update(ch for ch in _T2S.convert(s.title + s.text) if "\u4e00" <= ch <= "\u9fff")
    return sorted(chars)


def _shift_day(day: str, days: int) -> str:
    from datetime import date, timedelta

    return (date.fromisoformat(day) + timedelta(days=days)).isoformat()


def write_enlargement(seeds: list[Seed], out_dir: Path, parts: int, *, seed: int = 20210202) -> list[Path]:
    """Write `parts` folders of len(seeds) derived articles each; size k uses the first k-1."""
    by_day: dict[str, list[Seed]] = defaultdict(list)
    for s in seeds:
        by_day[s.day].append(s)
    folders = []
    alphabet = han_alphabet(seeds)
    for part in range(1, parts + 1):
        folder = out_dir / f"part{part:02d}"
        folders.append(folder)
        if (folder / ".done").exists():
            continue
        folder.mkdir(parents=True, exist_ok=True)
        rng = random.Random(seed * 100 + part)
        cipher = Cipher(alphabet, random.Random(seed * 1000 + part))
        for i, base in enumerate(seeds):
            op = OPS[(i + part) % len(OPS)]
            title, text = derive(base, by_day[base.day], op, rng)
            day = _shift_day(base.day, 7 * part)
            body = _front_matter(cipher(title), day, i, base.outlet) + cipher(text) + "\n"
            (folder / f"{day}-SYN{part:02d}-{i:05d}-{op}.md").write_text(body, encoding="utf-8")
        (folder / ".done").write_text("ok")
    return folders
