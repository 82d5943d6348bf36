"""bench/calls.py --climb: the issue's pass rule, and the climb stopping at the first failure."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from climb import cdr_mos, climb, levels_from, verdict  # noqa: E402


def step(failure_pct=0.0, mos=4.3, p95=120.0):
    return {"failure_pct": failure_pct, "mos": mos, "invite_200_ms": {"p95": p95}}


def test_a_step_passes_only_inside_every_bound():
    assert verdict(step()) == (True, "pass")
    assert verdict(step(failure_pct=0.99, mos=4.0, p95=2000))[0]
    assert not verdict(step(failure_pct=1.0))[0]  # "under 1%"
    assert not verdict(step(mos=3.99))[0]
    assert not verdict(step(p95=2000.1))[0]
    ok, why = verdict(step(failure_pct=5, mos=2.6, p95=4200))
    assert not ok and "5% failed" in why and "MOS 2.6" in why and "4200" in why


def test_a_step_with_nothing_measured_fails():
    assert not verdict(step(mos=None))[0]
    assert not verdict(step(p95=None))[0]


def test_climb_stops_at_the_first_failure():
    ran = []

    def run(level):
        ran.append(level)
        return step(mos=4.3 if level < 300 else 2.6)

    best, steps = climb(levels_from(100, 50, 500), run)
    assert best == 250 and ran == [100, 150, 200, 250, 300]
    assert [s["passed"] for s in steps] == [True, True, True, True, False]
    assert "MOS 2.6" in steps[-1]["verdict"]


def test_climb_failing_at_once_has_no_ceiling():
    best, steps = climb([800, 1000], lambda level: step(failure_pct=3))
    assert best is None and len(steps) == 1


def test_levels():
    assert levels_from(800, 200, 1400) == [800, 1000, 1200, 1400]
    assert levels_from(0, 10, 100) == [] and levels_from(10, 0, 100) == []


def test_mos_is_the_mean_of_the_steps_cdrs(tmp_path):
    old = tmp_path / "old.cdr.json"
    old.write_text(json.dumps({"variables": {"rtp_audio_in_mos": "1.0"}}))
    os.utime(old, (time.time() - 100, time.time() - 100))
    since = time.time() - 10
    (tmp_path / "a.cdr.json").write_text(json.dumps({"variables": {"rtp_audio_in_mos": "4.5"}}))
    (tmp_path / "b.cdr.json").write_text(json.dumps({"variables": {"rtp_audio_in_mos": "4.1"}}))
    (tmp_path / "c.cdr.json").write_text(json.dumps({"variables": {}}))  # no media on this leg
    (tmp_path / "d.cdr.json").write_text("{trunc")
    assert cdr_mos(tmp_path, since) == 4.3
    assert cdr_mos(tmp_path, time.time() + 10) is None
