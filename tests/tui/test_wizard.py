"""The first-boot wizard on a scratch root: each line applies on enter, a bad one says why
under itself, setup can be re-run, and finishing writes the marker the console looks for.
The admin SSH key goes to the administrator's home (never root's), and the wizard shows the
box's addresses and notices setup finished elsewhere."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from textual.widgets import Input, Static

from ccctl.box import setup
from ccctl.config import entities
from tui.app import CcTui

from .conftest import SIZE, settle

BIG = (120, 40)

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGdXoGM8lAXdbUC5iBeJ6kGO1bQHtfYmkZ8x4C4XG0Xo admin@laptop"


async def enter(app, pilot, field: str, text: str) -> str:
    inp = app.screen.query_one(f"#w-{field}", Input)
    inp.value = text
    inp.focus()
    await pilot.press("enter")
    await settle(app, pilot)
    if field == "seats":  # the tenant step: said under the seats line when about them
        seats = app.screen.query_one("#w-seats-msg", Static)
        if seats.display:
            return str(seats.render())
        field = "tenant"
    return str(app.screen.query_one(f"#w-{field}-msg", Static).render())


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
        assert "host name      cc-box-1" in str(app.screen.query_one("#summary", Static).render())
        await pilot.press("enter")  # a key is there: no typed confirmation
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


def shown(app, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def test_finishing_at_once_shows_what_is_unset_and_needs_a_typed_confirmation(fresh, tmp_path):
    """ctrl+f on a fresh box: the summary names everything not set, and with no admin SSH key
    (SSH is by key only) setup finishes only once the administrator types it."""
    root = with_admin(tmp_path / "root")
    app = CcTui(fresh, start="wizard")
    app.root = root
    async with app.run_test(size=BIG) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+f")
        await settle(app, pilot)
        summary = shown(app, "#summary")
        for what in ("host name", "admin SSH key", "tenant", "seats", "queue", "number"):
            assert any(ln.startswith(what) and ln.endswith("NOT SET") for ln in summary.splitlines()), (what, summary)
        assert "SIP trunk      none (optional)" in summary
        assert shown(app, "#test-call").startswith("no test call yet")
        await pilot.press("enter")  # an empty answer does not finish
        await settle(app, pilot)
        await pilot.press(*"yes", "enter")
        await settle(app, pilot)
        assert "type exactly 'no ssh key'" in shown(app, "#confirm-err")
        assert not setup.completed(root)
        await pilot.press("escape")  # back to the wizard, nothing marked
        await settle(app, pilot)
        assert app.screen.name == "wizard" and not setup.completed(root)
        await pilot.press("ctrl+f")
        await settle(app, pilot)
        await pilot.press(*"no ssh key", "enter")
        await settle(app, pilot)
        assert app.screen.name == "tenants"
    assert setup.completed(root)


async def test_the_wizard_makes_a_call_center_that_validates(fresh, tmp_path):
    """From an empty database: tenant and seats, a first queue its seats serve, a number
    straight to it and a SIP trunk, typed as an administrator would. The end names the test
    call, and `ccctl validate --strict` passes on the result with no warning."""
    root = with_admin(tmp_path / "root")
    app = CcTui(fresh, start="wizard")
    app.root = root
    async with app.run_test(size=BIG) as pilot:
        await settle(app, pilot)
        await enter(app, pilot, "ssh_key", KEY)
        assert "now Asia/Shanghai" in await enter(app, pilot, "timezone", "Asia/Shanghai")
        app.screen.query_one("#w-tenant", Input).value = "acme"
        assert "'0100-0110': an extension is 2-8 digits, not starting with 0" in await enter(
            app, pilot, "seats", "0100-0110"
        )
        assert "created with 3 seats" in await enter(app, pilot, "seats", "1001-1003")
        said = await enter(app, pilot, "queue", "sales")
        assert said == "queue sales created; 3 seats have its skill 'sales'", said
        assert await enter(app, pilot, "number", "4001") == "number 4001 goes to queue:sales"
        # the trunk: enter moves from host to username to password, which is masked
        app.screen.query_one("#w-trunk_host", Input).focus()
        await pilot.press(*"sip.example.net", "enter", *"acme", "enter")
        pw = app.screen.query_one("#w-trunk_password", Input)
        assert app.screen.focused is pw and pw.password
        await pilot.press(*"s3cret-Trunk-9")
        await pilot.pause()
        assert "s3cret" not in app.export_screenshot()  # masked while typed
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert "s3cret-Trunk-9" in app.export_screenshot()  # shown on demand
        await pilot.press("enter")
        await settle(app, pilot)
        assert shown(app, "#w-trunk_password-msg") == "trunk carrier to sip.example.net added (registers as acme)"
        await pilot.press("ctrl+f")
        await settle(app, pilot)
        call = shown(app, "#test-call")
        assert call.startswith("test call: log seat 1002 in (dial *22 on it), then call 4001 from seat 1001"), call
        assert "queue sales" in call
        assert shown(app, "#checked") == "ccctl validate: no problems"
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.screen.name == "tenants"
        assert "call 4001 from seat 1001" in app.history[-1]
    t = entities.get_tenant(fresh, "acme", with_secrets=True)
    assert t.timezone == "Asia/Shanghai"  # the box's zone
    assert [seat.skills for seat in t.seats] == [{"sales": 5}] * 3
    assert [(n.number, n.target) for n in t.numbers] == [("4001", "queue:sales")]
    assert (t.trunks[0].username, t.trunks[0].password, t.trunks[0].register_) == ("acme", "s3cret-Trunk-9", True)
    env = {
        **os.environ,
        "CCCTL_DB": fresh.settings.db,
        "CCCTL_ROOT": str(root),
        "CCCTL_FS_DEPLOY": "off",
    }
    r = subprocess.run(
        [str(Path(sys.executable).parent / "ccctl"), "validate", "--strict"], env=env, capture_output=True, text=True
    )
    assert r.returncode == 0 and "warning" not in r.stdout + r.stderr, r.stdout + r.stderr


async def test_the_tenant_follows_the_box_time_zone(fresh, tmp_path):
    """A tenant made before the box's zone is set gets it when it is set."""
    app = CcTui(fresh, start="wizard")
    app.root = tmp_path / "root"
    async with app.run_test(size=BIG) as pilot:
        await settle(app, pilot)
        app.screen.query_one("#w-tenant", Input).value = "acme"
        await enter(app, pilot, "seats", "1001-1002")
        assert entities.get_tenant(fresh, "acme").timezone == "UTC"
        assert "tenant acme's too" in await enter(app, pilot, "timezone", "Europe/Berlin")
    assert entities.get_tenant(fresh, "acme").timezone == "Europe/Berlin"
