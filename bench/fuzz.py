"""Coverage-guided fuzzing (atheris / libFuzzer) of every reader, the normalizer and the aligner.

    pip install -e '.[fuzz]'                          # atheris (libFuzzer for Python)
    python bench/fuzz.py --seconds 30                 # every target, 30 s each
    python bench/fuzz.py --seconds 60 --targets warc,zip

Each target runs in its own child process for a fixed time budget. An exception the
contract does not allow (anything but an `InputError` yielded by a reader or a
`NormalizeError` raised by the normalizer), a broken invariant (spans outside the text,
folding that changes length), a libFuzzer timeout (one input > --timeout s) or an
out-of-memory is a *finding*: its input and traceback go to bench/out/fuzz/<target>/ and
fuzzing goes on. Prints inputs tried and distinct crashes per target, and writes
bench/out/fuzz/summary.json. Seeds are small self-written articles (tests/robustness).
"""
from __future__ import annotations

import argparse
import hashlib
import io
import json
import logging
import re
import subprocess
import sys
import time
import traceback
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "robustness"))

READER_TARGETS = {"html": "fuzz.html", "markdown": "fuzz.md", "text": "fuzz.txt",
                  "jsonl": "fuzz.jsonl", "warc": "fuzz.warc", "zip": "fuzz.zip", "gz": "fuzz.html.gz"}
TARGETS = list(READER_TARGETS) + ["normalize", "fold", "align"]


# ----------------------------------------------------------------------------- seeds
def _seeds(target: str) -> list[bytes]:
    import gzip
    import random

    from synth_corpus import en_paragraphs, html_page, markdown_post, zh_paragraphs

    rng = random.Random(5)
    zh, en = zh_paragraphs(rng, 3), en_paragraphs(rng, 2)
    page = html_page("港口扩建项目获批", zh).encode()
    post = markdown_post("港口扩建项目获批", zh).encode()
    text = ("港口扩建项目获批\n\n" + "\n\n".join(zh)).encode()
    if target in ("html", "normalize"):
        return [page, html_page("Harbour plan", en).encode(), page.replace(b"utf-8", b"gbk")]
    if target == "markdown":
        return [post, b"---\ntitle: x\ndate: 2024-02-30\n---\n" + text]
    if target in ("text", "fold"):
        return [text, "\n\n".join(en).encode(), "臺灣ＡＢＣ，「引號」。".encode()]
    if target == "jsonl":
        line = json.dumps({"title": "港口", "text": "\n\n".join(zh), "date": "2024-03-05"}, ensure_ascii=False)
        return [(line + "\n" + line.replace("text", "html")).encode()]
    if target == "warc":
        from warcio.statusandheaders import StatusAndHeaders
        from warcio.warcwriter import WARCWriter

        out = []
        for gz in (False, True):
            buf = io.BytesIO()
            writer = WARCWriter(buf, gzip=gz)
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")],
                                       protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record("https://example.org/a", "response",
                                                          payload=io.BytesIO(page), http_headers=headers))
            out.append(buf.getvalue())
        return out
    if target == "zip":
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("a.html", page)
            zf.writestr("b.md", post)
        return [buf.getvalue()]
    if target == "gz":
        return [gzip.compress(page)]
    if target == "align":
        return [text + b"\x00" + text[:len(text) // 2]]
    return [b""]


# ----------------------------------------------------------------------------- targets
class Finding(Exception):
    """A broken invariant (not an exception the code under test raised)."""


def _reader_target(name: str):
    from storytrace.model import InputError, RawDocument
    from storytrace.read.formats import documents_from_bytes

    normalize = _normalizer()

    def run(data: bytes) -> None:
        for item in documents_from_bytes(name, data):
            if isinstance(item, InputError):
                if not item.reason.strip():
                    raise Finding("InputError without a reason")
            elif isinstance(item, RawDocument):
                if not isinstance(item.content, str):
                    raise Finding("RawDocument.content is not str")
                normalize(item)
            else:
                raise Finding(f"reader yielded {type(item).__name__}")
    return run


def _normalizer():
    """build_article that swallows only the contract's NormalizeError."""
    try:
        from storytrace.normalize import NormalizeError, build_article
    except ImportError:                      # normalizer not there yet: readers alone
        return lambda raw: None

    def normalize(raw) -> None:
        try:
            art = build_article(raw)
        except NormalizeError as exc:
            if not str(exc).strip():
                raise Finding("NormalizeError without a reason") from None
            return
        if not art.id or not isinstance(art.text, str) or not art.text.strip():
            raise Finding("article without id or text")
    return normalize


def _normalize_target():
    import atheris
    from storytrace.model import RawDocument

    normalize = _normalizer()

    def run(data: bytes) -> None:
        fdp = atheris.FuzzedDataProvider(data)
        fmt = fdp.PickValueInList(["html", "markdown", "text"])
        meta = {"date": fdp.ConsumeUnicodeNoSurrogates(30)} if fdp.ConsumeBool() else {}
        if fdp.ConsumeBool():
            meta["title"] = fdp.ConsumeUnicodeNoSurrogates(40)
        content = fdp.ConsumeUnicodeNoSurrogates(fdp.remaining_bytes())
        normalize(RawDocument(source_path="fuzz", content=content, format=fmt, metadata=meta))
    return run


def _fold_target():
    import atheris
    from storytrace.textfold import fold, search_key

    def run(data: bytes) -> None:
        text = atheris.FuzzedDataProvider(data).ConsumeUnicodeNoSurrogates(len(data))
        folded = fold(text)
        if len(folded) != len(text):
            raise Finding(f"fold changed length {len(text)} -> {len(folded)}")
        search_key(text)
    return run


def _align_target():
    import atheris
    from storytrace.reuse.align import align_pair
    from storytrace.reuse.candidates import candidate_pairs
    from storytrace.reuse.fingerprint import fingerprint
    from storytrace.reuse.settings import ReuseSettings

    settings = ReuseSettings(workers=1, min_anchors=1, min_chars=4)

    def run(data: bytes) -> None:
        fdp = atheris.FuzzedDataProvider(data)
        a = fdp.ConsumeUnicodeNoSurrogates(fdp.ConsumeIntInRange(0, 4000))
        cut1, cut2 = sorted((fdp.ConsumeIntInRange(0, len(a)), fdp.ConsumeIntInRange(0, len(a))))
        b = a[:cut1] + fdp.ConsumeUnicodeNoSurrogates(fdp.remaining_bytes()) + a[cut2:]
        fps = [fingerprint(0, a, shingle=settings.shingle, seed=settings.seed),
               fingerprint(1, b, shingle=settings.shingle, seed=settings.seed)]
        cands = candidate_pairs(fps, settings)
        for p in range(len(cands)):
            i, j = (int(x) for x in cands.pairs[p])
            fa, fb = fps[i], fps[j]
            for psg in align_pair(fa, fb, *cands.anchors(p), settings):
                if not (0 <= psg.a_start < psg.a_end <= len(fa.text)
                        and 0 <= psg.b_start < psg.b_end <= len(fb.text)):
                    raise Finding(f"span outside text: {psg}")
                if not 0.0 <= psg.similarity <= 1.0:
                    raise Finding(f"similarity {psg.similarity}")
    return run


def _make_target(target: str):
    if target in READER_TARGETS:
        return _reader_target(READER_TARGETS[target])
    return {"normalize": _normalize_target, "fold": _fold_target, "align": _align_target}[target]()


# ----------------------------------------------------------------------------- child
def child(target: str, seconds: int, workdir: Path, timeout: int, max_len: int) -> None:
    import atheris

    logging.disable(logging.CRITICAL)        # trafilatura/htmldate warn on every bad page
    corpus = workdir / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    with atheris.instrument_imports(include=["storytrace", "warcio", "yaml"]):
        import storytrace.read.archives, storytrace.read.jsonl, storytrace.read.warc  # noqa: F401,E401 (lazy imports)
        try:
            import storytrace.normalize  # noqa: F401
        except ImportError:
            pass
        run = _make_target(target)
    for seed in _seeds(target):
        (corpus / hashlib.sha1(seed).hexdigest()).write_bytes(seed)
    stats = {"target": target, "runs": 0, "crashes": {}}
    last_write = [0.0]

    def save() -> None:
        (workdir / "stats.json").write_text(json.dumps(stats, indent=1))
        last_write[0] = time.monotonic()

    def one_input(data: bytes) -> None:
        stats["runs"] += 1
        try:
            run(data)
        except Exception as exc:  # noqa: BLE001 - every unexpected exception is the finding
            tb = traceback.extract_tb(exc.__traceback__)
            frame = tb[-1] if tb else None
            sig = f"{type(exc).__name__} at {Path(frame.filename).name}:{frame.lineno}" if frame else type(exc).__name__
            if sig not in stats["crashes"]:
                digest = hashlib.sha1(data).hexdigest()[:12]
                (workdir / f"crash-{digest}.bin").write_bytes(data)
                (workdir / f"crash-{digest}.txt").write_text(traceback.format_exc())
                stats["crashes"][sig] = {"input": f"crash-{digest}.bin", "message": str(exc)[:300]}
                save()
        if time.monotonic() - last_write[0] > 2:
            save()

    save()
    atheris.Setup([sys.argv[0], str(corpus), f"-max_total_time={seconds}", f"-timeout={timeout}",
                   "-rss_limit_mb=3072", f"-max_len={max_len}", f"-artifact_prefix={workdir}/",
                   "-print_final_stats=1"], one_input)
    atheris.Fuzz()


# ----------------------------------------------------------------------------- parent
def run_target(target: str, seconds: int, out: Path, timeout: int, max_len: int) -> dict:
    workdir = out / target
    workdir.mkdir(parents=True, exist_ok=True)
    for old in workdir.glob("crash-*"):
        old.unlink()
    started = time.monotonic()
    proc = subprocess.run([sys.executable, __file__, "--child", target, "--seconds", str(seconds),
                           "--out", str(out), "--timeout", str(timeout), "--max-len", str(max_len)],
                          capture_output=True, text=True, errors="replace", timeout=seconds * 3 + 120)
    (workdir / "libfuzzer.log").write_text(proc.stderr[-200_000:])
    stats = json.loads((workdir / "stats.json").read_text()) if (workdir / "stats.json").exists() else {"runs": 0, "crashes": {}}
    done = re.search(r"Done (\d+) runs in (\d+) second", proc.stderr)
    cov = re.findall(r"cov: (\d+)", proc.stderr)
    result = {"target": target, "seconds": round(time.monotonic() - started, 1),
              "inputs": int(done.group(1)) if done else stats["runs"], "coverage": int(cov[-1]) if cov else None,
              "crashes": stats["crashes"], "exit": proc.returncode}
    for kind in ("timeout", "out-of-memory", "deadly signal", "Uncaught Python exception"):
        if f"libFuzzer: {kind}" in proc.stderr or f"=== {kind}" in proc.stderr:
            artifacts = [p.name for p in workdir.iterdir() if p.name.startswith(("timeout-", "oom-", "crash-"))]
            result["crashes"][f"libFuzzer {kind}"] = {"input": ", ".join(sorted(artifacts)), "message": kind}
    if proc.returncode != 0 and not result["crashes"]:
        result["crashes"]["child exited"] = {"input": "", "message": proc.stderr[-500:]}
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=30, help="budget per target")
    parser.add_argument("--targets", default=",".join(TARGETS))
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "fuzz")
    parser.add_argument("--timeout", type=int, default=10, help="seconds one input may take")
    parser.add_argument("--max-len", type=int, default=16384)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.seconds, args.out / args.child, args.timeout, args.max_len)
        return
    results = []
    print(f"{'target':<10} {'seconds':>7} {'inputs':>9} {'inputs/s':>9} {'cov':>6} {'crashes':>7}")
    for target in [t for t in args.targets.split(",") if t]:
        r = run_target(target, args.seconds, args.out, args.timeout, args.max_len)
        results.append(r)
        print(f"{target:<10} {r['seconds']:>7} {r['inputs']:>9} {r['inputs'] / max(r['seconds'], 1e-9):>9.0f} "
              f"{r['coverage'] or '-':>6} {len(r['crashes']):>7}", flush=True)
        for sig, info in r["crashes"].items():
            print(f"    {sig}: {info['message'][:160]!r} ({info['input']})", flush=True)
    (args.out / "summary.json").write_text(json.dumps(results, indent=1, ensure_ascii=False))
    print(f"total inputs {sum(r['inputs'] for r in results)}, "
          f"crashes {sum(len(r['crashes']) for r in results)}; details in {args.out}")


if __name__ == "__main__":
    main()
