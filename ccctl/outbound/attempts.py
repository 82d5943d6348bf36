"""One attempt of a campaign, from origination to hangup, and what it becomes: a disposition
and a call row (direction outbound, source 'dialer')."""

from __future__ import annotations

from dataclasses import dataclass, field

BUSY = {"USER_BUSY", "CALL_REJECTED", "NORMAL_CIRCUIT_CONGESTION", "SWITCH_CONGESTION"}
NO_ANSWER = {"NO_ANSWER", "NO_USER_RESPONSE", "ALLOTTED_TIMEOUT", "PROGRESS_TIMEOUT", "ORIGINATOR_CANCEL"}


@dataclass
class Attempt:
    uuid: str
    tenant: str
    campaign: str
    campaign_id: int
    contact_id: int
    number: str
    name: str | None
    fields: dict
    queue: str | None
    caller_id: str | None
    started: float
    agent: str | None = None
    """Preview: the agent who accepted; otherwise the agent the call was bridged to."""
    answered_at: float | None = None
    bridged_at: float | None = None
    abandoned_at: float | None = None
    machine: bool = False
    extra: dict = field(default_factory=dict)

    @property
    def ringing(self) -> bool:
        return self.answered_at is None

    @property
    def waiting(self) -> bool:
        """Answered, not yet with an agent, not given up on."""
        return self.answered_at is not None and self.bridged_at is None and self.abandoned_at is None


def disposition(a: Attempt, cause: str) -> str:
    if a.bridged_at is not None:
        return "outbound"  # connected to a person: the call's existing outbound disposition
    if a.machine:
        return "machine"
    if a.answered_at is not None:
        return "abandoned"  # answered and no agent came (or the callee hung up first)
    cause = (cause or "").upper()
    if cause in BUSY:
        return "busy"
    if cause in NO_ANSWER:
        return "no_answer"
    return "failed"


def call_row(a: Attempt, cause: str, ended: float, node: str, wrapup: float = 0.0) -> dict:
    disp = disposition(a, cause)
    return {
        "uuid": a.uuid,
        "tenant": a.tenant,
        "direction": "outbound",
        "caller_number": a.caller_id,
        "caller_name": None,
        "called_number": a.number,
        "did": None,
        "ivr_path": None,
        "ivr_digits": None,
        # No queue on the row: the queue's inbound figures (offered, answered, SLA) stay about
        # callers who called in; the campaign names where the attempt came from.
        "queue": None,
        "agent": a.agent if a.bridged_at is not None else None,
        "entered_at": a.started,
        "ivr_left_at": None,
        "queued_at": a.answered_at,
        "offered_at": None,
        "answered_at": a.bridged_at,
        "ended_at": ended,
        "wait_s": (a.bridged_at or a.abandoned_at or ended) - a.answered_at if a.answered_at else None,
        "talk_s": ended - a.bridged_at if a.bridged_at else 0.0,
        "wrapup_s": wrapup if a.bridged_at else 0.0,
        "sla_target": None,
        "disposition": disp,
        "hangup_cause": cause or None,
        "hangup_side": None,
        "recording": None,
        "node": node,
        "source": "dialer",
        "campaign": a.campaign,
        "survey_score": a.extra.get("survey_score"),
    }
