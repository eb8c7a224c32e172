"""The `storytrace` command. It only parses arguments and calls the library.

Each command family lives in its own module and registers itself on `app`.
"""
from __future__ import annotations

from .common import app

# Importing registers the commands on `app`.
from . import run as _run  # noqa: F401,E402
from . import ingest as _ingest  # noqa: F401,E402
from . import reuse as _reuse  # noqa: F401,E402
from . import events as _events  # noqa: F401,E402
from . import present as _present  # noqa: F401,E402
from . import watch as _watch  # noqa: F401,E402


def main() -> None:
    app()


__all__ = ["app", "main"]
