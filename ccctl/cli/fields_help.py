"""--help text listing the fields a noun takes, generated from the schema itself so the
documentation can never drift from what is accepted."""

from __future__ import annotations

import typing

from pydantic import BaseModel


def _type_name(annotation) -> str:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return _type_name(args[0])
    if origin is typing.Literal:
        return "|".join(str(a) for a in args)
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        return " or ".join(_type_name(a) for a in args if a is not type(None))
    if origin in (list,):
        return f"list of {_type_name(args[0])}"
    if origin in (dict,):
        return f"map {_type_name(args[0])} -> {_type_name(args[1])}"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        inner = ", ".join(annotation.model_fields)
        return f"{{{inner}}}"
    return getattr(annotation, "__name__", str(annotation))


def fields_help(model: type[BaseModel], skip: tuple[str, ...] = ()) -> str:
    lines = []
    for name, f in model.model_fields.items():
        key = f.alias or name
        if key in skip:
            continue
        default = "" if f.is_required() else f" [default: {f.get_default(call_default_factory=True)!r}]"
        lines.append(f"  {key}: {_type_name(f.annotation)}{default}")
    head = "Fields (KEY=VALUE, VALUE read as YAML; nested keys with dots, e.g. no_agent.timeout=30):"
    return head + "\n\n\b\n" + "\n".join(lines)
