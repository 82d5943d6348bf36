"""Masked recording spans from the agent rows (ccctl/recordings/masks.py) and the seat a mask
event names (ccctl/daemon/assemble.py)."""

from __future__ import annotations

from ccctl.daemon.assemble import Assembler, Directory, mask_seat
from ccctl.recordings.masks import pair


def test_a_mask_runs_to_its_unmask_or_to_the_end_of_its_call():
    rows = [
        ("c1", "1001", "mask", 10.0),
        ("c2", "1002", "mask", 11.0),
        ("c1", "1001", "mask", 12.0),  # masked already: nothing new
        ("c1", "1001", "unmask", 15.0),
        ("c1", "1001", "unmask", 16.0),  # not masked: nothing
        ("c1", "1001", "mask", 20.0),
    ]
    assert pair(rows, {"c2": 30.0}) == [
        {"call": "c1", "seat": "1001", "start": 10.0, "end": 15.0},
        {"call": "c2", "seat": "1002", "start": 11.0, "end": 30.0},
        {"call": "c1", "seat": "1001", "start": 20.0, "end": None},  # the call goes on
    ]


def test_the_seat_of_a_mask_is_the_one_on_the_seats_leg():
    inbound = {"CCCTL-Direction": "inbound", "CCCTL-User": ""}
    assert mask_seat({**inbound, "CCCTL-Queue-Agent": "1001@acme.cc.local", "CCCTL-Target": "queue:sales"}) == "1001"
    assert mask_seat({**inbound, "CCCTL-Target": "seat:1003"}) == "1003"
    assert mask_seat({**inbound, "CCCTL-Target": "ivr:main"}) is None
    assert mask_seat({"CCCTL-Direction": "internal", "CCCTL-User": "1002", "CCCTL-Target": "seat:1005"}) == "1002"


def test_mask_events_become_agent_rows_of_known_tenants_only():
    a = Assembler(Directory({"acme.cc.local": "acme"}), "node1")
    e = {
        "Event-Name": "CUSTOM",
        "Event-Subclass": "ccctl::agent",
        "CCCTL-Action": "mask",
        "CCCTL-Call": "u-1",
        "CCCTL-Tenant": "acme",
        "CCCTL-Direction": "internal",
        "CCCTL-User": "1001",
        "Event-Date-Timestamp": "1700000000000000",
    }
    assert a.feed(e) == [
        ("agent", {"tenant": "acme", "agent": "1001", "kind": "mask", "value": "u-1", "at": 1.7e9, "node": "node1"})
    ]
    assert a.feed({**e, "CCCTL-Tenant": "other"}) == []
    assert a.feed({**e, "CCCTL-Call": ""}) == []
