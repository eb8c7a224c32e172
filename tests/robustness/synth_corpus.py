"""Self-written synthetic news articles for robustness tests and benchmarks.

Why generated, not sampled: third-party news may not enter the repository, and a seeded
generator gives any number of distinct, realistic-length articles (Chinese and English)
with reuse planted exactly where the test wants it.
"""
from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from pathlib import Path

_ZH_PLACES = ["北海市", "南岭县", "东湖区", "西山镇", "青河市", "白石港", "金沙县", "云台市",
              "长桥区", "松林镇", "明湖市", "石门县", "星海港", "柳溪镇", "铜川区", "玉泉市"]
_ZH_ACTORS = ["市政府", "交通部门", "气象台", "卫生部门", "教育局", "消防队", "环保组织",
              "港口管理局", "农业合作社", "科研团队", "地方法院", "电力公司", "渔业协会"]
_ZH_ACTIONS = ["宣布启动", "紧急叫停", "正式批准", "公开讨论", "加快推进", "暂时推迟",
               "全面检查", "重新评估", "联合发布", "首次公开"]
_ZH_OBJECTS = ["新的防洪工程", "公交线路调整方案", "学校午餐计划", "港口扩建项目",
               "夜间施工许可", "水质监测报告", "农田灌溉补贴", "老旧小区改造",
               "山区道路维修", "社区医疗服务", "海上救援演练", "电网升级计划"]
_ZH_TAILS = ["预计影响约{n}万居民。", "相关费用约为{n}亿元。", "工作将持续{n}个月。",
             "已有{n}名工作人员到场。", "官员表示将在{n}天内公布细节。",
             "当地居民对此反应不一。", "专家认为这一决定来得及时。", "批评者则质疑其透明度。"]

_EN_WORDS = ("council harbour river bridge school budget flood storm farmers power grid "
             "clinic hospital ferry rail station court ruling inquiry report minister "
             "mayor residents workers union strike protest vote plan delay repair water "
             "supply season harvest market prices fuel route tunnel coast island").split()


def _common_hanzi() -> list[str]:
    """The 3,755 level-1 (most common) characters of GB2312, decoded by Python's codec."""
    chars = []
    for hi in range(0xB0, 0xD8):
        for lo in range(0xA1, 0xFF):
            try:
                chars.append(bytes((hi, lo)).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return chars


_HANZI = _common_hanzi()


def _dictionary_words() -> list[str]:
    """2-3 character words from jieba's bundled dictionary (a dependency of the events step);
    random common characters if it is missing. Real words keep word segmentation fast."""
    try:
        import jieba
    except ImportError:
        return ["".join(random.Random(i).choices(_HANZI, k=2)) for i in range(20000)]
    words = []
    with open(Path(jieba.__file__).parent / "dict.txt", encoding="utf-8") as fh:
        for line in fh:
            word, freq = line.split()[:2]
            if len(word) in (2, 3) and int(freq) >= 100:
                words.append(word)
    return words


_WORDS = _dictionary_words()


def random_zh_paragraphs(rng: random.Random, n_paragraphs: int = 4, per: int = 3) -> list[str]:
    """Chinese paragraphs of random dictionary words: unlike the templates below, two of them
    share no 5-character run by chance, so the only reuse is the planted one."""
    def sentence() -> str:
        words = rng.choices(_WORDS, k=rng.randint(5, 9))
        return "".join(words) + rng.choice(["。", "。", "！", "？"])
    paragraphs = []
    for _ in range(n_paragraphs):
        sentences = [sentence() for _ in range(per)]
        paragraphs.append("，".join(s[:-1] for s in sentences[:-1]) + "，" + sentences[-1] if per > 1 else sentences[0])
    return paragraphs


def zh_sentence(rng: random.Random) -> str:
    tail = rng.choice(_ZH_TAILS).format(n=rng.randint(2, 90))
    return (f"{rng.choice(_ZH_PLACES)}{rng.choice(_ZH_ACTORS)}{rng.randint(1, 28)}日"
            f"{rng.choice(_ZH_ACTIONS)}{rng.choice(_ZH_OBJECTS)}，{tail}")


def en_sentence(rng: random.Random) -> str:
    words = [rng.choice(_EN_WORDS) for _ in range(rng.randint(9, 16))]
    return "The " + " ".join(words) + f" said on day {rng.randint(1, 28)}."


def zh_paragraphs(rng: random.Random, n_paragraphs: int = 4, per: int = 3) -> list[str]:
    return ["".join(zh_sentence(rng) for _ in range(per)) for _ in range(n_paragraphs)]


def en_paragraphs(rng: random.Random, n_paragraphs: int = 4, per: int = 3) -> list[str]:
    return [" ".join(en_sentence(rng) for _ in range(per)) for _ in range(n_paragraphs)]


def html_page(title: str, paragraphs: list[str], *, date: str = "2024-03-05",
              charset: str = "utf-8") -> str:
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    return (f"<!DOCTYPE html><html><head><meta charset=\"{charset}\"><title>{title}</title>"
            f"<meta property=\"article:published_time\" content=\"{date}T08:00:00+08:00\">"
            f"</head><body><nav>首页 | 新闻 | 关于</nav><article><h1>{title}</h1>"
            f"<time datetime=\"{date}\">{date}</time>\n{body}</article>"
            f"<footer>版权所有 示例新闻网</footer></body></html>")


def markdown_post(title: str, paragraphs: list[str], *, date: str = "2024-03-05",
                  outlet: str = "示例日报") -> str:
    front = (f"---\ntitle: {json.dumps(title, ensure_ascii=False)}\ndate: {date}\n"
             f"outlet: {json.dumps(outlet, ensure_ascii=False)}\n---\n\n")
    return front + "\n\n".join(paragraphs) + "\n"


@dataclass
class ReuseCorpus:
    """What was written: files, and which article copied passages from which."""

    root: Path
    files: list[Path] = field(default_factory=list)
    copies: list[tuple[str, str]] = field(default_factory=list)   # (copier file, source file)


def write_reuse_corpus(root: Path, n: int = 200, *, seed: int = 7,
                       copy_every: int = 7, paragraphs: tuple[int, int] = (3, 5),
                       sentences: int = 3) -> ReuseCorpus:
    """`n` small Markdown/HTML/text articles of random common characters; every
    `copy_every`-th reprints two paragraphs of an earlier one (planted partial reuse) and
    every 25th is a full reprint of the article three before it under another title."""
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    corpus = ReuseCorpus(root)
    bodies: list[list[str]] = []
    outlets = ["晨光日报", "海风新闻", "山城晚报", "湖畔电讯", "Harbour Post"]
    for i in range(n):
        body = random_zh_paragraphs(rng, rng.randint(*paragraphs), sentences)
        source = None
        if i % 25 == 24:                       # a full reprint under another title and outlet
            source = i - 3
            body = list(bodies[source])
        elif i >= copy_every and i % copy_every == 0:
            source = rng.randrange(0, i)
            body[1:1] = bodies[source][:2]
        bodies.append(body)
        title = "".join(rng.choices(_HANZI, k=rng.randint(8, 14))) + f"（{i}）"
        day = f"2024-03-{1 + i % 27:02d}"
        kind = i % 3
        if kind == 0:
            path = root / f"a{i:04d}.md"
            path.write_text(markdown_post(title, body, date=day,
                                          outlet=outlets[i % len(outlets)]), encoding="utf-8")
        elif kind == 1:
            path = root / f"a{i:04d}.html"
            path.write_text(html_page(title, body, date=day), encoding="utf-8")
        else:
            path = root / f"a{i:04d}.txt"
            path.write_text(title + "\n\n" + "\n\n".join(body) + "\n", encoding="utf-8")
        corpus.files.append(path)
        if source is not None:
            corpus.copies.append((path.name, corpus.files[source].name))
    return corpus
