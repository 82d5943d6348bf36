"""Cross-object checks: each problem is one line naming the object."""

from __future__ import annotations

from ccctl.config import spec as s
from ccctl.config.load import load_site
from ccctl.config.validate import check_site, check_tenant


def _messages(t: s.Tenant) -> list[str]:
    return [str(p) for p in check_tenant(t)]


def test_example_has_no_errors(example):
    assert [p for p in check_site(load_site(str(example)).tenants) if p.severity == "error"] == []


def test_dangling_targets():
    t = s.Tenant(
        name="t",
        numbers=[s.Number(number="4001", target="queue:missing")],
        ivrs=[s.Ivr(name="m", greeting={"text": "hi"}, options={"1": "seat:1001"}, on_failure="ivr:gone")],
    )
    msgs = _messages(t)
    assert "error: t: number 4001: target: target queue:missing does not exist in this tenant" in msgs
    assert "error: t: ivr m: option 1: target seat:1001 does not exist in this tenant" in msgs
    assert "error: t: ivr m: on_failure: target ivr:gone does not exist in this tenant" in msgs


def test_external_target_needs_a_trunk():
    t = s.Tenant(name="t", numbers=[s.Number(number="4001", target="external:13800138000")])
    assert any("needs a trunk" in m for m in _messages(t))


def test_duplicates():
    t = s.Tenant(
        name="t",
        seats=[s.Seat(extension="1001", name="a"), s.Seat(extension="1001", name="b")],
        numbers=[s.Number(number="4001", target="hangup")] * 2,
    )
    msgs = _messages(t)
    assert "error: t: seat 1001: duplicate extension 1001" in msgs
    assert "error: t: number 4001: duplicate number 4001" in msgs


def test_duplicate_numbers_and_domains_across_tenants():
    a = s.Tenant(name="a", domain="x.example", numbers=[s.Number(number="4001", target="hangup")])
    b = s.Tenant(name="b", domain="x.example", numbers=[s.Number(number="4001", target="hangup")])
    msgs = [str(p) for p in check_site([a, b])]
    assert "error: b: number 4001: already routed to tenant a" in msgs
    assert "error: b: tenant: domain x.example is already used by tenant a" in msgs


def test_ivr_loop_without_caller_input():
    t = s.Tenant(
        name="t",
        ivrs=[
            s.Ivr(name="a", greeting={"text": "a"}, on_failure="ivr:b"),
            s.Ivr(name="b", greeting={"text": "b"}, on_failure="ivr:a"),
        ],
    )
    loops = [m for m in _messages(t) if "routing loop" in m]
    assert loops == ["error: t: routing loop: ivr:a -> ivr:b -> ivr:a (via on_failure)"]


def test_queue_overflow_to_itself_is_a_loop():
    t = s.Tenant(
        name="t",
        queues=[s.Queue(name="q", overflow="queue:q")],
        seats=[s.Seat(extension="1001", name="a", skills={"q": 5})],
    )
    assert any("routing loop: queue:q -> queue:q" in m for m in _messages(t))


def test_digit_options_back_to_a_parent_are_not_loops():
    t = s.Tenant(
        name="t",
        ivrs=[
            s.Ivr(name="a", greeting={"text": "a"}, options={"1": "ivr:b"}),
            s.Ivr(name="b", greeting={"text": "b"}, options={"9": "ivr:a"}),
        ],
    )
    assert not any("loop" in m for m in _messages(t))


def test_queue_no_seat_can_serve():
    t = s.Tenant(
        name="t", queues=[s.Queue(name="sales")], seats=[s.Seat(extension="1001", name="a", skills={"support": 5})]
    )
    assert "warning: t: queue sales: no seat has skill 'sales', so no agent can serve it" in _messages(t)


def test_trunk_credentials():
    t = s.Tenant(
        name="t",
        trunks=[
            s.Trunk(name="reg", host="sip.example", register=True),
            s.Trunk(name="half", host="sip.example", username="u"),
            s.Trunk(name="ip", host="sip.example"),
        ],
    )
    msgs = _messages(t)
    assert "error: t: trunk reg: registers but has no username and password" in msgs
    assert "error: t: trunk half: has a username without a password or the reverse" in msgs
    assert "warning: t: trunk ip: has no credentials; the carrier must allow this box by IP" in msgs
