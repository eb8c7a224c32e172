"""Run the real `storytrace` CLI in a child process and measure what it cost.

Why a child process: a crash, a runaway allocation or a SIGKILL must hit the tool, not the
test runner, and the child's peak RSS (from `os.wait4`) is the memory figure we bound.
"""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

CLI = [sys.executable, "-c", "import sys; from storytrace.cli import main; sys.argv[0] = 'storytrace'; main()"]

# Linux carries a process's peak RSS across fork+exec, so a CLI started straight from a big
# test runner would report the runner's own peak. A small launcher forks the CLI instead and
# writes the CLI's peak (its workers included) to a file.
_LAUNCHER = """
import os, signal, sys
rss_path, argv = sys.argv[1], sys.argv[2:]
pid = os.fork()
if pid == 0:
    os.execv(argv[0], argv)
_, status, usage = os.wait4(pid, 0)
with open(rss_path, "w") as fh:
    fh.write(str(usage.ru_maxrss))
code = os.waitstatus_to_exitcode(status)
if code < 0:
    signal.signal(-code, signal.SIG_DFL)
    os.kill(os.getpid(), -code)
sys.exit(code)
"""


@dataclass
class Finished:
    returncode: int          # negative: killed by that signal
    peak_rss_mb: float       # max RSS of the child (and any children it waited for)
    seconds: float
    stdout: str
    stderr: str


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("PYTHONHASHSEED", "0")
    env["COLUMNS"] = "200"
    env["NO_COLOR"] = "1"
    return env


def start_cli(args: list[str], log_dir: Path, cwd: Path | None = None) -> tuple[subprocess.Popen, Path, Path]:
    log_dir.mkdir(parents=True, exist_ok=True)
    out_path, err_path = log_dir / "stdout.txt", log_dir / "stderr.txt"
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        proc = subprocess.Popen([sys.executable, "-c", _LAUNCHER, str(log_dir / "peak_rss_kb"), *CLI, *args],
                                stdout=out, stderr=err, cwd=cwd, env=_env(), start_new_session=True)
    return proc, out_path, err_path


def wait_cli(proc: subprocess.Popen, out_path: Path, err_path: Path, started: float,
             timeout: float = 600, kill_after: float | None = None) -> Finished:
    """Wait (polling, so a hang becomes a timeout, not a stuck test) and collect rusage.

    With `kill_after`, SIGKILL the child's process group that many seconds after start.
    """
    deadline = started + (kill_after if kill_after is not None else timeout)
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() > deadline:
            os.killpg(proc.pid, signal.SIGKILL)
            pid, status, usage = os.wait4(proc.pid, 0)
            break
        time.sleep(0.005)
    proc.returncode = os.waitstatus_to_exitcode(status)
    rss_file = out_path.parent / "peak_rss_kb"
    peak_kb = float(rss_file.read_text()) if rss_file.exists() else usage.ru_maxrss
    rss_file.unlink(missing_ok=True)
    return Finished(proc.returncode, peak_kb / 1024, time.monotonic() - started,
                    out_path.read_text(errors="replace"), err_path.read_text(errors="replace"))


def run_cli(args: list[str], log_dir: Path, *, timeout: float = 600, cwd: Path | None = None,
            kill_after: float | None = None) -> Finished:
    started = time.monotonic()
    proc, out_path, err_path = start_cli(args, log_dir, cwd)
    return wait_cli(proc, out_path, err_path, started, timeout, kill_after)


def kill_points(seed: int, count: int, windows: list[tuple[float, float]]) -> list[float]:
    """`count` seeded kill delays, spread round-robin over the given (start, end) windows."""
    rng = random.Random(seed)
    return [rng.uniform(*windows[i % len(windows)]) for i in range(count)]


# -- process trees: what a killed run leaves behind ------------------------------------------
def _stat(pid: int) -> tuple[str, int, int] | None:
    """(state, ppid, pgid) of a live process, None once it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw[raw.rindex(")") + 2:].split()
    return fields[0], int(fields[1]), int(fields[2])


def _all_pids() -> list[int]:
    return [int(name) for name in os.listdir("/proc") if name.isdigit()]


def group_members(pgid: int) -> list[int]:
    """Processes (zombies excepted: they have ended) whose process group is `pgid`."""
    found = []
    for pid in _all_pids():
        st = _stat(pid)
        if st and st[2] == pgid and st[0] not in ("Z", "X"):
            found.append(pid)
    return found


def descendants(pid: int) -> list[int]:
    """Live (non-zombie) descendants of `pid`, by walking parent links in /proc."""
    parents = {}
    for p in _all_pids():
        st = _stat(p)
        if st and st[0] not in ("Z", "X"):
            parents[p] = st[1]
    found, frontier = [], {pid}
    while frontier:
        nxt = {p for p, pp in parents.items() if pp in frontier}
        found += sorted(nxt)
        frontier = nxt
    return found


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def wait_until(predicate, timeout: float, interval: float = 0.05):
    """Poll `predicate()` until it returns something true (returned) or `timeout` passes (None)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return None


def start_cli_group(args: list[str], log_dir: Path, cwd: Path | None = None,
                    env: dict[str, str] | None = None) -> subprocess.Popen:
    """The CLI as the leader of a new process group (its pid is the group id), no launcher."""
    log_dir.mkdir(parents=True, exist_ok=True)
    with open(log_dir / "stdout.txt", "wb") as out, open(log_dir / "stderr.txt", "wb") as err:
        return subprocess.Popen([*CLI, *args], stdout=out, stderr=err, cwd=cwd,
                                env={**_env(), **(env or {})}, start_new_session=True)


def kill_leader_and_wait_group(proc: subprocess.Popen, timeout: float = 5.0) -> list[int]:
    """SIGKILL only the group leader (never the group), reap it, and wait up to `timeout`
    seconds for the rest of its process group to end. Returns what is still alive (and
    then kills it, so a failing test leaves nothing behind)."""
    proc.kill()
    proc.wait()
    left = wait_until(lambda: not group_members(proc.pid), timeout)
    remaining = [] if left else group_members(proc.pid)
    if remaining:
        described = [f"{pid}: {cmdline(pid)[:200]}" for pid in remaining]
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        return described
    return []
