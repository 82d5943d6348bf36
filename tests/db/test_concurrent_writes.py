"""Several processes write at once (single-item changes, console form saves from values read
long before, campaign definitions and whole-tenant applies): the final state is the serial
result, with no item lost, on SQLite and on PostgreSQL."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from ccctl import app
from ccctl.config import entities
from ccctl.config import spec as s
from ccctl.config.write import apply_tenants
from ccctl.outbound import campaigns
from ccctl.settings import Settings
from ccctl.testing.writers import SEATS, other_tenant, seat_keys

ROOT = Path(__file__).resolve().parents[2]
WRITERS = 4


def expected_seats() -> dict[str, str]:
    """The serial result: every writer's seats, less those it removed, with their last names."""
    out = {}
    for n in range(WRITERS):
        for i, key in enumerate(seat_keys(n)):
            if i % 4 == 2:
                continue
            out[key] = f"W{n} {i}" + (" changed" if i % 3 == 1 else "")
    return out


def test_concurrent_writers_lose_nothing(db_url):
    services = app.open(Settings(db=db_url), deploy=False)
    apply_tenants(
        services,
        [
            s.Tenant.model_validate(
                {
                    "name": "shared",
                    "seat_limit": 1000,
                    "seats": [{"extension": "10", "name": "Boss", "skills": {"sales": 9}}],
                    "queues": [{"name": "sales", "skill": "sales"}],
                    "trunks": [{"name": "carrier", "host": "sip.example.net"}],
                }
            )
        ],
    )  # campaigns dial out through it
    start = time.time() + 3  # every writer starts at once, after its imports
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "ccctl.testing.writers", db_url, str(n), str(start)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(WRITERS)
    ]
    outs = [p.communicate(timeout=300) for p in procs]
    for p, (_out, err) in zip(procs, outs):
        assert p.returncode == 0, err
    shared = entities.get_tenant(services, "shared")
    # Forms saved from values read before any seat was added lose none of them.
    assert {x.extension: x.name for x in shared.seats} == {"10": "Boss", **expected_seats()}
    assert {x.extension for x in shared.seats if x.remote} == {k for k in expected_seats() if int(k[1:]) % 6 == 3}
    assert entities.get_item(services, "queue", "shared", "sales").max_wait in {100 + n for n in range(WRITERS)}
    assert shared.display_name.startswith("form W") and shared.seat_limit == 1000
    # Every writer's campaigns, each queue a campaign uses still there.
    defined = {c["name"]: c for c in campaigns.list_(services, "shared")}
    assert sorted(defined) == sorted([f"c{n}" for n in range(WRITERS)] + [f"qc{n}" for n in range(WRITERS)])
    assert {defined[f"c{n}"]["max_concurrent"] for n in range(WRITERS)} == {5}
    assert {q.name for q in shared.queues} == {"sales", *(f"q{n}" for n in range(WRITERS))}
    other = entities.get_tenant(services, "other")
    last = other_tenant(SEATS - 2)
    assert other.display_name == last.display_name and len(other.seats) == 5
    assert other.queues[0].max_wait == last.queues[0].max_wait
