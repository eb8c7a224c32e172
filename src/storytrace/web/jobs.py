"""One background job at a time: ingest uploaded files (if any), then re-run the analysis.

Why a plain thread and not a task queue: the app serves one person on one machine, the
work is one pipeline call, and the store's WAL mode lets pages keep reading while the job
writes. The job opens its own Store (own SQLite connection).
"""
from __future__ import annotations

import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class JobState:
    state: str = "idle"            # idle | running | done | failed
    message: str = "No analysis run from this app yet."
    step: str = ""
    done: int = 0
    total: int | None = None
    started: float | None = None
    finished: float | None = None
    errors: list[dict[str, str]] = field(default_factory=list)


class AnalysisJob:
    def __init__(self, store_path: Path):
        self.store_path = Path(store_path)
        self._lock = threading.Lock()
        self._state = JobState()
        self._thread: threading.Thread | None = None

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return asdict(self._state)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self, inputs: list[str] | None = None) -> bool:
        """Start ingest (of `inputs`) + analysis; False if a job is already running."""
        with self._lock:
            if self.running:
                return False
            self._state = JobState(state="running", message="Starting…", started=time.time())
            self._thread = threading.Thread(target=self._run, args=(list(inputs or []),),
                                            name="storytrace-analysis", daemon=True)
            self._thread.start()
            return True

    def wait(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def _progress(self, description: str, total: int | None):
        with self._lock:
            self._state.step, self._state.message = description, description
            self._state.done, self._state.total = 0, total

        def advance(n: int = 1) -> None:
            with self._lock:
                self._state.done += n
        return advance

    def _set(self, **changes: Any) -> None:
        with self._lock:
            for key, value in changes.items():
                setattr(self._state, key, value)

    def _run(self, inputs: list[str]) -> None:
        from ..pipeline import analyze
        from ..store import Store

        try:
            with Store(self.store_path) as store:
                if inputs:
                    from ..ingest import ingest

                    summary = ingest(inputs, store, workers=1, progress=self._progress)
                    self._set(errors=[e.to_dict() for e in summary.errors])
                result = analyze(store, progress=self._progress)
            self._set(state="done", finished=time.time(), total=None,
                      message=f"Done: {result.articles} articles, {result.events} events, "
                              f"{result.reuse_links} reuse links, {result.translation_links} translation links.")
        except Exception as exc:  # noqa: BLE001 - a background job must report any failure, not die silently
            self._set(state="failed", finished=time.time(), message=f"Failed: {type(exc).__name__}: {exc}")
