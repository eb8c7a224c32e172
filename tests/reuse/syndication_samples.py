"""A syndicated wire story and its reprints, among unrelated stories with genuine stock phrases.

All text is self-written (synthetic prose from `reuse_samples.make_text`, and stock phrases
written for these tests). What reprints look like in practice, and what these copies do:

* the agency's own copy opens with its dateline and byline and ends with "（完）";
* every reprint carries its own headline, its own editor line and source credit, and
  changes a few characters (typos, a synonym), swaps some punctuation to half-width,
  and every third one is converted to Traditional script (OpenCC s2t);
* unrelated stories of the same agency share only stock phrases: datelines, "（完）",
  "来源：新华社", the sites' standard disclaimer.
"""
from __future__ import annotations

import random

import opencc
from reuse_samples import POOL, article, make_text

S2T = opencc.OpenCC("s2t")

DISCLAIMER = "免责声明：本文转载自合作媒体，转载目的在于传递更多信息，并不代表本网赞同其观点和对其真实性负责。"
CREDIT = "来源：新华社"
END = "（完）"
CITIES = ("北京", "上海", "广州", "深圳", "成都", "武汉", "南京", "杭州", "西安", "重庆", "天津", "长沙")
EDITORS = "张王李赵刘陈杨黄周吴徐孙马朱胡郭何林高罗"
OUTLETS = [f"{a}{b}网" for a in "东南西北中华新光明阳" for b in "海山江河湖城林原州岛"]


def dateline(rng: random.Random, city: str | None = None) -> str:
    return f"新华社{city or rng.choice(CITIES)}2月{rng.randint(1, 28)}日电（记者{rng.choice(EDITORS)}{rng.choice(EDITORS)}）"


def wire_story(seed: int = 1) -> str:
    """The agency's copy: dateline, four paragraphs, the closing mark."""
    rng = random.Random(seed)
    return dateline(rng, "北京") + make_text(seed, paragraphs=4, sentences=6) + END


def reprint(story: str, k: int) -> str:
    """Copy k of the story as another site runs it: own editor line, small edits."""
    rng = random.Random(10_000 + k)
    chars = list(story)
    han = [i for i, ch in enumerate(chars) if "\u4e00" <= ch <= "\u9fff" and i > 30]
    for i in rng.sample(han, 2):                        # two characters changed
        chars[i] = rng.choice(POOL)
    text = "".join(chars)
    if k % 2:
        text = text.replace("，", ",", 3)              # some punctuation to half-width
    if k % 3 == 0:
        text = S2T.convert(text)                       # Traditional script
    editor = f"（责任编辑：{rng.choice(EDITORS)}{rng.choice(EDITORS)}）"
    tail = "\n" + CREDIT + ("\n" + DISCLAIMER if k % 4 == 0 else "")
    return text + "\n" + editor + tail


def unrelated_stories(n: int, seed: int = 500) -> list[str]:
    """Other stories of the week: own text, the same agency's stock phrases."""
    out = []
    for i in range(n):
        rng = random.Random(seed + i)
        body = make_text(seed + i, paragraphs=3, sentences=3)
        parts = [dateline(rng) + body + END, CREDIT]
        if i % 3 != 2:
            parts.append(DISCLAIMER)
        out.append("\n".join(parts))
    return out


def collection(copies: int, unrelated: int = 30):
    """(articles, source id, copy ids, unrelated ids, quoting id)."""
    story = wire_story()
    source = article("src-xinhua", story, outlet="新华社", published="2021-02-01T08:00:00+08:00")
    reprints = [article(f"copy{k:04d}", reprint(story, k), outlet=OUTLETS[k % len(OUTLETS)],
                        cited_sources=["新华社"], published=f"2021-02-01T{9 + k % 12:02d}:{k % 60:02d}:00+08:00")
                for k in range(copies - 1)]
    for k, art in enumerate(reprints):
        art.title = f"{art.outlet}：标题{k}"               # a different headline each
    others = [article(f"other{i:02d}", text, outlet="新华社", published=f"2021-02-{1 + i % 20:02d}")
              for i, text in enumerate(unrelated_stories(unrelated))]
    paragraph = story.split("\n")[2]
    quoting = article("quoting", make_text(900, paragraphs=3) + "\n" + paragraph + "\n" + make_text(901, 2),
                      outlet="某评论网", published="2021-02-03")
    return [source, *reprints, *others, quoting], source.id, [a.id for a in reprints], [a.id for a in others], \
        quoting.id


def stock_spans(text: str) -> list[tuple[int, int]]:
    """Where the stock phrases sit in a text (dateline, credit, disclaimer, closing mark), in
    either script (searched on the folded text, which keeps offsets)."""
    import re

    from storytrace.textfold import fold

    folded = fold(text)
    spans = [m.span() for m in re.finditer(r"新华社\w{2}2月\d+日电\(记者\w{2}\)", folded)]
    for phrase in (CREDIT, DISCLAIMER, END):
        spans += [m.span() for m in re.finditer(re.escape(fold(phrase)), folded)]
    return spans
