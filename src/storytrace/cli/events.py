"""`storytrace events` (newest first) and `storytrace event ID` (members and why each joined)."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from .common import StoreOption, app, console, err_console, open_existing


def _day(value: str | None) -> str:
    return (value or "")[:10]


@app.command("events")
def list_events(
    store: Optional[Path] = StoreOption,
    limit: int = typer.Option(0, "--limit", help="Show at most this many (0 = all)."),
) -> None:
    """List events, newest first: id, title, dates, languages, outlets, size."""
    with open_existing(store) as st:
        events = st.events()
    events.sort(key=lambda e: (e.end or e.start or "", e.id), reverse=True)
    if limit:
        events = events[:limit]
    table = Table(title=f"{len(events)} events")
    table.add_column("id", no_wrap=True)
    table.add_column("title", overflow="fold", ratio=3)
    table.add_column("start", no_wrap=True)
    table.add_column("end", no_wrap=True)
    table.add_column("languages", overflow="fold")
    table.add_column("outlets", overflow="fold", ratio=1)
    table.add_column("size", justify="right")
    for ev in events:
        table.add_row(ev.id, ev.title, _day(ev.start), _day(ev.end), ", ".join(ev.languages),
                      ", ".join(ev.outlets), str(len(ev.articles)))
    console.print(table)


@app.command("event")
def show_event(
    event_id: str = typer.Argument(..., help="Event id (or a unique prefix)."),
    store: Optional[Path] = StoreOption,
) -> None:
    """Show one event: members by time, language, outlet, and why each was attached."""
    with open_existing(store) as st:
        event = st.get_event(event_id)
        if event is None:
            matches = [e for e in st.events() if e.id.startswith(event_id)]
            event = matches[0] if len(matches) == 1 else None
        if event is None:
            err_console.print(f"[red]No event {event_id}[/red] (see `storytrace events`).")
            raise typer.Exit(2)
        members = [a for a in (st.get_article(i) for i in event.articles) if a is not None]
    console.print(f"[bold]{event.title}[/bold]  ({event.id})", highlight=False)
    console.print(f"{_day(event.start)} … {_day(event.end)}; happened: {event.event_date or 'unknown'}; "
                  f"confidence {event.confidence:.2f}", highlight=False)
    if event.entities:
        console.print("entities: " + ", ".join(e.get("name", "") for e in event.entities[:15]),
                      highlight=False)
    for line in event.summary:
        console.print(f"  • {line.get('text', '')} [dim]({line.get('article', '')})[/dim]", highlight=False)
    members.sort(key=lambda a: (a.published or "", a.language or "", a.outlet or "", a.id))
    table = Table(title=f"{len(members)} articles")
    for col in ("published", "language", "outlet", "id", "title", "why attached"):
        table.add_column(col, overflow="fold")
    for art in members:
        published = (art.published or "") + (" (year inferred)" if art.published_inferred else "")
        table.add_row(published, art.language or "", art.outlet or "", art.id, art.title,
                      event.reasons.get(art.id, ""))
    console.print(table)


@app.command("train-events")
def train_events(
    gold: list[Path] = typer.Argument(..., help="Gold files: one JSON object per article, {\"file\", \"event\"}; files beside it or in its posts/ folder."),
    out: Path = typer.Option(..., "--out", help="Weights file to write (use it with STORYTRACE_EVENT_WEIGHTS=FILE)."),
    cache: Optional[Path] = typer.Option(None, "--cache", help="Store whose vector cache is used and filled (default: a temporary one)."),
    c: float = typer.Option(1.0, "--C", help="Inverse L2 strength of the logistic regressions."),
) -> None:
    """Learn how cross-language evidence combines, from labelled days (see events/training.py)."""
    import json
    import tempfile

    from ..events.training import train
    from ..store import Store

    missing = [str(p) for p in gold if not p.is_file()]
    if missing:
        err_console.print(f"[red]not a file:[/red] {', '.join(missing)}")
        raise typer.Exit(2)
    with tempfile.TemporaryDirectory() as tmp, Store(cache or Path(tmp) / "vectors.db") as store:
        weights = train(gold, store=store, c=c, progress=lambda p: console.print(f"read {p}"))
    out.write_text(json.dumps(weights, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    pairs = weights["pairs"]
    console.print(f"wrote {out}: {pairs['cross']} cross-language pairs ({pairs['cross_same']} same event), "
                  f"{pairs['within']} within-language pairs; use it with STORYTRACE_EVENT_WEIGHTS={out}")
