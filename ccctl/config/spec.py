"""The site schema: what a YAML site file (and every single-entity command) may say.

These pydantic models are the one definition of valid input. Database rows convert to and
from them, so `apply`, `export` and the CLI all share one notion of a tenant.
"""

from __future__ import annotations

import re
import typing
from datetime import date
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)


def _text_of_scalar(value):
    """YAML reads 1001 or 007 as a number where text belongs: keep the text as written, so 0101
    stays 0101 and a name 007 stays 007."""
    text = getattr(value, "yaml_text", None)
    if text is not None:
        return text
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return value


_BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
"""Invisible characters that reorder the text around them: a name holding one reads differently
on a screen than in the tree (the 'Trojan Source' trick)."""


_CONTROLS = re.compile("[\x00-\x08\x0a-\x1f\x7f]")
"""Control characters but the tab."""


def unsafe_text_reason(value: str) -> str | None:
    """The one rule every string reaching the FreeSWITCH tree obeys, whatever field it is in.

    FreeSWITCH expands ${...} and $${...} anywhere in its XML, even inside escaped text, so one
    '${' in a name, a password or a file name would run as configuration."""
    if "${" in value:
        return "must not contain '${' (FreeSWITCH would expand it)"
    if _CONTROLS.search(value):
        return "must not contain control characters"
    if not _BIDI_CONTROLS.isdisjoint(value):
        return "must not contain bidirectional control characters"
    return None


def _check_safe(value):
    """Strings directly in a field, and the keys and values of a mapping or list of strings.
    Nested specs have already checked their own fields."""
    if isinstance(value, str):
        strings = (value,)
    elif isinstance(value, dict):
        strings = [x for kv in value.items() for x in kv if isinstance(x, str)]
    elif isinstance(value, (list, tuple, set, frozenset)):
        strings = [x for x in value if isinstance(x, str)]
    else:
        return value
    for text in strings:
        reason = unsafe_text_reason(text)
        if reason:
            raise ValueError(reason)
    return value


def _shown(value) -> str:
    text = repr(value)
    return text if len(text) <= 42 else text[:40] + "...'"


def matching(regex: str, words: str) -> AfterValidator:
    """A pattern whose refusal says in words what is allowed, never the regular expression."""
    rx = re.compile(regex)

    def check(value: str) -> str:
        if not rx.fullmatch(value):
            raise ValueError(f"{_shown(value)}: {words}")
        return value

    return AfterValidator(check)


SLUG_WORDS = (
    "a name is 1-63 of a-z, 0-9, '-' and '_' (ASCII only: it names things in FreeSWITCH), starting with a-z or 0-9"
)
EXTENSION_WORDS = "an extension is 2-8 digits, not starting with 0"
NUMBER_WORDS = "a phone number is 3-20 digits, optionally starting with +"

Slug = Annotated[str, matching(r"[a-z0-9][a-z0-9_-]{0,62}", SLUG_WORDS)]
"""Identifiers end up in FreeSWITCH names (contexts, queues, gateways): keep them plain."""

Text = Annotated[str, BeforeValidator(_text_of_scalar), StringConstraints(min_length=1, max_length=200)]
Extension = Annotated[str, BeforeValidator(_text_of_scalar), matching(r"[1-9][0-9]{1,7}", EXTENSION_WORDS)]
PhoneNumber = Annotated[str, BeforeValidator(_text_of_scalar), matching(r"\+?[0-9]{3,20}", NUMBER_WORDS)]
Hostname = Annotated[
    str,
    StringConstraints(max_length=253),
    matching(
        r"[A-Za-z0-9]([A-Za-z0-9-]{0,62}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}[A-Za-z0-9])?)*",
        "a host name is dot-separated labels of letters, digits and '-'",
    ),
    # SIP and DNS compare host names without regard to case: one spelling, so that
    # ACME.cc.local and acme.cc.local can never be two tenants.
    AfterValidator(str.lower),
]
Token = Annotated[str, matching(r"[!-~]{1,128}", "1-128 printable ASCII characters without spaces")]
AgentCode = Annotated[
    str, BeforeValidator(_text_of_scalar), matching(r"[1-9][0-9]?", "a code is 1-99 (1-2 digits, not starting with 0)")
]
"""A break reason or wrap-up code an agent keys after *24 or *9."""
CodeName = Annotated[str, matching(r"\w[\w '-]{0,39}", "a name is 1-40 letters, digits, spaces, '-' or '_'")]
MediaName = Annotated[
    str, matching(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}\.wav", "a media file name (see ccctl media list), like welcome.wav")
]

_TARGET = re.compile(
    r"^(?:hangup|echo|survey"
    r"|queue:[a-z0-9][a-z0-9_-]{0,62}"
    r"|ivr:[a-z0-9][a-z0-9_-]{0,62}"
    r"|seat:[1-9][0-9]{1,7}"
    r"|voicemail:[1-9][0-9]{1,7}"
    r"|external:\+?[0-9]{3,20})$"
)


def _check_target(value: str) -> str:
    if not _TARGET.match(value):
        raise ValueError(
            f"{value!r} is not a target; use queue:NAME, ivr:NAME, seat:EXT, voicemail:EXT, "
            "external:NUMBER, survey, echo or hangup"
        )
    return value


Target = Annotated[str, AfterValidator(_check_target)]

Strategy = Literal[
    "ring-all",
    "longest-idle-agent",
    "round-robin",
    "top-down",
    "agent-with-least-talk-time",
    "agent-with-fewest-calls",
    "sequentially-by-agent-order",
    "random",
    "ring-progressively",
]
STRATEGIES = typing.get_args(Strategy)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HOURS = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-4]):[0-5][0-9]$")
_HOLIDAY = re.compile(r"^(?:(\d{4})-)?(\d{2})-(\d{2})$")
Language = Literal["en", "zh", "de", "fr", "es", "it", "pt", "ru", "ja"]


class Spec(BaseModel):
    """Strict base: unknown keys are errors, never silently dropped."""

    model_config = ConfigDict(
        extra="forbid",
        allow_inf_nan=False,
        str_strip_whitespace=True,
        validate_assignment=True,
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
        defer_build=True,
    )

    @field_validator("*", mode="after")
    @classmethod
    def _safe_strings(cls, value):
        return _check_safe(value)

    @field_validator("*", mode="before")
    @classmethod
    def _no_bools_for_numbers(cls, value, info):
        """seat_limit=true is a mistake, not 1."""
        if isinstance(value, bool):
            field = cls.model_fields.get(info.field_name)
            kinds = typing.get_args(field.annotation) or (field.annotation,) if field else ()
            if bool not in kinds and (int in kinds or float in kinds):
                raise ValueError("a number, not true or false")
        return value


class Lease(Spec):
    price: float = Field(ge=0)
    currency: Annotated[str, matching(r"[A-Z]{3}", "a currency is three capital letters, like CNY")] = "CNY"
    period: Literal["monthly", "quarterly", "yearly"] = "monthly"


class Billing(Spec):
    """How the minutes of a tenant's calls are rounded for billing (`ccctl report usage`): each
    answered call counts at least MINIMUM seconds, then whole steps of INCREMENT seconds.
    60/60 bills per started minute, 6/6 per started 6 seconds, minimum 60 with increment 6 is
    the usual 60/6 plan. Left out of a tenant: per started minute."""

    increment: int = Field(default=60, ge=1, le=3600)
    minimum: int = Field(default=0, ge=0, le=3600)


class Recording(Spec):
    mode: Literal["all", "inbound", "outbound", "none", "on_demand"] = "none"
    format: Literal["wav", "flac"] = "wav"
    retention_days: int = Field(default=90, ge=0, le=36500)
    """Days a recording is kept before `ccctl recording purge` deletes it; 0 keeps them forever."""
    legal_hold: bool = False
    """Every recording of the tenant is kept, whatever its age (`ccctl recording hold TENANT`)."""


class Seat(Spec):
    extension: Extension
    name: Text
    skills: dict[Slug, Annotated[int, Field(ge=1, le=10)]] = {}
    remote: bool = False
    supervisor: bool = False
    """May listen to, whisper to and barge in on other seats' calls (*33, *34, *35 + extension)."""
    password: (
        Annotated[
            str, matching(r"[!-~]{12,128}", "a seat password is 12-128 printable ASCII characters without spaces")
        ]
        | None
    ) = None
    """Left out, a password is generated; export never writes it."""

    @field_validator("skills")
    @classmethod
    def _sorted_skills(cls, v: dict[str, int]) -> dict[str, int]:
        return dict(sorted(v.items()))


class NoAgent(Spec):
    """Where a caller goes when no agent is logged in and available."""

    timeout: int = Field(default=30, ge=0, le=86400)
    """Seconds such a caller waits before going to target; 0: wait up to the queue's max_wait."""
    target: Target = "hangup"


Key = Annotated[str, BeforeValidator(_text_of_scalar), matching(r"[0-9*#]", "a key is one of 0-9, * or #")]


class Callback(Spec):
    """A waiting caller presses KEY to keep their place and hang up; when their turn comes an
    agent is connected first, then the caller is dialed, up to ATTEMPTS times INTERVAL seconds apart."""

    key: Key = "1"
    attempts: int = Field(default=3, ge=1, le=10)
    interval: int = Field(default=120, ge=10, le=86400)


class Queue(Spec):
    name: Slug
    display_name: Text | None = None
    skill: Slug | None = None
    """The skill a seat needs to serve this queue; defaults to the queue's name."""
    strategy: Strategy = "longest-idle-agent"
    moh: Slug = "default"
    announce: Text | None = None
    """Text spoken to a caller on entering the queue."""
    announce_every: int = Field(default=0, ge=0, le=3600)
    max_wait: int = Field(default=300, ge=0, le=86400)
    overflow: Target = "hangup"
    no_agent: NoAgent = NoAgent()
    service_level: int = Field(default=20, ge=1, le=3600)
    """Target answer time in seconds (the 'within' of 80/20)."""
    wrapup: int = Field(default=10, ge=0, le=3600)
    survey: bool = False
    """After the agent hangs up, the caller is asked to score the call 1-5."""
    callback: Callback | None = None
    require_disposition: bool = False
    """After a call of this queue the agent is offered no call until a wrap-up code is keyed
    (*9 + code, `ccctl agent disposition`); the tenant's require_disposition sets it for all."""
    dispositions: list[AgentCode] = []
    """The tenant's wrap-up codes a call of this queue takes (left out: all of them)."""

    @property
    def required_skill(self) -> str:
        return self.skill or self.name


class Greeting(Spec):
    text: Annotated[str, BeforeValidator(_text_of_scalar), StringConstraints(min_length=1, max_length=2000)] | None = (
        None
    )
    file: MediaName | None = None
    """A file of the tenant's own media folder (put there with `ccctl media add`)."""
    language: Language | None = None

    @model_validator(mode="after")
    def _one_source(self):
        if (self.text is None) == (self.file is None):
            raise ValueError("a greeting needs exactly one of text or file")
        return self


def _check_hours(value: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not HH:MM-HH:MM (quote it)")
    if value == "closed":
        return value
    m = _HOURS.match(value)
    if not m or value.split("-")[0] >= value.split("-")[1]:
        raise ValueError(f"{value!r} is not HH:MM-HH:MM with start before end, or 'closed'")
    return value


def _check_holiday(value) -> str:
    value = str(value) if isinstance(value, date) else _text_of_scalar(value)
    m = _HOLIDAY.match(value) if isinstance(value, str) else None
    if not m:
        raise ValueError(f"{value!r} is not a date (YYYY-MM-DD) or a yearly date (MM-DD)")
    year, month, day = m.groups()
    try:
        date(int(year or 2000), int(month), int(day))
    except ValueError as exc:
        raise ValueError(f"{value!r} is not a real date") from exc
    return value


Hours = Annotated[str, BeforeValidator(_check_hours)]
Holiday = Annotated[str, BeforeValidator(_check_holiday)]


class Ivr(Spec):
    name: Slug
    display_name: Text | None = None
    greeting: Greeting
    options: dict[
        Annotated[str, BeforeValidator(_text_of_scalar), matching(r"[0-9*#]", "an option is one key: 0-9, * or #")],
        Target,
    ] = {}
    timeout: int = Field(default=5, ge=1, le=60)
    max_failures: int = Field(default=3, ge=1, le=10)
    on_failure: Target = "hangup"
    hours: dict[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"], Hours] | None = None
    """Open hours per weekday; a day left out is closed. No hours at all: always open."""
    holidays: list[Holiday] = []
    closed: Target = "hangup"

    @field_validator("options", mode="before")
    @classmethod
    def _digits_as_text(cls, v):
        if isinstance(v, dict):
            return {_text_of_scalar(k): val for k, val in v.items()}
        return v

    @field_validator("options")
    @classmethod
    def _sorted_options(cls, v):
        return dict(sorted(v.items()))

    @field_validator("hours")
    @classmethod
    def _weekday_order(cls, v):
        if v is None:
            return v
        return {d: v[d] for d in WEEKDAYS if d in v}

    @field_validator("holidays")
    @classmethod
    def _sorted_holidays(cls, v):
        return sorted(set(v))


class Number(Spec):
    number: PhoneNumber
    target: Target


class Trunk(Spec):
    name: Slug
    type: Literal["sip", "tdm"] = "sip"
    host: Hostname | None = None
    port: int = Field(default=5060, ge=1, le=65535)
    transport: Literal["udp", "tcp", "tls"] = "udp"
    username: Token | None = None
    password: Token | None = None
    register_: bool = Field(default=False, alias="register")
    caller_id: PhoneNumber | None = None
    span_group: int | None = Field(default=None, ge=1, le=64)
    """For type tdm: the voice-card span group (see hardware/)."""

    @model_validator(mode="after")
    def _type_fields(self):
        if self.type == "sip" and self.host is None:
            raise ValueError("a sip trunk needs a host")
        if self.type == "tdm" and self.span_group is None:
            raise ValueError("a tdm trunk needs a span_group")
        return self


class Customer(Spec):
    number: PhoneNumber
    name: Text
    fields: dict[
        Annotated[str, matching(r"[A-Za-z0-9_.-]{1,64}", "a field name is 1-64 letters, digits, '.', '-' or '_'")], Text
    ] = {}

    @field_validator("fields")
    @classmethod
    def _sorted_fields(cls, v):
        return dict(sorted(v.items()))


Clock = Annotated[str, matching(r"([01][0-9]|2[0-4]):[0-5][0-9]", "a time of day is HH:MM, like 09:00")]


class Campaign(Spec):
    """An outbound campaign's definition (ccctl/dialer/campaigns.py EDITABLE; the same checks
    run when apply writes it). A field left out keeps its default on a new campaign and its
    current value on an existing one, as with `ccctl campaign update`."""

    name: Annotated[str, matching(r"[A-Za-z0-9_-]{1,63}", "a campaign name is 1-63 letters, digits, '-' or '_'")]
    kind: Literal["agents", "ivr"] | None = None
    queue: Slug | None = None
    target: Target | None = None
    mode: Literal["preview", "progressive", "predictive"] | None = None
    trunk: Slug | None = None
    caller_id: PhoneNumber | None = None
    country: Annotated[str, matching(r"[A-Za-z]{2}", "a country is a two-letter ISO code, like US")] | None = None
    window_start: Clock | None = None
    window_end: Clock | None = None
    days: Annotated[str, matching(r"[a-z]{3}([,-][a-z]{3}){0,6}", "days are like mon-fri or mon,wed,sat")] | None = None
    retries: (
        dict[
            Literal["busy", "no_answer", "machine", "failed", "abandoned"],
            tuple[Annotated[int, Field(ge=0)], Annotated[int, Field(ge=0)]],
        ]
        | None
    ) = None
    """{disposition: [max retries, first back-off in seconds]}."""
    max_attempts: int | None = Field(default=None, ge=1, le=100)
    max_concurrent: int | None = Field(default=None, ge=1, le=100000)
    ring_timeout: int | None = Field(default=None, ge=5, le=600)
    abandon_target: float | None = Field(default=None, gt=0, le=0.5)
    contacts: Annotated[str, StringConstraints(min_length=1, max_length=1000)] | None = None
    """A CSV or XLSX contact list, relative to the site file's folder; numbers already in the
    campaign are left alone, and apply never deletes a contact."""

    def definition(self) -> dict:
        """The fields given, as campaigns.add/update take them."""
        return {k: v for k, v in self.model_dump(exclude={"name", "contacts"}).items() if v is not None}


class CallerId(Spec):
    name: Text | None = None
    number: PhoneNumber | None = None


RESERVED_TENANT_NAMES = ("public", "default", "features", "ccctl")


def sip_domain(tenant: str, domain: str | None) -> str:
    """The SIP domain a tenant's seats register in: its own DOMAIN, else TENANT.cc.local. The
    one place this default is written (the spec, the store, the daemon and the dialer read
    tenants' domains through it)."""
    return domain or f"{tenant}.cc.local"


class Webhook(Spec):
    """Where the tenant's CTI events (screen pop) are POSTed, signed with the tenant's secret."""

    url: Annotated[
        str, StringConstraints(max_length=2000, pattern=r"^https?://[A-Za-z0-9.\[\]:-]+(:[0-9]{1,5})?(/[^\s]*)?$")
    ]


CRM_FIELDS = ("number", "customer_id")
"""The placeholders a CRM link template may use: the caller's number and the matched customer's id."""


def _crm_url(v: str) -> str:
    """An http(s) address with {number} and, optionally, {customer_id}; no other braces (a
    template of the tenant's making is filled by the box, so nothing else may be asked of it)."""
    if not re.fullmatch(r"https?://[A-Za-z0-9.\[\]:-]+(:[0-9]{1,5})?(/[^\s]*)?", v):
        raise ValueError("a CRM link is an http:// or https:// address without spaces")
    names = re.findall(r"\{([^{}]*)\}", v)
    if re.sub(r"\{[^{}]*\}", "", v).count("{") or re.sub(r"\{[^{}]*\}", "", v).count("}"):
        raise ValueError("a CRM link's braces only enclose {number} or {customer_id}")
    unknown = [n for n in names if n not in CRM_FIELDS]
    if unknown:
        raise ValueError(f"a CRM link may use {{number}} and {{customer_id}} only, not {{{unknown[0]}}}")
    if "number" not in names:
        raise ValueError("a CRM link needs {number} (the caller's number) in it")
    return v


CrmUrl = Annotated[str, StringConstraints(max_length=2000), AfterValidator(_crm_url)]


class Tenant(Spec):
    name: Slug
    display_name: Text | None = None
    plan: Literal["in_house", "hosted", "leased", "outsourced"] = "hosted"
    domain: Hostname | None = None
    """The SIP domain seats register in; defaults to NAME.cc.local."""
    seat_limit: int = Field(default=50, ge=0, le=100000)
    call_limit: int = Field(default=30, ge=0, le=100000)
    """Concurrent calls; 0 means no cap."""
    caller_id: CallerId = CallerId()
    timezone: Annotated[
        str, matching(r"[A-Za-z_]+(/[A-Za-z0-9_+-]+){0,2}", "a time zone is a name like Asia/Shanghai or UTC")
    ] = "UTC"
    language: Language = "en"
    lease: Lease | None = None
    billing: Billing | None = None
    recording: Recording = Recording()
    seats: list[Seat] = []
    queues: list[Queue] = []
    ivrs: list[Ivr] = []
    numbers: list[Number] = []
    trunks: list[Trunk] = []
    customers: list[Customer] = []
    campaigns: list[Campaign] = []
    """Outbound campaigns (ccctl/dialer/campaigns.py): operational, like customers. Apply adds
    the ones listed or updates their definition, and never deletes a campaign, changes its
    state or deletes its contacts; export does not write them."""
    webhooks: list[Webhook] = []
    crm_url: CrmUrl | None = None
    """The link the agent page's screen pop shows to the customer's record in the tenant's CRM,
    e.g. https://crm.example/find?phone={number}&id={customer_id}."""
    pause_reasons: dict[AgentCode, CodeName] = {}
    """Break reasons an agent keys from the phone (*24 + code), recorded with the break."""
    default_pause_reason: AgentCode | None = None
    """The reason of *24 alone; one of pause_reasons (left out: a break without a reason)."""
    dispositions: dict[AgentCode, CodeName] = {}
    """Wrap-up codes an agent keys after a call (*9 + code), stored on the call row."""
    home_node: Slug | None = None
    """The fleet node that serves the tenant (`ccctl node list`); left out: where it is now, or
    for a new tenant the least loaded active node. A single box has no nodes: it serves every tenant itself."""
    missed_calls_reason: AgentCode | None = None
    """The break reason of an agent put On Break after missing max_no_answer offers in a row;
    one of pause_reasons (left out: such a break has no reason)."""
    require_disposition: bool = False
    """Every queue of the tenant holds an agent's next offer until a wrap-up code is keyed."""

    @property
    def sip_domain(self) -> str:
        return sip_domain(self.name, self.domain)

    @field_validator("name")
    @classmethod
    def _not_reserved(cls, v: str) -> str:
        if v in RESERVED_TENANT_NAMES:
            raise ValueError(f"{v!r} is reserved; choose another tenant name")
        return v

    @field_validator("pause_reasons", "dispositions")
    @classmethod
    def _sorted_codes(cls, v: dict[str, str]) -> dict[str, str]:
        return dict(sorted(v.items(), key=lambda kv: int(kv[0])))

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, v: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {v!r}") from exc
        return v

    def sorted(self) -> "Tenant":
        """The canonical order every export and render uses."""
        return self.model_copy(
            update={
                "seats": sorted(self.seats, key=lambda s: int(s.extension)),
                "queues": sorted(self.queues, key=lambda q: q.name),
                "ivrs": sorted(self.ivrs, key=lambda i: i.name),
                "numbers": sorted(self.numbers, key=lambda n: n.number),
                "trunks": sorted(self.trunks, key=lambda t: t.name),
                "customers": sorted(self.customers, key=lambda c: c.number),
                "campaigns": sorted(self.campaigns, key=lambda c: c.name),
            }
        )


COLLECTIONS: dict[str, tuple[type[Spec], str]] = {
    "seats": (Seat, "extension"),
    "queues": (Queue, "name"),
    "ivrs": (Ivr, "name"),
    "numbers": (Number, "number"),
    "trunks": (Trunk, "name"),
}
"""Each collection of configuration inside a tenant, with the spec class and the field that keys
it. Customers and campaigns are operational data (ccctl/customers.py, ccctl/dialer/campaigns.py):
a site file may list them, and apply adds or updates those, but they are not part of the
declarative tenant."""
