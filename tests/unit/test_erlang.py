"""Erlang C against published tables and exact values."""

from __future__ import annotations

import math

import pytest
from typer.testing import CliRunner

from ccctl.cli.main import app
from ccctl.stats.erlang import agents_needed, erlang_c, level, staffing

# P(wait) for A = 10 Erlangs (the classic table, e.g. 100 calls per half hour of 180 s AHT).
TABLE_A10 = {11: 0.6821, 12: 0.4494, 13: 0.2853, 14: 0.1741, 15: 0.1020, 16: 0.0573}


@pytest.mark.parametrize("agents,p_wait", TABLE_A10.items())
def test_p_wait_matches_the_published_table(agents, p_wait):
    assert erlang_c(10.0, agents) == pytest.approx(p_wait, abs=5e-5)


def test_exact_small_cases():
    assert erlang_c(1.0, 2) == pytest.approx(1 / 3)
    assert erlang_c(2.0, 3) == pytest.approx(4 / 9)
    assert erlang_c(5.0, 5) == 1.0  # no more agents than traffic: everyone waits


def test_service_level_and_asa_of_the_textbook_example():
    # 200 calls/h, 180 s AHT, 80/20: 14 agents, SL 88.8 %, ASA 7.8 s (13 agents give 79.6 %).
    assert agents_needed(200, 180, 0.8, 20) == 14
    lv = level(200, 180, 14, 20)
    assert lv.service_level == pytest.approx(0.8884, abs=1e-4)
    assert lv.asa == pytest.approx(7.84, abs=0.01)
    assert level(200, 180, 13, 20).service_level == pytest.approx(0.7956, abs=1e-4)
    assert math.isinf(level(200, 180, 10, 20).asa)


def test_large_centre_stays_exact():
    # 1000 Erlangs: factorials would overflow; the recursion does not.
    n = agents_needed(20000, 180, 0.9, 15)
    assert 1000 < n < 1100
    assert level(20000, 180, n, 15).service_level >= 0.9 > level(20000, 180, n - 1, 15).service_level


def test_shrinkage_grosses_up_staff():
    n, levels = staffing(200, 180, 0.8, 20, shrinkage=0.3)
    assert n == 14
    assert next(lv for lv in levels if lv.agents == 14).staff == 20  # 14 / 0.7


def test_cli(tmp_path, monkeypatch):
    monkeypatch.setenv("CCCTL_DB", str(tmp_path / "x.db"))
    r = CliRunner().invoke(app, ["staffing", "--calls-per-hour", "200", "--aht", "180", "--target", "80/20", "--json"])
    assert r.exit_code == 0, r.output
    import json

    data = json.loads(r.stdout)
    assert data["agents_needed"] == 14 and data["traffic_erlangs"] == 10.0
    assert [lv["agents"] for lv in data["levels"]][0] == 11
    bad = CliRunner().invoke(app, ["staffing", "--calls-per-hour", "200", "--aht", "180", "--target", "80"])
    assert bad.exit_code == 1 and "PERCENT/SECONDS" in bad.output


def test_huge_inputs_are_refused_and_large_queues_are_instant():
    import time

    r = CliRunner().invoke(app, ["staffing", "--calls-per-hour", "1e9", "--aht", "1e9"])
    assert r.exit_code == 1 and "at most 100,000" in r.output and len(r.output.strip().splitlines()) == 1
    started = time.monotonic()
    n = agents_needed(360_000, 300, 0.8, 20)  # 30,000 Erlangs
    assert 30_000 < n < 30_200 and time.monotonic() - started < 2
    assert agents_needed(200, 180, 0.8, 20) == 14
