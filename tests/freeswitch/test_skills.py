"""Skills with real calls: a caller for a skill never reaches a seat without it, and among
the seats that have it, the higher skill level is offered the call first, ahead of tier
position and idle time."""

from __future__ import annotations

import time

from ccctl.config import spec as s
from ccctl.supervision.agents import set_status
from ccctl.testing.sip import Agents, start_call

from .test_calls import CC_EVENT, DID, TENANT, check, running_box, seats, tenant


def _wait_answered(agent, n: int, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while len(agent.calls) < n:
        assert time.monotonic() < deadline, f"seat {agent.seat.extension} did not answer call {n}"
        time.sleep(0.1)


def test_skill_level_first_and_never_a_seat_without_the_skill(fs_install, tmp_path):
    t = tenant(
        "none",
        seats=[
            s.Seat(extension="1001", name="Low", skills={"sales": 3}),  # tier position 1, level 8
            s.Seat(extension="1002", name="High", skills={"sales": 9}),  # tier position 2, level 2
            s.Seat(extension="1003", name="Support", skills={"support": 9}),  # no sales skill at all
        ],
        queue={"max_wait": 20},
    )
    with (
        running_box(fs_install, tmp_path / "fs", t) as (box, events),
        Agents(box, tmp_path / "seats", seats(box, {"1001": 9000, "1002": 9000, "1003": 9000})) as agents,
    ):
        for ext in ("1003", "1001", "1002"):  # 1002 readied last: the shortest idle of all
            set_status(box.services, TENANT, ext, "ready")
            time.sleep(0.3)
        first = start_call(tmp_path / "c1", DID, digits="1", wait_ms=1500, talk_ms=15000, audio=False)
        _wait_answered(agents["1002"], 1)
        assert agents["1001"].calls == [] and agents["1003"].calls == []
        second = start_call(
            tmp_path / "c2", DID, digits="1", wait_ms=1500, talk_ms=15000, audio=False, source_ip="127.0.0.3"
        )
        _wait_answered(agents["1001"], 1)
        # Both sales seats busy: a third sales caller waits; the idle support seat is never offered it.
        third = start_call(
            tmp_path / "c3", DID, digits="1", wait_ms=1500, talk_ms=4000, audio=False, source_ip="127.0.0.4"
        )
        r3 = third.wait()
        check(r3.answered, f"third call not answered by the IVR: {r3}", r3.diagnostics)
        offers = [
            e.get("CC-Agent")
            for e in events.matching(
                lambda e: e.get("Event-Subclass") == CC_EVENT and e.get("CC-Action") == "agent-offering"
            )
        ]
        assert offers[:2] == [f"1002@{t.sip_domain}", f"1001@{t.sip_domain}"], offers
        assert f"1003@{t.sip_domain}" not in offers, offers
        assert agents["1003"].calls == []
        for c in (first, second):
            r = c.wait()
            check(r.answered, f"call failed: {r}", r.diagnostics, agents.diagnostics)
