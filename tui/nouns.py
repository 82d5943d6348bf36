"""What each admin screen lists and edits: columns and form fields, by dotted field name.
Pure data: the screens are generic over it, the rules live in ccctl.config.spec."""

from __future__ import annotations

import typing
from dataclasses import dataclass

from ccctl.config import spec as s


@dataclass(frozen=True)
class Page:
    id: str  # the screen's name for ':' and the palette
    title: str
    noun: str  # tenant, seat, queue, ivr, number, trunk
    key: str  # the field naming one object
    columns: tuple[tuple[str, str], ...]  # (heading, dotted field or @computed)
    fields: tuple[str, ...]  # editable, besides the key
    secret: str | None = None  # a field shown only on demand
    can_create: bool = True


PAGES: tuple[Page, ...] = (
    Page(
        "tenants",
        "Tenants",
        "tenant",
        "name",
        (
            ("Tenant", "name"),
            ("Name", "display_name"),
            ("Plan", "plan"),
            ("Seats", "@seats"),
            ("Seat lim", "seat_limit"),
            ("Call lim", "call_limit"),
            ("Lease", "@lease"),
        ),
        (
            "display_name",
            "plan",
            "domain",
            "seat_limit",
            "call_limit",
            "timezone",
            "language",
            "lease.price",
            "lease.currency",
            "lease.period",
            "caller_id.name",
            "caller_id.number",
        ),
    ),
    Page(
        "seats",
        "Seats",
        "seat",
        "extension",
        (
            ("Tenant", "@tenant"),
            ("Ext", "extension"),
            ("Name", "name"),
            ("Skills", "skills"),
            ("Remote", "remote"),
            ("Sup", "supervisor"),
        ),
        ("name", "skills", "remote", "supervisor", "password"),
        secret="password",
    ),
    Page(
        "queues",
        "Queues and skills",
        "queue",
        "name",
        (
            ("Tenant", "@tenant"),
            ("Queue", "name"),
            ("Skill", "@skill"),
            ("Agents", "@agents"),
            ("Strategy", "strategy"),
            ("SL s", "service_level"),
            ("Overflow", "overflow"),
        ),
        (
            "display_name",
            "skill",
            "strategy",
            "moh",
            "announce",
            "announce_every",
            "max_wait",
            "overflow",
            "no_agent.timeout",
            "no_agent.target",
            "service_level",
            "wrapup",
        ),
    ),
    Page(
        "ivrs",
        "IVR menus",
        "ivr",
        "name",
        (
            ("Tenant", "@tenant"),
            ("Menu", "name"),
            ("Greeting", "@greeting"),
            ("Options", "options"),
            ("Hours", "@hours"),
        ),
        (
            "display_name",
            "greeting.text",
            "greeting.file",
            "greeting.language",
            "options",
            "timeout",
            "max_failures",
            "on_failure",
            "hours",
            "holidays",
            "closed",
        ),
    ),
    Page(
        "numbers",
        "Numbers",
        "number",
        "number",
        (("Tenant", "@tenant"), ("Number", "number"), ("Target", "target")),
        ("target",),
    ),
    Page(
        "trunks",
        "Trunks",
        "trunk",
        "name",
        (
            ("Tenant", "@tenant"),
            ("Trunk", "name"),
            ("Type", "type"),
            ("Host", "host"),
            ("Port", "port"),
            ("Register", "register"),
            ("Group", "span_group"),
        ),
        ("type", "host", "port", "transport", "username", "password", "register", "caller_id", "span_group"),
        secret="password",
    ),
    Page(
        "recording",
        "Recording policies",
        "tenant",
        "name",
        (
            ("Tenant", "name"),
            ("Mode", "recording.mode"),
            ("Format", "recording.format"),
            ("Keep days", "recording.retention_days"),
            ("Legal hold", "recording.legal_hold"),
        ),
        ("recording.mode", "recording.format", "recording.retention_days", "recording.legal_hold"),
        can_create=False,
    ),
)
PAGE = {p.id: p for p in PAGES}


LABELS = {
    "display_name": "Display name",
    "seat_limit": "Seat limit",
    "call_limit": "Call limit (0: none)",
    "timezone": "Time zone",
    "lease.price": "Lease price",
    "lease.currency": "Lease currency",
    "lease.period": "Lease period",
    "caller_id.name": "Caller ID name",
    "caller_id.number": "Caller ID number",
    "extension": "Extension",
    "remote": "Remote (NAT)",
    "supervisor": "Supervisor",
    "moh": "Music on hold",
    "announce_every": "Announce every (s)",
    "max_wait": "Max wait (s)",
    "no_agent.timeout": "No agent: wait (s)",
    "no_agent.target": "No agent: then",
    "service_level": "Service level (s)",
    "wrapup": "Wrap-up (s)",
    "greeting.text": "Greeting text",
    "greeting.file": "Greeting file",
    "greeting.language": "Greeting language",
    "timeout": "Timeout (s)",
    "max_failures": "Max failures",
    "on_failure": "On failure",
    "closed": "When closed",
    "caller_id": "Caller ID",
    "span_group": "Span group",
    "recording.mode": "Recording",
    "recording.format": "Format",
    "recording.retention_days": "Keep (days, 0: ever)",
    "recording.legal_hold": "Legal hold",
}
"""Words for the fields whose name does not read as one (the rest: name -> Name)."""


def label(dotted: str) -> str:
    """A form field's label: words, never the raw dotted name."""
    return LABELS.get(dotted) or dotted.replace(".", " ").replace("_", " ").capitalize()


def hint(model: type, dotted: str) -> str:
    """What a field takes, in words, for the input's placeholder (with its default)."""
    from ccctl.config.forms import default_text

    text = _kind(model, dotted)
    default = default_text(model, dotted)
    if default not in (None, "", "{}", "[]"):
        text = f"{text}; default {default}" if text else f"default {default}"
    return text


def choices(model: type, dotted: str) -> list[str] | None:
    """The values a choice field takes (a select list in the form), None for typed fields."""
    from ccctl.config.entities import _field_type

    ann = _field_type(model, dotted)
    if typing.get_origin(ann) is typing.Literal:
        return [str(a) for a in typing.get_args(ann)]
    if ann is bool:
        return ["true", "false"]
    return None


def _kind(model: type, dotted: str) -> str:
    from ccctl.config.entities import _field_type  # the schema's own reading of a dotted field

    ann = _field_type(model, dotted)
    if typing.get_origin(ann) is typing.Literal:
        return " | ".join(typing.get_args(ann))
    if ann is bool:
        return "true | false"
    if ann is int:
        return "a number"
    if ann is float:
        return "an amount"
    if typing.get_origin(ann) is dict:
        return "{key: value, ...}"
    if typing.get_origin(ann) is list:
        return "[a, b, ...]"
    if dotted.endswith(("target", "overflow", "on_failure", "closed")):
        return "queue:NAME ivr:NAME seat:EXT external:NUM hangup"
    return ""


def model_of(page: Page) -> type[s.Spec]:
    from ccctl.config.entities import NOUNS

    return s.Tenant if page.noun == "tenant" else NOUNS[page.noun].spec
