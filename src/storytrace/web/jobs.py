"""One background job at a time: ingest uploaded files (if any), then re-run the analysis.

The job runs in a process of its own (`python -m storytrace.web.jobs`), not in a thread of
the server: the analysis is CPU-bound Python, and in a thread it held the interpreter lock
that page views need (issue 17). In its own process, at a lower CPU priority, it cannot
stall a page, and a crash or a kill of the job leaves the server answering. The app keeps
one watcher thread per job; it starts the process, reads its progress (JSON lines on a pipe
of their own), and records how it ended: "done", or "failed" with the error, including a
kill ("the analysis process was killed by SIGKILL"); a failed job can simply be started again.

Lifetimes: the job process dies with the server (`workers.die_with_parent`: PR_SET_PDEATHSIG,
set by the job itself first thing, tied to the watcher thread that outlives it), and its own
pool workers die with it. At most one analysis runs per store: the job takes the store's
analysis lease (`store.acquire_lease`), so the app, the CLI and Spark runs exclude each other:
`start` says no while this app's job runs, and a job that finds another process analysing the
store reads its inputs, reports that it waits (and for whom), and analyses after it.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

JOB_NICENESS = 10          # the job yields the CPU to page views
_THROTTLE_SECONDS = 0.1    # progress counts are sent at most this often


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
    pid: int | None = None         # the job's process while it runs
    error: str = ""                # why the last job failed ("" unless state == "failed")


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


class AnalysisJob:
    def __init__(self, store_path: Path):
        self.store_path = Path(store_path)
        self._lock = threading.Lock()
        self._state = JobState()
        self._thread: threading.Thread | None = None
        self._proc: subprocess.Popen | None = None
        self.refused: str = ""     # why the last `start` said no

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return asdict(self._state)

    @property
    def state(self) -> str:
        """idle | running | done | failed (cheaper than `snapshot()` for a cache key)."""
        return self._state.state

    @property
    def running(self) -> bool:
        """An analysis is under way: its state says so (its process may still be exiting after
        reporting the end; that one holds no lease any more and is not waited for)."""
        return self._state.state == "running" and self._thread is not None and self._thread.is_alive()

    def start(self, inputs: list[str] | None = None) -> bool:
        """Start ingest (of `inputs`) + analysis in a new process; False (and `refused` says
        why) while this app's job is still running. When another process (a CLI `analyze`, a
        Spark run) holds the store's lease, the job reads the inputs, says it is waiting, and
        analyses once the lease is free: nothing added is lost."""
        with self._lock:
            if self.running:
                self.refused = "an analysis started from this app is still running"
                return False
            self.refused = ""
            self._state = JobState(state="running", message="Starting…", started=time.time())
            self._thread = threading.Thread(target=self._watch, args=(self._state, list(inputs or [])),
                                            name="storytrace-analysis-watch", daemon=True)
            self._thread.start()
            return True

    def wait(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def stop(self, timeout: float = 10.0) -> None:
        """End a running job (SIGTERM, then SIGKILL); it is then reported as failed."""
        proc = self._proc
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
        self.wait(timeout)

    def _set(self, st: JobState, **changes: Any) -> None:
        with self._lock:
            for key, value in changes.items():
                setattr(st, key, value)

    def _apply(self, st: JobState, message: dict[str, Any]) -> None:
        """Apply one progress message to the state of the job that sent it (each job updates
        only its own `JobState`, so a finished job's watcher never touches a newer job's)."""
        kind = message.get("kind")
        with self._lock:
            if kind == "step":
                st.step = st.message = message["description"]
                st.done, st.total = 0, message.get("total")
            elif kind == "advance":
                st.done += int(message["n"])
            elif kind == "message":
                st.message = message["message"]
            elif kind == "errors":
                st.errors = message["errors"]
            elif kind == "done":
                st.state, st.message, st.total, st.finished = "done", message["message"], None, time.time()
            elif kind == "failed":
                st.state, st.error, st.finished = "failed", message["error"], time.time()
                st.message = f"Failed: {message['error']}"

    def _watch(self, st: JobState, inputs: list[str]) -> None:
        """Start the job process from this thread (its PR_SET_PDEATHSIG is tied to it), follow
        its progress, and record how it ended."""
        read_fd, write_fd = os.pipe()
        stderr = tempfile.TemporaryFile()
        try:
            cmd = [sys.executable, "-m", "storytrace.web.jobs", str(self.store_path), str(write_fd),
                   str(os.getpid()), json.dumps(inputs)]
            proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                    stderr=stderr, pass_fds=(write_fd,), close_fds=True)
        except OSError as exc:
            os.close(read_fd)
            os.close(write_fd)
            stderr.close()
            self._set(st, state="failed", finished=time.time(), error=f"could not start the analysis: {exc}",
                      message=f"Failed: could not start the analysis: {exc}")
            return
        os.close(write_fd)
        self._proc = proc
        self._set(st, pid=proc.pid)
        with os.fdopen(read_fd, "r", encoding="utf-8") as pipe:
            for line in pipe:                    # ends when the job process exits, however it ends
                try:
                    self._apply(st, json.loads(line))
                except (ValueError, KeyError, TypeError):
                    continue
        code = proc.wait()
        stderr.seek(0)
        tail = stderr.read()[-4000:].decode("utf-8", errors="replace").strip()
        stderr.close()
        with self._lock:
            st.finished, st.pid = st.finished or time.time(), None
            if st.state == "running":            # ended without saying how: killed or crashed
                if code < 0:
                    st.error = f"the analysis process was killed by {_signal_name(-code)}"
                else:
                    last = tail.splitlines()[-1] if tail else ""
                    st.error = f"the analysis process exited with status {code}" + (f": {last}" if last else "")
                st.state, st.message = "failed", f"Failed: {st.error}"
        if self._proc is proc:
            self._proc = None


# -- the job process --------------------------------------------------------------------------
class _Reporter:
    """Progress for the pipeline (`ProgressFactory`), sent as JSON lines on the job's pipe."""

    def __init__(self, fd: int):
        self._out = os.fdopen(fd, "w", encoding="utf-8", buffering=1)
        self._lock = threading.Lock()
        self._pending = 0
        self._last = 0.0

    def send(self, **message: Any) -> None:
        with self._lock:
            self._flush_pending()
            self._write(message)

    def _write(self, message: dict[str, Any]) -> None:
        try:
            self._out.write(json.dumps(message, ensure_ascii=False) + "\n")
        except (BrokenPipeError, OSError):
            os._exit(1)          # the app is gone: nobody wants the result

    def _flush_pending(self) -> None:
        if self._pending:
            self._write({"kind": "advance", "n": self._pending})
            self._pending = 0
        self._last = time.monotonic()

    def __call__(self, description: str, total: int | None):
        self.send(kind="step", description=description, total=total)

        def advance(n: int = 1) -> None:
            with self._lock:
                self._pending += n
                if time.monotonic() - self._last >= _THROTTLE_SECONDS:
                    self._flush_pending()
        return advance

    def close(self) -> None:
        with self._lock:
            self._flush_pending()
        self._out.close()


def run_job(store_path: str, report: _Reporter, inputs: list[str]) -> None:
    from ..pipeline import analyze
    from ..store import Store, describe_holder

    with Store(store_path) as store:
        if inputs:
            from ..ingest import ingest

            summary = ingest(inputs, store, workers=1, progress=report)
            report.send(kind="errors", errors=[e.to_dict() for e in summary.errors])
        result = analyze(store, progress=report, wait=None,
                         on_wait=lambda h: report.send(kind="message",
                                                       message=f"Waiting: another {describe_holder(h)} "
                                                               f"holds this store"))
    report.send(kind="done", message=f"Done: {result.articles} articles, {result.events} events, "
                                      f"{result.reuse_links} reuse links, {result.translation_links} "
                                      f"translation links.")


def main(argv: list[str]) -> int:
    store_path, fd, parent, inputs = argv[0], int(argv[1]), int(argv[2]), json.loads(argv[3])
    from ..workers import die_with_parent

    die_with_parent(parent)
    try:
        os.nice(JOB_NICENESS)
    except OSError:
        pass
    report = _Reporter(fd)
    try:
        run_job(store_path, report, inputs)
    except Exception as exc:  # noqa: BLE001 - the app shows any failure, with its error
        report.send(kind="failed", error=f"{type(exc).__name__}: {exc}")
        report.close()
        return 1
    report.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
