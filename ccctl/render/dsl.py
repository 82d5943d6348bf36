"""The dialplan's building blocks (extension, condition, action, variables), shared by every
module that renders a part of a tenant's dialplan."""

from __future__ import annotations

import re

from ccctl.render.xml import el


def act(app: str, data: str | None = None, inline: bool = False) -> object:
    return el("action", application=app, data=data, inline="true" if inline else None)


def sets(*assignments: str | None) -> list:
    """Set the variables (`name=value`) at dialplan hunt time, in one application run where
    multiset can carry them. Each application run costs a log line and two events carrying
    every channel variable (CHANNEL_EXECUTE, CHANNEL_EXECUTE_COMPLETE), inline or not; a value
    with `|`, a quote or a backslash (free text such as a caller-id name) would be split or
    unquoted by multiset, so it gets a `set` of its own."""
    given = [a for a in assignments if a]
    plain = [a for a in given if not any(c in a for c in "|'\"\\")]
    own = [act("set", a, inline=True) for a in given if a not in plain]
    if len(plain) == 1:
        return [act("set", plain[0], inline=True), *own]
    return ([act("multiset", "^^|" + "|".join(plain), inline=True)] if plain else []) + own


def cond(
    field: str | None, expression: str | None, *actions, break_: str | None = None, anti: list | None = None, **time
) -> object:
    anti_actions = [el("anti-action", a.attrib) for a in (anti or [])]
    return el("condition", {"field": field, "expression": expression, "break": break_, **time}, *actions, *anti_actions)


def ext(name: str, *conditions, cont: bool = False) -> object:
    return el("extension", {"name": name, "continue": "true" if cont else None}, *conditions)


def dest(value: str) -> str:
    return f"^{re.escape(value)}$"


def alternation(values: list[str]) -> str:
    return "|".join(re.escape(v) for v in values)
