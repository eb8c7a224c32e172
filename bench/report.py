"""Benchmark: the static report for the week corpus (2,595 posts), and how it behaves in Chromium.

    python bench/report.py --store bench/out/week/storytrace.db            # analysed store
    python bench/report.py --corpus ../shared/corpus/zh-2021-02             # ingest + analyse first

Prints report generation time, articles/s, peak memory (ru_maxrss), file size, then (unless
--no-browser) load time and filter/search times measured in headless Chromium via Playwright.
Targets (issue 5): generated in < 30 s after analysis, < 25 MB, opens and filters smoothly.
"""
from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def analysed_store(args) -> Path:
    store_path = Path(args.store)
    if store_path.exists():
        return store_path
    if not args.corpus:
        sys.exit(f"no store at {store_path}; pass --corpus to ingest and analyse one")
    from storytrace.ingest import ingest
    from storytrace.pipeline import analyze
    from storytrace.store import Store

    t0 = time.perf_counter()
    with Store(store_path) as store:
        ingest([args.corpus], store)
        analyze(store)
    print(f"ingest + analysis: {time.perf_counter() - t0:.1f} s")
    return store_path


def generate(store_path: Path, out: Path) -> None:
    from storytrace.present.report import write_report
    from storytrace.present.views import ReportData
    from storytrace.store import Store

    with Store(store_path) as store:
        n = store.count_articles()
        t0 = time.perf_counter()
        data = ReportData(store)
        t_views = time.perf_counter() - t0
        t0 = time.perf_counter()
        write_report(store, out)
        elapsed = time.perf_counter() - t0
    size = out.stat().st_size
    multi = sum(1 for ev in data.events if ev.size > 1)
    print(f"articles: {n}, events: {len(data.events)} ({multi} with 2+ articles), links: {len(data.links)}")
    print(f"view models alone: {t_views:.2f} s")
    print(f"report generation: {elapsed:.2f} s ({n / elapsed:.0f} articles/s), "
          f"size {size / 1e6:.1f} MB, peak RSS {_rss_mb():.0f} MB")


def browse(out: Path, queries: list[str]) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        t0 = time.perf_counter()
        page.goto(out.as_uri(), wait_until="load", timeout=120_000)
        wall = time.perf_counter() - t0
        nav = page.evaluate("() => { const n = performance.getEntriesByType('navigation')[0];"
                            " return [n.domContentLoadedEventEnd, n.loadEventEnd]; }")
        print(f"browser load: {wall:.2f} s wall (DOMContentLoaded {nav[0] / 1000:.2f} s, "
              f"load {nav[1] / 1000:.2f} s)")
        measure = """([field, value]) => {
            const form = document.getElementById('filters');
            const t = performance.now();
            form.elements[field].value = value;
            form.dispatchEvent(new Event('change'));
            document.body.offsetHeight;  /* include style and layout */
            return [performance.now() - t, document.getElementById('count').textContent];
        }"""
        for field, value in [("q", q) for q in queries] + [("q", ""), ("lang", "zh"), ("lang", ""),
                                                          ("outlet", "RFI"), ("outlet", ""),
                                                          ("from", "2021-02-05"), ("from", "")]:
            ms, count = page.evaluate(measure, [field, value])
            print(f"  filter {field}={value!r}: {ms:.0f} ms -> {count}")
        heap = page.evaluate("() => performance.memory ? performance.memory.usedJSHeapSize : 0")
        print(f"JS heap after searching: {heap / 1e6:.0f} MB")
        nav_ms = page.evaluate("""() => {
            const rows = [...document.querySelectorAll('#all-events .event-row')].slice(0, 400);
            const times = [];
            for (const row of rows.filter((_, i) => i % 40 == 0)) {
                const t = performance.now();
                location.hash = 'event-' + row.dataset.event.replace(/[^A-Za-z0-9_-]/g, '_');
                window.dispatchEvent(new HashChangeEvent('hashchange'));
                document.body.offsetHeight;
                times.push(performance.now() - t);
            }
            return times;
        }""")
        print(f"open an event (hash navigation + layout): median {sorted(nav_ms)[len(nav_ms) // 2]:.0f} ms, "
              f"max {max(nav_ms):.0f} ms over {len(nav_ms)} events")
        pair_ms = page.evaluate("""() => {
            const ids = Object.keys(JSON.parse(document.getElementById('pairs-data').textContent)).slice(0, 200);
            const times = [];
            for (const id of ids.filter((_, i) => i % 20 == 0)) {
                const t = performance.now();
                location.hash = id;
                window.dispatchEvent(new HashChangeEvent('hashchange'));
                document.body.offsetHeight;
                times.push(performance.now() - t);
            }
            return times;
        }""")
        if pair_ms:
            print(f"open a side-by-side view: median {sorted(pair_ms)[len(pair_ms) // 2]:.0f} ms, "
                  f"max {max(pair_ms):.0f} ms over {len(pair_ms)} pairs")
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", default=str(ROOT / "bench" / "out" / "week" / "storytrace.db"))
    parser.add_argument("--corpus", default=None)
    parser.add_argument("--out", default=str(ROOT / "bench" / "out" / "week-report.html"))
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--query", action="append", default=None,
                        help="search to time (default: 拜登 in Simplified, then 拜登 in Traditional is the same)")
    args = parser.parse_args()
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    generate(analysed_store(args), out)
    if not args.no_browser:
        browse(out, args.query or ["拜登", "緬甸", "香港"])


if __name__ == "__main__":
    main()
