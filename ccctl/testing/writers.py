"""One writer process of the concurrent-writers test: `python -m ccctl.testing.writers URL N START`.

Writer N adds 12 seats of its own to tenant `shared`, changes some, removes some, sets the
queue's max_wait and the tenant's display name between them, and (writer 0) applies tenant
`other` whole from a site description, again and again. It prints how many writes it retried.
"""

from __future__ import annotations

import sys
import time

from ccctl import app
from ccctl.config import entities
from ccctl.errors import Conflict
from ccctl.config.write import apply_tenants
from ccctl.settings import Settings
from ccctl.config import spec as s

SEATS = 12


def seat_keys(n: int) -> list[str]:
    return [f"{n + 1}{i:03d}" for i in range(SEATS)]


def other_tenant(round_: int) -> s.Tenant:
    return s.Tenant.model_validate({
        "name": "other", "display_name": f"round {round_}",
        "seats": [{"extension": str(2000 + i), "name": f"O{i}", "skills": {"sales": 3}} for i in range(5)],
        "queues": [{"name": "sales", "skill": "sales", "max_wait": 60 + round_}],
    })


def main(url: str, n: int, start: float) -> None:
    services = app.open(Settings(db=url), deploy=False)
    retries = 0

    def write(fn, *args, **kw):
        nonlocal retries
        for _ in range(20):
            try:
                return fn(services, *args, **kw)
            except Conflict as exc:
                if "try again" not in exc.message:
                    raise
                retries += 1
        raise SystemExit("gave up after 20 tries")

    while time.time() < start:
        time.sleep(0.01)
    for i, key in enumerate(seat_keys(n)):
        write(entities.add_item, "seat", "shared", key, {"name": f"W{n} {i}", "skills": {"sales": 1 + n}})
        if i % 3 == 1:
            write(entities.set_item, "seat", "shared", key, {"name": f"W{n} {i} changed"})
        if i % 4 == 2:
            write(entities.remove_item, "seat", "shared", key)
        if i % 5 == 0:
            write(entities.set_item, "queue", "shared", "sales", {"max_wait": 100 + n})
        if n == 0 and i % 2 == 0:
            write(apply_tenants, [other_tenant(i)])
    print(retries)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), float(sys.argv[3]))
