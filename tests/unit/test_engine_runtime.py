"""The engine's process environment: the box's systemd unit sets it, and the tests' engine
starts with the same, so benchmarks measure what a box runs."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from ccctl.freeswitch.runtime import ENVIRONMENT
from ccctl.settings import Settings
from ccctl.testing.fsproc import FreeSwitch

UNIT = Path(__file__).resolve().parents[2] / "ansible/roles/freeswitch/templates/freeswitch.service.j2"


def test_the_unit_sets_every_variable():
    lines = UNIT.read_text().splitlines()
    assert ENVIRONMENT["MALLOC_ARENA_MAX"] == "2"
    for name, value in ENVIRONMENT.items():
        assert f"Environment={name}={value}" in lines, name
    # Only in [Service], where systemd reads it.
    assert lines.index("[Service]") < lines.index("Environment=MALLOC_ARENA_MAX=2") < lines.index("[Install]")


def _stand_in(tmp_path: Path) -> tuple[Path, Path]:
    """A 'freeswitch' that writes its environment to a file and exits."""
    out = tmp_path / "environ"
    binary = tmp_path / "freeswitch"
    binary.write_text(f"#!/bin/sh\nenv > {out}\n")
    binary.chmod(binary.stat().st_mode | stat.S_IXUSR)
    return binary, out


def _start(tmp_path: Path, binary: Path) -> None:
    fs = FreeSwitch(binary, tmp_path / "mod", tmp_path / "root", Settings(db=str(tmp_path / "db")), "pw")
    with pytest.raises(RuntimeError, match="FreeSWITCH exited with 0"):
        fs.start(timeout=10)


def test_the_tests_engine_starts_with_the_box_environment(tmp_path, monkeypatch):
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    binary, out = _stand_in(tmp_path)
    _start(tmp_path, binary)
    assert "MALLOC_ARENA_MAX=2" in out.read_text().splitlines()


def test_a_value_set_by_the_caller_wins(tmp_path, monkeypatch):
    """A bench's A/B: `MALLOC_ARENA_MAX=8 python bench/soak.py` runs the engine uncapped."""
    monkeypatch.setenv("MALLOC_ARENA_MAX", "8")
    binary, out = _stand_in(tmp_path)
    _start(tmp_path, binary)
    assert "MALLOC_ARENA_MAX=8" in out.read_text().splitlines()
