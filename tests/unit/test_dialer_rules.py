"""Calling windows, retries and pacing on a fake clock (the times are arguments)."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from ccctl.errors import InvalidInput
from ccctl.outbound.pacing import Pacer
from ccctl.outbound.schedule import Window, after_attempt, parse_days, parse_retries


def ts(text: str, tz: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(tz)).timestamp()


def test_window_is_read_in_the_contacts_own_time_zone():
    w = Window.of("09:00", "20:00", "mon-fri")
    now = ts("2026-11-23 10:00", "Europe/Paris")  # a Monday, 10:00 in Paris
    assert w.open_at(now, "Europe/Paris")
    assert not w.open_at(now, "America/New_York")  # 04:00 there
    assert w.next_open(now, "America/New_York") == ts("2026-11-23 09:00", "America/New_York")


def test_window_closed_at_weekends_and_at_the_end_minute():
    w = Window.of("09:00", "20:00", "mon-fri")
    assert not w.open_at(ts("2026-11-22 12:00", "UTC"), "UTC")  # Sunday
    assert not w.open_at(ts("2026-11-23 20:00", "UTC"), "UTC")
    assert w.open_at(ts("2026-11-23 19:59", "UTC"), "UTC")
    assert w.next_open(ts("2026-11-21 12:00", "UTC"), "UTC") == ts("2026-11-23 09:00", "UTC")


def test_days_and_bad_windows():
    assert parse_days("fri-mon") == {4, 5, 6, 0}
    assert parse_days("all") == set(range(7))
    with pytest.raises(InvalidInput):
        parse_days("funday")
    with pytest.raises(InvalidInput):
        Window.of("20:00", "09:00", "all")


def test_retries_back_off_doubling_until_the_maximum():
    rules = parse_retries("busy=2/60")
    now = 1000.0
    first = after_attempt(1, "busy", rules, max_attempts=5, now=now)
    assert (first.state, first.next_at) == ("pending", now + 60)
    second = after_attempt(2, "busy", rules, max_attempts=5, now=now)
    assert (second.state, second.next_at) == ("pending", now + 120)
    assert after_attempt(3, "busy", rules, max_attempts=5, now=now).state == "failed"


def test_retries_stop_at_max_attempts_and_on_connection():
    rules = parse_retries("no_answer=9/10")
    assert after_attempt(2, "no_answer", rules, max_attempts=2, now=0).state == "failed"
    assert after_attempt(1, "outbound", rules, max_attempts=2, now=0).state == "done"
    assert after_attempt(1, "machine", parse_retries("machine=0/10"), max_attempts=5, now=0).state == "failed"
    with pytest.raises(InvalidInput):
        parse_retries("answered=1/10")


def test_progressive_never_has_more_calls_than_free_agents():
    p = Pacer("progressive")
    assert p.calls_to_start(0, idle_agents=3, busy_agents=5, ringing=0, room=10) == 3
    assert p.calls_to_start(1, idle_agents=3, busy_agents=5, ringing=2, room=10) == 1
    assert p.calls_to_start(2, idle_agents=3, busy_agents=5, ringing=1, waiting_answered=2, room=10) == 0
    assert p.calls_to_start(3, idle_agents=9, busy_agents=0, ringing=0, room=4) == 4  # limits win


def test_preview_never_dials_by_itself():
    assert Pacer("preview").calls_to_start(0, idle_agents=5, busy_agents=0, ringing=0, room=5) == 0


def _feed(p: Pacer, answers: int, attempts: int, abandons: int, handled: int = 50):
    for i in range(attempts):
        p.measured.attempt(i < answers, 8.0)
    for _ in range(handled):
        p.measured.handled(120.0)
    for i in range(answers):
        p.measured.answered(i < abandons)


def test_predictive_overdials_by_the_measured_answer_rate():
    p = Pacer("predictive")
    _feed(p, answers=25, attempts=100, abandons=0)
    n = p.calls_to_start(0.0, idle_agents=5, busy_agents=0, ringing=0, room=100)
    assert n == 20  # 5 agents / 25% answer rate
    assert p.calls_to_start(0.0, idle_agents=5, busy_agents=0, ringing=0, room=7) == 7


def test_predictive_backs_off_when_abandons_pass_the_target():
    p = Pacer("predictive", abandon_target=0.03)
    _feed(p, answers=25, attempts=100, abandons=5)  # 20% abandoned
    clock = 0.0
    before = p.calls_to_start(clock, idle_agents=2, busy_agents=20, ringing=0, room=100)
    for _ in range(10):
        clock += 6.0
        p.measured.answered(True)
        p.calls_to_start(clock, idle_agents=2, busy_agents=20, ringing=0, room=100)
    after = p.calls_to_start(clock + 6, idle_agents=2, busy_agents=20, ringing=0, room=100)
    assert p.aggression < 1.0 and after < before


def test_predictive_steers_only_as_time_passes():
    p = Pacer("predictive")
    _feed(p, answers=25, attempts=100, abandons=10)
    p.calls_to_start(10.0, idle_agents=1, busy_agents=1, ringing=0, room=9)
    a = p.aggression
    p.measured.answered(True)
    p.calls_to_start(11.0, idle_agents=1, busy_agents=1, ringing=0, room=9)  # within 5 s
    assert p.aggression == a
