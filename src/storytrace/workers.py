"""How many processes the local engine's pools use: one setting for every step.

Ingest (normalizing), reuse (alignment), event signals and the encoder each run a process
pool on one machine; they all take their size from here, so `STORYTRACE_WORKERS=N` (or the
CLI's `--workers`) sets it once. The default is the cores this process may run on
(`sched_getaffinity`, which respects container and `taskset` limits, unlike `cpu_count`),
at most 8: past that the serial steps between pools dominate and each worker costs memory.
"""
from __future__ import annotations

import os

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
