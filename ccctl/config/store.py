"""Rows <-> specs: read tenants from the database as specs, and write a spec back as rows.

Writes sync by natural key (extension, name, number) so that rows keep their ids and
generated secrets (seat passwords) survive every later apply.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Iterable

from sqlalchemy import delete
from sqlmodel import Session, select

from ccctl import model as m
from ccctl.db.secrets import generate_password
from ccctl.config import spec as s


def _tenant_spec(row: m.Tenant, rec: m.RecordingPolicy | None) -> dict:
    data = {
        "name": row.name,
        "display_name": row.display_name,
        "plan": row.plan,
        "domain": row.domain,
        "seat_limit": row.seat_limit,
        "call_limit": row.call_limit,
        "caller_id": {"name": row.caller_id_name, "number": row.caller_id_number},
        "timezone": row.timezone,
        "language": row.language,
        "lease": None
        if row.lease_price is None
        else {"price": row.lease_price, "currency": row.lease_currency, "period": row.lease_period},
        "webhooks": list(row.webhooks or []),
        "billing": None if row.billing_increment is None
        else {"increment": row.billing_increment, "minimum": row.billing_minimum or 0},
    }
    if rec is not None:
        data["recording"] = {
            "mode": rec.mode,
            "format": rec.format,
            "retention_days": rec.retention_days,
            "legal_hold": rec.legal_hold,
        }
    return data


def load_tenants(session: Session, names: Iterable[str] | None = None, *, with_secrets: bool = False) -> list[s.Tenant]:
    """Tenants as specs, sorted canonically. Secrets (seat and trunk passwords) only when
    asked: a tenant read to be listed or edited holds none, so nothing that shows it (a
    traceback's locals included) can show one.

    Reads plain rows (no ORM objects) with subquery filters: a 50,000-seat box renders from
    here, and a list of every seat id would overflow a statement's parameter limit.
    """
    q = select(m.Tenant.__table__)
    if names is not None:
        names = list(names)
        if not names:
            return []
        q = q.where(m.Tenant.name.in_(names))
    tenants = session.execute(q.order_by(m.Tenant.name)).all()
    if not tenants:
        return []
    tenant_ids = select(m.Tenant.id)
    if names is not None:
        tenant_ids = tenant_ids.where(m.Tenant.name.in_(names))

    def rows(model, where=None):
        table = model.__table__
        return session.execute(select(table).where(
            where if where is not None else table.c.tenant_id.in_(tenant_ids))).all()

    by_tenant: dict[str, dict[int, list]] = defaultdict(lambda: defaultdict(list))
    for kind, model in (("seats", m.Seat), ("queues", m.Queue), ("ivrs", m.IvrMenu),
                        ("numbers", m.Number), ("trunks", m.Trunk)):
        for r in rows(model):
            by_tenant[kind][r.tenant_id].append(r)
    recs = {r.tenant_id: r for r in rows(m.RecordingPolicy)}
    skills: dict[int, dict[str, int]] = defaultdict(dict)
    seat_ids = select(m.Seat.id).where(m.Seat.tenant_id.in_(tenant_ids))
    for sk in rows(m.SeatSkill, m.SeatSkill.seat_id.in_(seat_ids)):
        skills[sk.seat_id][sk.skill] = sk.level
    options: dict[int, dict[str, str]] = defaultdict(dict)
    menu_ids = select(m.IvrMenu.id).where(m.IvrMenu.tenant_id.in_(tenant_ids))
    for o in rows(m.IvrOption, m.IvrOption.menu_id.in_(menu_ids)):
        options[o.menu_id][o.digit] = o.target

    out = []
    for t in tenants:
        data = _tenant_spec(t, recs.get(t.id))
        data["seats"] = [
            {"extension": r.extension, "name": r.display_name, "skills": skills.get(r.id, {}),
             "remote": r.remote, "supervisor": r.supervisor, **({"password": r.password} if with_secrets else {})}
            for r in by_tenant["seats"][t.id]
        ]
        data["queues"] = [queue_data(r) for r in by_tenant["queues"][t.id]]
        data["ivrs"] = [ivr_data(r, options.get(r.id, {})) for r in by_tenant["ivrs"][t.id]]
        data["numbers"] = [{"number": r.number, "target": r.target} for r in by_tenant["numbers"][t.id]]
        data["trunks"] = [trunk_data(r, with_secrets) for r in by_tenant["trunks"][t.id]]
        data["customers"] = []  # operational data, not configuration: ccctl/customers.py
        data["campaigns"] = []  # operational too: ccctl/dialer/campaigns.py
        out.append(_construct_tenant(data).sorted())
    return out


def _construct_tenant(data: dict) -> s.Tenant:
    """Specs from rows that were validated when written: constructing them without
    re-validating is what lets a 50,000-seat box render in seconds."""
    c = data["caller_id"]
    ivrs = []
    for i in data["ivrs"]:
        ivrs.append(s.Ivr.model_construct(**{**i, "greeting": s.Greeting.model_construct(**i["greeting"])}))
    queues = [s.Queue.model_construct(**{**q, "no_agent": s.NoAgent.model_construct(**q["no_agent"]),
                                         "callback": s.Callback.model_construct(**q["callback"]) if q["callback"] else None})
              for q in data["queues"]]
    trunks = [s.Trunk.model_construct(**{("register_" if k == "register" else k): v for k, v in t.items()})
              for t in data["trunks"]]
    fields = {
        **data,
        "caller_id": s.CallerId.model_construct(**c),
        "lease": s.Lease.model_construct(**data["lease"]) if data["lease"] else None,
        "billing": s.Billing.model_construct(**data["billing"]) if data["billing"] else None,
        "recording": s.Recording.model_construct(**data["recording"]) if "recording" in data else s.Recording(),
        "seats": [s.Seat.model_construct(**x) for x in data["seats"]],
        "queues": queues,
        "ivrs": ivrs,
        "numbers": [s.Number.model_construct(**n) for n in data["numbers"]],
        "trunks": trunks,
        "customers": [s.Customer.model_construct(**x) for x in data["customers"]],
        "campaigns": [],
        "webhooks": [s.Webhook.model_construct(**w) for w in data["webhooks"]],
    }
    return s.Tenant.model_construct(**fields)


def queue_data(r: m.Queue) -> dict:
    return {
        "name": r.name, "display_name": r.display_name, "skill": r.skill, "strategy": r.strategy,
        "moh": r.moh, "announce": r.announce, "announce_every": r.announce_every,
        "max_wait": r.max_wait, "overflow": r.overflow_target,
        "no_agent": {"timeout": r.no_agent_timeout, "target": r.no_agent_target},
        "service_level": r.service_level, "wrapup": r.wrapup, "survey": r.survey,
        "callback": ({"key": r.callback_key, "attempts": r.callback_attempts, "interval": r.callback_interval}
                     if r.callback_key else None),
    }


def ivr_data(r: m.IvrMenu, options: dict[str, str]) -> dict:
    greeting = {"text": r.greeting_text, "file": r.greeting_file, "language": r.greeting_language}
    return {
        "name": r.name, "display_name": r.display_name,
        "greeting": {k: v for k, v in greeting.items() if v is not None},
        "options": options, "timeout": r.timeout, "max_failures": r.max_failures,
        "on_failure": r.failure_target, "hours": r.hours, "holidays": r.holidays,
        "closed": r.closed_target,
    }


def trunk_data(r: m.Trunk, with_secrets: bool = True) -> dict:
    return {
        "name": r.name, "type": r.type, "host": r.host, "port": r.port, "transport": r.transport,
        "username": r.username, "password": r.password if with_secrets else None, "register": r.register_gw,
        "caller_id": r.caller_id, "span_group": r.span_group,
    }


# --- writing -------------------------------------------------------------------------------

def _fill_tenant(row: m.Tenant, t: s.Tenant) -> None:
    row.name = t.name
    row.display_name = t.display_name
    row.plan = t.plan
    row.domain = t.domain
    row.seat_limit = t.seat_limit
    row.call_limit = t.call_limit
    row.caller_id_name = t.caller_id.name
    row.caller_id_number = t.caller_id.number
    row.timezone = t.timezone
    row.language = t.language
    row.lease_price = t.lease.price if t.lease else None
    row.lease_currency = t.lease.currency if t.lease else None
    row.lease_period = t.lease.period if t.lease else None
    row.webhooks = [w.model_dump() for w in t.webhooks]
    row.billing_increment = t.billing.increment if t.billing else None
    row.billing_minimum = t.billing.minimum if t.billing else None


def _fill_queue(row: m.Queue, q: s.Queue) -> None:
    row.name, row.display_name, row.skill, row.strategy = q.name, q.display_name, q.skill, q.strategy
    row.moh, row.announce, row.announce_every, row.max_wait = q.moh, q.announce, q.announce_every, q.max_wait
    row.overflow_target = q.overflow
    row.no_agent_timeout, row.no_agent_target = q.no_agent.timeout, q.no_agent.target
    row.service_level, row.wrapup = q.service_level, q.wrapup
    row.survey = q.survey
    cb = q.callback
    row.callback_key = cb.key if cb else None
    row.callback_attempts, row.callback_interval = (cb.attempts, cb.interval) if cb else (3, 120)


def _fill_ivr(row: m.IvrMenu, i: s.Ivr) -> None:
    row.name, row.display_name = i.name, i.display_name
    row.greeting_text, row.greeting_file, row.greeting_language = i.greeting.text, i.greeting.file, i.greeting.language
    row.timeout, row.max_failures, row.failure_target = i.timeout, i.max_failures, i.on_failure
    row.hours, row.holidays, row.closed_target = i.hours, list(i.holidays), i.closed


def _fill_trunk(row: m.Trunk, t: s.Trunk) -> None:
    row.name, row.type, row.host, row.port, row.transport = t.name, t.type, t.host, t.port, t.transport
    row.username, row.password, row.register_gw = t.username, t.password, t.register_
    row.caller_id, row.span_group = t.caller_id, t.span_group


def _fill_seat(row: m.Seat, seat: s.Seat) -> None:
    row.extension, row.display_name, row.remote = seat.extension, seat.name, seat.remote
    row.supervisor = seat.supervisor
    if seat.password:
        row.password = seat.password
    elif not row.password:
        row.password = generate_password()


def _fill_simple(fields):
    def fill(row, item):
        for f in fields:
            setattr(row, f, getattr(item, f))
    return fill


_COLLECTION_ROWS = {
    "seats": (m.Seat, "extension", _fill_seat),
    "queues": (m.Queue, "name", _fill_queue),
    "ivrs": (m.IvrMenu, "name", _fill_ivr),
    "numbers": (m.Number, "number", _fill_simple(("number", "target"))),
    "trunks": (m.Trunk, "name", _fill_trunk),
}


def _item_equal(kind: str, a, b) -> bool:
    exclude = {"password"} if kind == "seats" else set()
    return a.model_dump(exclude=exclude) == b.model_dump(exclude=exclude) and not (
        kind == "seats" and b.password and a.password != b.password
    )


def write_tenants(session: Session, desired: list[s.Tenant], current: dict[str, s.Tenant]) -> None:
    """Write several tenants as one change. What is unique across tenants (domains, numbers)
    is first let go of by every tenant that gives it up, so that two tenants can swap domains
    or a number can move to a tenant written earlier."""
    for t in desired:
        if t.name in current:
            _release(session, t, current[t.name])
    session.flush()
    for t in desired:
        write_tenant(session, t, current.get(t.name))


def _release(session: Session, desired: s.Tenant, current: s.Tenant) -> None:
    row = session.exec(select(m.Tenant).where(m.Tenant.name == desired.name)).one()
    if row.domain != desired.domain:
        row.domain = None
    gone = [n.number for n in current.numbers if n.number not in {x.number for x in desired.numbers}]
    if gone:
        session.exec(delete(m.Number).where(m.Number.tenant_id == row.id, m.Number.number.in_(gone)))


def write_tenant(session: Session, desired: s.Tenant, current: s.Tenant | None) -> None:
    """Make the rows of one tenant match DESIRED. CURRENT is what load_tenants returned."""
    row = session.exec(select(m.Tenant).where(m.Tenant.name == desired.name)).first()
    if row is None:
        row = m.Tenant(name=desired.name, plan=desired.plan, seat_limit=0, call_limit=0, timezone="UTC", language="en")
        session.add(row)
    _fill_tenant(row, desired)
    session.flush()
    rec = session.exec(select(m.RecordingPolicy).where(m.RecordingPolicy.tenant_id == row.id)).first()
    if rec is None:
        rec = m.RecordingPolicy(tenant_id=row.id, mode="none", format="wav", retention_days=0, legal_hold=False)
        session.add(rec)
    for f in ("mode", "format", "retention_days", "legal_hold"):
        setattr(rec, f, getattr(desired.recording, f))

    for kind, (model, key, fill) in _COLLECTION_ROWS.items():
        want = {getattr(i, key): i for i in getattr(desired, kind)}
        have = {getattr(i, key): i for i in getattr(current, kind)} if current else {}
        gone = [k for k in have if k not in want]
        changed = [k for k in want if k in have and not _item_equal(kind, have[k], want[k])]
        added = [k for k in want if k not in have]
        if not (gone or changed or added):
            continue
        keycol = getattr(model, key)
        if gone:
            session.exec(delete(model).where(model.tenant_id == row.id, keycol.in_(gone)))
        existing = {}
        if changed:
            existing = {getattr(r, key): r for r in session.exec(
                select(model).where(model.tenant_id == row.id, keycol.in_(changed))).all()}
        for k in added:
            existing[k] = model(tenant_id=row.id, **({"password": ""} if kind == "seats" else {}))
            session.add(existing[k])
        for k in changed + added:
            fill(existing[k], want[k])
        session.flush()
        for k in changed + added:
            _write_children(session, kind, existing[k], want[k], is_new=k in added)
    if desired.customers:
        from ccctl.cti.customers import upsert

        upsert(session, row.id, desired.customers)
    if desired.campaigns:
        from ccctl.outbound.campaigns import from_site

        # After the collections: a campaign may name a queue or trunk added by this apply.
        from_site(session, row, desired.campaigns)


def _write_children(session: Session, kind: str, row, item, *, is_new: bool) -> None:
    if kind == "seats":
        if not is_new:
            session.exec(delete(m.SeatSkill).where(m.SeatSkill.seat_id == row.id))
        session.add_all(m.SeatSkill(seat_id=row.id, skill=k, level=v) for k, v in item.skills.items())
    elif kind == "ivrs":
        if not is_new:
            session.exec(delete(m.IvrOption).where(m.IvrOption.menu_id == row.id))
        session.add_all(m.IvrOption(menu_id=row.id, digit=d, target=t) for d, t in item.options.items())


def delete_tenant(session: Session, name: str) -> None:
    session.exec(delete(m.Tenant).where(m.Tenant.name == name))


def tenant_names(session: Session) -> list[str]:
    return list(session.exec(select(m.Tenant.name).order_by(m.Tenant.name)).all())


def taken_elsewhere(session: Session, exclude: Iterable[str]) -> dict[str, dict[str, str]]:
    """Numbers and domains owned by tenants outside EXCLUDE: what a change must not collide with."""
    exclude = list(exclude)
    numbers = session.exec(
        select(m.Number.number, m.Tenant.name).join(m.Tenant, m.Number.tenant_id == m.Tenant.id)
        .where(m.Tenant.name.not_in(exclude))
    ).all()
    domains = session.exec(select(m.Tenant.name, m.Tenant.domain).where(m.Tenant.name.not_in(exclude))).all()
    return {
        "numbers": {n: t for n, t in numbers},
        "domains": {(d or f"{t}.cc.local"): t for t, d in domains},
    }
