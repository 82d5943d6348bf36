"""The first-boot wizard on a scratch root: each line applies on enter, a bad one says why
under itself, setup can be re-run, and finishing writes the marker the console looks for."""

from __future__ import annotations

from textual.widgets import Input, Static

from ccctl.box import setup
from ccctl.config import entities
from tui.app import CcTui

from .conftest import SIZE, settle

KEY = ("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGdXoGM8lAXdbUC5iBeJ6kGO1bQHtfYmkZ8x4C4XG0Xo admin@laptop")


async def enter(app, pilot, field: str, text: str) -> str:
    inp = app.screen.query_one(f"#w-{field}", Input)
    inp.value = text
    inp.focus()
    await pilot.press("enter")
    await settle(app, pilot)
    return str(app.screen.query_one(f"#w-{'tenant' if field == 'seats' else field}-msg", Static).render())


async def test_wizard_sets_up_the_box_and_can_run_again(tctx, tmp_path):
    root = tmp_path / "root"
    app = CcTui(tctx, start="wizard")
    app.root = root
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert "not complete" in str(app.screen.query_one("#w-state", Static).render())
        assert "bad host" not in await enter(app, pilot, "hostname", "-bad-")
        assert "a host name is" in str(app.screen.query_one("#w-hostname-msg", Static).render())
        assert "now cc-box-1" in await enter(app, pilot, "hostname", "CC-Box-1")
        assert "key added" in await enter(app, pilot, "ssh_key", KEY)
        assert "already" in await enter(app, pilot, "ssh_key", KEY)  # re-run: nothing doubled
        assert "unknown time zone" in await enter(app, pilot, "timezone", "Mars/Olympus")
        assert "now Asia/Shanghai" in await enter(app, pilot, "timezone", "Asia/Shanghai")
        app.screen.query_one("#w-tenant", Input).value = "beta"
        assert "created with 3 seats" in await enter(app, pilot, "seats", "2001-2003")
        assert "1 seats added" in await enter(app, pilot, "seats", "2001-2004")
        await pilot.press("ctrl+f")
        await settle(app, pilot)
        assert app.screen.name == "tenants"
    assert (root / "etc/hostname").read_text() == "cc-box-1\n"
    assert (root / "root/.ssh/authorized_keys").read_text().count("ssh-ed25519") == 1
    assert str((root / "etc/localtime").readlink()).endswith("Asia/Shanghai")
    assert [seat.extension for seat in entities.get_tenant(tctx, "beta").seats] == ["2001", "2002", "2003", "2004"]
    assert setup.completed(root)


async def test_a_seat_range_over_the_limit_adds_none(tctx, tmp_path):
    """acme has room for 3 more seats: a range of 10 is refused whole, in one line under it."""
    app = CcTui(tctx, start="wizard")
    app.root = tmp_path / "root"
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        app.screen.query_one("#w-tenant", Input).value = "acme"
        await enter(app, pilot, "seats", "2001-2010")
        said = str(app.screen.query_one("#w-seats-msg", Static).render())
        assert said == "tenant acme: 12 seats exceed its seat limit of 5"
        assert [seat.extension for seat in entities.get_tenant(tctx, "acme").seats] == ["1001", "1002"]
        assert "3 seats added, 5 in all" in await enter(app, pilot, "seats", "2001-2003")
