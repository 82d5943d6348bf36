"""The usage report against a scripted month of call rows, agent status changes and
recordings, on SQLite and PostgreSQL. Every expected figure is worked out by hand below."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from ccctl import app
from ccctl.config import spec as s
from ccctl.config.write import apply_tenants
from ccctl.daemon.store import write_rows
from ccctl.errors import InvalidInput
from ccctl.model import Recording
from ccctl.settings import Settings
from ccctl.stats import usage
from ccctl.testing.rows import call, status


def utc(*args) -> float:
    return datetime(*args, tzinfo=timezone.utc).timestamp()


@pytest.fixture
def ctx(db_url, tmp_path):
    c = app.open(Settings(db=db_url, fs_recordings_dir=tmp_path / "rec", fs_deploy="off"))
    apply_tenants(
        c,
        [
            s.Tenant(
                name="host",
                seat_limit=40,
                seats=[s.Seat(extension="1001", name="A")],
                lease=s.Lease(price=900, currency="EUR", period="quarterly"),
                billing=s.Billing(increment=6, minimum=60),
            ),
            s.Tenant(name="flat", timezone="Asia/Shanghai", lease=s.Lease(price=1200, period="yearly")),
        ],
    )
    calls = [
        call("i1", "host", "inbound", utc(2026, 11, 1, 0, 0, 0), 7.9),  # 7 s -> 60 (minimum)
        call("i2", "host", "inbound", utc(2026, 11, 15, 12), 61.5),  # 61 s -> 11 x 6 = 66
        call("i3", "host", "inbound", utc(2026, 11, 16), 0.0, answered=False),  # abandoned: 0
        call("i4", "host", "inbound", utc(2026, 11, 30, 23, 59, 0), 125),  # 125 s -> 21 x 6 = 126
        call("o1", "host", "outbound", utc(2026, 11, 3), 30),  # 30 s -> 60 (minimum)
        call("o2", "host", "outbound", utc(2026, 11, 4), 0.0, answered=False),
        call("n1", "host", "internal", utc(2026, 11, 5), 100),  # counted, not billed
        call("x0", "host", "inbound", utc(2026, 10, 31, 23, 59, 59), 100),  # October
        call("x1", "host", "inbound", utc(2026, 12, 1), 100),  # December
        # flat's month is Asia/Shanghai's: 2026-10-31 16:00 UTC to 2026-11-30 16:00 UTC
        call("f1", "flat", "inbound", utc(2026, 10, 31, 17), 61),  # 61 s -> 2 minutes (60/60)
        call("f2", "flat", "inbound", utc(2026, 11, 30, 17), 61),  # December 1st in Shanghai
    ]
    agents = [
        status("host", "a1", "Available", utc(2026, 10, 20)),  # logged in when November begins
        status("host", "a2", "Logged Out", utc(2026, 10, 25)),
        status("host", "a3", "On Break", utc(2026, 10, 28)),
        status("host", "a3", "Logged Out", utc(2026, 10, 30)),
        status("host", "a2", "Available", utc(2026, 11, 2, 9)),  # 2
        status("host", "a3", "Available", utc(2026, 11, 2, 10)),  # 3
        status("host", "a2", "On Break", utc(2026, 11, 2, 11)),  # still 3: on break is logged in
        status("host", "a1", "Logged Out", utc(2026, 11, 3)),  # 2
        status("host", "a4", "Available", utc(2026, 11, 4)),  # 3
        status("host", "a1", "Available", utc(2026, 11, 5)),  # 4: the peak
        status("host", "a9", "Waiting", utc(2026, 11, 5, 1), kind="state"),  # a state, not a login
        status("host", "a1", "Logged Out", utc(2026, 11, 6)),
        status("host", "a2", "Logged Out", utc(2026, 11, 6)),
        status("host", "a3", "Logged Out", utc(2026, 11, 6)),  # 1
        *[status("host", f"d{i}", "Available", utc(2026, 12, 2)) for i in range(5)],  # December
        *[status("flat", f"o{i}", "Available", utc(2026, 11, 10)) for i in range(10)],  # another tenant
    ]
    write_rows(c.engine, calls, agents)
    recs = [
        ("host/a/r1.wav", utc(2026, 11, 10), 1000, None),  # made in November, kept
        ("host/a/r2.wav", utc(2026, 10, 2), 700, None),  # older, kept
        ("host/a/r3.wav", utc(2026, 10, 5), 300, utc(2026, 11, 20)),  # purged in November: gone at the end
        ("host/a/r4.wav", utc(2026, 10, 6), 50, utc(2026, 12, 5)),  # purged later: there at the end
        ("host/a/r5.wav", utc(2026, 12, 1), 9999, None),  # December
    ]
    with c.engine.begin() as conn:
        conn.execute(
            Recording.__table__.insert(),
            [
                {
                    "tenant": "host",
                    "path": p,
                    "call_uuid": None,
                    "started_at": at,
                    "bytes": b,
                    "held": False,
                    "purged_at": gone,
                }
                for p, at, b, gone in recs
            ],
        )
    yield c
    c.engine.dispose()


def test_a_scripted_month(ctx):
    (u,) = usage.usage(ctx, "2026-11", "host")
    assert u["licensed_seats"] == 40 and u["seats"] == 1
    assert u["peak_logged_in"] == 4
    assert (u["calls"], u["answered"]) == (7, 5)
    assert (u["inbound_calls"], u["outbound_calls"], u["internal_calls"]) == (4, 2, 1)
    assert u["inbound_billable_min"] == 4.2  # (60 + 66 + 0 + 126) s / 60
    assert u["outbound_billable_min"] == 1.0  # 60 s
    assert u["inbound_min"] == 3.24  # (7.9 + 61.5 + 125) s / 60
    assert (u["recording_files"], u["recording_bytes"]) == (3, 1750)
    assert (u["recordings_made"], u["recordings_made_bytes"]) == (1, 1000)
    assert (u["lease_price"], u["currency"]) == (300.0, "EUR")  # 900 a quarter


def test_every_tenant_in_its_own_time_zone_and_plan(ctx):
    rows = {r["tenant"]: r for r in usage.usage(ctx, "2026-11")}
    assert set(rows) == {"flat", "host"}
    f = rows["flat"]
    assert f["calls"] == 1 and f["inbound_billable_min"] == 2.0  # per started minute
    assert f["peak_logged_in"] == 10
    assert f["lease_price"] == 100.0  # 1200 a year
    assert rows["host"]["calls"] == 7


def test_billable_rounding():
    sixty_six = s.Billing(increment=6, minimum=60)
    assert [usage.billable_seconds(x, sixty_six) for x in (0, 0.9, 1, 60, 60.9, 61, 66, 67)] == [
        0,
        0,
        60,
        60,
        60,
        66,
        66,
        72,
    ]
    per_second = s.Billing(increment=1)
    assert usage.billable_seconds(61.7, per_second) == 61


def test_a_bad_month_is_refused(ctx):
    with pytest.raises(InvalidInput):
        usage.usage(ctx, "2026-13")
