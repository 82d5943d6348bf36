"""The first-boot wizard on a scratch root: each line applies on enter, a bad one says why
under itself, setup can be re-run, and finishing writes the marker the console looks for.
The admin SSH key goes to the administrator's home (never root's), and the wizard shows the
box's addresses and notices setup finished elsewhere."""

from __future__ import annotations

import os
import stat

from textual.widgets import Input, Static

from ccctl.box import setup
from ccctl.config import entities
from tui.app import CcTui

from .conftest import SIZE, settle

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGdXoGM8lAXdbUC5iBeJ6kGO1bQHtfYmkZ8x4C4XG0Xo admin@laptop"


async def enter(app, pilot, field: str, text: str) -> str:
    inp = app.screen.query_one(f"#w-{field}", Input)
    inp.value = text
    inp.focus()
    await pilot.press("enter")
    await settle(app, pilot)
    return str(app.screen.query_one(f"#w-{'tenant' if field == 'seats' else field}-msg", Static).render())


def with_admin(root, user="admin"):
    """A scratch root whose /etc/passwd has the administrator (owned by whoever runs the test)."""
    (root / "etc").mkdir(parents=True, exist_ok=True)
    (root / "etc/passwd").write_text(
        f"root:x:0:0:root:/root:/bin/bash\n{user}:x:{os.getuid()}:{os.getgid()}::/home/{user}:/bin/bash\n"
    )
    return root


async def test_wizard_sets_up_the_box_and_can_run_again(tctx, tmp_path):
    root = with_admin(tmp_path / "root")
    app = CcTui(tctx, start="wizard")
    app.root = root
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert "not complete" in str(app.screen.query_one("#w-state", Static).render())
        assert "bad host" not in await enter(app, pilot, "hostname", "-bad-")
        assert "a host name is" in str(app.screen.query_one("#w-hostname-msg", Static).render())
        assert "now cc-box-1" in await enter(app, pilot, "hostname", "CC-Box-1")
        said = await enter(app, pilot, "ssh_key", KEY)
        # the proof: how many keys log in as admin, and which (ssh-keygen -lf's fingerprints)
        assert said.startswith("key added: 1 key can log in as admin: SHA256:") and "admin@laptop" in said, said
        assert setup.fingerprint(KEY) in said.replace("\n", "")
        assert "already" in await enter(app, pilot, "ssh_key", KEY)  # re-run: nothing doubled
        assert "admin keys 1" in str(app.screen.query_one("#w-state", Static).render())
        assert "unknown time zone" in await enter(app, pilot, "timezone", "Mars/Olympus")
        assert "now Asia/Shanghai" in await enter(app, pilot, "timezone", "Asia/Shanghai")
        app.screen.query_one("#w-tenant", Input).value = "beta"
        assert "created with 3 seats" in await enter(app, pilot, "seats", "2001-2003")
        assert "1 seats added" in await enter(app, pilot, "seats", "2001-2004")
        await pilot.press("ctrl+f")
        await settle(app, pilot)
        assert app.screen.name == "tenants"
    assert (root / "etc/hostname").read_text() == "cc-box-1\n"
    keys = root / "home/admin/.ssh/authorized_keys"
    assert keys.read_text().count("ssh-ed25519") == 1 and not (root / "root/.ssh").exists()
    assert stat.S_IMODE(keys.stat().st_mode) == 0o600 and stat.S_IMODE(keys.parent.stat().st_mode) == 0o700
    assert (keys.stat().st_uid, keys.parent.stat().st_uid) == (os.getuid(), os.getuid())
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


async def test_a_box_without_its_admin_user_says_so(tctx, tmp_path):
    app = CcTui(tctx, start="wizard")
    app.root = tmp_path / "root"
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert "no user 'admin' on this box" in await enter(app, pilot, "ssh_key", KEY)
    assert not (tmp_path / "root/root").exists()


async def test_wizard_shows_addresses_and_notices_setup_done_elsewhere(tctx, tmp_path, monkeypatch):
    """On tty1 the wizard hides the banner with the box's address: it shows them itself. Setup
    finished over SSH (the marker written) shows within a recheck, and the console's wizard
    (--first-boot) then leaves, so tty1 gets its login prompt."""
    from tui.screens.wizard import WizardScreen

    monkeypatch.setattr(WizardScreen, "REFRESH", 0.1)
    monkeypatch.setattr(setup, "addresses", lambda: ["192.0.2.10", "2001:db8::10"])
    root = tmp_path / "root"
    app = CcTui(tctx, start="wizard")
    app.root, app.first_boot = root, True
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert str(app.screen.query_one("#w-address", Static).render()).startswith(
            "address 192.0.2.10, 2001:db8::10   (ssh admin@192.0.2.10)"
        )
        assert "not complete" in str(app.screen.query_one("#w-state", Static).render())
        setup.complete(root)  # over SSH
        for _ in range(50):
            await pilot.pause(0.1)
            if not app.is_running:
                break
        assert not app.is_running
    assert app.return_code == 0


async def test_wizard_over_ssh_refreshes_instead_of_leaving(tctx, tmp_path, monkeypatch):
    from tui.screens.wizard import WizardScreen

    monkeypatch.setattr(WizardScreen, "REFRESH", 0.1)
    root = tmp_path / "root"
    app = CcTui(tctx, start="wizard")
    app.root = root
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        setup.complete(root)
        for _ in range(50):
            await pilot.pause(0.1)
            if "setup complete" in str(app.screen.query_one("#w-state", Static).render()):
                break
        assert "setup complete" in str(app.screen.query_one("#w-state", Static).render())
        assert app.is_running
