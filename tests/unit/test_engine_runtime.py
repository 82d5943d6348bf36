"""The engine's process environment: the box's systemd unit sets it, and the tests' engine
starts with the same, so benchmarks measure what a box runs."""

from __future__ import annotations

import os
import stat
import subprocess
from ctypes.util import find_library
from pathlib import Path
from types import SimpleNamespace

import pytest

from ccctl.freeswitch.runtime import ENVIRONMENT, PACKAGES
from ccctl.settings import Settings
from ccctl.testing.fsproc import FreeSwitch

UNIT = Path(__file__).resolve().parents[2] / "ansible/roles/freeswitch/templates/freeswitch.service.j2"


def test_the_unit_sets_every_variable():
    lines = UNIT.read_text().splitlines()
    assert ENVIRONMENT["LD_PRELOAD"] == "libjemalloc.so.2" and ENVIRONMENT["MALLOC_ARENA_MAX"] == "2"
    for name, value in ENVIRONMENT.items():
        line = f"Environment={name}={value}"
        # Only in [Service], where systemd reads it.
        assert lines.index("[Service]") < lines.index(line) < lines.index("[Install]"), line


def test_every_machine_with_the_engine_gets_its_allocator(monkeypatch):
    """The package the preload needs: installed by the role on a fleet machine, bootstrapped
    into the image (with or without an engine), and installed with the test tiers' packages."""
    import yaml

    from image.builder.stages import bootstrap

    root = UNIT.parents[4]
    defaults = yaml.safe_load((root / "ansible/roles/freeswitch/defaults/main.yml").read_text())
    assert defaults["freeswitch__runtime_packages"] == list(PACKAGES) == ["libjemalloc2"]
    tasks = yaml.safe_load((root / "ansible/roles/freeswitch/tasks/main.yml").read_text())
    assert any(t.get("ansible.builtin.apt", {}).get("name") == "{{ freeswitch__runtime_packages }}" for t in tasks)
    for engine_packages in ([], ["libfreeswitch1"]):
        ctx = SimpleNamespace(
            settings=SimpleNamespace(kernel="linux-image-amd64", extra_packages=[], dahdi="none"),
            engine=SimpleNamespace(packages=engine_packages),
        )
        assert set(PACKAGES) <= set(bootstrap.package_list(ctx))
    assert "libjemalloc2" in (root / "scripts/system-deps").read_text().split("TEST_PKGS=")[1].splitlines()[0]


@pytest.mark.skipif(
    not find_library("jemalloc"), reason="libjemalloc2 is not installed here (scripts/system-deps test)"
)
def test_the_preload_is_found_by_name(tmp_path):
    """By name, as the unit gives it: the loader finds it in its own paths (a wrong name would
    only print a line and leave glibc's malloc in place)."""
    r = subprocess.run(
        ["cat", "/proc/self/maps"], env={**os.environ, **ENVIRONMENT}, capture_output=True, text=True, check=True
    )
    assert "libjemalloc.so.2" in r.stdout and "cannot be preloaded" not in r.stderr, r.stderr


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
    for name in ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    binary, out = _stand_in(tmp_path)
    _start(tmp_path, binary)
    assert {f"{k}={v}" for k, v in ENVIRONMENT.items()} <= set(out.read_text().splitlines())


def test_a_value_set_by_the_caller_wins(tmp_path, monkeypatch):
    """A bench's A/B: `MALLOC_ARENA_MAX=8 python bench/soak.py` runs the engine uncapped."""
    monkeypatch.setenv("MALLOC_ARENA_MAX", "8")
    binary, out = _stand_in(tmp_path)
    _start(tmp_path, binary)
    assert "MALLOC_ARENA_MAX=8" in out.read_text().splitlines()
