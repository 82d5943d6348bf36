"""Operational data the daemon writes: one row per call, and agents' status and state changes.

Not part of a tenant's declarative configuration: `apply` never reads or writes these tables,
and rows refer to tenants, queues and agents by name so that they outlive the configuration
they were made under (a deleted queue keeps its history).
"""

from __future__ import annotations

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from ccctl.model.base import tenant_uid

DISPOSITIONS = (
    "answered",
    "abandoned",
    "abandoned_ivr",
    "no_agent",
    "timed_out",
    "overflowed",
    "outbound",
    "failed",
    "callback",
    "busy",
    "no_answer",
    "machine",
)
"""'callback': the caller pressed the queue's callback key and hung up (a callback request).
A callback attempt is a row of direction 'callback': 'answered' when the caller was reached.
'busy', 'no_answer', 'machine': how an outbound campaign's attempt ended unconnected."""


class Call(SQLModel, table=True):
    """Timestamps are Unix seconds (float, microsecond precision where FreeSWITCH gives it):
    the same arithmetic on SQLite and PostgreSQL, and bucketing is a division."""

    __table_args__ = (Index("ix_call_tenant_entered", "tenant", "entered_at"),)

    id: int | None = Field(default=None, primary_key=True)
    uuid: str = Field(max_length=64, unique=True)
    """The caller's channel (FreeSWITCH Unique-ID): what makes a row unique per call."""
    tenant: str = Field(max_length=63)
    tenant_uid: str | None = tenant_uid()
    direction: str = Field(max_length=10)
    caller_number: str | None = Field(default=None, max_length=64)
    caller_name: str | None = Field(default=None, max_length=200)
    called_number: str | None = Field(default=None, max_length=64)
    did: str | None = Field(default=None, max_length=21)
    ivr_path: str | None = Field(default=None, max_length=400)
    ivr_digits: str | None = Field(default=None, max_length=64)
    queue: str | None = Field(default=None, max_length=63, index=True)
    agent: str | None = Field(default=None, max_length=63, index=True)
    entered_at: float
    ivr_left_at: float | None = None
    queued_at: float | None = None
    offered_at: float | None = None
    answered_at: float | None = None
    """When the caller was connected to a person (the agent, or the seat dialled)."""
    ended_at: float
    wait_s: float | None = None
    """Seconds in queue until answered, or until the caller left the queue."""
    talk_s: float = 0.0
    wrapup_s: float = 0.0
    sla_target: int | None = None
    """The queue's service-level target (s) when the call was made."""
    disposition: str = Field(max_length=16)
    hangup_cause: str | None = Field(default=None, max_length=64)
    hangup_side: str | None = Field(default=None, max_length=10)
    recording: str | None = Field(default=None, max_length=1000)
    node: str = Field(max_length=63)
    source: str = Field(max_length=8)
    """'events' (assembled live), 'cdr' (reconciled from FreeSWITCH's own CDR after a gap) or
    'dialer' (an attempt of an outbound campaign)."""
    survey_score: int | None = None
    """1-5 from the satisfaction survey after the agent hung up; None: not surveyed or no answer."""
    campaign: str | None = Field(default=None, max_length=63)
    """The outbound campaign the call was an attempt of."""
    wrapup_code: str | None = Field(default=None, max_length=2)
    """The wrap-up (disposition) code the agent keyed after the call (*9 + code)."""
    wrapup_note: str | None = Field(default=None, max_length=1000)
    """The agent's note from the wrap-up on the agent page."""
    trunk: str | None = Field(default=None, max_length=63)
    """The tenant's trunk the call came in over (a tdm trunk: the trunk dialling the span's group)."""
    span: str | None = Field(default=None, max_length=80)
    """The voice-card span and channel the call came in on (FreeTDM's span name:channel)."""


class AgentEvent(SQLModel, table=True):
    """An agent's status (Available, On Break, Logged Out, ...) or state (Waiting, In a queue
    call, Idle, ...) from that moment on, as mod_callcenter reported it."""

    __tablename__ = "agent_event"
    __table_args__ = (Index("ix_agent_event_tenant_at", "tenant", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    tenant: str = Field(max_length=63)
    tenant_uid: str | None = tenant_uid()
    agent: str = Field(max_length=63)
    kind: str = Field(max_length=8)
    value: str = Field(max_length=40)
    at: float
    node: str = Field(max_length=63)


class CallRollup(SQLModel, table=True):
    """Additive figures of the calls that entered in one 15-minute interval, per tenant,
    queue and agent ('' for none): what statistics over long ranges read instead of every
    call row. Kept in step with the call rows in the same transaction that writes them."""

    __tablename__ = "call_rollup"
    __table_args__ = (UniqueConstraint("tenant", "bucket", "queue", "agent", name="uq_call_rollup_key"),)

    id: int | None = Field(default=None, primary_key=True)
    tenant: str = Field(max_length=63)
    tenant_uid: str | None = tenant_uid()
    bucket: float
    queue: str = Field(max_length=63)
    agent: str = Field(max_length=63)
    calls: float = 0
    offered: float = 0
    answered: float = 0
    abandoned: float = 0
    short_abandoned: float = 0
    within_sla: float = 0
    answer_wait: float = 0
    wait: float = 0
    longest_wait: float = 0
    handle: float = 0
    talk: float = 0
    no_agent: float = 0
    timed_out: float = 0
    overflowed: float = 0
    abandoned_ivr: float = 0
    failed: float = 0
    outbound: float = 0
    surveyed: float = 0
    survey_score: float = 0
    """The sum of the scores given (average = survey_score / surveyed)."""
    callbacks: float = 0
    callbacks_reached: float = 0
