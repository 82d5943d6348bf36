"""Jinja templates (autoescaped) for the files that grow with the number of seats.

The directory and callcenter.conf hold several elements per seat; at 50,000 seats building
them as lxml trees costs seconds, while a compiled template writes the same escaped XML in
a fraction of that. Everything else is built as element trees (xml.py)."""

from __future__ import annotations

from functools import lru_cache

import jinja2


@lru_cache(maxsize=None)
def environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("ccctl.render", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )


def render(name: str, **values) -> bytes:
    return environment().get_template(name).render(**values).encode("utf-8")
