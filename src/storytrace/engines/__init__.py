"""Engines schedule the pipeline's steps; they hold no analysis logic of their own."""
from __future__ import annotations

ENGINES = ("local", "spark")


def check_engine(name: str) -> str:
    """`name` if it is an engine storytrace has; else ValueError naming the accepted ones."""
    if name not in ENGINES:
        raise ValueError(f"unknown engine {name!r}: accepted values are "
                         + ", ".join(repr(e) for e in ENGINES))
    return name
