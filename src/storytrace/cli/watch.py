"""`storytrace watch FOLDER`: ingest and analyse files as they are dropped into a folder."""
from __future__ import annotations

import signal
import time
from pathlib import Path
from typing import Optional

import typer

from .common import StoreOption, app, check_options, console, err_console, progress_bars, store_path


@app.command()
def watch(
    folder: Path = typer.Argument(..., help="Folder to watch (read recursively)."),
    store: Optional[Path] = StoreOption,
    out: Optional[Path] = typer.Option(None, "--out", help="Also write the outputs here after each batch."),
    interval: float = typer.Option(10.0, "--interval", min=0.1, help="Seconds between looks at the folder."),
    settle: float = typer.Option(2.0, "--settle", min=0.0,
                                 help="A file changed less than this many seconds ago waits for the next look."),
    once: bool = typer.Option(False, "--once", help="Take what is there now, then exit (for cron)."),
    no_report: bool = typer.Option(False, "--no-report", help="With --out: skip report.html."),
    progress: bool = typer.Option(True, "--progress/--no-progress"),
) -> None:
    """Pick up files dropped into FOLDER: each new batch is ingested, analysed (only what it
    adds) and, with --out, written out. Files already taken are remembered in the store, so a
    restart (even after a crash) skips them and resumes an unfinished batch. Ctrl-C or SIGTERM
    stops it; a batch cut short is taken again on the next start."""
    from ..store import Store
    from ..watch import Stop, Watcher

    check_options(encoder=True)
    if not folder.is_dir():
        err_console.print(f"[red]{folder}[/red]: not a folder")
        raise typer.Exit(2)
    stop = Stop()
    busy = [False]

    def on_signal(signum, frame) -> None:
        stop.requested = True
        if busy[0]:
            raise KeyboardInterrupt      # leave the batch; it is taken again on restart

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    path = store_path(store)
    rounds = 0
    try:
        with Store(path) as st:
            watcher = Watcher(folder, st, out=out, settle=0.0 if once else settle, report=not no_report,
                              log=lambda s: console.print(f"[dim]{time.strftime('%H:%M:%S')}[/dim] {s}"))
            console.print(f"Watching {folder} into {path} (every {interval:g} s; Ctrl-C stops)"
                          if not once else f"Taking new files in {folder} into {path}")
            while not stop.requested:
                busy[0] = True
                with progress_bars(progress) as bars:
                    watcher.progress = bars
                    result = watcher.round()
                busy[0] = False
                if result is not None:
                    rounds += 1
                    console.print(
                        f"[green]batch {rounds}[/green]: {result.stored} stored, {result.duplicates} duplicate(s)"
                        + (f", [red]{result.failed} failed[/red]" if result.failed else "")
                        + f" in {result.seconds:.1f} s; store: {result.articles} articles, "
                          f"{result.events} events, {result.reuse_links} reuse links")
                if once or stop.wait(interval):
                    break
    except KeyboardInterrupt:
        console.print("[yellow]stopped during a batch[/yellow]: its files are taken again on the next start")
        return
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if stop.requested:
        console.print("stopped")
