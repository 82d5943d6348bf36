"""The one validation: checks across objects that a schema cannot express (dangling targets,
duplicates, loops, queues nobody can serve, trunks without credentials, seat limits) and the
sound files a tree would name (check_media). `ccctl validate` and every write (write.py) run
the same rules, so a file that validates applies and one that does not, does not. That includes
what outbound campaigns name (their queue, trunk and target): a campaign's definition lives in
its own table, so the callers hand in the stored ones (STORED) and a change that would leave one
dangling (a queue removed that a campaign dials for) is refused like any other.

Each problem names the object it is about, so a provider can fix a 10,000-line site file.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Iterable, Literal

from ccctl.config import codes
from ccctl.config import spec as s


@dataclass(frozen=True)
class Problem:
    severity: Literal["error", "warning"]
    tenant: str
    obj: str
    message: str
    conflict: bool = False
    """A clash with another object (a duplicate, a domain or number taken): exit code 4."""
    ref: str | None = None
    """For a dangling target: the target, so a caller can tell 'removed while still used'."""
    via: str | None = None
    limit: bool = False
    """A limit reached (the seat limit): exit code 4."""

    def __str__(self) -> str:
        return f"{self.severity}: {self.describe()}"

    def describe(self) -> str:
        return f"{self.tenant}: {self.obj}: {self.message}"


@dataclass(frozen=True)
class Unread:
    """What the rules need of a tenant's seats that a write did not read (config/part.py: a
    one-item write reads the items it touches, not the 10,000 seats around them)."""

    seats: int = 0
    """How many seats there are besides the ones in the spec."""
    skills: frozenset[str] = frozenset()
    """The skills those seats have (a queue needs a seat that can serve it)."""
    extensions: frozenset[str] = frozenset()
    """Those of them that a target of the spec names (they exist)."""


def _dupes(values: Iterable[str]) -> list[str]:
    return sorted(k for k, n in Counter(values).items() if n > 1)


def _target_problem(t: s.Tenant, target: str, names: dict[str, set[str]]) -> str | None:
    kind, _, ref = target.partition(":")
    if kind in ("hangup", "echo", "survey"):
        return None
    if kind == "external":
        return None if t.trunks else f"target {target} needs a trunk, and tenant has none"
    pools = {"queue": "queues", "ivr": "ivrs", "seat": "seats", "voicemail": "seats"}
    if kind not in pools:  # only a campaign's target arrives here unparsed (ccctl campaign add)
        return f"{target!r} is not a target (queue:NAME, ivr:NAME, seat:EXT, external:NUMBER, ...)"
    pool = pools[kind]
    if ref not in names[pool]:
        return f"target {target} does not exist in this tenant"
    return None


def _auto_edges(t: s.Tenant) -> dict[str, list[tuple[str, str]]]:
    """Where a caller goes without pressing anything: the paths that can loop forever."""
    edges: dict[str, list[tuple[str, str]]] = {}
    for ivr in t.ivrs:
        edges[f"ivr:{ivr.name}"] = [("on_failure", ivr.on_failure), ("closed", ivr.closed)]
    for q in t.queues:
        edges[f"queue:{q.name}"] = [("overflow", q.overflow), ("no_agent", q.no_agent.target)]
    return edges


def _loops(t: s.Tenant) -> list[str]:
    edges = _auto_edges(t)
    found: list[str] = []
    seen_cycles: set[frozenset] = set()

    def walk(node: str, path: list[str]) -> None:
        for how, nxt in edges.get(node, []):
            if nxt in path:
                cycle = path[path.index(nxt) :]
                key = frozenset(cycle)
                if key not in seen_cycles:
                    seen_cycles.add(key)
                    found.append(" -> ".join(cycle + [nxt]) + f" (via {how})")
            elif nxt in edges and len(path) < 64:
                walk(nxt, path + [nxt])

    for start in sorted(edges):
        walk(start, [start])
    return found


def check_tenant(t: s.Tenant, stored: Iterable[s.Campaign] = (), *, unread: Unread = Unread()) -> list[Problem]:
    """T's problems; STORED: its campaigns as the database holds them (none for a file alone);
    UNREAD stands for the seats T was read without (none: T is whole)."""
    out: list[Problem] = []

    def err(obj, msg, **kw):
        out.append(Problem("error", t.name, obj, msg, **kw))

    def warn(obj, msg):
        out.append(Problem("warning", t.name, obj, msg))

    seats = len(t.seats) + unread.seats
    if seats > t.seat_limit:
        out.append(
            Problem("error", t.name, "tenant", f"{seats} seats exceed its seat limit of {t.seat_limit}", limit=True)
        )
    for kind, (_, key) in s.COLLECTIONS.items():
        for dup in _dupes(getattr(i, key) for i in getattr(t, kind)):
            err(f"{kind[:-1]} {dup}", f"duplicate {key} {dup}", conflict=True)

    names = {
        "queues": {q.name for q in t.queues},
        "ivrs": {i.name for i in t.ivrs},
        "seats": {x.extension for x in t.seats} | unread.extensions,
    }

    def target(obj: str, field: str, value: str) -> None:
        problem = _target_problem(t, value, names)
        if problem:
            err(obj, f"{field}: {problem}", ref=value, via=field)

    skills = unread.skills.union(*(seat.skills for seat in t.seats)) if t.queues else unread.skills
    for q in t.queues:
        target(f"queue {q.name}", "overflow", q.overflow)
        target(f"queue {q.name}", "no_agent.target", q.no_agent.target)
        if q.required_skill not in skills:
            warn(f"queue {q.name}", f"no seat has skill {q.required_skill!r}, so no agent can serve it")
    for ivr in t.ivrs:
        for digit, tgt in ivr.options.items():
            target(f"ivr {ivr.name}", f"option {digit}", tgt)
        target(f"ivr {ivr.name}", "on_failure", ivr.on_failure)
        target(f"ivr {ivr.name}", "closed", ivr.closed)
    for n in t.numbers:
        target(f"number {n.number}", "target", n.target)
    for loop in _loops(t):
        err("routing loop", loop)
    for dup in _dupes(w.url for w in t.webhooks):
        err(f"webhook {dup}", "duplicate url", conflict=True)
    _check_campaigns(t, campaigns_in_effect(t, stored), names, err)
    _check_codes(t, err)
    for tr in t.trunks:
        if tr.type != "sip":
            continue
        if tr.register_ and not (tr.username and tr.password):
            err(f"trunk {tr.name}", "registers but has no username and password")
        elif bool(tr.username) != bool(tr.password):
            err(f"trunk {tr.name}", "has a username without a password or the reverse")
        elif not tr.username:
            warn(f"trunk {tr.name}", "has no credentials; the carrier must allow this box by IP")
    return out


def campaigns_in_effect(t: s.Tenant, stored: Iterable[s.Campaign]) -> list[s.Campaign]:
    """T's campaigns once a change is written: the STORED ones, those T lists (a site file's,
    `ccctl campaign add`'s) over them field by field (a field left out keeps its stored value),
    and the new ones T lists."""
    out = {c.name: c for c in stored}
    for c in t.campaigns:
        base = out.get(c.name)
        out[c.name] = c if base is None else base.model_copy(update={**c.definition(), "contacts": c.contacts})
    return [out[n] for n in sorted(out)]


def _check_campaigns(t: s.Tenant, campaigns: list[s.Campaign], names: dict[str, set[str]], err) -> None:
    """What a campaign names must exist in its tenant. Checked on every write of the tenant,
    so removing a queue, trunk or IVR a campaign still uses is refused like removing one a
    number routes to. On a site file alone (`ccctl validate -f`) fields a listed campaign
    leaves out are known only to the database: they are not checked there."""
    from pathlib import Path

    trunks = {tr.name for tr in t.trunks}
    for c in campaigns:
        obj = f"campaign {c.name}"
        if c.queue is not None and c.queue not in names["queues"]:
            err(obj, f"queue: no queue {c.queue!r} in tenant {t.name!r}", ref=f"queue:{c.queue}", via="queue")
        if c.trunk is not None and c.trunk not in trunks:
            err(obj, f"trunk: no trunk {c.trunk!r} in tenant {t.name!r}", ref=f"trunk:{c.trunk}", via="trunk")
        if c.target is not None:
            problem = _target_problem(t, c.target, names)
            if problem:
                err(obj, f"target: {problem}", ref=c.target, via="target")
        if c.kind == "ivr" and c.mode == "preview":
            err(obj, "a campaign of kind ivr has no agents to preview: use progressive or predictive")
        if c.max_concurrent is not None and c.max_concurrent > t.call_limit > 0:
            err(obj, f"max_concurrent {c.max_concurrent} is over the tenant's call limit {t.call_limit}")
        if c.contacts is not None and not Path(c.contacts).is_file():
            err(obj, f"contacts: no file {c.contacts}")


def _check_codes(t: s.Tenant, err) -> None:
    """Break reasons and wrap-up codes: the default reason one of them, and no number dialled
    from a phone that means two things."""
    if t.default_pause_reason is not None and t.default_pause_reason not in t.pause_reasons:
        err(
            "pause_reasons",
            f"default_pause_reason {t.default_pause_reason} is not one of the pause reasons",
            ref=t.default_pause_reason,
        )
    if t.missed_calls_reason is not None and t.missed_calls_reason not in t.pause_reasons:
        err(
            "pause_reasons",
            f"missed_calls_reason {t.missed_calls_reason} is not one of the pause reasons",
            ref=t.missed_calls_reason,
        )
    for q in t.queues:
        for code in q.dispositions:
            if code not in t.dispositions:
                known = ", ".join(t.dispositions) or "none"
                err(
                    "dispositions",
                    f"queue {q.name}: wrap-up code {code} is not one of the tenant's ({known})",
                    ref=code,
                )
    requiring = [q.name for q in t.queues if q.require_disposition or t.require_disposition]
    if requiring and not t.dispositions:
        err(
            "dispositions",
            f"queue {requiring[0]} requires a wrap-up code, and the tenant has no dispositions to key",
            ref=requiring[0],
        )
    seen: dict[str, str] = {}
    for number, what in codes.dialled(t):
        if number in seen:
            err("feature codes", f"{what} dials {number}, as {seen[number]} does", conflict=True)
        else:
            seen[number] = what


def check_site(
    tenants: list[s.Tenant],
    taken: dict[str, dict[str, str]] | None = None,
    campaigns: dict[str, list[s.Campaign]] | None = None,
    *,
    unread: dict[str, Unread] | None = None,
) -> list[Problem]:
    """Problems of TENANTS, including collisions with TAKEN numbers/domains of other tenants.
    CAMPAIGNS: each tenant's stored campaigns (ccctl.outbound.campaigns.stored), when there is a
    database. UNREAD: for a tenant read in part, what the rules need of the rest (see
    check_tenant)."""
    taken = taken or {"numbers": {}, "domains": {}}
    campaigns = campaigns or {}
    unread = unread or {}
    out: list[Problem] = []
    for name in _dupes(t.name for t in tenants):
        out.append(Problem("error", name, "tenant", "defined twice", conflict=True))
    numbers = dict(taken["numbers"])
    domains = dict(taken["domains"])
    for t in tenants:
        out.extend(check_tenant(t, campaigns.get(t.name, ()), unread=unread.get(t.name, Unread())))
        owner = domains.get(t.sip_domain)
        if owner and owner != t.name:
            out.append(
                Problem(
                    "error", t.name, "tenant", f"domain {t.sip_domain} is already used by tenant {owner}", conflict=True
                )
            )
        domains[t.sip_domain] = t.name
        for n in t.numbers:
            owner = numbers.get(n.number)
            if owner and owner != t.name:
                out.append(
                    Problem("error", t.name, f"number {n.number}", f"already routed to tenant {owner}", conflict=True)
                )
            numbers[n.number] = t.name
    return out


def check_media(tenants: list[s.Tenant], sounds_dir) -> list[Problem]:
    """Greeting files a tenant's IVRs name must exist in that tenant's own media folder
    (synthesized prompts are made at deploy; uploaded files must be there already)."""
    from ccctl.errors import InvalidInput
    from ccctl.media.uploads import resolve

    out = []
    for t in tenants:
        for ivr in t.ivrs:
            if ivr.greeting.file:
                try:
                    resolve(sounds_dir, t.name, ivr.greeting.file)
                except InvalidInput as exc:
                    out.append(Problem("error", t.name, f"ivr {ivr.name}", exc.message.removeprefix(f"{t.name}: ")))
    return out


def _internal_host(host: str) -> str | None:
    """Why HOST is this box or a network no webhook should reach (None: a host out there)."""
    import ipaddress
    import socket

    name = host.strip("[]").rstrip(".").lower()
    if name == "localhost" or name.endswith(".localhost") or name in {socket.gethostname().lower(), ""}:
        return "is this box"
    try:
        ip = ipaddress.ip_address(name)
    except ValueError:
        try:
            ip = ipaddress.ip_address(socket.inet_aton(name))  # 0x7f.1, 2130706433: loopback in disguise
        except (OSError, ValueError):
            return None
    if getattr(ip, "ipv4_mapped", None):
        ip = ip.ipv4_mapped
    if ip.is_loopback or ip.is_unspecified:
        return "is this box (loopback)"
    if ip.is_link_local:
        return "is link-local (cloud metadata lives there)"
    if ip.is_multicast or ip.is_reserved:
        return "is not a host"
    return None


def check_webhooks(tenants: list[s.Tenant], allow_hosts: Iterable[str] = ()) -> list[Problem]:
    """Webhook URLs must leave the box: loopback, link-local and the box's own name are refused
    (the Event Socket listens on 127.0.0.1:8021), unless the provider names the host in
    CCCTL_WEBHOOK_ALLOW_HOSTS."""
    from urllib.parse import urlsplit

    allowed = {h.strip().lower().strip("[]") for h in allow_hosts if h.strip()}
    out = []
    for t in tenants:
        for w in t.webhooks:
            try:
                host = urlsplit(w.url).hostname or ""
            except ValueError:
                host = ""
            why = None if host.lower() in allowed else _internal_host(host)
            if why:
                out.append(
                    Problem(
                        "error",
                        t.name,
                        f"webhook {w.url}",
                        f"{host or 'the host'} {why}; a provider allows it with CCCTL_WEBHOOK_ALLOW_HOSTS",
                    )
                )
    return out
