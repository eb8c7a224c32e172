"""Every worker storytrace starts dies with its parent, SIGKILL included (issue 17).

A small parent program builds a pool the way storytrace does (`workers.pool_context`,
`process_map`), its workers block, and the test SIGKILLs only the parent: within 5 s no
process of its group may remain. The fallback for systems without prctl (a thread that
polls the parent) is checked the same way.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "robustness"))
from procs import descendants, group_members, wait_until  # noqa: E402

from storytrace.workers import die_with_parent, pool_context  # noqa: E402

PARENT = textwrap.dedent("""
    import sys, time
    import storytrace.workers as w
    method = sys.argv[1]
    if sys.argv[2] == "poll":
        w._prctl_pdeathsig = lambda sig: False       # as on a system without prctl
    def block(_):
        time.sleep(120)
    if method == "map":
        list(w.process_map(block, range(4), 2))
    else:
        from concurrent.futures import ProcessPoolExecutor
        with ProcessPoolExecutor(2, mp_context=w.pool_context(method)) as pool:
            list(pool.map(block, range(4)))
""")


def _parent(method: str, means: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", PARENT, method, means], start_new_session=True)


@pytest.mark.parametrize("method,means", [("map", "pdeathsig"), ("fork", "pdeathsig"),
                                          ("spawn", "pdeathsig"), ("fork", "poll")])
def test_pool_workers_die_when_the_parent_is_sigkilled(method, means):
    proc = _parent(method, means)
    try:
        workers = wait_until(lambda: [p for p in descendants(proc.pid)] if len(descendants(proc.pid)) >= 2 else None,
                             timeout=60)
        assert workers, "the pool never started its workers"
        time.sleep(0.5)                       # let the workers reach their blocking task
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        gone = wait_until(lambda: not group_members(proc.pid), timeout=5)
        assert gone, f"still alive 5 s after the parent's SIGKILL: {group_members(proc.pid)}"
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def test_a_child_whose_parent_already_died_ends_at_once():
    # die_with_parent is given a parent pid that is not ours: the parent "died" before the call.
    code = ("import os, storytrace.workers as w; w.die_with_parent(os.getppid() + 1 if os.getppid() != 1 "
            "else 2); print('survived')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 1 and "survived" not in out.stdout


def test_the_pool_context_is_the_platform_default_with_bound_processes():
    ctx = pool_context()
    assert ctx.get_start_method() in ("fork", "spawn")
    assert ctx.Process.__name__.startswith("Bound")
    with pytest.raises(ValueError, match="start method"):
        pool_context("forkserver-ish")
    assert die_with_parent.__doc__ and "SIGKILL" in die_with_parent.__doc__
