"""The first-boot wizard's call center: a first queue its seats serve, a number straight to
it, an optional SIP trunk, and what the wizard says at the end (what is and is not set, the
test call that proves it works).

Every change goes through ccctl.config.entities (the one write path); these functions only
choose what to write, so `ccctl validate` passes on what the wizard made.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ccctl.errors import InvalidInput, NotFound

SKILL_LEVEL = 5
"""The level the wizard gives its seats in the first queue's skill (1-10; all equal)."""


def first_queue(services, tenant: str, queue: str) -> str:
    """Queue QUEUE in TENANT (made when missing), and every seat of TENANT given its skill:
    one write, so a queue never exists without agents to serve it."""
    from ccctl.config import entities
    from ccctl.config import spec as s

    queue = queue.strip()
    if not queue:
        raise InvalidInput("name the first queue (like sales)")
    made = []

    def edit(t: s.Tenant) -> s.Tenant:
        queues = list(t.queues)
        q = next((q for q in queues if q.name == queue), None)
        if q is None:
            q = s.Queue.model_validate({"name": queue})
            queues.append(q)
            made.append(queue)
        skill = q.required_skill
        seats = [
            seat if skill in seat.skills else seat.model_copy(update={"skills": {**seat.skills, skill: SKILL_LEVEL}})
            for seat in t.seats
        ]
        made.extend(seat.extension for seat, old in zip(seats, t.seats) if seat is not old)
        return t.model_copy(update={"queues": queues, "seats": seats})

    try:
        entities.edit_tenant(services, tenant, edit)
    except NotFound:
        raise InvalidInput(f"make tenant {tenant} first (the line above)") from None
    t = entities.get_tenant(services, tenant)
    q = next(q for q in t.queues if q.name == queue)
    agents = sum(1 for seat in t.seats if q.required_skill in seat.skills)
    return (
        f"queue {queue} {'created' if queue in made else 'kept'}; {agents} seat{'s' if agents != 1 else ''} "
        f"have its skill {q.required_skill!r}"
    )


def first_number(services, tenant: str, number: str, queue: str) -> str:
    """NUMBER straight to QUEUE (added, or pointed there when TENANT has it already)."""
    from ccctl.config import entities

    number, queue = number.strip(), queue.strip()
    if not queue:
        raise InvalidInput("make the first queue first (the line above)")
    target = f"queue:{queue}"
    try:
        have = {n.number: n for n in entities.get_tenant(services, tenant).numbers}
    except NotFound:
        raise InvalidInput(f"make tenant {tenant} first") from None
    if number in have:
        if have[number].target == target:
            return f"number {number} already goes to {target}"
        entities.set_item(services, "number", tenant, number, {"target": target})
        return f"number {number} now goes to {target} (was {have[number].target})"
    entities.add_item(services, "number", tenant, number, {"target": target})
    return f"number {number} goes to {target}"


def first_trunk(services, tenant: str, host: str, username: str, password: str, name: str = "carrier") -> str:
    """A SIP trunk NAME to HOST that registers with USERNAME and PASSWORD (the carrier's
    account); both are needed: a trunk without them only works where the carrier allows this
    box by IP, which `ccctl validate` warns about."""
    from ccctl.config import entities

    host, username = host.strip(), username.strip()
    if not host:
        raise InvalidInput("host: the carrier's SIP server (like sip.example.net); the trunk is optional")
    if not (username and password):
        raise InvalidInput("username and password: the carrier account the trunk registers with")
    fields = {"type": "sip", "host": host, "username": username, "password": password, "register": True}
    try:
        trunks = {tr.name for tr in entities.get_tenant(services, tenant).trunks}
    except NotFound:
        raise InvalidInput(f"make tenant {tenant} first") from None
    if name in trunks:
        entities.set_item(services, "trunk", tenant, name, fields)
        return f"trunk {name} to {host} updated (registers as {username})"
    entities.add_item(services, "trunk", tenant, name, fields)
    return f"trunk {name} to {host} added (registers as {username})"


@dataclass(frozen=True)
class Line:
    what: str
    value: str | None
    """None: not set."""
    needed: bool = True
    """Whether a box without it is not yet a working call center."""


def summary(services, root: Path, user: str, tenant: str | None) -> tuple[list[Line], str, list[str]]:
    """What the wizard set and did not, the test call that proves the call center answers
    (or why there is none yet), and `ccctl validate`'s problems with the configuration."""
    from ccctl.box import setup
    from ccctl.config import entities
    from ccctl.config.validate import check_site

    st = setup.current(root, user)
    lines = [
        Line("host name", st["hostname"] or None),
        Line("admin SSH key", f"{st['ssh_keys']} key(s) log in as {user}" if st["ssh_keys"] else None),
        Line("time zone", st["timezone"]),
    ]
    tenants = entities.list_tenants(services, with_secrets=True)
    t = next((x for x in tenants if x.name == tenant), None)
    lines.append(Line("tenant", f"{t.name} ({t.timezone})" if t else None))
    seats = sorted((x.extension for x in t.seats), key=int) if t else []
    lines.append(Line("seats", f"{len(seats)}: {seats[0]}-{seats[-1]}" if seats else None))
    q = t.queues[0] if t and t.queues else None
    agents = [x.extension for x in t.seats if q and q.required_skill in x.skills] if t else []
    lines.append(Line("queue", f"{q.name}, {len(agents)} agent(s) with skill {q.required_skill!r}" if q else None))
    num = next((n for n in t.numbers if q and n.target == f"queue:{q.name}"), None) if t else None
    lines.append(Line("number", f"{num.number} -> {num.target}" if num else None))
    trunk = t.trunks[0] if t and t.trunks else None
    lines.append(Line("SIP trunk", f"{trunk.name} to {trunk.host}" if trunk else None, needed=False))
    answer = next((a for a in agents if a != seats[0]), None) if seats else None
    if num and answer:
        call = (
            f"test call: log seat {answer} in (dial *22 on it), then call {num.number} from seat {seats[0]} "
            f"({seats[0]}@{t.sip_domain}): it waits in queue {q.name} and rings seat {answer}"
        )
    else:
        call = "no test call yet: it needs a tenant with two seats, a queue they serve and a number to it"
    problems = [str(p) for p in check_site(tenants)]
    return lines, call, problems
