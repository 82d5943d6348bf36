"""Editing one object through a form: field-by-field validation errors, and the write path.

A form holds text per dotted field (`no_agent.timeout`, `greeting.text`). Pydantic's errors
and the cross-object problems of `ccctl.config.validate` both come back keyed by that field, so a
front end can show each message next to the field it is about. Saving goes through
`ccctl.config.entities` and so through the one write path: an edit patches the fields it changed
into the object as it is inside the configuration lock, all or nothing.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import ValidationError

from ccctl.config import entities
from ccctl.config import spec as s
from ccctl.config.write import Result
from ccctl.errors import CcError, NotFound

GENERAL = ""
"""The key of an error that belongs to no single field (a refusal by FreeSWITCH, a limit)."""


def parse_fields(model: type[s.Spec], raw: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """Text per field -> typed values, plus errors of text that is not even YAML."""
    values, errors = {}, {}
    for key, text in raw.items():
        try:
            values.update(entities.typed_fields(model, {key: text}))
        except CcError as exc:
            errors[key] = exc.message
    return values, errors


def _loc(loc: tuple) -> str:
    """('greeting', 'text') -> greeting.text; list indexes and dict keys stop the path there."""
    out = []
    for part in loc:
        if isinstance(part, int) or part in ("function-after[",):
            break
        out.append(str(part))
    return ".".join(out)


def _wording(err: dict) -> str:
    """The site file's words for pydantic's phrases ("a whole number", not "Input should be a
    valid integer, unable to parse string as an integer")."""
    from ccctl.config.load import _wording as words

    return words(err)


def field_info(model: type, dotted: str):
    """The pydantic FieldInfo at DOTTED inside MODEL (None inside a map or when unknown)."""
    import typing

    from pydantic import BaseModel

    annotation, info = model, None
    for step in dotted.split("."):
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return None
        fields = {f.alias or name: f for name, f in annotation.model_fields.items()}
        info = fields.get(step)
        if info is None:
            return None
        annotation = entities._unwrap(info.annotation)
        if typing.get_origin(annotation) is dict:
            return info if step == dotted.split(".")[-1] else None
    return info


def may_be_blank(model: type, dotted: str) -> bool:
    """Whether DOTTED may be left empty (an optional field: blank is 'none')."""
    import types
    import typing

    info = field_info(model, dotted)
    if info is None:
        return True
    ann = info.annotation
    return typing.get_origin(ann) in (typing.Union, types.UnionType) and type(None) in typing.get_args(ann)


def default_text(model: type, dotted: str) -> str | None:
    """The text of DOTTED's default, as a form shows it (None: no default to go back to)."""
    from pydantic import BaseModel

    info = field_info(model, dotted)
    if info is None or info.is_required():
        return None
    value = info.get_default(call_default_factory=True)
    if value is None or isinstance(value, BaseModel):
        return None
    return text_of(value)


def blank_refused(model: type, dotted: str) -> str:
    """What a form says of a required field left blank: blank never means 'the default'."""
    default = default_text(model, dotted)
    return "required" + (f" (its default is {default}: put it back explicitly)" if default is not None else "")


def validation_errors(exc: ValidationError) -> dict[str, str]:
    errors: dict[str, str] = {}
    for e in exc.errors():
        key = _loc(tuple(p for p in e["loc"] if not str(p).startswith(("function-", "literal[", "lax-"))))
        errors.setdefault(key, _wording(e))
    return errors


def check(model: type[s.Spec], data: dict) -> dict[str, str]:
    """Errors of DATA against MODEL keyed by dotted field ({} when it is valid)."""
    try:
        model.model_validate(data)
    except ValidationError as exc:
        return validation_errors(exc)
    return {}


def field_of_message(message: str, fields: list[str]) -> str:
    """The field a refusal of the write path talks about ('... overflow: target queue:x does
    not exist'): the longest field name that appears in it as a word, else GENERAL."""
    ordered = sorted(fields, key=len, reverse=True)
    for name in ordered:  # a field the problem is told of ('... number 4002: target: ...')
        if re.search(rf"(?<![\w.]){re.escape(name)}:(?!\S)", message):
            return name
    for name in ordered:  # a field named in full ('no_agent.target', 'overflow ...')
        if re.search(rf"(?<![\w.]){re.escape(name)}(?![\w])", message):
            return name
    for name in ordered:  # else by its last part ('timeout' of no_agent.timeout)
        if re.search(rf"\b{re.escape(name.split('.')[-1])}\b(?=[:=( ])", message):
            return name
    return GENERAL


def attach(errors: dict[str, str], fields: list[str]) -> dict[str, str]:
    """Errors re-keyed to the form's FIELDS: 'skills.sales' to skills, 'greeting' (a rule
    across greeting.text and greeting.file) to the first of those; else GENERAL."""
    out: dict[str, str] = {}
    for key, msg in errors.items():
        parts = key.split(".") if key else []
        where = GENERAL
        for n in range(len(parts), 0, -1):
            prefix = ".".join(parts[:n])
            if prefix in fields:
                where = prefix
                break
            inside = [f for f in fields if f.startswith(prefix + ".")]
            if inside:
                where = inside[0]
                break
        out.setdefault(where, msg)
    return out


class FormRefused(Exception):
    """A save refused before or by the write path; ERRORS maps a field (or GENERAL) to a message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k or 'error'}: {v}" for k, v in errors.items()))
        self.errors = errors


def save(
    services,
    noun: str,
    tenant: str | None,
    key: str,
    raw: dict[str, str],
    *,
    new: bool,
    loaded: dict[str, str] | None = None,
) -> Result:
    """Save the form RAW (text per field) of NOUN (tenant, seat, queue, ...) in TENANT.

    An edit is a patch of the object as it is inside the configuration lock: only the fields
    whose text differs from LOADED (what the form showed; None: every field in RAW) are
    written, so a seat added or a field changed by someone else meanwhile stays.
    Raises FormRefused with per-field messages; nothing is written then."""
    model = s.Tenant if noun == "tenant" else entities.NOUNS[noun].spec
    keyname = "name" if noun == "tenant" else entities.NOUNS[noun].key
    raw = {k: v for k, v in raw.items() if k != keyname}
    values, errors = parse_fields(model, raw)
    for k, text in raw.items():
        # A field cleared is refused, never silently its default (retention 30 -> blank -> 90):
        # going back to a default is typing it (a form's 'default' key does that). A field
        # blank as loaded (lease.price of a tenant with no lease) is left alone.
        cleared = loaded is None or bool((loaded.get(k) or "").strip())
        if not new and cleared and not text.strip() and not may_be_blank(model, k):
            errors[k] = blank_refused(model, k)
    if not key.strip():
        errors[keyname] = f"{keyname} is required"
    if errors:
        raise FormRefused(errors)
    fields = [keyname, *raw]
    if new:
        return _create(services, noun, tenant, key, model, values, fields)
    edited = {k: v for k, v in values.items() if loaded is None or raw[k] != loaded.get(k)}
    return _edit(services, noun, tenant, key, model, edited, fields)


def save_many(services, noun: str, tenant: str, keys: list[str], raw: dict[str, str]) -> Result:
    """The fields typed in RAW set on every item KEYS of TENANT, in one write; a field left
    blank stays as each item has it. Raises FormRefused like save()."""
    model = entities.NOUNS[noun].spec
    raw = {k: v for k, v in raw.items() if v.strip()}
    if not raw:
        raise FormRefused({GENERAL: "nothing to change: type the fields to set on all of them"})
    values, errors = parse_fields(model, raw)
    if errors:
        raise FormRefused(errors)
    fields = list(raw)

    def patch(data: dict) -> dict:
        _put(data, values)
        problems = check(model, data)
        if problems:
            raise FormRefused(attach(problems, fields))
        return data

    try:
        return entities.patch_items(services, noun, tenant, keys, patch)
    except NotFound as exc:
        raise FormRefused({GENERAL: exc.message + " (removed meanwhile)"}) from None
    except CcError as exc:
        raise FormRefused({field_of_message(exc.message, fields): exc.message}) from None


def _create(services, noun: str, tenant: str | None, key: str, model, values: dict, fields: list[str]) -> Result:
    keyname = fields[0]
    data = {keyname: key}
    _put(data, values)
    errors = check(model, data)
    if errors:
        raise FormRefused(attach(errors, fields))
    try:
        if noun == "tenant":
            return entities.add_tenant(services, key, _without(data, keyname))
        return entities.add_item(services, noun, tenant, key, _without(data, keyname))
    except CcError as exc:
        raise FormRefused({field_of_message(exc.message, fields): exc.message}) from None


def _edit(services, noun: str, tenant: str | None, key: str, model, values: dict, fields: list[str]) -> Result:
    """VALUES over the object as it is inside the lock; its field errors keyed as the form's."""

    def patch(data: dict) -> dict:
        _put(data, values)
        errors = check(model, data)  # a tenant's own fields: its collections are not the form's
        if errors:
            raise FormRefused(attach(errors, fields))
        return data

    try:
        if noun == "tenant":
            return entities.patch_tenant(services, key, patch)
        return entities.patch_item(services, noun, tenant, key, patch)
    except NotFound:
        raise FormRefused({GENERAL: gone(noun, tenant, key)}) from None
    except CcError as exc:
        raise FormRefused({field_of_message(exc.message, fields): exc.message}) from None


def gone(noun: str, tenant: str | None, key: str) -> str:
    """The one line a form or a row of an object removed meanwhile shows."""
    if noun == "tenant" or tenant is None:
        return f"tenant {key} was removed meanwhile"
    return f"{noun} {key} of {tenant} was removed meanwhile"


def _put(data: dict, values: dict) -> None:
    """VALUES into DATA; a value None (a field left blank) goes back to its default."""
    for k, v in values.items():
        if v is None:
            _drop(data, k)
        else:
            entities.set_path(data, k, v)


def _drop(data: dict, dotted: str) -> None:
    *parents, last = dotted.split(".")
    for p in parents:
        data = data.get(p) or {}
    data.pop(last, None)


def _without(data: dict, keyname: str) -> dict:
    return {k: v for k, v in data.items() if k != keyname}


def remove(services, noun: str, tenant: str | None, key: str) -> Result:
    if noun == "tenant":
        return entities.remove_tenant(services, key)
    return entities.remove_item(services, noun, tenant, key)


def text_of(value: Any) -> str:
    """A field's value as the text a form shows (and parse_fields reads back)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        if not value:
            return "{}" if isinstance(value, dict) else "[]"
        return _flow(value)
    return str(value)


def _scalar(value) -> str:
    """A value as plain YAML text where that reads back the same (digits stay digits: the
    schema reads option keys as text), quoted only where it must be."""
    import yaml

    plain = text_of(value)
    try:
        back = yaml.safe_load(f"[{plain}]")
    except yaml.YAMLError:
        back = None
    if back == [value] or (isinstance(value, str) and value.isdigit() and back == [int(value)]):
        return plain
    return (
        yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=10_000).strip().removesuffix("\n...")
    )


def _flow(value) -> str:
    """One line of YAML flow style: {sales: 5, support: 3}, {1: queue:sales}, [01-01, 12-25]."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_scalar(k)}: {_scalar(v)}" for k, v in value.items()) + "}"
    return "[" + ", ".join(_scalar(v) for v in value) + "]"


def values_of(obj: s.Spec, fields: list[str]) -> dict[str, str]:
    data = obj.model_dump(by_alias=True)
    out = {}
    for f in fields:
        v: Any = data
        for part in f.split("."):
            v = v.get(part) if isinstance(v, dict) else None
        out[f] = text_of(v)
    return out


def removal(services, noun: str, tenant: str | None, key: str) -> tuple[list[str], list[str]]:
    """What removing KEY takes with it, and what keeps it (the write path then refuses the
    removal: a legal hold, recordings inside retention, a target still used), for a front end
    to show before it asks."""
    from sqlalchemy import func, select

    from ccctl import model as m
    from ccctl.config import tenant_data
    from ccctl.db import session_scope

    if noun == "tenant":
        t = entities.get_tenant(services, key)
        goes = [
            f"{len(getattr(t, c))} {c}"
            for c in ("seats", "queues", "ivrs", "numbers", "trunks", "campaigns")
            if getattr(t, c) or c in ("seats", "numbers")
        ]
        with session_scope(services.engine) as session:
            R = m.Recording
            recs = session.scalar(select(func.count()).select_from(R).where(R.tenant == key, R.purged_at.is_(None)))
            kept = tenant_data.blockers(session, key)
        goes.append(f"{recs} recording(s)" + (", legal hold on" if t.recording.legal_hold else ", no legal hold"))
        return goes, kept
    t = entities.get_tenant(services, tenant)
    entities._find(t, entities.NOUNS[noun], key)  # NotFound when it went meanwhile
    ref = f"{noun}:{key}"
    users = [f"number {n.number}" for n in t.numbers if n.target == ref]
    users += [f"ivr {i.name} option {d}" for i in t.ivrs for d, x in i.options.items() if x == ref]
    users += [f"queue {q.name}" for q in t.queues if ref in (q.overflow, q.no_agent.target) and q.name != key]
    goes = [f"{noun} {tenant}/{key}"]
    if noun == "seat":
        goes.append("its SIP login (phones registered with it stop working)")
    return goes, [f"still used by {u}" for u in users]
