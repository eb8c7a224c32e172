"""Syndication benchmark: one story reprinted 10, 100 and 1,000 times inside the real week.

    python bench/reuse_syndication.py [--corpus ../shared/corpus/zh-2021-02] [--workers 1] [--repeat 4]

Issue 14's targets: a family of k copies costs time and output linear in k, and 1,000
copies add at most 2x the time that 1,000 unrelated articles add.

Setup (all in memory; no corpus text is written anywhere): the week corpus (read and
normalised through `reuse_speed.load_corpus`, cached in /tmp) is the base. The story is
one real post of the week (the first by id with 600-900 visible characters). Its copies
each change two characters, every other one swaps some commas to half-width, every third
one is converted to Traditional script, and each gets its own outlet, editor line and
a later publication time. The unrelated articles are 1,000 posts of the same week put
through one fixed random substitution of Han characters: they keep the week's own reuse
between themselves (a realistic load) but share no text with the base.

Each configuration runs `detect_reuse` in a fresh subprocess (peak memory is that
process's ru_maxrss, plus its alignment workers'), `--repeat` rounds over all
configurations (interleaved), keeping each configuration's lowest wall and CPU time;
the time is `detect_reuse` only, as wall time and as CPU time of the process (the latter
is what to compare on a machine shared with other jobs).
Output size is the JSON Lines a run writes for reuse.jsonl plus families.jsonl.
"""
from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))
sys.path.insert(0, str(REPO / "src"))

from reuse_speed import DEFAULT_CORPUS, load_corpus  # noqa: E402

COPIES = (10, 100, 1000)
UNRELATED = 1000


def _story(articles):
    from storytrace.reuse.classify import visible_length

    return next(a for a in sorted(articles, key=lambda a: a.id) if 600 <= visible_length(a.text) <= 900)


def _copies(story, k: int):
    import opencc

    from storytrace.model import Article

    s2t = opencc.OpenCC("s2t")
    out = []
    for n in range(k):
        rng = random.Random(n)
        chars = list(story.text)
        han = [i for i, ch in enumerate(chars) if "\u4e00" <= ch <= "\u9fff"]
        for i in rng.sample(han, 2):
            chars[i] = rng.choice("国会议发展经济时间问题东西车马门风飞鸟")
        text = "".join(chars)
        if n % 2:
            text = text.replace("，", ",", 3)
        if n % 3 == 0:
            text = s2t.convert(text)
        text += f"\n（责任编辑：编辑{n}号）"
        out.append(Article(id=f"synd-{n:05d}", source_path=f"synd-{n:05d}", title=f"转载{n}：{story.title}",
                           text=text, language=story.language, outlet=f"转载站{n % 397}",
                           published=f"2021-02-28T{n % 24:02d}:{n % 60:02d}:00+08:00",
                           cited_sources=[story.outlet] if story.outlet else []))
    return out


def _unrelated(articles, n: int):
    from storytrace.model import Article

    rng = random.Random(14)
    han = sorted({ch for a in articles for ch in a.text if "\u4e00" <= ch <= "\u9fff"})
    shuffled = han[:]
    rng.shuffle(shuffled)
    table = str.maketrans(dict(zip(han, shuffled)))
    picked = sorted(articles, key=lambda a: a.id)[:n]
    return [Article(id=f"unrel-{i:05d}", source_path=f"unrel-{i:05d}", title=a.title.translate(table),
                    text=a.text.translate(table), language=a.language, outlet=a.outlet, published=a.published)
            for i, a in enumerate(picked)]


def run_one(config: str, corpus: Path, workers: int) -> dict:
    from storytrace.reuse import ReuseSettings, detect_reuse

    articles = load_corpus(corpus)
    extra = []
    if config.startswith("copies-"):
        extra = _copies(_story(articles), int(config.split("-")[1]))
    elif config.startswith("unrelated-"):
        extra = _unrelated(articles, int(config.split("-")[1]))
    pool = articles + extra
    start, cpu = time.perf_counter(), time.process_time()
    links = detect_reuse(pool, settings=ReuseSettings(workers=workers))
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    size = sum(len(json.dumps(l.to_dict(), ensure_ascii=False).encode()) + 1 for l in links)
    size += sum(len(json.dumps(f.to_dict(), ensure_ascii=False).encode()) + 1 for f in links.families)
    result = {"config": config, "articles": len(pool), "seconds": round(seconds, 3), "cpu": round(cpu, 3),
              "links": len(links),
              "families": len(links.families), "output_bytes": size,
              "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
              "workers_peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024}
    if config.startswith("copies-"):
        story = _story(articles)
        ids = {a.id for a in extra}
        fam = next((f for f in links.families if ids & set(f.member_ids)), None)
        members = set(fam.member_ids) if fam else set()
        result["family_of_story"] = {"representative": fam.representative if fam else None,
                                     "story_is_representative": bool(fam) and fam.representative == story.id,
                                     "copies_in_family": len(ids & members),
                                     "copies_linked_to_representative":
                                         sum(1 for l in links if l.family == (fam.id if fam else None)),
                                     "copy_links_formula": sum(1 for l in links if l.kind == "formula" and
                                                               (l.a in ids or l.b in ids))}
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=4, help="runs per configuration; the fastest is kept")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not args.corpus.exists():
        print(f"skipped: no corpus at {args.corpus}")
        return 0
    if args.one:
        print(json.dumps(run_one(args.one, args.corpus, args.workers)))
        return 0
    load_corpus(args.corpus)      # fill the cache outside the timings
    configs = ["base"] + [f"copies-{k}" for k in COPIES] + [f"unrelated-{UNRELATED}"]
    runs: dict[str, list[dict]] = {config: [] for config in configs}
    for _ in range(args.repeat):            # interleaved, so a burst of load elsewhere hits every config
        for config in configs:
            out = subprocess.run([sys.executable, __file__, "--one", config, "--corpus", str(args.corpus),
                                  "--workers", str(args.workers)], capture_output=True, text=True, check=True)
            runs[config].append(json.loads(out.stdout.strip().splitlines()[-1]))
    results = {}
    for config in configs:
        best = dict(min(runs[config], key=lambda r: r["seconds"]))
        best["cpu"] = min(r["cpu"] for r in runs[config])
        best["all_seconds"] = [r["seconds"] for r in runs[config]]
        results[config] = best
    base = results["base"]
    print(f"{'config':>15} {'articles':>8} {'time s':>7} {'+time s':>8} {'cpu s':>6} {'+cpu s':>7} {'links':>6} "
          f"{'+links':>7} {'output MB':>9} {'+output KB':>10} {'peak MB':>8}")
    for config in configs:
        r = results[config]
        print(f"{config:>15} {r['articles']:>8} {r['seconds']:>7.2f} {r['seconds'] - base['seconds']:>8.2f} "
              f"{r['cpu']:>6.2f} {r['cpu'] - base['cpu']:>7.2f} "
              f"{r['links']:>6} {r['links'] - base['links']:>7} {r['output_bytes'] / 1e6:>9.2f} "
              f"{(r['output_bytes'] - base['output_bytes']) / 1e3:>10.1f} "
              f"{r['peak_mb']:>5} (+{r['workers_peak_mb']} workers)   runs {r['all_seconds']}")
    for k in COPIES:
        print(f"copies-{k}: {json.dumps(results[f'copies-{k}']['family_of_story'])}")
    add = {k: results[f"copies-{k}"]["seconds"] - base["seconds"] for k in COPIES}
    out_add = {k: results[f"copies-{k}"]["output_bytes"] - base["output_bytes"] for k in COPIES}
    unrel = results[f"unrelated-{UNRELATED}"]["seconds"] - base["seconds"]
    print(f"output added per copy (bytes): " + ", ".join(f"k={k}: {out_add[k] / k:.0f}" for k in COPIES))
    print(f"time added per copy (ms): " + ", ".join(f"k={k}: {1000 * add[k] / k:.2f}" for k in COPIES))
    print(f"1000 copies add {add[1000]:.2f}s; 1000 unrelated articles add {unrel:.2f}s; "
          f"ratio {add[1000] / unrel if unrel > 0 else float('nan'):.2f} (target <= 2)")
    cpu_add = results["copies-1000"]["cpu"] - base["cpu"]
    cpu_unrel = results[f"unrelated-{UNRELATED}"]["cpu"] - base["cpu"]
    print(f"CPU time (robust on a shared machine): 1000 copies add {cpu_add:.2f}s; 1000 unrelated articles add "
          f"{cpu_unrel:.2f}s; ratio {cpu_add / cpu_unrel if cpu_unrel > 0 else float('nan'):.2f} (target <= 2)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
