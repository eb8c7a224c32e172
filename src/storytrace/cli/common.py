"""Shared CLI pieces: the Typer app, the --store option, console and progress bars."""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

app = typer.Typer(
    help="Follow a news story across outlets and languages.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
err_console = Console(stderr=True)

DEFAULT_STORE = Path("storytrace.db")
StoreOption = typer.Option(None, "--store", help="SQLite store file [default: ./storytrace.db].")


def store_path(store: Path | None, fallback: Path | None = None) -> Path:
    return store or fallback or DEFAULT_STORE


def open_existing(store: Path | None):
    """Open a store that must already exist; exit with a clear message otherwise."""
    from ..store import Store

    path = store_path(store)
    if not path.exists():
        err_console.print(f"[red]No store at {path}[/red]: run `storytrace ingest` or `storytrace run` first.")
        raise typer.Exit(2)
    return Store(path)


@contextmanager
def progress_bars(enabled: bool = True) -> Iterator:
    """Yield a factory `(description, total) -> advance(n)` backed by one Rich progress display."""
    if not enabled:
        yield None
        return
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=err_console, transient=False) as progress:
        def factory(description: str, total: int | None):
            task = progress.add_task(description, total=total)

            def advance(n: int = 1) -> None:
                progress.advance(task, n)
            return advance
        yield factory


def check_options(*, engine: str | None = None, inputs: list[str] | None = None, encoder: bool = False) -> None:
    """Stop (exit 2) before any work when an option names something storytrace does not
    have: the message names the accepted values."""
    problems: list[str] = []
    if engine is not None:
        from ..engines import check_engine

        try:
            check_engine(engine)
        except ValueError as exc:
            problems.append(f"--engine: {exc}")
    if encoder:
        from ..events.encoder import encoder_name

        try:
            encoder_name()
        except ValueError as exc:
            problems.append(str(exc))
    for item in inputs or ():
        from ..read import unsupported_scheme

        reason = unsupported_scheme(item)
        if reason:
            problems.append(f"{item}: {reason}")
    for problem in problems:
        err_console.print(f"[red]error:[/red] {problem}", highlight=False)
    if problems:
        raise typer.Exit(2)
