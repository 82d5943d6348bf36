"""A single box's rows carried into the fleet's database (`ccctl fleet join`, join.py).

Every table is handled by one rule, decided from its columns, so a table added later is
carried without a change here (or refused by name, never skipped in silence):
  tenant             every row, homed on the joining node, its identity (`uid`) kept;
  by foreign key     a row whose parent row was carried (seats, queues, numbers, IVR options,
                     contacts, ...), its references moved to the parent's new id;
  by tenant          operational rows (call rows, agent events, recordings index, audit, usage,
                     callbacks, campaigns, do-not-call): those the box's tenants own
                     (ccctl/model/owner.py) get the owner's identity written in, so the fleet
                     can never count them for another tenant of the same name; rows of a removed
                     tenant's identity come along as they are (never shown, kept for retention);
  by identity        accounts and API tokens of the box's tenants (the box's provider admins,
                     with no tenant, stay behind: the fleet has its own);
  STAYS              what belongs to this machine or to one database, never to the fleet.
Integer ids are the fleet's own (its other nodes' rows hold the box's numbers already): every
row gets a new one and references follow. A tenant's identity is its `uid`, never its id.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import Table, select
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

from ccctl.errors import CcError

STAYS = {
    "node": "the fleet's own",
    "setting": "box-wide values: only the tenants' webhook secrets and the ESL password are carried (join.py)",
    "voice_card": "hardware of this machine (join refuses a box with voice cards)",
    "web_session": "sign-ins on this box: people sign in again",
    "signin_throttle": "failed sign-ins counted on this box",
    "alembic_version": "each database's own schema record",
}


@dataclass
class Carried:
    rows: dict[str, int] = field(default_factory=dict)
    """Rows carried, per table."""
    left: dict[str, int] = field(default_factory=dict)
    """Rows left on the box, per table (box-wide accounts, rows no tenant of the box owns)."""


def _int_id(table: Table) -> bool:
    pk = list(table.primary_key.columns)
    return len(pk) == 1 and pk[0].name == "id" and pk[0].type.python_type is int


def _parents(table: Table) -> dict[str, str]:
    """{column: parent table} of TABLE's foreign keys."""
    return {fk.parent.name: fk.column.table.name for fk in table.foreign_keys}


def tables() -> list[Table]:
    """Every table, parents before children; refuses one no rule covers."""
    import ccctl.model  # noqa: F401  (every table registered)

    out = []
    for table in SQLModel.metadata.sorted_tables:
        if table.name in STAYS:
            continue
        cols = set(table.c.keys())
        if table.name != "tenant" and not _parents(table) and not {"tenant", "tenant_uid"} & cols:
            raise CcError(f"table {table.name}: no rule carries it into a fleet (ccctl/fleet/carry.py)")
        out.append(table)
    return out


def carry(box: Connection, fleet: Connection, node: str) -> Carried:
    """Copy the box's rows (BOX) into the fleet (FLEET, inside its transaction), homed on NODE."""
    result = Carried()
    tenant = SQLModel.metadata.tables["tenant"]
    owners = dict(box.execute(select(tenant.c.name, tenant.c.uid)).all())
    uids = set(owners.values())
    new_ids: dict[str, dict[int, int]] = defaultdict(dict)
    referenced = {fk.column.table.name for t in SQLModel.metadata.sorted_tables for fk in t.foreign_keys}
    for table in tables():
        parents = _parents(table)
        cols = set(table.c.keys())
        keep, left = [], 0
        for row in box.execute(select(table)).mappings():
            values = dict(row)
            if table.name == "tenant":
                values["home_node"] = node
            elif parents:
                if any(values[c] is not None and values[c] not in new_ids[p] for c, p in parents.items()):
                    left += 1  # its parent stayed behind (a box-wide account's sessions, ...)
                    continue
                for c, p in parents.items():
                    if values[c] is not None:
                        values[c] = new_ids[p][values[c]]
            elif "tenant" in cols:
                holder = owners.get(values["tenant"])
                if values["tenant_uid"] is None:
                    if holder is None:
                        left += 1  # written by name while no tenant held it: owned by nobody
                        continue
                    values["tenant_uid"] = holder
            elif values["tenant_uid"] not in uids:
                left += 1  # a provider admin of this box, or a removed tenant's account
                continue
            if "node" in cols:
                values["node"] = node  # rows this box made: the fleet names the node they came from
            keep.append(values)
        _insert(fleet, table, keep, new_ids[table.name] if table.name in referenced else None)
        result.rows[table.name] = len(keep)
        if left:
            result.left[table.name] = left
    return result


def _insert(fleet: Connection, table: Table, rows: list[dict], ids: dict[int, int] | None) -> None:
    if not rows:
        return
    if not _int_id(table):
        fleet.execute(table.insert(), rows)
        return
    if ids is None:
        fleet.execute(table.insert(), [{k: v for k, v in r.items() if k != "id"} for r in rows])
        return
    for r in rows:  # a parent: its new id is needed for its children
        ids[r["id"]] = fleet.execute(
            table.insert().values({k: v for k, v in r.items() if k != "id"}).returning(table.c.id)
        ).scalar_one()
