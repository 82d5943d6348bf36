"""Screens as pictures at 80x24 (an SSH window, the console) and 120x40, compared with the
committed SVGs (pytest-textual-snapshot; refresh with --snapshot-update and look at them)."""

from __future__ import annotations

import time

import pytest

from ccctl.supervision.wallboard import Board
from tui.app import CcTui
from tui.screens.wallboard import WallboardScreen

from .conftest import acme, settle

NOW = 1795348800.0  # a fixed moment, so times on the board do not move


@pytest.fixture(autouse=True)
def utc(monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def fixed_board() -> Board:
    t = acme()
    b = Board([t], clock=lambda: NOW)

    def at(ts, **h):
        b.feed({"Event-Name": "CUSTOM", "Event-Date-Timestamp": str(int(ts * 1e6)), **h})

    q = "sales@acme.cc.local"
    for i, hour in enumerate((2, 3, 3, 5, 6, 6, 6, 7)):  # answered through the morning, 12 s waits
        ts = NOW - 3600 * (8 - hour)
        at(
            ts - 12,
            **{
                "CC-Action": "member-queue-start",
                "CC-Queue": q,
                "CC-Member-UUID": f"m{i}",
                "CC-Member-Joined-Time": str(int(ts - 12)),
            },
        )
        at(
            ts,
            **{
                "CC-Action": "bridge-agent-start",
                "CC-Queue": q,
                "CC-Member-UUID": f"m{i}",
                "CC-Member-Session-UUID": f"c{i}",
                "CC-Agent": "1001@acme.cc.local",
                "CC-Member-CID-Number": f"1380000000{i}",
                "CC-Agent-Answered-Time": str(int(ts)),
            },
        )
        if i < 7:
            at(
                ts + 60,
                **{
                    "CC-Action": "bridge-agent-end",
                    "CC-Queue": q,
                    "CC-Member-UUID": f"m{i}",
                    "CC-Member-Session-UUID": f"c{i}",
                },
            )
    at(
        NOW - 42,
        **{
            "CC-Action": "member-queue-start",
            "CC-Queue": "support@acme.cc.local",
            "CC-Member-UUID": "w1",
            "CC-Member-Joined-Time": str(int(NOW - 42)),
        },
    )
    at(
        NOW - 95,
        **{"CC-Action": "agent-status-change", "CC-Agent": "1002@acme.cc.local", "CC-Agent-Status": "On Break"},
    )
    at(
        NOW - 300,
        **{"CC-Action": "agent-state-change", "CC-Agent": "1001@acme.cc.local", "CC-Agent-State": "In a queue call"},
    )
    at(
        NOW - 300,
        **{"CC-Action": "agent-status-change", "CC-Agent": "1001@acme.cc.local", "CC-Agent-Status": "Available"},
    )
    return b


async def still(app, pilot) -> None:
    """Cursors that do not blink: a picture taken at any moment is the same."""
    from textual.widgets import Input

    for inp in app.screen.query(Input):
        inp.cursor_blink = False
    await pilot.pause()


def wallboard_app(ctx) -> CcTui:
    app = CcTui(ctx, start="tenants")

    async def mount_board(pilot):
        app.install_screen(WallboardScreen(fixed_board(), follow=False), "wallboard")
        app.goto("wallboard")
        await settle(app, pilot)

    return app, mount_board


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_tenants_list(snap_compare, tctx, size):
    assert snap_compare(CcTui(tctx, start="tenants"), terminal_size=size)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_seats_list_with_chinese_names(snap_compare, tctx, size):
    assert snap_compare(CcTui(tctx, start="seats"), terminal_size=size)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_ivr_editor_with_an_error(snap_compare, tctx, size):
    app = CcTui(tctx, start="ivrs")

    async def edit(pilot):
        await pilot.press("down", "e")
        app.screen.query_one("#f-greeting--text").value = ""
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        await still(app, pilot)

    assert snap_compare(app, terminal_size=size, run_before=edit)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_ivr_menu_tree(snap_compare, tctx, size):
    app = CcTui(tctx, start="ivrs")

    async def down(pilot):
        await pilot.press("down")
        await settle(app, pilot)

    assert snap_compare(app, terminal_size=size, run_before=down)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_wallboard(snap_compare, tctx, size):
    app, before = wallboard_app(tctx)
    assert snap_compare(app, terminal_size=size, run_before=before)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_wizard(snap_compare, tctx, tmp_path, size, monkeypatch):
    # the picture, not this machine: a fixed engine state and no cards
    from ccctl.box import setup
    from ccctl.hardware import detect

    monkeypatch.setattr(
        setup, "engine_status", lambda ctx: {"installed": True, "source": "debs", "running": False, "version": None}
    )
    monkeypatch.setattr(detect, "detect", lambda: detect.Detection(cards=[], unknown=[], modules={}))
    monkeypatch.setattr(setup, "addresses", lambda: ["192.0.2.10"])
    app = CcTui(tctx, start="wizard")
    app.root = tmp_path / "root"

    async def wait(pilot):
        await settle(app, pilot)
        await still(app, pilot)

    assert snap_compare(app, terminal_size=size, run_before=wait)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_tenant_form(snap_compare, tctx, size):
    """Labels in words, the first field focused, a masked secret's hint in the keys line."""
    app = CcTui(tctx, start="tenants")

    async def edit(pilot):
        await pilot.press("e")
        app.screen.query_one("#f-seat_limit").value = ""
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        await still(app, pilot)

    assert snap_compare(app, terminal_size=size, run_before=edit)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_tenant_delete_confirmation(snap_compare, tctx, size):
    app = CcTui(tctx, start="tenants")

    async def delete(pilot):
        await settle(app, pilot)
        await pilot.press("d")
        await settle(app, pilot)
        await still(app, pilot)

    assert snap_compare(app, terminal_size=size, run_before=delete)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_wallboard_without_freeswitch(snap_compare, tctx, size):
    app, before = wallboard_app(tctx)

    async def offline(pilot):
        await before(pilot)
        app.screen.unavailable("cannot reach FreeSWITCH at 127.0.0.1:8021: [Errno 111] Connection refused")
        await settle(app, pilot)

    assert snap_compare(app, terminal_size=size, run_before=offline)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_wizard_finish(snap_compare, tctx, tmp_path, size, monkeypatch):
    from ccctl.box import setup
    from ccctl.hardware import detect

    monkeypatch.setattr(
        setup, "engine_status", lambda ctx: {"installed": True, "source": "debs", "running": False, "version": None}
    )
    monkeypatch.setattr(detect, "detect", lambda: detect.Detection(cards=[], unknown=[], modules={}))
    monkeypatch.setattr(setup, "addresses", lambda: ["192.0.2.10"])
    app = CcTui(tctx, start="wizard")
    app.root = tmp_path / "root"

    async def finish(pilot):
        await settle(app, pilot)
        await pilot.press("ctrl+f")
        await settle(app, pilot)
        await still(app, pilot)

    assert snap_compare(app, terminal_size=size, run_before=finish)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
@pytest.mark.parametrize("page", ["queues", "numbers", "trunks", "recording", "cards"])
def test_other_lists(snap_compare, tctx, size, page):
    assert snap_compare(CcTui(tctx, start=page), terminal_size=size)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
@pytest.mark.parametrize("page", ["seats", "queues", "numbers", "trunks", "recording"])
def test_edit_forms(snap_compare, tctx, size, page):
    """Every form as it opens: labels in words, choices as selects, the secret masked."""
    app = CcTui(tctx, start=page)

    async def edit(pilot):
        await settle(app, pilot)
        await pilot.press("e")
        await settle(app, pilot)
        await still(app, pilot)

    assert snap_compare(app, terminal_size=size, run_before=edit)
