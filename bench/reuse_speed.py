"""All-pairs reuse detection speed over the week corpus, at 25 %, 50 % and 100 %.

    python bench/reuse_speed.py [--corpus ../shared/corpus/zh-2021-02] [--workers 2]

Articles are read and normalised first (not timed: the target is "after ingest"), cached
in /tmp; each fraction then runs `detect_reuse` in a fresh subprocess so its peak memory
(ru_maxrss of that process, and of its alignment workers) is its own. Prints articles/s,
peak memory, the log-log slope of time against size, and what the reuse says about the
corpus (how much of RFI's copy is shared with CNA, and the AFP credit behind it).
"""
from __future__ import annotations

import argparse
import json
import math
import resource
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = REPO / ".." / "shared" / "corpus" / "zh-2021-02"
CACHE = Path("/tmp/storytrace-bench-articles.jsonl")
sys.path.insert(0, str(REPO / "src"))

from storytrace.model import Article


def load_corpus(corpus: Path = DEFAULT_CORPUS, *, use_cache: bool = True) -> list[Article]:
    """Every post of the corpus as an Article, through the real reader and normaliser (cached in /tmp)."""
    if use_cache and CACHE.exists():
        return [Article.from_dict(json.loads(line)) for line in CACHE.open(encoding="utf-8")]
    from storytrace.model import InputError
    from storytrace.normalize import NormalizeError, build_article
    from storytrace.read import iter_documents

    paths = [str(p) for p in sorted(corpus.iterdir()) if p.suffix in (".html", ".md")]
    articles = []
    for doc in iter_documents(paths):
        if isinstance(doc, InputError):
            print(f"skipped {doc.path}: {doc.reason}", file=sys.stderr)
            continue
        try:
            articles.append(build_article(doc))
        except NormalizeError as exc:
            print(f"skipped {doc.source_path}: {exc}", file=sys.stderr)
    with CACHE.open("w", encoding="utf-8") as fh:
        for art in articles:
            fh.write(json.dumps(art.to_dict(), ensure_ascii=False) + "\n")
    return articles


def measure(fraction: float, workers: int) -> dict:
    """One timed detect_reuse run over the first `fraction` of the corpus (in file order)."""
    from storytrace.reuse import ReuseSettings, detect_reuse

    articles = load_corpus()
    subset = articles[: max(2, round(len(articles) * fraction))]
    chars = sum(len(a.text) for a in subset)
    start, cpu = time.perf_counter(), time.process_time()
    links = detect_reuse(subset, settings=ReuseSettings(workers=workers))
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    return {"fraction": fraction, "articles": len(subset), "chars": chars, "seconds": round(seconds, 3),
            "cpu": round(cpu, 3),
            "articles_per_s": round(len(subset) / seconds, 1),
            "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "worker_peak_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1),
            "links": len(links), "kinds": dict(Counter(l.kind for l in links))}


def sanity(workers: int) -> list[str]:
    """What a journalist would check: who shares text with whom, by outlet."""
    from storytrace.reuse import ReuseSettings, detect_reuse, original_share

    articles = load_corpus()
    by_id = {a.id: a for a in articles}
    links = [l for l in detect_reuse(articles, settings=ReuseSettings(workers=workers)) if l.kind != "formula"]
    lines = []
    pairs = Counter()
    for l in links:
        pairs[tuple(sorted((by_id[l.a].outlet or "?", by_id[l.b].outlet or "?")))] += 1
    lines.append("links by outlet pair: " + ", ".join(f"{a}-{b} {n}" for (a, b), n in pairs.most_common(10)))
    lines.append("kinds: " + ", ".join(f"{k} {n}" for k, n in Counter(l.kind for l in links).most_common()))
    lines.append("directions: " + ", ".join(f"{k} {n}" for k, n in Counter(l.direction for l in links).most_common()))
    sources = Counter(l.common_source for l in links if l.common_source)
    lines.append("common sources named: " + ", ".join(f"{k} {n}" for k, n in sources.most_common(8)))
    shares = original_share(articles, links)
    per_outlet = defaultdict(list)
    for a in articles:
        per_outlet[a.outlet or "?"].append(1 - shares[a.id])
    lines.append("mean share of each outlet's text found elsewhere in the week: " + ", ".join(
        f"{o} {sum(v) / len(v):.0%}" for o, v in sorted(per_outlet.items())))
    rfi = [a for a in articles if (a.outlet or "").upper() == "RFI"]
    rfi_cna = defaultdict(float)
    for l in links:
        oa, ob = (by_id[l.a].outlet or "").upper(), (by_id[l.b].outlet or "").upper()
        if {oa, ob} == {"RFI", "CNA"}:
            rid, cov = (l.a, l.a_coverage) if oa == "RFI" else (l.b, l.b_coverage)
            rfi_cna[rid] = max(rfi_cna[rid], cov)
    afp = [a for a in rfi if "AFP" in a.cited_sources or "法新社" in a.text]
    cna_rfi = [l for l in links if {(by_id[l.a].outlet or "").upper(), (by_id[l.b].outlet or "").upper()} == {"RFI", "CNA"}]
    lines.append("CNA-RFI links: " + ", ".join(f"{k} {n}" for k, n in Counter(
        f"{l.direction}{'/' + l.common_source if l.common_source else ''}" for l in cna_rfi).most_common(6)))
    for floor in (0.5, 0.8):
        n_afp = sum(1 for a in afp if rfi_cna.get(a.id, 0) >= floor)
        lines.append(f"RFI posts crediting AFP with >= {floor:.0%} of their text inside one CNA post: {n_afp} of {len(afp)}")
    lines.append(f"RFI posts: {len(rfi)}; crediting AFP: {len(afp)}; sharing text with a CNA post: "
                 f"{len(rfi_cna)} (of which crediting AFP: {sum(1 for a in afp if a.id in rfi_cna)}); "
                 f"median share of such an RFI post inside its closest CNA post: "
                 f"{sorted(rfi_cna.values())[len(rfi_cna) // 2]:.0%}" if rfi_cna else "no RFI-CNA links")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--one", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--sanity", action="store_true", help="Also print what the reuse says about the corpus.")
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one, args.workers)))
        return
    if not DEFAULT_CORPUS.exists():
        sys.exit(f"corpus not found at {DEFAULT_CORPUS}")
    t = time.perf_counter()
    n = len(load_corpus())
    print(f"loaded {n} articles in {time.perf_counter() - t:.1f}s (cache {CACHE}; not part of the timing)")
    rows = []
    for fraction in (0.25, 0.5, 1.0):
        out = subprocess.run([sys.executable, __file__, "--one", str(fraction), "--workers", str(args.workers)],
                             capture_output=True, text=True, check=True)
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
        r = rows[-1]
        print(f"{r['fraction']:>5.0%} {r['articles']:>5} articles {r['chars']:>9} chars  {r['seconds']:>6.2f}s "
              f"(cpu {r['cpu']:.2f}s, this process)  "
              f"{r['articles_per_s']:>7.1f} articles/s  peak {r['peak_mb']:.0f} MB (workers {r['worker_peak_mb']:.0f} MB)  "
              f"{r['links']} links {r['kinds']}")
    slope = math.log(rows[-1]["seconds"] / rows[0]["seconds"]) / math.log(rows[-1]["articles"] / rows[0]["articles"])
    print(f"log-log slope of time vs articles (25% -> 100%): {slope:.2f}")
    if args.sanity:
        for line in sanity(args.workers):
            print(line)


if __name__ == "__main__":
    main()
