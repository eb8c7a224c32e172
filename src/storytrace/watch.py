"""`storytrace watch`: keep a store current with the files dropped into a folder.

Each round lists the folder (recursively, the article files `ingest` reads, hidden files and
`*.part` skipped), takes the files not seen before (path, size and modification time
recorded in the store's `seen_files` table) that have settled (unchanged since the previous
listing, or older than `settle` seconds, so a file still being copied in is not read half
written), ingests them, analyses the store (an increment: see `engines.local`) and, with an
output folder, writes the outputs. Files are marked seen only after their batch is analysed
and written, so a run killed at any point (even SIGKILL) picks the same files up again on
restart: ingest skips sources it already stored, and analysis redoes only unfinished stages.
A file whose size or time changes is read again (its new text is a new article).
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .store import Store

FileStamp = tuple[int, int]          # (size, mtime_ns)


@dataclass
class RoundResult:
    new_files: int = 0
    changed_files: int = 0
    stored: int = 0
    duplicates: int = 0
    failed: int = 0
    articles: int = 0
    events: int = 0
    reuse_links: int = 0
    seconds: float = 0.0
    written: list[Path] = field(default_factory=list)


def list_files(folder: Path) -> dict[str, FileStamp]:
    """Article files under `folder` (as `ingest` finds them) with their (size, mtime_ns)."""
    from .read import expand_inputs

    out: dict[str, FileStamp] = {}
    if not folder.is_dir():
        raise NotADirectoryError(f"{folder}: not a folder")
    for item in expand_inputs([str(folder)]):
        if not isinstance(item, str) or item.endswith(".part"):
            continue
        try:
            st = os.stat(item)
        except OSError:
            continue                  # removed between the listing and now
        out[item] = (st.st_size, st.st_mtime_ns)
    return out


class Watcher:
    """One folder, one store; `round()` does one pass (see the module docstring)."""

    def __init__(self, folder: Path, store: Store, *, out: Path | None = None, settle: float = 2.0,
                 report: bool = True, progress=None, log: Callable[[str], None] = lambda s: None):
        self.folder, self.store, self.out = Path(folder), store, out
        self.settle, self.report, self.progress, self.log = settle, report, progress, log
        self._previous: dict[str, FileStamp] = {}

    def pending(self) -> tuple[list[str], list[str], int]:
        """(new files, changed files, files still settling) ready to be read now."""
        listing = list_files(self.folder)
        seen = self.store.seen_files()
        now_ns = time.time_ns()
        new, changed, waiting = [], [], 0
        for path, stamp in sorted(listing.items()):
            if seen.get(path) == stamp:
                continue
            settled = (self._previous.get(path) == stamp
                       or now_ns - stamp[1] >= self.settle * 1e9)
            if not settled:
                waiting += 1
                continue
            (changed if path in seen else new).append(path)
        self._previous = listing
        return new, changed, waiting

    def round(self) -> RoundResult | None:
        """Ingest + analyse the files ready now; None when there were none."""
        from .ingest import ingest
        from .pipeline import analyze, write_outputs

        new, changed, waiting = self.pending()
        if waiting:
            self.log(f"{waiting} file(s) still being written; taken next round")
        if not new and not changed:
            return None
        start = time.perf_counter()
        result = RoundResult(new_files=len(new), changed_files=len(changed))
        self.log(f"{len(new)} new file(s)" + (f", {len(changed)} changed" if changed else ""))
        stamps = {p: os.stat(p) for p in new + changed if os.path.exists(p)}
        for paths, resume in ((new, True), (changed, False)):
            if paths:
                summary = ingest(paths, self.store, progress=self.progress, resume=resume)
                result.stored += summary.stored
                result.duplicates += summary.duplicates
                result.failed += summary.failed
                for err in summary.errors:
                    self.log(f"could not read {err.path}: {err.reason}")
        analysis = analyze(self.store, progress=self.progress)
        result.articles, result.events = analysis.articles, analysis.events
        result.reuse_links = analysis.reuse_links
        if self.out is not None:
            result.written = write_outputs(self.store, self.out, report=self.report)
        self.store.mark_seen((p, st.st_size, st.st_mtime_ns) for p, st in stamps.items())
        result.seconds = time.perf_counter() - start
        return result


class Stop:
    """Set by SIGTERM / Ctrl-C: the loop ends at the next safe point (or at once when idle)."""

    def __init__(self) -> None:
        self.requested = False

    def wait(self, seconds: float) -> bool:
        """Sleep up to `seconds`, waking early when a stop is requested; True if requested."""
        end = time.monotonic() + seconds
        while not self.requested and time.monotonic() < end:
            time.sleep(min(0.2, max(0.0, end - time.monotonic())))
        return self.requested
