"""One worker-count setting for every local pool (ingest, reuse alignment, signals, encoder)."""
from __future__ import annotations

import os

import pytest

from storytrace.events.encoder import encoder_workers
from storytrace.reuse import ReuseSettings
from storytrace.workers import MAX_DEFAULT_WORKERS, available_cores, default_workers


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
