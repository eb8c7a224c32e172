"""`storytrace report`, `storytrace serve` and `storytrace export`."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from .common import StoreOption, app, console, err_console, open_existing, store_path

EXPORT_FORMATS = ("jsonl", "parquet", "csv")


@app.command()
def report(
    out: Path = typer.Option(Path("report.html"), "--out", help="HTML file to write."),
    store: Optional[Path] = StoreOption,
) -> None:
    """Write one self-contained HTML report (opens offline) for everything in the store."""
    from ..present.report import write_report

    with open_existing(store) as st:
        path = write_report(st, out)
    console.print(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB)")


@app.command()
def export(
    out: Path = typer.Option(..., "--out", help="Output folder."),
    fmt: str = typer.Option("jsonl", "--format", help="jsonl | parquet | csv"),
    store: Optional[Path] = StoreOption,
) -> None:
    """Write articles, events and reuse passages as JSON Lines, Parquet or CSV (see docs/exports.md)."""
    from ..present.exports import export as run_export

    if fmt not in EXPORT_FORMATS:
        err_console.print(f"[red]Unknown format {fmt!r}[/red]: choose one of {', '.join(EXPORT_FORMATS)}.")
        raise typer.Exit(2)
    with open_existing(store) as st:
        for path in run_export(st, out, fmt):
            console.print(f"  wrote {path}")


@app.command()
def serve(
    store: Optional[Path] = StoreOption,
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to bind (default: this machine only)."),
    port: int = typer.Option(8765, "--port"),
    uploads: Optional[Path] = typer.Option(None, "--uploads", help="Folder for uploaded files [default: beside the store]."),
) -> None:
    """Serve the report's views live over the store, with uploads, re-analysis and a JSON API."""
    import uvicorn

    from ..web.app import create_app

    path = store_path(store)
    loopback = host in ("127.0.0.1", "localhost", "::1")
    if not loopback:
        err_console.print(f"[yellow]Serving on {host}: anyone who can reach this address can read and add articles.[/yellow]")
    console.print(f"storytrace at http://{host}:{port}/  (store: {path})")
    # On loopback only local Host names are answered (DNS rebinding); elsewhere the person chose the exposure.
    app_ = create_app(path, upload_dir=uploads, allowed_hosts=None if loopback else ["*"])
    uvicorn.run(app_, host=host, port=port, log_level="warning")
