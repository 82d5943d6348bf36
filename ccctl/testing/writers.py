"""One writer process of the concurrent-writers test: `python -m ccctl.testing.writers URL N START`.

Writer N adds 12 seats of its own to tenant `shared`, changes some, removes some, sets the
queue's max_wait between them (by command and by a console form whose values were read long
before), saves the tenant's form and some of its seats' forms the same way, defines outbound
campaigns (adds, updates, removes, and tries to remove a queue one uses: refused), and (writer 0)
applies tenant `other` whole from a site description, again and again. It prints how many
writes it retried.
"""

from __future__ import annotations

import sys
import time

from ccctl import app
from ccctl.config import entities, forms
from ccctl.config import spec as s
from ccctl.config.write import apply_tenants
from ccctl.errors import Conflict
from ccctl.outbound import campaigns
from ccctl.settings import Settings

SEATS = 12
QUEUE_FIELDS = ["display_name", "strategy", "max_wait", "overflow", "no_agent.timeout", "wrapup"]
TENANT_FIELDS = ["display_name", "seat_limit", "call_limit", "timezone"]
SEAT_FIELDS = ["name", "skills", "remote", "supervisor"]


def seat_keys(n: int) -> list[str]:
    return [f"{n + 1}{i:03d}" for i in range(SEATS)]


def other_tenant(round_: int) -> s.Tenant:
    return s.Tenant.model_validate(
        {
            "name": "other",
            "display_name": f"round {round_}",
            "seats": [{"extension": str(2000 + i), "name": f"O{i}", "skills": {"sales": 3}} for i in range(5)],
            "queues": [{"name": "sales", "skill": "sales", "max_wait": 60 + round_}],
        }
    )


def main(url: str, n: int, start: float) -> None:
    services = app.open(Settings(db=url), deploy=False)
    retries = 0

    def write(fn, *args, **kw):
        nonlocal retries
        for _ in range(20):
            try:
                return fn(services, *args, **kw)
            except (Conflict, forms.FormRefused) as exc:  # a form's save says it as its general error
                if "try again" not in str(exc):
                    raise
                retries += 1
        raise SystemExit("gave up after 20 tries")

    def form(noun: str, key: str, loaded: dict[str, str], **edited: str):
        """A console form's save: LOADED is what it showed (read long before), EDITED typed in."""
        write(forms.save, noun, "shared", key, {**loaded, **edited}, new=False, loaded=loaded)

    # What two console forms show, read once, before any writer starts: every later save
    # of them is as stale as a form left open while others work.
    queue_form = forms.values_of(entities.get_item(services, "queue", "shared", "sales"), QUEUE_FIELDS)
    tenant_form = forms.values_of(entities.get_tenant(services, "shared"), TENANT_FIELDS)
    while time.time() < start:
        time.sleep(0.01)
    for i, key in enumerate(seat_keys(n)):
        write(entities.add_item, "seat", "shared", key, {"name": f"W{n} {i}", "skills": {"sales": 1 + n}})
        if i % 3 == 1:
            write(entities.set_item, "seat", "shared", key, {"name": f"W{n} {i} changed"})
        if i % 4 == 2:
            write(entities.remove_item, "seat", "shared", key)
        if i % 6 == 3:
            seat = forms.values_of(entities.get_item(services, "seat", "shared", key), SEAT_FIELDS)
            form("seat", key, seat, remote="true")
        if i % 10 == 0:
            write(entities.set_item, "queue", "shared", "sales", {"max_wait": 100 + n})
        if i % 10 == 5:
            form("queue", "sales", queue_form, max_wait=str(100 + n))
        if i % 4 == 1:
            form("tenant", "shared", tenant_form, display_name=f"form W{n} {i}")
        campaigns_step(services, write, n, i)
        if n == 0 and i % 2 == 0:
            write(apply_tenants, [other_tenant(i)])
    print(retries)


def campaigns_step(services, write, n: int, i: int) -> None:
    """Writer N's campaign definitions: c{N} on queue sales (added, then updated), qc{N} on a
    queue of its own that then cannot be removed, t{N} added and removed."""
    if i == 0:
        write(campaigns.add, "shared", f"c{n}", queue="sales")
    elif i == 1:
        write(entities.add_item, "queue", "shared", f"q{n}", {"skill": "sales"})
        write(campaigns.add, "shared", f"qc{n}", queue=f"q{n}")
    elif i == 2:
        try:
            write(entities.remove_item, "queue", "shared", f"q{n}")
        except Conflict as exc:
            assert f"campaign qc{n}" in exc.message, exc.message
        else:
            raise SystemExit(f"queue q{n} was removed while campaign qc{n} used it")
    elif i == 4:
        write(campaigns.update, "shared", f"c{n}", max_concurrent=5)
        write(campaigns.add, "shared", f"t{n}", queue="sales")
    elif i == 7:
        write(campaigns.remove, "shared", f"t{n}")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), float(sys.argv[3]))
