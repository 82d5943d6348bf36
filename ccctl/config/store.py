"""Rows <-> specs: read tenants from the database as specs, and write a spec back as rows.

Writes sync by natural key (extension, name, number) so that rows keep their ids and
generated secrets (seat passwords) survive every later apply.
"""

from __future__ import annotations

import typing
from collections import defaultdict
from typing import Iterable

from sqlalchemy import delete
from sqlmodel import Session, select

from ccctl import model as m
from ccctl.config import spec as s
from ccctl.config.bulk import gc_paused
from ccctl.config.diff import same_fields
from ccctl.db.secrets import generate_password

# --- one rule between a spec and its row ----------------------------------------------------
# A spec field and its column have the same name. A nested spec (caller_id, lease, billing,
# no_agent, callback, greeting) is stored flat, one column FIELD_SUB per field of it; an
# optional one (lease, billing, callback) left out stores its columns' table defaults and reads
# back as None when its first column is NULL. A list of specs (webhooks) is a JSON column.
# What has rows of its own (a seat's skills, an IVR's options, the tenant's recording policy
# and collections) is written and read beside the rule; tests/unit/test_entity_names.py checks
# that every other spec field has its column, and every column its spec field.

CHILDREN = {
    s.Tenant: ("recording", "seats", "queues", "ivrs", "numbers", "trunks", "customers", "campaigns"),
    s.Seat: ("skills", "password"),
    s.Ivr: ("options",),
}
"""Spec fields that are not columns of the entity's row: child rows, or (a seat's password)
read and written by rules of their own."""

_NESTED, _OPTIONAL, _SPECS = "nested", "optional", "specs"


def _nested_spec(annotation) -> type[s.Spec] | None:
    args = typing.get_args(annotation) or (annotation,)
    return next((a for a in args if isinstance(a, type) and issubclass(a, s.Spec)), None)


class Layout(typing.NamedTuple):
    """How the fields of a spec class sit in its entity's row."""

    flat: tuple[str, ...]
    """Fields that are columns of the same name."""
    parts: tuple[tuple[str, str, type[s.Spec], tuple[str, ...]], ...]
    """(field, how: nested, optional or specs, its spec class, its columns) for the others."""

    @property
    def columns(self) -> set[str]:
        return {*self.flat, *(c for *_, columns in self.parts for c in columns)}


_LAYOUTS: dict[type, Layout] = {}


def layout(spec_cls: type[s.Spec]) -> Layout:
    found = _LAYOUTS.get(spec_cls)
    if found is None:
        flat, parts = [], []
        for name, field in spec_cls.model_fields.items():
            if name in CHILDREN.get(spec_cls, ()):
                continue
            sub = _nested_spec(field.annotation)
            if sub is None:
                flat.append(name)
            elif typing.get_origin(field.annotation) is list:
                parts.append((name, _SPECS, sub, (name,)))
            else:
                how = _OPTIONAL if type(None) in typing.get_args(field.annotation) else _NESTED
                parts.append((name, how, sub, tuple(f"{name}_{k}" for k in sub.model_fields)))
        found = _LAYOUTS[spec_cls] = Layout(tuple(flat), tuple(parts))
    return found


def spec_data(row, spec_cls: type[s.Spec]) -> dict:
    """The fields of SPEC_CLS that ROW (an ORM object or a plain row) holds, as a dict of
    plain values and dicts (nested specs): what `construct` takes."""
    flat, parts = layout(spec_cls)
    data = {name: getattr(row, name) for name in flat}
    for name, how, sub, columns in parts:
        if how is _SPECS:
            data[name] = list(getattr(row, name) or [])
            continue
        values = [getattr(row, c) for c in columns]
        if how is _OPTIONAL and values[0] is None:
            data[name] = None
        else:  # a column left NULL reads back as the nested spec's default
            data[name] = {k: v for k, v in zip(sub.model_fields, values) if v is not None}
    return data


def construct(spec_cls: type[s.Spec], data: dict) -> s.Spec:
    """A spec from DATA read back from rows, which were validated when written: built without
    re-validating, which is what lets a 50,000-seat box render in seconds."""
    for name, how, sub, _ in layout(spec_cls).parts:
        value = data.get(name)
        if how is _SPECS:
            data[name] = [sub.model_construct(**x) for x in value]
        elif value is not None:
            data[name] = sub.model_construct(**value)
    return spec_cls.model_construct(**data)


def fill(row, item: s.Spec) -> None:
    """Set ROW's columns from ITEM (the same names; nested specs flat)."""
    flat, parts = layout(type(item))
    for name in flat:
        value = getattr(item, name)
        setattr(row, name, list(value) if isinstance(value, list) else value)
    for name, how, sub, columns in parts:
        value = getattr(item, name)
        if how is _SPECS:
            setattr(row, name, [v.model_dump() for v in value])
        elif value is None:  # an optional part left out: its columns' table defaults
            for c in columns:
                setattr(row, c, type(row).model_fields[c].default)
        else:
            for k, c in zip(sub.model_fields, columns):
                setattr(row, c, getattr(value, k))


@gc_paused()
def load_tenants(
    session: Session,
    names: Iterable[str] | None = None,
    *,
    with_secrets: bool = False,
    only: dict[str, Iterable[str]] | None = None,
) -> list[s.Tenant]:
    """Tenants as specs, sorted canonically. Secrets (seat and trunk passwords) only when
    asked: a tenant read to be listed or edited holds none, so nothing that shows it (a
    traceback's locals included) can show one.

    Reads plain rows (no ORM objects) with subquery filters: a 50,000-seat box renders from
    here, and a list of every seat id would overflow a statement's parameter limit.
    ONLY {collection: keys} reads just those items of the collections it names (seats,
    numbers): a tenant read in part, for a write of a few items (config/part.py).
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

    only = {kind: list(keys) for kind, keys in (only or {}).items()}

    def rows(model, where=None, kind=None):
        table = model.__table__
        if where is None:
            where = table.c.tenant_id.in_(tenant_ids)
            if kind in only:
                where = where & table.c[_COLLECTION_ROWS[kind][1]].in_(only[kind])
        return session.execute(select(table).where(where)).all()

    by_tenant: dict[str, dict[int, list]] = defaultdict(lambda: defaultdict(list))
    for kind, model in (
        ("seats", m.Seat),
        ("queues", m.Queue),
        ("ivrs", m.IvrMenu),
        ("numbers", m.Number),
        ("trunks", m.Trunk),
    ):
        for r in rows(model, kind=kind):
            by_tenant[kind][r.tenant_id].append(r)
    recs = {r.tenant_id: r for r in rows(m.RecordingPolicy)}
    skills: dict[int, dict[str, int]] = defaultdict(dict)
    seat_ids = select(m.Seat.id).where(m.Seat.tenant_id.in_(tenant_ids))
    if "seats" in only:
        seat_ids = seat_ids.where(m.Seat.extension.in_(only["seats"]))
    for sk in rows(m.SeatSkill, m.SeatSkill.seat_id.in_(seat_ids)):
        skills[sk.seat_id][sk.skill] = sk.level
    options: dict[int, dict[str, str]] = defaultdict(dict)
    menu_ids = select(m.IvrMenu.id).where(m.IvrMenu.tenant_id.in_(tenant_ids))
    for o in rows(m.IvrOption, m.IvrOption.menu_id.in_(menu_ids)):
        options[o.menu_id][o.digit] = o.target

    out = []
    for t in tenants:
        data = spec_data(t, s.Tenant)
        rec = recs.get(t.id)
        data["recording"] = construct(s.Recording, spec_data(rec, s.Recording)) if rec is not None else s.Recording()
        data["seats"] = [
            construct(
                s.Seat,
                {
                    **spec_data(r, s.Seat),
                    "skills": skills.get(r.id, {}),
                    **({"password": r.password} if with_secrets else {}),
                },
            )
            for r in by_tenant["seats"][t.id]
        ]
        for kind, spec_cls in (("queues", s.Queue), ("numbers", s.Number)):
            data[kind] = [construct(spec_cls, spec_data(r, spec_cls)) for r in by_tenant[kind][t.id]]
        data["trunks"] = [
            construct(s.Trunk, {**spec_data(r, s.Trunk), **({} if with_secrets else {"password": None})})
            for r in by_tenant["trunks"][t.id]
        ]
        data["ivrs"] = [
            construct(s.Ivr, {**spec_data(r, s.Ivr), "options": options.get(r.id, {})}) for r in by_tenant["ivrs"][t.id]
        ]
        data["customers"] = []  # operational data, not configuration: ccctl/cti/customers.py
        data["campaigns"] = []  # operational too: ccctl/outbound/campaigns.py
        out.append(construct(s.Tenant, data).sorted())
    return out


# --- writing -------------------------------------------------------------------------------


def _fill_seat(row: m.Seat, seat: s.Seat) -> None:
    fill(row, seat)
    if seat.password:
        row.password = seat.password
    elif not row.password:
        row.password = generate_password()


_COLLECTION_ROWS = {
    "seats": (m.Seat, "extension", _fill_seat),
    "queues": (m.Queue, "name", fill),
    "ivrs": (m.IvrMenu, "name", fill),
    "numbers": (m.Number, "number", fill),
    "trunks": (m.Trunk, "name", fill),
}


def _item_equal(kind: str, a, b) -> bool:
    if kind == "seats" and b.password and a.password != b.password:
        return False
    if same_fields(a, b, kind):
        return True
    exclude = {"password"} if kind == "seats" else set()
    return a.model_dump(exclude=exclude) == b.model_dump(exclude=exclude)


def write_tenants(
    session: Session, desired: list[s.Tenant], current: dict[str, s.Tenant]
) -> list[tuple[s.Tenant, m.Tenant, bool]]:
    """Write several tenants as one change. What is unique across tenants (domains, numbers)
    is first let go of by every tenant that gives it up, so that two tenants can swap domains
    or a number can move to a tenant written earlier. Returns (spec, row, created) of each:
    the write path then writes what rides along in the file but is not configuration
    (customers, campaigns)."""
    for t in desired:
        if t.name in current:
            _release(session, t, current[t.name])
    session.flush()
    return [(t, *write_tenant(session, t, current.get(t.name))) for t in desired]


def _release(session: Session, desired: s.Tenant, current: s.Tenant) -> None:
    row = session.exec(select(m.Tenant).where(m.Tenant.name == desired.name)).one()
    if row.domain != desired.domain:
        row.domain = None
    gone = [n.number for n in current.numbers if n.number not in {x.number for x in desired.numbers}]
    if gone:
        session.exec(delete(m.Number).where(m.Number.tenant_id == row.id, m.Number.number.in_(gone)))


def write_tenant(session: Session, desired: s.Tenant, current: s.Tenant | None) -> tuple[m.Tenant, bool]:
    """Make the rows of one tenant match DESIRED. CURRENT is what load_tenants returned.
    Returns the tenant's row and whether it was created."""
    row = session.exec(select(m.Tenant).where(m.Tenant.name == desired.name)).first()
    created = row is None
    if created:
        row = m.Tenant(name=desired.name, plan=desired.plan, seat_limit=0, call_limit=0, timezone="UTC", language="en")
        session.add(row)
        session.flush()
    fill(row, desired)
    session.flush()
    rec = session.exec(select(m.RecordingPolicy).where(m.RecordingPolicy.tenant_id == row.id)).first()
    if rec is None:
        rec = m.RecordingPolicy(tenant_id=row.id, mode="none", format="wav", retention_days=0, legal_hold=False)
        session.add(rec)
    fill(rec, desired.recording)

    for kind, (model, key, fill_row) in _COLLECTION_ROWS.items():
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
            existing = {
                getattr(r, key): r
                for r in session.exec(select(model).where(model.tenant_id == row.id, keycol.in_(changed))).all()
            }
        for k in added:
            existing[k] = model(tenant_id=row.id, **({"password": ""} if kind == "seats" else {}))
            session.add(existing[k])
        for k in changed + added:
            fill_row(existing[k], want[k])
        session.flush()
        for k in changed + added:
            _write_children(session, kind, existing[k], want[k], is_new=k in added)
    return row, created


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
        select(m.Number.number, m.Tenant.name)
        .join(m.Tenant, m.Number.tenant_id == m.Tenant.id)
        .where(m.Tenant.name.not_in(exclude))
    ).all()
    domains = session.exec(select(m.Tenant.name, m.Tenant.domain).where(m.Tenant.name.not_in(exclude))).all()
    return {
        "numbers": {n: t for n, t in numbers},
        "domains": {s.sip_domain(t, d): t for t, d in domains},
    }
