"""How many processes the local engine's pools use: one setting for every step.

Ingest (normalizing), reuse (alignment), event signals and the encoder each run a process
pool on one machine; they all take their size from here, so `STORYTRACE_WORKERS=N` (or the
CLI's `--workers`) sets it once. The default is the cores this process may run on
(`sched_getaffinity`, which respects container and `taskset` limits, unlike `cpu_count`),
at most 8: past that the serial steps between pools dominate and each worker costs memory.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import multiprocessing
import multiprocessing.context
import os
import signal
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Callable, Iterator, Sequence

MAX_DEFAULT_WORKERS = 8


def available_cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):     # not Linux
        return max(1, os.cpu_count() or 1)


def default_workers() -> int:
    """STORYTRACE_WORKERS when set (1 = everything in-process), else the usable cores, at most 8."""
    value = os.environ.get("STORYTRACE_WORKERS", "").strip()
    if value:
        try:
            return max(1, int(value))
        except ValueError:
            raise ValueError(f"STORYTRACE_WORKERS must be a whole number, not {value!r}") from None
    return min(MAX_DEFAULT_WORKERS, available_cores())


def sampled_head(items: Sequence, work: Callable, sample: int, min_seconds: float) -> tuple[list, bool]:
    """`work` on the first `sample` items, here, and whether the rest is worth a process
    pool: their cost estimated from the sample's is at least `min_seconds`.

    Why measure rather than count: a pool's start-up (fork, results pickled back) is fixed
    while the work per item varies tenfold between steps and machines; a hundred files of an
    hourly increment cost less here than the pool that would share them, a full run does not."""
    start = time.perf_counter()
    head = [work(item) for item in items[:sample]]
    per_item = (time.perf_counter() - start) / max(1, len(head))
    return head, (len(items) - len(head)) * per_item >= min_seconds


class NoProcesses(RuntimeError):
    """Worker processes cannot run here (sandbox, frozen app, a worker killed): callers do
    the remaining work in-process."""


# -- every process storytrace starts dies with its parent ----------------------------------
PR_SET_PDEATHSIG = 1
_PARENT_POLL_SECONDS = 0.5


_libc = None


def _load_libc():
    """libc, loaded once (and before any fork: `preexec_pdeathsig` must not dlopen in a child)."""
    global _libc
    if _libc is None and sys.platform.startswith("linux"):
        try:
            _libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        except OSError:
            _libc = False
    return _libc or None


def _prctl_pdeathsig(sig: int) -> bool:
    """Ask Linux to send `sig` to this process when the thread that started it exits."""
    libc = _load_libc()
    if libc is None:
        return False
    try:
        return libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0) == 0
    except AttributeError:
        return False


def preexec_pdeathsig(sig: int = signal.SIGKILL, then: Callable[[], None] | None = None) -> Callable[[], None]:
    """A `preexec_fn` for `subprocess.Popen` that makes a program we do not control (Spark's JVM)
    die with the thread that starts it: PR_SET_PDEATHSIG survives `exec`. Only a prctl call
    runs in the child (libc is loaded here, before the fork)."""
    _load_libc()

    def preexec() -> None:
        if then is not None:
            then()
        _prctl_pdeathsig(sig)
    return preexec


def _watch_parent(parent_pid: int) -> None:
    while True:
        time.sleep(_PARENT_POLL_SECONDS)
        if os.getppid() != parent_pid:
            os._exit(1)


def die_with_parent(parent_pid: int | None = None, sig: int = signal.SIGKILL) -> str:
    """Make this (child) process end when its parent ends, however the parent ends.

    On Linux, `PR_SET_PDEATHSIG` has the kernel send `sig` (SIGKILL by default: a worker has
    nothing to save, and a worker blocked in C code ignores anything gentler) the moment the
    parent is gone, SIGKILL of the parent included. Elsewhere a daemon thread checks twice a
    second that the parent is still alive. Either way, a parent that died before this call
    (the race between fork and prctl) ends this process at once. Returns the means used:
    "pdeathsig" or "poll".

    Linux delivers the signal when the parent *thread* that started the child exits, so
    storytrace starts its children from threads that outlive them (the main thread, or the
    web job's own watcher thread).
    """
    if parent_pid is None:
        parent_pid = os.getppid()
    means = "pdeathsig" if _prctl_pdeathsig(sig) else "poll"
    if os.getppid() != parent_pid:
        os._exit(1)
    if means == "poll":
        threading.Thread(target=_watch_parent, args=(parent_pid,), name="storytrace-parent-watch",
                         daemon=True).start()
    return means


def _bound_process(base: type) -> type:
    class Process(base):
        """A multiprocessing process that dies with the process that started it."""

        def run(self):
            die_with_parent(self._parent_pid)
            return super().run()

    Process.__name__ = Process.__qualname__ = "Bound" + base.__name__
    return Process


BoundForkProcess = _bound_process(multiprocessing.context.ForkProcess)
BoundSpawnProcess = _bound_process(multiprocessing.context.SpawnProcess)


class BoundForkContext(multiprocessing.context.ForkContext):
    Process = BoundForkProcess


class BoundSpawnContext(multiprocessing.context.SpawnContext):
    Process = BoundSpawnProcess


def pool_context(method: str | None = None):
    """`fork` where the platform offers it: workers start in milliseconds and inherit what
    this process already loaded (parsers, tagger, encoder, the data passed to `initializer`)
    without pickling; `spawn` elsewhere (or when asked for).

    Either way the context's processes die with their parent (`die_with_parent`), so every
    pool built on it (ingest, reuse alignment, event signals, the encoder) leaves no orphan
    behind when storytrace is killed, even by SIGKILL.
    """
    if method is None:
        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    if method == "fork":
        return BoundForkContext()
    if method == "spawn":
        return BoundSpawnContext()
    raise ValueError(f"unknown start method {method!r}: use 'fork' or 'spawn'")


def process_map(task: Callable, items: Sequence, workers: int, *, initializer: Callable | None = None,
                initargs: tuple = ()) -> Iterator:
    """`task(item)` for each item, in order, computed in `workers` processes.

    The one pool pattern of the local engine's steps (reuse alignment, event signals, the
    encoder); raises `NoProcesses` if the pool cannot start or breaks, after the results
    already yielded.
    """
    try:
        with ProcessPoolExecutor(workers, mp_context=pool_context(), initializer=initializer,
                                 initargs=initargs) as pool:
            yield from pool.map(task, items)
    except (OSError, BrokenProcessPool) as exc:
        raise NoProcesses(str(exc) or type(exc).__name__) from exc
