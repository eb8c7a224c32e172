"""Bounded loopback load on the web app: many readers while an upload and a re-analysis run.

    python bench/load.py --clients 32 --seconds 20 --articles 200

Builds a store from self-written synthetic articles (tests/robustness/synth_corpus.py),
serves it with uvicorn on 127.0.0.1 in a child process, discovers the GET pages and JSON
API from /openapi.json (plus `/`), and runs `--clients` concurrent keep-alive clients
(httpx + asyncio) for `--seconds`. Two seconds in, one client uploads a new article and
starts a re-analysis, then polls the job until it ends. Prints requests/s, latency
percentiles and errors (any status >= 400 or transport error on a read) and exits non-zero
if there were errors or the page-view p99 exceeded --p99-ms. Nothing listens beyond
127.0.0.1; the run stops by itself after --seconds plus the analysis it started (capped by
--max-seconds).

Page views are the HTML pages a person opens (`/`, a search, an event, a comparison); the
JSON API and static files are reported beside them. Before the clock starts every URL is
fetched once (`warmup_seconds`: the first search loads the segmentation dictionaries), so
the figures are the steady state; `--no-warmup` measures a cold server.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "robustness"))

SERVER = """
import sys, uvicorn
from storytrace.web.app import create_app
app = create_app(sys.argv[1], upload_dir=sys.argv[2])
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[3]), log_level="warning", access_log=False)
"""


def build_store(workdir: Path, articles: int) -> Path:
    from synth_corpus import write_reuse_corpus

    from storytrace.ingest import ingest
    from storytrace.pipeline import analyze
    from storytrace.store import Store

    corpus = write_reuse_corpus(workdir / "corpus", articles, seed=99)
    db = workdir / "store.db"
    with Store(db) as store:
        ingest([str(corpus.root)], store)
        analyze(store)
    return db


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(base: str, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited early with {proc.returncode}")
        try:
            if httpx.get(base + "/openapi.json", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise SystemExit("server did not answer in time")


def discover(base: str) -> tuple[list[str], dict | None]:
    """GET URLs to read (pages + JSON API, path parameters filled from the API) and the upload route.

    The HTML pages are left out of /openapi.json, so they are listed here by hand.
    """
    spec = httpx.get(base + "/openapi.json", timeout=10).json()
    articles = httpx.get(base + "/api/articles", params={"limit": 40}, timeout=30).json()
    events = httpx.get(base + "/api/events", params={"limit": 40}, timeout=30).json()
    links = httpx.get(base + "/api/reuse", timeout=30).json()
    values = {"article_id": [a["id"] for a in articles], "event_id": [e["id"] for e in events]}
    urls = ["/", "/add", "/static/report.css", "/static/report.js", "/?q=%E6%B8%AF%E5%8F%A3",
            "/api/articles?q=%E6%B8%AF%E5%8F%A3", "/api/articles?q=harbour"]
    urls += [f"/events/{e}" for e in values["event_id"][:20]]
    urls += [f"/compare?a={l['a']}&b={l['b']}" for l in links[:20]]
    for path, ops in spec.get("paths", {}).items():
        if "get" in ops:
            params = re.findall(r"{(\w+)}", path)
            if not params:
                urls.append(path)
            elif len(params) == 1 and values.get(params[0]):
                urls += [path.replace("{%s}" % params[0], v) for v in values[params[0]][:20]]
    upload = {"path": "/add/upload", "field": "files"}
    return urls, upload


PAGE_ROUTES = ("/", "/?q", "/?…", "/events/{id}", "/compare?…", "/add")


def warm(base: str, urls: list[str]) -> float:
    t0 = time.perf_counter()
    with httpx.Client(base_url=base, timeout=120) as client:
        for url in dict.fromkeys(urls):
            client.get(url)
    return round(time.perf_counter() - t0, 2)


def _route(url: str) -> str:
    """URL to a route label for per-route figures: ids become {id}, the query is dropped."""
    path, _, query = url.partition("?")
    path = re.sub(r"^(/api/articles|/api/events|/events)/[^/]+$", r"\1/{id}", path)
    return path + ("?q" if query.startswith("q=") else "?…" if query else "")


class Connection:
    """One keep-alive HTTP/1.1 connection of a reader: GET and read the whole answer.

    Why not httpx here: measured in this bench, an httpx AsyncClient spent about four times
    the CPU per request that the server did, so on a small machine the figures were the
    client's queueing, not the app's latency. The readers only GET, and the app answers with
    Content-Length (or chunked), so a few lines of asyncio streams do; httpx still does the
    upload and the analysis requests.
    """

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, url: str) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        self.writer.write(f"GET {url} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n\r\n".encode())
        head = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1")
        lines = head.split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
        if headers.get("transfer-encoding", "").lower() == "chunked":
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                await self.reader.readexactly(size + 2)
                if size == 0:
                    break
        else:
            await self.reader.readexactly(int(headers.get("content-length", "0")))
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def reader(conn: Connection, urls: list[str], deadline: float, rng: random.Random,
                 samples: list, errors: list) -> None:
    while time.monotonic() < deadline:
        url = rng.choice(urls)
        t0 = time.perf_counter()
        try:
            status = await asyncio.wait_for(conn.get(url), 30)
        except (OSError, asyncio.IncompleteReadError, asyncio.TimeoutError, ValueError) as exc:
            status = f"{type(exc).__name__}"
            conn.close()
        dt = time.perf_counter() - t0
        samples.append((dt, _route(url), time.monotonic()))
        if not isinstance(status, int) or status >= 400:
            errors.append((url, status))
    conn.close()


async def writer(client: httpx.AsyncClient, base: str, upload: dict | None, max_seconds: float,
                 log: dict) -> None:
    """Upload one new article, start a re-analysis, poll until the job ends."""
    from synth_corpus import markdown_post, zh_paragraphs

    await asyncio.sleep(2)
    if upload:
        text = markdown_post("负载测试期间上传的新报道", zh_paragraphs(random.Random(3), 4))
        t0 = time.perf_counter()
        r = await client.post(upload["path"], files={upload["field"]: ("load-upload.md", text.encode(), "text/markdown")})
        log["upload"] = {"status": r.status_code, "seconds": round(time.perf_counter() - t0, 3),
                         "redirect": r.headers.get("location")}
        if "error=" in (r.headers.get("location") or ""):
            log["upload"]["status"] = 422          # the app redirects refusals back to /add?error=
    t0 = time.perf_counter()
    log["busy_from"] = time.monotonic()
    status = await client.get("/api/analysis")
    if status.json().get("state") != "running":
        r = await client.post("/api/analysis")
        log["analysis_start_status"] = r.status_code
    end = time.monotonic() + max_seconds
    while time.monotonic() < end:
        state = (await client.get("/api/analysis")).json()
        if state.get("state") in ("done", "failed"):
            log["busy_to"] = time.monotonic()
            log["analysis"] = {"state": state["state"], "message": state.get("message"),
                               "seconds": round(time.perf_counter() - t0, 2)}
            return
        await asyncio.sleep(0.5)
    log["analysis"] = {"state": "still running at the time cap"}


async def load(base: str, urls: list[str], upload: dict | None, clients: int, seconds: float,
               max_seconds: float) -> dict:
    samples: list = []
    errors: list = []
    log: dict = {}
    limits = httpx.Limits(max_connections=4, max_keepalive_connections=4)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        started = time.monotonic()
        deadline = started + seconds
        host, port = base.rsplit("//", 1)[1].rsplit(":", 1)
        tasks = [reader(Connection(host, int(port)), urls, deadline, random.Random(i), samples, errors)
                 for i in range(clients)]
        tasks.append(writer(client, base, upload, max_seconds, log))
        await asyncio.gather(*tasks)
    busy_from, busy_to = log.pop("busy_from", None), log.pop("busy_to", deadline)
    during = [s for s in samples if busy_from and busy_from <= s[2] <= busy_to]
    quiet = [s for s in samples if not (busy_from and busy_from <= s[2] <= busy_to)]
    per_route: dict[str, list[float]] = {}
    for dt, route, _ in samples:
        per_route.setdefault(route, []).append(dt)
    busy_seconds = (min(busy_to, deadline) - busy_from) if busy_from else 0
    pages_during = [s[0] for s in during if s[1] in PAGE_ROUTES]
    pages_quiet = [s[0] for s in quiet if s[1] in PAGE_ROUTES]
    return {**_figures([s[0] for s in samples], seconds), "seconds": round(seconds, 2),
            "page_views_while_analysis": _figures(pages_during, busy_seconds),
            "page_views_without_writer": _figures(pages_quiet, seconds - busy_seconds),
            "errors": len(errors), "error_examples": errors[:10],
            "while_upload_and_analysis": _figures([s[0] for s in during],
                                                  (min(busy_to, deadline) - busy_from) if busy_from else 0),
            "without_writer": _figures([s[0] for s in quiet],
                                       seconds - ((min(busy_to, deadline) - busy_from) if busy_from else 0)),
            "routes": {r: {"n": len(v), "p99_ms": round(sorted(v)[int(0.99 * (len(v) - 1))] * 1000, 1)}
                       for r, v in sorted(per_route.items())},
            **log}


def _figures(latencies: list[float], seconds: float) -> dict:
    lat = sorted(latencies)
    if len(lat) < 2 or seconds <= 0:
        return {"requests": len(lat)}
    q = statistics.quantiles(lat, n=100, method="inclusive")
    return {"requests": len(lat), "rps": round(len(lat) / seconds, 1), "p50_ms": round(q[49] * 1000, 1),
            "p95_ms": round(q[94] * 1000, 1), "p99_ms": round(q[98] * 1000, 1), "max_ms": round(lat[-1] * 1000, 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--p99-ms", type=float, default=300,
                        help="fail above this p99 latency of page views (while the analysis runs, and without)")
    parser.add_argument("--no-warmup", action="store_true", help="measure a cold server")
    parser.add_argument("--max-seconds", type=float, default=300, help="cap on waiting for the re-analysis")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="storytrace-load-") as tmp:
        work = Path(tmp)
        t0 = time.perf_counter()
        db = build_store(work, args.articles)
        print(f"store: {args.articles} synthetic articles in {time.perf_counter() - t0:.1f}s")
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        proc = subprocess.Popen([sys.executable, "-c", SERVER, str(db), str(work / "uploads"), str(port)],
                                start_new_session=True)
        try:
            wait_ready(base, proc)
            urls, upload = discover(base)
            print(f"{len(urls)} read URLs; upload route: {upload['path'] if upload else 'none'}")
            warmup = None if args.no_warmup else warm(base, urls)
            result = asyncio.run(load(base, urls, upload, args.clients, args.seconds, args.max_seconds))
            result["warmup_seconds"] = warmup
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            _, _, usage = os.wait4(proc.pid, 0)
        own = resource.getrusage(resource.RUSAGE_SELF)
        result.update(server_cpu_seconds=round(usage.ru_utime + usage.ru_stime, 1),
                      client_cpu_seconds=round(own.ru_utime + own.ru_stime, 1))
        result.update(clients=args.clients, articles=args.articles, server_peak_rss_mb=round(usage.ru_maxrss / 1024),
                      client_peak_rss_mb=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))
    print(json.dumps(result, indent=1, ensure_ascii=False))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1, ensure_ascii=False))
    pages = [result[k].get("p99_ms", 0) for k in ("page_views_while_analysis", "page_views_without_writer")]
    ok = result["errors"] == 0 and max(pages) <= args.p99_ms \
        and result["page_views_while_analysis"].get("requests", 0) > 0 \
        and result.get("analysis", {}).get("state") == "done" \
        and (result.get("upload") is None or result["upload"]["status"] < 400)
    print("PASS" if ok else "FAIL", f"{result['rps']} req/s, page-view p99 {pages[0]} ms while the analysis ran "
          f"({pages[1]} ms without), all reads p99 {result['p99_ms']} ms, {result['errors']} errors")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
