"""How many processes the local engine's pools use: one setting for every step.

Ingest (normalizing), reuse (alignment), event signals and the encoder each run a process
pool on one machine; they all take their size from here, so `STORYTRACE_WORKERS=N` (or the
CLI's `--workers`) sets it once. The default is the cores this process may run on
(`sched_getaffinity`, which respects container and `taskset` limits, unlike `cpu_count`),
at most 8: past that the serial steps between pools dominate and each worker costs memory.
"""
from __future__ import annotations

import multiprocessing
import os
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


class NoProcesses(RuntimeError):
    """Worker processes cannot run here (sandbox, frozen app, a worker killed): callers do
    the remaining work in-process."""


def pool_context():
    """`fork` where the platform offers it: workers start in milliseconds and inherit what
    this process already loaded (parsers, tagger, encoder, the data passed to `initializer`)
    without pickling; `spawn` elsewhere."""
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


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
