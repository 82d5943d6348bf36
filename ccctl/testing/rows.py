"""Call rows and agent status rows as the daemon writes them, for scripted months in tests and
bench/ (every field present, so one executemany takes them)."""

from __future__ import annotations


def call(uuid, tenant, direction, at, talk, answered=True):
    return {
        "uuid": uuid,
        "tenant": tenant,
        "direction": direction,
        "caller_number": "4915112345678",
        "caller_name": None,
        "called_number": "4000",
        "did": None,
        "ivr_path": None,
        "ivr_digits": None,
        "queue": None,
        "agent": None,
        "entered_at": at,
        "ivr_left_at": None,
        "queued_at": None,
        "offered_at": None,
        "answered_at": at + 5 if answered else None,
        "ended_at": at + 5 + talk,
        "wait_s": None,
        "talk_s": talk,
        "wrapup_s": 0.0,
        "sla_target": None,
        "disposition": "answered" if answered else "abandoned",
        "hangup_cause": "NORMAL_CLEARING",
        "hangup_side": "caller",
        "recording": None,
        "node": "local",
        "source": "events",
    }


def status(tenant, agent, value, at, kind="status"):
    return {"tenant": tenant, "agent": agent, "kind": kind, "value": value, "at": at, "node": "local"}
