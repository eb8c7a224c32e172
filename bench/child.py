"""Run a bench script's measurement in a fresh child process and read its JSON result.

Why a child: peak memory (ru_maxrss) and imports are per process, and `src` lets the same
measurement run another checkout's storytrace (e.g. the code before a change)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def child_json(script: str | Path, args: list[str], src: Path | None = None) -> dict:
    """The last JSON line the child `python script args...` prints; exits with its stderr if it fails."""
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    if src is not None:
        env["PYTHONPATH"] = str(src)
    proc = subprocess.run([sys.executable, str(script), *args], capture_output=True, text=True, env=env)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode or not lines:
        raise SystemExit(f"child {args} failed:\n{proc.stderr[-3000:]}")
    return json.loads(lines[-1])
