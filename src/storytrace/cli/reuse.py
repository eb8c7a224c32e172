"""`storytrace reuse` (table of reuse links) and `storytrace compare A B` (side by side)."""
from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table
from rich.text import Text

from .common import StoreOption, app, console, err_console, open_existing


def _longest(link, substantive_only: bool = True) -> int:
    lengths = [p.a_end - p.a_start for p in link.passages if not (substantive_only and p.formula)]
    return max(lengths, default=0)


def _label(store, article_id: str) -> Text:
    """Id, outlet and title as plain Text (titles are untrusted: never parsed as markup)."""
    art = store.get_article(article_id)
    if art is None:
        return Text(article_id)
    outlet = f" {art.outlet}" if art.outlet else ""
    return Text(f"{article_id}{outlet}\n{art.title[:28]}")


@app.command("reuse")
def reuse_table(
    article: str | None = typer.Option(None, "--article", help="Only links of this article (id or unique prefix)."),
    min_chars: int = typer.Option(0, "--min-chars", help="Only links whose longest passage has at least N characters."),
    show_formula: bool = typer.Option(False, "--formula", help="Also list links made only of stock phrases."),
    store: Path | None = StoreOption,
) -> None:
    """List reused passages between articles: pair, kind, coverage, direction, longest passage."""
    with open_existing(store) as st:
        article_id = None
        if article:
            found = st.get_article(article)
            if found is None:
                err_console.print(f"[red]No article {article!r} in the store.[/red]")
                raise typer.Exit(2)
            article_id = found.id
        links = [l for l in st.reuse_links(article=article_id)
                 if (show_formula or l.kind != "formula") and _longest(l, l.kind != "formula") >= min_chars]
        table = Table(title=f"Reuse ({len(links)} links)", show_lines=True)
        for col in ("a", "b", "kind", "a cov", "b cov", "direction", "longest", "passages"):
            table.add_column(col, justify="right" if col in ("a cov", "b cov", "longest", "passages") else "left")
        for link in links:
            direction = link.direction + (f" ({link.common_source})" if link.common_source else "")
            table.add_row(_label(st, link.a), _label(st, link.b), link.kind, f"{link.a_coverage:.0%}",
                          f"{link.b_coverage:.0%}", Text(f"{direction}\n{link.direction_evidence}"),
                          str(_longest(link, link.kind != "formula")), str(len(link.passages)))
        console.print(table)


def _highlight(text: str, spans: list[tuple[int, int, bool]]) -> Text:
    out = Text(text)
    for start, end, formula in spans:
        out.stylize("dim underline" if formula else "bold black on yellow", start, end)
    return out


@app.command("compare")
def compare(
    a: str = typer.Argument(..., help="First article id (or unique prefix)."),
    b: str = typer.Argument(..., help="Second article id (or unique prefix)."),
    store: Path | None = StoreOption,
) -> None:
    """Show two articles side by side with shared passages highlighted, then what only each has."""
    from ..reuse import ReuseSettings, detect_reuse
    from ..reuse.classify import uncovered

    with open_existing(store) as st:
        art_a, art_b = st.get_article(a), st.get_article(b)
        missing = [x for x, art in ((a, art_a), (b, art_b)) if art is None]
        if missing:
            err_console.print(f"[red]No article {', '.join(missing)} in the store.[/red]")
            raise typer.Exit(2)
        first, second = sorted((art_a, art_b), key=lambda art: art.id)
        links = [l for l in st.reuse_links(article=first.id) if l.b == second.id and l.kind != "translation"]
    if not links:
        links = detect_reuse([first, second], settings=ReuseSettings(workers=1))
    passages = links[0].passages if links else []
    left = [(p.a_start, p.a_end, p.formula) for p in passages]
    right = [(p.b_start, p.b_end, p.formula) for p in passages]
    if (art_a.id, art_b.id) != (first.id, second.id):
        left, right = right, left
    heading = (f"{links[0].kind}: {links[0].direction}"
               + (f" ({links[0].common_source})" if links[0].common_source else "")) if links else "no shared passages"
    table = Table(title=heading, show_lines=False, expand=True)
    table.add_column(Text(f"A {art_a.id} {art_a.outlet or ''}\n{art_a.title}"), ratio=1, overflow="fold")
    table.add_column(Text(f"B {art_b.id} {art_b.outlet or ''}\n{art_b.title}"), ratio=1, overflow="fold")
    table.add_row(_highlight(art_a.text, left), _highlight(art_b.text, right))
    console.print(table)
    for name, art, spans in (("A", art_a, left), ("B", art_b, right)):
        real = [(s, e) for s, e, formula in spans if not formula]
        gaps = uncovered(art.text, real, min_chars=8)
        console.print(f"[bold]Only in {name}[/bold] ({len(gaps)} stretches):")
        for start, end in gaps:
            snippet = " ".join(art.text[start:end].split())
            console.print(Text(f"  [{start}:{end}] {snippet[:160]}{'…' if len(snippet) > 160 else ''}"))
