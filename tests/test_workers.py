"""One worker-count setting for every local pool (ingest, reuse alignment, signals, encoder)."""
from __future__ import annotations

import os

import pytest

from storytrace.events.encoder import encoder_workers
from storytrace.reuse import ReuseSettings
from storytrace.workers import MAX_DEFAULT_WORKERS, NoProcesses, available_cores, default_workers, process_map


def test_default_is_the_usable_cores_capped(monkeypatch):
    monkeypatch.delenv("STORYTRACE_WORKERS", raising=False)
    assert default_workers() == min(MAX_DEFAULT_WORKERS, available_cores())
    assert 1 <= available_cores() <= (os.cpu_count() or 1)


def test_environment_sets_every_pool_at_once(monkeypatch):
    monkeypatch.setenv("STORYTRACE_WORKERS", "3")
    monkeypatch.delenv("STORYTRACE_ENCODER_WORKERS", raising=False)
    assert default_workers() == 3
    assert ReuseSettings().workers == 3
    assert encoder_workers() == 3
    monkeypatch.setenv("STORYTRACE_WORKERS", "0")
    assert default_workers() == 1          # 0 or less means: no pool, not an error
    monkeypatch.setenv("STORYTRACE_ENCODER_WORKERS", "2")
    assert encoder_workers() == 2          # the encoder's own setting wins


def test_a_malformed_setting_is_named_in_the_error(monkeypatch):
    monkeypatch.setenv("STORYTRACE_WORKERS", "many")
    with pytest.raises(ValueError, match="STORYTRACE_WORKERS"):
        default_workers()


def _square(n: int) -> int:
    return n * n


def _die_on_three(n: int) -> int:
    if n == 3:
        os._exit(1)          # a worker killed mid-run (out of memory, a signal)
    return n


def test_process_map_keeps_input_order():
    assert list(process_map(_square, range(50), 2)) == [n * n for n in range(50)]


def test_a_broken_pool_says_so_after_the_results_it_had():
    got = []
    with pytest.raises(NoProcesses):
        for value in process_map(_die_on_three, [0, 1, 2, 3, 4, 5], 2):
            got.append(value)
    assert got == [0, 1, 2][:len(got)]        # whatever came back is in order and correct
