"""`storytrace run` (the whole pipeline) and `storytrace analyze` (analysis on a store)."""
from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from .common import StoreOption, app, check_options, console, open_existing, progress_bars, store_path
from .ingest import print_summary


@app.command()
def run(
    inputs: List[str] = typer.Argument(..., help="Files, folders, globs, URLs, or a .txt list of URLs."),
    out: Path = typer.Option(Path("out"), "--out", help="Output folder."),
    store: Optional[Path] = StoreOption,
    engine: str = typer.Option("local", "--engine", help="local | spark"),
    spark_master: Optional[str] = typer.Option(None, "--spark-master", help="e.g. local[2], spark://host:7077, yarn"),
    no_report: bool = typer.Option(False, "--no-report", help="Skip report.html."),
    progress: bool = typer.Option(True, "--progress/--no-progress"),
) -> None:
    """Ingest INPUTS, analyze them, and write articles/events/reuse JSONL plus report.html to OUT."""
    from ..ingest import ingest
    from ..pipeline import analyze, errors_to_jsonl, write_outputs
    from ..store import Store

    check_options(engine=engine, inputs=inputs, encoder=True)
    out.mkdir(parents=True, exist_ok=True)
    path = store_path(store, out / "storytrace.db")
    with Store(path) as st, progress_bars(progress) as bars:
        if engine == "spark":
            from ..engines.spark import ingest_spark

            summary = ingest_spark(inputs, st, master=spark_master, progress=bars)
        else:
            summary = ingest(inputs, st, progress=bars)
        errors_to_jsonl(summary.errors, out / "errors.jsonl")
        result = analyze(st, engine=engine, progress=bars, spark_master=spark_master)
        written = write_outputs(st, out, report=not no_report)
    print_summary(summary)
    console.print(f"Analysis: {result.articles} articles, {result.events} events, "
                  f"{result.reuse_links} reuse links, {result.translation_links} translation links")
    for p in written:
        console.print(f"  wrote {p}")
    if not no_report:
        console.print(f"[bold green]Open the report:[/bold green] {(out / 'report.html').resolve()}")
    if summary.failed:
        raise typer.Exit(1)


@app.command()
def analyze(
    store: Optional[Path] = StoreOption,
    out: Optional[Path] = typer.Option(None, "--out", help="Also write outputs here."),
    engine: str = typer.Option("local", "--engine", help="local | spark"),
    spark_master: Optional[str] = typer.Option(None, "--spark-master"),
    force: bool = typer.Option(False, "--force", help="Redo stages even when inputs are unchanged."),
    progress: bool = typer.Option(True, "--progress/--no-progress"),
    no_wait: bool = typer.Option(False, "--no-wait", help="Stop at once (exit 1) when another analysis "
                                 "holds the store, instead of waiting for it to end."),
) -> None:
    """Detect reuse, cluster events and align translations for everything in the store."""
    from ..pipeline import analyze as run_analyze, write_outputs

    check_options(engine=engine, encoder=True)
    from ..store import LeaseHeld, describe_holder

    def told(holder) -> None:
        console.print(f"waiting: another {describe_holder(holder)} holds this store")

    with open_existing(store) as st, progress_bars(progress) as bars:
        try:
            result = run_analyze(st, engine=engine, force=force, progress=bars, spark_master=spark_master,
                                 wait=0 if no_wait else None, on_wait=told)
        except LeaseHeld as exc:
            console.print(f"[red]{exc}[/red]")
            raise typer.Exit(1) from None
        if out:
            for p in write_outputs(st, out):
                console.print(f"  wrote {p}")
    console.print(f"{result.articles} articles, {result.events} events, {result.reuse_links} reuse links, "
                  f"{result.translation_links} translation links"
                  + (f" (unchanged: {', '.join(result.skipped_stages)})" if result.skipped_stages else ""))
