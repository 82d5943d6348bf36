"""Single-entity operations (add, show, set, remove) for every noun, on top of the one
write path. The CLI is a thin layer over these; so is the TUI.

Each write is a patch: a plan (service.change) that re-reads its tenant inside the
configuration lock and changes one item of it, so concurrent writers compose instead of
writing back stale whole-tenant snapshots. (resources: the operations on configuration
objects; service: the write path under them.)"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from ccctl.app import Services
from ccctl.config import part, store
from ccctl.config import spec as s
from ccctl.config.write import Edit, Result, change
from ccctl.db import session_scope
from ccctl.errors import Conflict, InvalidInput, NotFound


@dataclass(frozen=True)
class Noun:
    name: str  # seat
    collection: str  # seats
    spec: type[s.Spec]
    key: str  # extension


NOUNS: dict[str, Noun] = {
    kind[:-1]: Noun(kind[:-1], kind, spec_cls, key) for kind, (spec_cls, key) in s.COLLECTIONS.items()
}


def _validate(cls, data: dict, what: str):
    try:
        return cls.model_validate(data)
    except ValidationError as exc:
        from ccctl.config.load import validation_message  # with the YAML reader: not for every command

        raise InvalidInput(validation_message(exc, what)) from None


def set_path(data: dict, dotted: str, value: Any) -> None:
    """Set 'no_agent.timeout' inside nested dicts."""
    parts = dotted.split(".")
    if not all(parts):
        raise InvalidInput(f"{dotted!r} is not a field name")
    for i, p in enumerate(parts[:-1]):
        nxt = data.get(p)
        if nxt is None:
            nxt = data[p] = {}
        elif not isinstance(nxt, dict):
            raise InvalidInput(f"{dotted}: {'.'.join(parts[: i + 1])} is a single value, with no fields inside it")
        data = nxt
    data[parts[-1]] = value


def _field_type(model: type, dotted: str):
    """The annotation at DOTTED inside MODEL (None when unknown); refuses dots into a plain value."""
    import typing

    from pydantic import BaseModel

    annotation = model
    parts = dotted.split(".")
    for i, step in enumerate(parts):
        if typing.get_origin(annotation) is dict:  # a map (an IVR's hours, options): PART is a key
            annotation = _unwrap(typing.get_args(annotation)[1])
            continue
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            raise InvalidInput(f"{dotted}: {'.'.join(parts[:i])} is a single value, with no fields inside it")
        fields = {f.alias or name: f for name, f in annotation.model_fields.items()}
        if step not in fields:
            return None
        annotation = _unwrap(fields[step].annotation)
    return annotation


def _unwrap(annotation):
    """Optional[X] and Annotated[X, ...] are X here."""
    import typing

    while True:
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if typing.get_origin(annotation) is typing.Annotated or (
            len(args) == 1 and typing.get_origin(annotation) not in (list, dict, typing.Literal)
        ):
            annotation = args[0]
        else:
            return annotation


ONE_OF = {"greeting.text": "greeting.file", "greeting.file": "greeting.text"}
"""Fields of which exactly one is set: setting one clears the other."""


def _clear_alternatives(data: dict, fields: dict[str, Any]) -> None:
    for k in fields:
        other = ONE_OF.get(k)
        if other and other not in fields and fields[k] is not None:
            head, _, last = other.rpartition(".")
            inner = data
            for p in head.split("."):
                inner = inner.get(p) if isinstance(inner, dict) else None
            if isinstance(inner, dict):
                inner.pop(last, None)


def typed_fields(model: type, raw: dict[str, str]) -> dict[str, Any]:
    """KEY=VALUE text from a command line, typed by the schema: a text field takes the text as
    written (name=yes, name=007 and name='Sales: Bob' stay text), anything else is read as
    YAML (remote=true, skills={sales: 5})."""
    from ccctl.config import yamlio

    out: dict[str, Any] = {}
    for key, text in raw.items():
        if text is None or not text.strip():
            out[key] = None
            continue
        if _field_type(model, key) is str:
            out[key] = text
        else:
            out[key] = yamlio.parse(text, f"value of {key}")
    return out


def get_tenant(services: Services, name: str, *, with_secrets: bool = False, only: part.Only | None = None) -> s.Tenant:
    """Tenant NAME; with ONLY, read in that part (config/part.py)."""
    with session_scope(services.engine) as session:
        found = store.load_tenants(session, [name], with_secrets=with_secrets, only=only)
    if not found:
        raise NotFound(f"tenant {name} not found")
    return found[0]


def list_tenants(services: Services, *, with_secrets: bool = False) -> list[s.Tenant]:
    with session_scope(services.engine) as session:
        return store.load_tenants(session, with_secrets=with_secrets)


def _locked_tenant(session, name: str, only: part.Only | None = None) -> s.Tenant:
    found = store.load_tenants(session, [name], with_secrets=True, only=only)
    if not found:
        raise NotFound(f"tenant {name} not found")
    return found[0]


def add_tenant(services: Services, name: str, fields: dict[str, Any], *, dry_run: bool = False) -> Result:
    data = {"name": name}
    for k, v in fields.items():
        set_path(data, k, v)
    tenant = _validate(s.Tenant, data, f"tenant {name}")

    def plan(session) -> Edit:
        if name in store.tenant_names(session):
            raise Conflict(f"tenant {name} already exists")
        return Edit([tenant])

    return change(services, plan, dry_run=dry_run)


def set_tenant(services: Services, name: str, fields: dict[str, Any], *, dry_run: bool = False) -> Result:
    for k in fields:
        if k.split(".")[0] in s.COLLECTIONS:
            raise InvalidInput(f"{k}: change {k.split('.')[0]} with their own commands")

    # the tenant's own fields: its seats and numbers are not read (the seat limit is checked
    # against their count)
    only = part.just("tenant")

    def plan(session) -> Edit:
        current = _locked_tenant(session, name, only)
        data = current.model_dump(exclude_none=True)
        for k, v in fields.items():
            set_path(data, k, v)
        if data.get("name") != name:
            raise InvalidInput("a tenant cannot be renamed; export, edit and apply instead")
        return Edit([_validate(s.Tenant, data, f"tenant {name}")], only={name: only})

    return change(services, plan, dry_run=dry_run)


def patch_tenant(services: Services, name: str, patch: Callable[[dict], dict], *, dry_run: bool = False) -> Result:
    """The tenant's own fields as PATCH makes them from what they are inside the lock; its
    seats, queues and the rest as they are then (a form's save: nothing it did not edit is
    written back from an older read)."""

    def plan(session) -> Edit:
        current = _locked_tenant(session, name)
        data = patch(current.model_dump(exclude_none=True, exclude=set(s.COLLECTIONS)))
        if data.get("name") != name:
            raise InvalidInput("a tenant cannot be renamed; export, edit and apply instead")
        data.update({c: getattr(current, c) for c in s.COLLECTIONS})
        return Edit([_validate(s.Tenant, data, f"tenant {name}")])

    return change(services, plan, dry_run=dry_run)


def edit_tenant(
    services: Services, name: str, edit: Callable[[s.Tenant], s.Tenant], *, dry_run: bool = False
) -> Result:
    """Tenant NAME as EDIT makes it from the whole tenant read inside the lock (several of its
    collections changed together: the wizard's first queue and its seats' skill)."""

    def plan(session) -> Edit:
        new = edit(_locked_tenant(session, name))
        if new.name != name:
            raise InvalidInput("a tenant cannot be renamed; export, edit and apply instead")
        return Edit([_validate(s.Tenant, new.model_dump(by_alias=True), f"tenant {name}")])

    return change(services, plan, dry_run=dry_run)


def remove_tenant(services: Services, name: str, *, dry_run: bool = False, purge: bool = False) -> Result:
    """Refused while the tenant keeps data (legal hold, recordings or call rows inside
    retention) unless PURGE; `archive_tenant` writes it to a file first."""
    from ccctl.recordings.index import scan

    try:
        scan(services, name)  # files FreeSWITCH wrote that the index does not know yet count too
    except OSError:
        pass

    def plan(session) -> Edit:
        _locked_tenant(session, name)
        return Edit([], [name], purge=purge)

    return change(services, plan, dry_run=dry_run)


def list_items(services: Services, noun: str, tenant: str | None = None) -> list[tuple[str, s.Spec]]:
    n = NOUNS[noun]
    # of the big collections (seats, numbers), only the one listed is read
    only = {kind: keys for kind, keys in part.just(n.collection).items() if kind != n.collection}
    if tenant:
        tenants = [get_tenant(services, tenant, only=only)]
    else:
        with session_scope(services.engine) as session:
            tenants = store.load_tenants(session, only=only)
    return [(t.name, item) for t in tenants for item in getattr(t, n.collection)]


def _find(t: s.Tenant, n: Noun, key: str):
    for i, item in enumerate(getattr(t, n.collection)):
        if getattr(item, n.key) == key:
            return i, item
    raise NotFound(f"{n.name} {t.name}/{key} not found")


def get_item(services: Services, noun: str, tenant: str, key: str) -> s.Spec:
    n = NOUNS[noun]
    return _find(get_tenant(services, tenant, only=part.just(n.collection, [key])), n, key)[1]


def _patch(services: Services, noun: str, tenant: str, keys: Iterable[str], edit, *, dry_run: bool) -> Result:
    """Change TENANT's collection for NOUN with EDIT(items) -> items, re-read under the lock.
    Of the tenant's seats and numbers, only KEYS and what routes to them are read
    (config/part.py)."""
    keys = list(keys)
    n = NOUNS[noun]

    def plan(session) -> Edit:
        only = part.touching(session, tenant, n.collection, keys)
        t = _locked_tenant(session, tenant, only)
        return Edit([t.model_copy(update={n.collection: edit(t, list(getattr(t, n.collection)))})], only={tenant: only})

    return change(services, plan, dry_run=dry_run)


def add_item(
    services: Services, noun: str, tenant: str, key: str, fields: dict[str, Any], *, dry_run: bool = False
) -> Result:
    n = NOUNS[noun]
    data = {n.key: key}
    for k, v in fields.items():
        set_path(data, k, v)
    try:
        item = _validate(n.spec, data, f"{n.name} {tenant}/{key}")
    except InvalidInput:
        if any(getattr(i, n.key) == key for i in getattr(get_tenant(services, tenant), n.collection)):
            raise Conflict(f"{n.name} {tenant}/{key} already exists") from None
        raise

    def edit(t, items):
        if any(getattr(i, n.key) == key for i in items):
            raise Conflict(f"{n.name} {tenant}/{key} already exists")
        return [*items, item]

    return _patch(services, noun, tenant, [key], edit, dry_run=dry_run)


def set_item(
    services: Services, noun: str, tenant: str, key: str, fields: dict[str, Any], *, dry_run: bool = False
) -> Result:
    n = NOUNS[noun]

    def edit(t, items):
        i, item = _find(t, n, key)
        data = item.model_dump(exclude_none=True)
        for k, v in fields.items():
            set_path(data, k, v)
        _clear_alternatives(data, fields)
        if data.get(n.key) != key:
            raise InvalidInput(f"{n.key} cannot be changed; remove and add instead")
        new = _validate(n.spec, data, f"{n.name} {tenant}/{key}")
        if noun == "seat" and not new.password:
            new = new.model_copy(update={"password": item.password})
        items[i] = new
        return items

    return _patch(services, noun, tenant, [key], edit, dry_run=dry_run)


def patch_item(
    services: Services, noun: str, tenant: str, key: str, patch: Callable[[dict], dict], *, dry_run: bool = False
) -> Result:
    """Item KEY of TENANT as PATCH makes it from its fields as they are inside the lock."""
    n = NOUNS[noun]

    def edit(t, items):
        i, item = _find(t, n, key)
        data = patch(item.model_dump(exclude_none=True))
        if data.get(n.key) != key:
            raise InvalidInput(f"{n.key} cannot be changed; remove and add instead")
        items[i] = _validate(n.spec, data, f"{n.name} {tenant}/{key}")
        return items

    return _patch(services, noun, tenant, [key], edit, dry_run=dry_run)


def patch_items(
    services: Services,
    noun: str,
    tenant: str,
    keys: list[str],
    patch: Callable[[dict], dict],
    *,
    dry_run: bool = False,
) -> Result:
    """Items KEYS of TENANT, each as PATCH makes it from its fields inside the lock: one write,
    all of them or none (a console's edit of several rows: skills on 20 seats)."""
    n = NOUNS[noun]

    def edit(t, items):
        for key in keys:
            i, item = _find(t, n, key)
            data = patch(item.model_dump(exclude_none=True))
            if data.get(n.key) != key:
                raise InvalidInput(f"{n.key} cannot be changed; remove and add instead")
            items[i] = _validate(n.spec, data, f"{n.name} {tenant}/{key}")
        return items

    return _patch(services, noun, tenant, keys, edit, dry_run=dry_run)


def add_items(
    services: Services,
    noun: str,
    tenant: str,
    items: dict[str, dict[str, Any]],
    *,
    skip_existing: bool = False,
    dry_run: bool = False,
) -> Result:
    """Add ITEMS (key -> fields) to TENANT in one change: all of them or none (a seat limit
    reached by the 27th of 100 refuses the 100). With SKIP_EXISTING, keys already there are
    left as they are; otherwise one of them refuses the change."""
    n = NOUNS[noun]
    new = [_validate(n.spec, _fields(n, key, fields), f"{n.name} {tenant}/{key}") for key, fields in items.items()]

    def edit(t, have):
        keys = {getattr(i, n.key) for i in have}
        taken = [getattr(i, n.key) for i in new if getattr(i, n.key) in keys]
        if taken and not skip_existing:
            raise Conflict(f"{n.name} {tenant}/{taken[0]} already exists")
        return [*have, *(i for i in new if getattr(i, n.key) not in keys)]

    return _patch(services, noun, tenant, items.keys(), edit, dry_run=dry_run)


def _fields(n: Noun, key: str, fields: dict[str, Any]) -> dict:
    data = {n.key: key}
    for k, v in fields.items():
        set_path(data, k, v)
    return data


def remove_item(services: Services, noun: str, tenant: str, key: str, *, dry_run: bool = False) -> Result:
    n = NOUNS[noun]

    def edit(t, items):
        i, _ = _find(t, n, key)
        del items[i]
        return items

    return _patch(services, noun, tenant, [key], edit, dry_run=dry_run)


def seat_password(services: Services, tenant: str, extension: str) -> str:
    t = get_tenant(services, tenant, with_secrets=True, only=part.just("seats", [extension]))
    return _find(t, NOUNS["seat"], extension)[1].password


def trunk_credentials(services: Services, tenant: str, name: str) -> tuple[str | None, str | None]:
    """(username, password) of a trunk: the one place besides rendering that reads them."""
    trunk = _find(get_tenant(services, tenant, with_secrets=True), NOUNS["trunk"], name)[1]
    return trunk.username, trunk.password


def config_stamp(services: Services) -> int:
    """The committed configuration generation: it moves with every write by anyone (this
    process, another admin's ccctl), so a screen can tell its lists are out of date."""
    from ccctl.deploy import generation

    with session_scope(services.engine) as session:
        return generation.current(session)
