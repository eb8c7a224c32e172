"""`storytrace ingest`, `articles` and `show`: parse arguments, call the library, print."""
from __future__ import annotations

import json
from pathlib import Path
from typing import List, Optional

import typer
from rich import box
from rich.table import Table

from .common import StoreOption, app, check_options, console, err_console, open_existing, progress_bars, store_path


def print_summary(summary) -> None:
    table = Table(title="Ingest")
    for col in ("read", "stored", "skipped as duplicate", "failed"):
        table.add_column(col, justify="right")
    table.add_row(str(summary.read), str(summary.stored), str(summary.duplicates), str(summary.failed))
    console.print(table)
    for err in summary.errors[:50]:
        console.print(f"failed [{err.stage}] {err.path}: {err.reason}", highlight=False, markup=False,
                      soft_wrap=True)
    if len(summary.errors) > 50:
        console.print(f"... and {len(summary.errors) - 50} more (`storytrace articles` lists what was stored)")


@app.command()
def ingest(
    inputs: List[str] = typer.Argument(..., help="Files, folders, globs, URLs, or a .txt/.urls list of URLs."),
    store: Optional[Path] = StoreOption,
    workers: Optional[int] = typer.Option(None, "--workers", min=1,
                                          help="Processes for normalizing [default: STORYTRACE_WORKERS, else one per core, at most 8]."),
    rescan: bool = typer.Option(False, "--rescan", help="Re-read sources an earlier run already stored."),
    progress: bool = typer.Option(True, "--progress/--no-progress"),
) -> None:
    """Read, clean and store articles; exit status 1 when any input failed."""
    from ..ingest import ingest as run_ingest
    from ..store import Store

    check_options(inputs=inputs)
    with Store(store_path(store)) as st, progress_bars(progress) as bars:
        summary = run_ingest(inputs, st, workers=workers, progress=bars, resume=not rescan)
    print_summary(summary)
    if summary.failed:
        raise typer.Exit(1)


@app.command()
def articles(
    store: Optional[Path] = StoreOption,
    as_json: bool = typer.Option(False, "--json", help="One JSON object per line (full records)."),
) -> None:
    """List stored articles."""
    with open_existing(store) as st:
        if as_json:             # streamed: memory stays that of one batch whatever the store holds
            for art in st.iter_articles():
                typer.echo(json.dumps(art.to_dict(), ensure_ascii=False))
            return
        records = st.articles()
    table = Table(title=f"{len(records)} articles", box=box.SIMPLE_HEAD, expand=True)
    table.add_column("id", no_wrap=True)
    table.add_column("published", no_wrap=True)
    table.add_column("lang", no_wrap=True)
    table.add_column("outlet", max_width=14)
    table.add_column("title", ratio=1, overflow="fold")
    for art in records:
        lang = "-".join(filter(None, (art.language, art.script)))
        table.add_row(art.id, (art.published or "")[:16], lang, art.outlet or "", art.title)
    console.print(table)


@app.command()
def show(
    article_id: str = typer.Argument(..., help="Article id (a unique prefix is enough)."),
    store: Optional[Path] = StoreOption,
    as_json: bool = typer.Option(False, "--json", help="The full record as JSON."),
) -> None:
    """One article: metadata, where its date came from, and the clean text."""
    with open_existing(store) as st:
        art = st.get_article(article_id)
    if art is None:
        err_console.print(f"No single article with id or prefix {article_id!r}.", markup=False)
        raise typer.Exit(2)
    if as_json:
        typer.echo(json.dumps(art.to_dict(), ensure_ascii=False, indent=2))
        return
    table = Table(show_header=False, box=None)
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    published = art.published or "unknown"
    if art.published_precision:
        published += f" ({art.published_precision}{', year inferred' if art.published_inferred else ''})"
    for key, value in (("id", art.id), ("title", art.title), ("source", art.source_path), ("url", art.url),
                       ("outlet", art.outlet), ("author", art.author), ("language", art.language),
                       ("script", art.script), ("published", published),
                       ("date evidence", art.published_evidence),
                       ("in-text dateline", (art.metadata.get("dateline") or {}).get("evidence")),
                       ("page clock (ignored)", "; ".join(art.metadata.get("page_clock", []))),
                       ("cited sources", ", ".join(art.cited_sources))):
        if value or key in ("title", "published"):
            table.add_row(key, value or "")
    console.print(table, markup=False, highlight=False)
    console.rule()
    console.print(art.text, markup=False, highlight=False)
