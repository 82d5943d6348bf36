"""Customer records (caller number -> name and fields, for screen pop and routing): operational
data with its own commands, apart from the declarative tenant.

`apply` never deletes a customer: a site file may still list customers, which are added or
updated (customers_from_site), and nothing else. Imports of 100,000 records run as a few bulk
statements in one short transaction, without the configuration lock.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Iterable

from pydantic import ValidationError
from sqlalchemy import delete, select

from ccctl import model as m
from ccctl.config import spec as s
from ccctl.db import session_scope
from ccctl.errors import Conflict, InvalidInput, NotFound

BATCH = 5000
"""Rows per statement: under every database's parameter limit."""


def _tenant_id(session, tenant: str) -> int:
    tid = session.execute(select(m.Tenant.id).where(m.Tenant.name == tenant)).scalar()
    if tid is None:
        raise NotFound(f"tenant {tenant} not found")
    return tid


def _spec(row) -> s.Customer:
    return s.Customer.model_construct(number=row.number, name=row.name, fields=dict(row.fields or {}))


def parse(data: dict, where: str) -> s.Customer:
    try:
        return s.Customer.model_validate(data)
    except ValidationError as exc:
        from ccctl.config.load import validation_message

        raise InvalidInput(validation_message(exc, where)) from None


def list_customers(services, tenant: str, *, number: str | None = None) -> list[s.Customer]:
    with session_scope(services.engine) as session:
        tid = _tenant_id(session, tenant)
        q = select(m.Customer.__table__).where(m.Customer.tenant_id == tid)
        if number is not None:
            q = q.where(m.Customer.number == number)
        return [_spec(r) for r in session.execute(q.order_by(m.Customer.number)).all()]


def get_customer(services, tenant: str, number: str) -> s.Customer:
    found = list_customers(services, tenant, number=number)
    if not found:
        raise NotFound(f"customer {tenant}/{number} not found")
    return found[0]


def add_customer(services, tenant: str, customer: s.Customer) -> None:
    with session_scope(services.engine) as session:
        tid = _tenant_id(session, tenant)
        if session.execute(
            select(m.Customer.id).where(m.Customer.tenant_id == tid, m.Customer.number == customer.number)
        ).first():
            raise Conflict(f"customer {tenant}/{customer.number} already exists")
        session.add(m.Customer(tenant_id=tid, number=customer.number, name=customer.name, fields=customer.fields))


def remove_customer(services, tenant: str, number: str) -> None:
    with session_scope(services.engine) as session:
        tid = _tenant_id(session, tenant)
        gone = session.execute(delete(m.Customer).where(m.Customer.tenant_id == tid, m.Customer.number == number))
        if gone.rowcount == 0:
            raise NotFound(f"customer {tenant}/{number} not found")


def upsert(session, tenant_id: int, customers: Iterable[s.Customer]) -> tuple[int, int]:
    """Add or replace CUSTOMERS of one tenant by number; (added, changed). Bulk statements."""
    items = {c.number: c for c in customers}
    numbers = list(items)
    have = {}
    for i in range(0, len(numbers), BATCH):
        part = numbers[i : i + BATCH]
        for r in session.execute(
            select(m.Customer.__table__).where(m.Customer.tenant_id == tenant_id, m.Customer.number.in_(part))
        ).all():
            have[r.number] = r
    changed = [
        n
        for n in numbers
        if n in have and (have[n].name, dict(have[n].fields or {})) != (items[n].name, items[n].fields)
    ]
    added = [n for n in numbers if n not in have]
    table = m.Customer.__table__
    for i in range(0, len(changed), BATCH):
        session.execute(delete(table).where(table.c.tenant_id == tenant_id, table.c.number.in_(changed[i : i + BATCH])))
    rows = [
        {"tenant_id": tenant_id, "number": n, "name": items[n].name, "fields": items[n].fields} for n in changed + added
    ]
    for i in range(0, len(rows), BATCH):
        session.execute(table.insert(), rows[i : i + BATCH])
    return len(added), len(changed)


def import_customers(services, tenant: str, customers: list[s.Customer]) -> dict:
    with session_scope(services.engine) as session:
        added, changed = upsert(session, _tenant_id(session, tenant), customers)
    return {"tenant": tenant, "added": added, "changed": changed, "unchanged": len(customers) - added - changed}


def read_file(text: str, fmt: str, where: str) -> list[s.Customer]:
    """CSV (number,name and any further columns as fields) or JSON (a list of objects)."""
    if fmt == "json":
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise InvalidInput(f"{where}: not JSON ({exc})") from None
        if not isinstance(data, list):
            raise InvalidInput(f"{where}: expected a JSON list of customers")
        return [
            parse(d if isinstance(d, dict) else {"number": d}, f"{where}: customer {i + 1}") for i, d in enumerate(data)
        ]
    reader = csv.DictReader(io.StringIO(text), strict=True)
    start = 1
    try:
        if not reader.fieldnames or not {"number", "name"} <= set(reader.fieldnames):
            raise InvalidInput(f"{where}: a CSV needs a header with number and name (more columns become fields)")
        start = reader.line_num + 1
        out = []
        for row in reader:
            # No customer field holds a line break: one that does is a quote never closed,
            # which would glue the next rows into a name. The file is refused whole.
            if any("\n" in v or "\r" in v for v in row.values() if isinstance(v, str)):
                raise csv.Error("a quote opened here is not closed on its line")
            extra = {k: v for k, v in row.items() if k not in ("number", "name") and k and v not in (None, "")}
            out.append(parse({"number": row["number"], "name": row["name"], "fields": extra}, f"{where}: line {start}"))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise InvalidInput(f"{where}: line {start}: badly quoted ({exc}); nothing imported") from None
    return out


def write_file(customers: list[s.Customer], fmt: str) -> str:
    if fmt == "json":
        return json.dumps([c.model_dump(mode="json") for c in customers], ensure_ascii=False, indent=1) + "\n"
    keys = sorted({k for c in customers for k in c.fields})
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["number", "name", *keys])
    for c in customers:
        w.writerow([c.number, c.name, *(c.fields.get(k, "") for k in keys)])
    return buf.getvalue()


def listed_changes(session, tenant: str, customers: list[s.Customer]) -> list:
    """What applying a site file's customer list would add or change (never remove)."""
    from ccctl.config.diff import Change

    if not customers:
        return []
    tid = session.execute(select(m.Tenant.id).where(m.Tenant.name == tenant)).scalar()
    have = {}
    if tid is not None:
        numbers = [c.number for c in customers]
        for i in range(0, len(numbers), BATCH):
            for r in session.execute(
                select(m.Customer.__table__).where(
                    m.Customer.tenant_id == tid, m.Customer.number.in_(numbers[i : i + BATCH])
                )
            ).all():
                have[r.number] = r
    out = []
    for c in sorted(customers, key=lambda c: c.number):
        r = have.get(c.number)
        if r is None:
            out.append(Change("add", "customer", tenant, c.number))
        elif (r.name, dict(r.fields or {})) != (c.name, c.fields):
            out.append(Change("change", "customer", tenant, c.number))
    return out
