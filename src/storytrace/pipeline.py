"""The pipeline as named steps: ingest → reuse → events → translation links → outputs.

Engines only schedule: the local engine calls the step functions in-process (and a
process pool for per-article work); the Spark engine (`engines/spark.py`) runs the same
step functions per partition. Each analysis stage records a fingerprint of its inputs in
the store, so a re-run after a crash redoes only unfinished stages.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .model import InputError
from .store import Store

# `progress(description, total) -> advance(n)`, or None: how every step reports progress.
ProgressFactory = Callable[[str, int | None], Callable[[int], None]] | None


@dataclass
class AnalyzeSummary:
    articles: int = 0
    reuse_links: int = 0
    translation_links: int = 0
    events: int = 0
    skipped_stages: list[str] = field(default_factory=list)


def analyze(store: Store, *, engine: str = "local", force: bool = False,
            progress: ProgressFactory = None, spark_master: str | None = None,
            wait: float | None = None, on_wait=None) -> AnalyzeSummary:
    """Detect reuse, cluster events and align translations for everything in the store.

    Holds the store's analysis lease throughout (`store.acquire_lease`), so the CLI, the web
    app and Spark runs never analyse one store at once: with another analysis running this
    waits `wait` seconds (None: until it ends; `on_wait(holder)` is told once) and then
    raises `store.LeaseHeld` naming the holder."""
    from .engines import check_engine
    from .store import acquire_lease

    check_engine(engine)        # an unknown engine stops here, naming the accepted ones
    with acquire_lease(store, purpose=f"{engine} analysis", wait=wait, on_wait=on_wait):
        if engine == "spark":
            from .engines.spark import analyze_spark

            return analyze_spark(store, force=force, progress=progress, master=spark_master)
        from .engines.local import run_analysis

        return run_analysis(store, force=force, progress=progress)


def write_outputs(store: Store, out_dir: str | Path, *, report: bool = True) -> list[Path]:
    """Write the machine-readable files (and the HTML report) for everything stored."""
    from .present.exports import write_jsonl_outputs

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = write_jsonl_outputs(store, out)
    if report:
        from .present.report import write_report

        written.append(write_report(store, out / "report.html"))
    return written


def errors_to_jsonl(errors: list[InputError], path: Path) -> Path:
    import json

    with open(path, "w", encoding="utf-8") as fh:
        for err in errors:
            fh.write(json.dumps(err.to_dict(), ensure_ascii=False) + "\n")
    return path
