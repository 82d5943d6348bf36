"""Queue callback requests: made from a call row (a caller pressed the queue's callback key),
placed back into their queue at the rank the caller had, retried per the queue's rule, listed
and cancelled. The daemon drives them (ccctl/daemon/callbacks.py); `ccctl callback` reads and
cancels them. Functions take the context (its .settings and .engine) or an engine."""

from __future__ import annotations

import math
import time
import uuid as uuidlib
from dataclasses import dataclass

from sqlalchemy import select as sa_select
from sqlalchemy.engine import Engine
from sqlmodel import select

from ccctl.db import session_scope
from ccctl.errors import Conflict, InvalidInput, NotFound
from ccctl.model import CallbackRequest, Queue, Tenant
from ccctl.model.callback import STATES
from ccctl.model.owner import owned

OPEN = ("waiting", "placed")
PLACEMENT_S = 1
PLACED_MAX_S = 3 * 3600.0
"""A placement unheard of for this long is taken as lost (longer than any queue's max_wait
plus a conversation)."""
"""Seconds a placeholder takes to reach its queue after the score is computed (mod_callcenter
counts whole seconds): without them a callback could rank a second behind its own caller."""


@dataclass(frozen=True)
class Rule:
    attempts: int
    interval: int


def rule_of(engine: Engine, tenant: str, queue: str) -> Rule | None:
    """The queue's callback rule, None when the queue (now) has no callback."""
    with engine.connect() as conn:
        row = conn.execute(
            sa_select(Queue.callback_key, Queue.callback_attempts, Queue.callback_interval)
            .join(Tenant, Tenant.id == Queue.tenant_id)
            .where(Tenant.name == tenant, Queue.name == queue)
        ).first()
    if row is None or not row[0]:
        return None
    return Rule(row[1], row[2])


def request_from_call(engine: Engine, row: dict, now: float | None = None) -> CallbackRequest | None:
    """Record the request a call row of disposition 'callback' stands for (once per call: a
    row seen again, from the CDR, adds nothing). The callback ranks from when the call came in."""
    if row.get("disposition") != "callback" or not row.get("queue") or not row.get("caller_number"):
        return None
    rule = rule_of(engine, row["tenant"], row["queue"]) or Rule(3, 120)
    now = time.time() if now is None else now
    with session_scope(engine) as session:
        if session.exec(select(CallbackRequest).where(CallbackRequest.call_uuid == row["uuid"])).first():
            return None
        # Pressing the key again (a second call while the first request is open) keeps one request.
        if session.exec(
            select(CallbackRequest).where(
                owned(CallbackRequest, row["tenant"]),
                CallbackRequest.queue == row["queue"],
                CallbackRequest.number == row["caller_number"],
                CallbackRequest.state.in_(OPEN),
            )
        ).first():
            return None
        req = CallbackRequest(
            tenant=row["tenant"],
            queue=row["queue"],
            number=row["caller_number"],
            call_uuid=row["uuid"],
            since=row["entered_at"],
            requested_at=now,
            max_attempts=rule.attempts,
            interval=rule.interval,
            next_at=now,
            updated_at=now,
        )
        session.add(req)
        session.flush()
        return req


def base_score(req: CallbackRequest, now: float) -> int:
    """mod_callcenter ranks a member by base score plus the seconds since it was answered
    (time-base-score=system): the placeholder, answered now, gets as base score the seconds
    the caller has been in the system, so it ranks where the caller would be had they stayed."""
    return max(0, math.ceil(now - req.since) + PLACEMENT_S)


def originate_command(req: CallbackRequest, now: float, attempt_uuid: str) -> str:
    """The API command that puts REQ's placeholder into its queue (see ccctl/render/callback.py)."""
    variables = {
        "ccctl_tenant": req.tenant,
        "ccctl_queue": req.queue,
        "ccctl_direction": "callback",
        "ccctl_callback_id": str(req.id),
        "ccctl_callback_number": req.number,
        "cc_base_score": str(base_score(req, now)),
        "origination_uuid": attempt_uuid,
        "origination_caller_id_number": req.number,
        "origination_caller_id_name": "callback",
        "loopback_bowout": "false",
        "loopback_bowout_on_execute": "false",
    }
    for k, v in variables.items():
        if any(c in v for c in ",{}' \t\n$"):
            raise InvalidInput(f"callback {req.id}: {k} {v!r} cannot go into a dial string")
    vars_ = ",".join(f"{k}={v}" for k, v in variables.items())
    return f"originate {{{vars_}}}loopback/cc-callback-wait-{req.queue}/{req.tenant} &park()"


def due(engine: Engine, now: float) -> list[CallbackRequest]:
    with session_scope(engine) as session:
        rows = session.exec(
            select(CallbackRequest)
            .where(CallbackRequest.state == "waiting", CallbackRequest.next_at <= now)
            .order_by(CallbackRequest.since)
        ).all()
        return list(rows)


def mark_placed(engine: Engine, req_id: int, attempt_uuid: str, now: float) -> None:
    with session_scope(engine) as session:
        req = session.get(CallbackRequest, req_id)
        if req is None or req.state != "waiting":
            return
        req.state, req.attempt_uuid, req.attempts, req.updated_at = "placed", attempt_uuid, req.attempts + 1, now


def after_attempt(req: CallbackRequest, reached: bool, cause: str | None, agent: str | None, now: float) -> None:
    """The state REQ moves to when its attempt ended (pure: the rule in one place)."""
    req.last_cause, req.updated_at, req.attempt_uuid = cause, now, None
    if agent:
        req.agent = agent
    if reached:
        req.state = "done"
    elif req.attempts >= req.max_attempts:
        req.state = "failed"
    else:
        req.state, req.next_at = "waiting", now + req.interval


def attempt_ended(engine: Engine, row: dict, now: float | None = None) -> CallbackRequest | None:
    """Fold a callback attempt's call row (direction 'callback') into its request: the placed
    request of that number in that queue (there is at most one open request per both)."""
    if row.get("direction") != "callback":
        return None
    now = time.time() if now is None else now
    with session_scope(engine) as session:
        req = session.exec(
            select(CallbackRequest).where(
                owned(CallbackRequest, row["tenant"]),
                CallbackRequest.queue == row["queue"],
                CallbackRequest.number == row["caller_number"],
                CallbackRequest.state == "placed",
            )
        ).first()
        if req is None:
            return None
        after_attempt(req, row.get("disposition") == "answered", row.get("hangup_cause"), row.get("agent"), now)
        return req


def release_lost(engine: Engine, now: float, older_than: float = PLACED_MAX_S) -> list[CallbackRequest]:
    """Placements whose end never came back (FreeSWITCH restarted under them: no event, no CDR)
    count as failed attempts once OLDER_THAN seconds have passed, so the caller is not forgotten."""
    with session_scope(engine) as session:
        lost = session.exec(
            select(CallbackRequest).where(
                CallbackRequest.state == "placed", CallbackRequest.updated_at < now - older_than
            )
        ).all()
        for req in lost:
            after_attempt(req, False, "LOST", None, now)
        return list(lost)


def new_attempt_uuid() -> str:
    return str(uuidlib.uuid4())


def as_dict(r: CallbackRequest) -> dict:
    from ccctl.stats.calls import iso  # the same time format as `ccctl calls`

    return {
        "id": r.id,
        "tenant": r.tenant,
        "queue": r.queue,
        "number": r.number,
        "state": r.state,
        "attempts": r.attempts,
        "max_attempts": r.max_attempts,
        "requested": iso(r.requested_at),
        "waiting_since": iso(r.since),
        "next": iso(r.next_at) if r.state == "waiting" else None,
        "agent": r.agent,
        "last_cause": r.last_cause,
        "call_uuid": r.call_uuid,
    }


def list_requests(
    services, tenant: str | None = None, state: str | None = None, queue: str | None = None
) -> list[dict]:
    if state is not None and state not in STATES and state != "open":
        raise InvalidInput(f"state {state!r}: use one of open, {', '.join(STATES)}")
    stmt = select(CallbackRequest).order_by(CallbackRequest.requested_at, CallbackRequest.id)
    if tenant:
        stmt = stmt.where(owned(CallbackRequest, tenant))
    if queue:
        stmt = stmt.where(CallbackRequest.queue == queue)
    if state == "open":
        stmt = stmt.where(CallbackRequest.state.in_(OPEN))
    elif state:
        stmt = stmt.where(CallbackRequest.state == state)
    with session_scope(services.engine) as session:
        return [as_dict(r) for r in session.exec(stmt).all()]


def cancel(services, req_id: int, hangup=None) -> dict:
    """Cancel an open request; a placeholder already in the queue is hung up through HANGUP
    (a callable taking an API command), when given."""
    with session_scope(services.engine) as session:
        req = session.get(CallbackRequest, req_id)
        if req is None:
            raise NotFound(f"no callback request {req_id}")
        if req.state not in OPEN:
            raise Conflict(f"callback request {req_id} is {req.state}, not waiting or placed")
        attempt = req.attempt_uuid if req.state == "placed" else None
        req.state, req.updated_at, req.attempt_uuid = "cancelled", time.time(), None
        out = as_dict(req)
    if attempt and hangup is not None:
        hangup(f"hupall NORMAL_CLEARING ccctl_callback_id {req_id}")  # both loopback legs carry it
    return out
