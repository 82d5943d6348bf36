"""--help text listing the fields a noun takes, generated from the schema itself so the
documentation can never drift from what is accepted. Written for people: 'text', 'list of
dates', never a Python type."""

from __future__ import annotations

import textwrap
import typing

from pydantic import BaseModel

_NAMES = {str: "text", int: "number", float: "number", bool: "true|false"}


def _type_name(annotation) -> str:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return _type_name(args[0])
    if origin is typing.Literal:
        return " | ".join(str(a) for a in args)
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        return " or ".join(_type_name(a) for a in args if a is not type(None))
    if origin is list:
        return f"list of {_type_name(args[0])}"
    if origin is dict:
        return f"map of {_type_name(args[0])} to {_type_name(args[1])}"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "group of " + ", ".join(f.alias or n for n, f in annotation.model_fields.items())
    return _NAMES.get(annotation, getattr(annotation, "__name__", "value").lower())


def _default(value) -> str:
    if value is None or isinstance(value, BaseModel) or value in ({}, []):
        return ""
    if isinstance(value, bool):
        return f" (default: {'true' if value else 'false'})"
    return f" (default: {value})"


def fields_help(model: type[BaseModel], skip: tuple[str, ...] = ()) -> str:
    lines = []
    for name, f in model.model_fields.items():
        key = f.alias or name
        if key in skip:
            continue
        default = "" if f.is_required() else _default(f.get_default(call_default_factory=True))
        # Kept as written (\\b) but wrapped here, at spaces only: within 80 columns.
        lines += textwrap.wrap(
            f"{key}: {_type_name(f.annotation)}{default}",
            width=76,
            initial_indent="  ",
            subsequent_indent="      ",
            break_on_hyphens=False,
            break_long_words=False,
        )
    head = "Fields (KEY=VALUE; a text field takes VALUE as written, others read it as YAML; nested fields with dots, e.g. no_agent.timeout=30):"
    return head + "\n\n\b\n" + "\n".join(lines)


def epilog_for(what: str) -> str:
    from ccctl.config import entities
    from ccctl.config import spec as s

    if what == "tenant":
        return fields_help(s.Tenant, skip=("name",) + tuple(s.COLLECTIONS))
    if what == "recording":
        return fields_help(s.Recording)
    n = entities.NOUNS[what]
    return fields_help(n.spec, skip=(n.key,))
