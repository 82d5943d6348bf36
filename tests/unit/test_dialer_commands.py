"""What the dialer asks of FreeSWITCH, against the wire-level fake: queue, agent, gateway and
transfer names as ccctl.render.names makes them for the dialplan, an IVR campaign with no
queue, and an originate FreeSWITCH refuses (-ERR) ends the attempt as failed."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from ccctl.config import spec as s
from ccctl.config.gather import esl_password
from ccctl.config.write import apply_tenants
from ccctl.freeswitch.esl import EventStream
from ccctl.outbound import campaigns
from ccctl.outbound.dialer import Dialer
from ccctl.render import names
from ccctl.testing.fake_esl import FakeEventSocket

TENANT = "acme"
NOON = datetime(2026, 11, 24, 12, 0, tzinfo=timezone.utc).timestamp()
"""A Tuesday noon: inside the campaigns' window, whenever the test runs."""


@pytest.fixture
def dialing(ctx, tmp_path):
    t = s.Tenant(
        name=TENANT,
        domain="sip.acme.example",
        call_limit=10,
        seats=[s.Seat(extension="1001", name="Alice", skills={"sales": 5})],
        queues=[s.Queue(name="sales")],
        trunks=[s.Trunk(name="carrier", host="sip.carrier.example")],
    )
    apply_tenants(ctx, [t])
    for name, options in (("winback", {"queue": "sales"}), ("nps", {"kind": "ivr", "target": "survey"})):
        campaigns.add(
            ctx,
            TENANT,
            name,
            mode="progressive",
            trunk="carrier",
            caller_id="+4940999000",
            window_start="09:00",
            window_end="18:00",
            days="all",
            max_concurrent=1,
            **options,
        )
        f = tmp_path / f"{name}.csv"
        f.write_text("number,name,timezone\n+4940111222,Customer,UTC\n")
        campaigns.import_file(ctx, TENANT, name, f)
        campaigns.set_state(ctx, TENANT, name, "running")
    fake = FakeEventSocket(
        password=esl_password(ctx),
        replies={
            "callcenter_config queue list agents": "name|status|state\n1001@sip.acme.example|Available|Waiting\n+OK\n",
            "limit_usage": "0",
        },
    )
    dialer = Dialer(ctx.engine, ctx.settings, fake.password, node="test", clock=lambda: NOON)
    dialer._abandon_message = lambda language: None  # no espeak-ng needed here
    dialer._cmd = EventStream("127.0.0.1", fake.port, fake.password, [], timeout=5)
    yield t, fake, dialer
    dialer._cmd.close()
    fake.close()


def test_dialer_names_what_the_dialplan_names(dialing):
    t, fake, dialer = dialing
    dialer.step()
    assert f"callcenter_config queue list agents {names.queue_id(t, 'sales')}" in fake.received
    assert f"limit_usage hash {names.CALLS_LIMIT_REALM} {TENANT}" in fake.received
    originates = sorted(fake.background, key=lambda c: "transfer" in c)
    assert len(originates) == 2, fake.background  # the IVR campaign dials too: it needs no queue
    gateway = f"sofia/gateway/{names.gateway(t, t.trunks[0])}/+4940111222 "
    assert all(gateway in c for c in originates)
    assert f",callcenter:{names.queue_id(t, 'sales')}' inline" in originates[0]
    assert f",transfer:{names.transfer(t, 'survey')}' inline" in originates[1]
    assert len(dialer.attempts) == 2


def test_refused_originate_fails_the_attempt(dialing):
    _, fake, dialer = dialing
    fake.replies["originate"] = "-ERR NO_ROUTE_DESTINATION"
    dialer.step()
    assert len(fake.background) == 2 and dialer.attempts == {}  # both ended as failed, none left dialing
