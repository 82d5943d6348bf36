"""The admin console against a running FreeSWITCH: a queue created in the console is live in
mod_callcenter at once, and an agent put on break from the wallboard is on break in the switch
(and the wallboard hears it back as an event)."""

from __future__ import annotations

import asyncio
import time

import pytest
from textual.widgets import DataTable, Input

from ccctl import app
from ccctl.config import spec as s
from ccctl.config.write import apply_tenants
from ccctl.testing.box import fs_settings, start_box


@pytest.fixture(scope="module")
def box(fs_install, tmp_path_factory):
    root = tmp_path_factory.mktemp("tui")
    tenant = s.Tenant(
        name="acme", seats=[s.Seat(extension="1001", name="张三", skills={"sales": 5})], queues=[s.Queue(name="sales")]
    )
    apply_tenants(app.open(fs_settings(root), deploy=False), [tenant])
    b = start_box(fs_install, root)
    yield b
    b.fs.stop()


async def settle(app, pilot):
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


def test_a_queue_made_in_the_console_is_live(box):
    from tui.app import CcTui

    async def drive():
        app = CcTui(box.services, start="queues")
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("n")
            app.screen.query_one("#f-name", Input).value = "billing"
            app.screen.query_one("#f-skill", Input).value = "sales"
            await pilot.press("ctrl+s")
            await settle(app, pilot)
            return str(app.screen.query_one("#status").render())

    status = asyncio.run(drive())
    assert "+ queue acme/billing" in status
    assert "billing@acme.cc.local" in box.api("callcenter_config queue list")
    assert "billing@acme.cc.local|1001@acme.cc.local|" in box.api("callcenter_config tier list")


def test_break_from_the_wallboard_reaches_the_switch_and_comes_back(box):
    from tui.app import CcTui

    async def drive():
        app = CcTui(box.services, start="wallboard")
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause(1.0)  # the event stream is subscribed
            app.screen.query_one("#agents", DataTable).focus()
            await pilot.press("b")
            await settle(app, pilot)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                await pilot.pause(0.5)
                if app.screen.query_one("#agents", DataTable).get_row("acme/1001")[3] == "On Break":
                    break
            return app.screen.query_one("#agents", DataTable).get_row("acme/1001")[3]

    shown = asyncio.run(drive())
    from ccctl.supervision.agents import parse_table

    agents = {r["name"]: r for r in parse_table(box.api("callcenter_config agent list"))}
    assert agents["1001@acme.cc.local"]["status"] == "On Break"
    assert shown == "On Break"  # heard back from the switch's own event


def test_the_wizards_test_call_reaches_its_queue(box, tmp_path):
    """The wizard's call center on the real switch: a tenant, its seats, a first queue they
    serve and a number to it, typed into the wizard; then the test call it describes (seat
    2001 dials 4001) waits in that queue in mod_callcenter."""
    import threading

    from ccctl.config import entities
    from ccctl.supervision.agents import parse_table
    from ccctl.testing import sip
    from tui.app import CcTui

    from .seat_sip import seat_call

    if sip.available() is not None:
        pytest.skip(str(sip.available()))

    async def drive():
        app = CcTui(box.services, start="wizard")
        app.root = tmp_path / "root"  # never this machine's host name, keys or zone
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            for field, value in (("tenant", "shop"), ("seats", "2001-2002"), ("queue", "orders"), ("number", "4001")):
                app.screen.query_one(f"#w-{field}", Input).value = value
                if field != "tenant":
                    app.screen.query_one(f"#w-{field}", Input).focus()
                    await pilot.press("enter")
                    await settle(app, pilot)
            await pilot.press("ctrl+f")
            await settle(app, pilot)
            return str(app.screen.query_one("#test-call").render())

    call = asyncio.run(drive())
    assert "call 4001 from seat 2001" in call and "queue orders" in call, call
    password = entities.seat_password(box.services, "shop", "2001")
    out = {}
    caller = threading.Thread(
        target=lambda: out.update(
            r=seat_call(tmp_path / "call", "2001", "shop.cc.local", password, "4001", talk_ms=8000)
        )
    )
    caller.start()
    waiting = []
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and not waiting:
        time.sleep(0.3)
        waiting = parse_table(box.api("callcenter_config queue list members orders@shop.cc.local"))
    caller.join(30)
    assert waiting and waiting[0]["state"] in ("Waiting", "Trying"), (waiting, out.get("r"))
    assert out["r"].code == 200, out["r"].diagnostics()  # the queue answered the call
