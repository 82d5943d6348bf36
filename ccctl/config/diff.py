"""What would change: the difference between the tenants in the database and desired ones."""

from __future__ import annotations

from dataclasses import dataclass, field

from ccctl.config import spec as s

_COLLECTIONS = (*s.COLLECTIONS, "customers", "campaigns")  # operational: ccctl/customers.py, ccctl/dialer/campaigns.py


@dataclass(frozen=True)
class Change:
    op: str  # add | change | remove
    kind: str  # tenant | seat | queue | ivr | number | trunk | customer | campaign
    tenant: str
    key: str
    fields: tuple[str, ...] = field(default=())

    def __str__(self) -> str:
        sign = {"add": "+", "change": "~", "remove": "-"}[self.op]
        what = f"{self.kind} {self.tenant}" if self.kind == "tenant" else f"{self.kind} {self.tenant}/{self.key}"
        detail = f" ({', '.join(self.fields)})" if self.fields else ""
        return f"{sign} {what}{detail}"

    def as_dict(self) -> dict:
        return {"op": self.op, "kind": self.kind, "tenant": self.tenant, "key": self.key, "fields": list(self.fields)}


def _changed_fields(a: dict, b: dict, prefix: str = "") -> list[str]:
    out = []
    for k in sorted(set(a) | set(b)):
        va, vb = a.get(k), b.get(k)
        if va == vb:
            continue
        if isinstance(va, dict) and isinstance(vb, dict) and k not in ("skills", "options", "hours", "fields"):
            out.extend(_changed_fields(va, vb, f"{prefix}{k}."))
        else:
            out.append(prefix + k)
    return out


def _dump(item, kind: str) -> dict:
    return item.model_dump(exclude={"password"} if kind == "seats" else set())


def same_fields(a, b, kind: str) -> bool:
    """A quick yes for two items whose fields are equal (but a seat's password), so they dump
    alike: most of a 10,000-seat tenant is unchanged, and comparing dumps costs five times more.
    No: compare the dumps (equal values of other types may dump alike)."""
    if kind == "seats":
        return {**a.__dict__, "password": None} == {**b.__dict__, "password": None}
    return a.__dict__ == b.__dict__


def diff_tenant(current: s.Tenant | None, desired: s.Tenant | None) -> list[Change]:
    if desired is None:
        return [Change("remove", "tenant", current.name, current.name)]
    name = desired.name
    out: list[Change] = []
    top_a = current.model_dump(exclude=set(_COLLECTIONS)) if current else None
    top_b = desired.model_dump(exclude=set(_COLLECTIONS))
    if current is None:
        out.append(Change("add", "tenant", name, name))
    elif top_a != top_b:
        out.append(Change("change", "tenant", name, name, tuple(_changed_fields(top_a, top_b))))
    for kind, (_, key) in s.COLLECTIONS.items():
        have = {getattr(i, key): i for i in getattr(current, kind)} if current else {}
        want = {getattr(i, key): i for i in getattr(desired, kind)}
        noun = kind[:-1]
        for k in sorted(set(have) | set(want)):
            if k not in want:
                out.append(Change("remove", noun, name, k))
            elif k not in have:
                out.append(Change("add", noun, name, k))
            else:
                pw = kind == "seats" and want[k].password and want[k].password != have[k].password
                if not pw and same_fields(have[k], want[k], kind):
                    continue
                a, b = _dump(have[k], kind), _dump(want[k], kind)
                if a != b or pw:
                    out.append(
                        Change("change", noun, name, k, tuple(_changed_fields(a, b)) + (("password",) if pw else ()))
                    )
    return out
