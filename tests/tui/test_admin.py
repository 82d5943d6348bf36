"""Each admin screen's main flow driven by keys: create, edit, delete, an error shown next to
its field, a change the write path refuses. Nothing half-saved, every save says what changed."""

from __future__ import annotations

from textual.widgets import DataTable, Static

from ccctl.config import entities
from tui.app import CcTui

from .conftest import SIZE, settle


def err(app, field: str) -> str:
    return str(app.screen.query_one(f"#f-{field.replace('.', '--')}-err", Static).render())


async def save(app, pilot, fields: dict[str, str]) -> None:
    """Type FIELDS into the open form and press ctrl+s."""
    for field, text in fields.items():
        app.screen.query_one(f"#f-{field.replace('.', '--')}").value = text  # an input or a select
    await pilot.press("ctrl+s")
    await settle(app, pilot)


async def test_tenant_create_edit_error_delete(tctx):
    app = CcTui(tctx, start="tenants")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        await save(app, pilot, {"name": "beta", "plan": "leased", "lease.price": "99.5", "seat_limit": "lots"})
        assert err(app, "seat_limit") == "a whole number"
        assert [t.name for t in entities.list_tenants(tctx)] == ["acme"]  # nothing saved
        await save(app, pilot, {"seat_limit": "20"})
        beta = entities.get_tenant(tctx, "beta")
        assert (beta.plan, beta.seat_limit, beta.lease.price) == ("leased", 20, 99.5)
        assert "+ tenant beta" in str(app.screen.query_one("#status", Static).render())
        # the cursor is on beta, the row just made; acme is the first row
        assert app.screen.selected() == ("beta", "beta")
        await pilot.press("g", "e")
        await save(app, pilot, {"call_limit": "12"})
        assert entities.get_tenant(tctx, "acme").call_limit == 12
        assert "~ tenant acme (call_limit)" in str(app.screen.query_one("#status", Static).render())
        assert len(entities.get_tenant(tctx, "acme").seats) == 2  # its seats untouched
        # delete beta: second row, its name typed
        await pilot.press("down", "d")
        await settle(app, pilot)
        await pilot.press(*"beta", "enter")
        await settle(app, pilot)
        assert [t.name for t in entities.list_tenants(tctx)] == ["acme"]


async def test_seat_flows_and_credentials(tctx):
    app = CcTui(tctx, start="seats")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        await save(app, pilot, {"extension": "0100", "name": "Carol"})
        assert "extension is 2-8 digits" in err(app, "extension")
        await save(app, pilot, {"extension": "1003", "skills": "{support: 7}", "remote": "true"})
        seat = entities.get_item(tctx, "seat", "acme", "1003")
        assert (seat.name, seat.skills, seat.remote) == ("Carol", {"support": 7}, True)
        # credentials only on demand, hidden by any key: of the seat just made (the cursor is
        # on it), with what a phone needs besides the password
        assert app.screen.selected() == ("acme", "1003")
        await pilot.press("c")
        await settle(app, pilot)
        secret = str(app.screen.query_one("#secret", Static).render())
        assert f"password  {entities.seat_password(tctx, 'acme', '1003')}" in secret
        assert all(w in secret for w in ("domain    acme.cc.local", "server    ", "port      5060", "transport udp"))
        await pilot.press("space")
        await pilot.press("g", "e")
        await save(app, pilot, {"skills": "{sales: 11}"})
        assert err(app, "skills") == "at most 10"
        await pilot.press("escape")
        await settle(app, pilot)
        assert entities.get_item(tctx, "seat", "acme", "1001").skills == {"sales": 5}


async def test_refused_change_says_why_and_keeps_everything(tctx):
    """The seat limit is 5: a sixth seat is refused by the write path, shown, nothing written;
    a queue an IVR still sends callers to cannot be deleted."""
    for ext in ("1003", "1004", "1005"):
        entities.add_item(tctx, "seat", "acme", ext, {"name": f"Seat {ext}"})
    app = CcTui(tctx, start="seats")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        await save(app, pilot, {"extension": "1006", "name": "One too many"})
        assert "seat limit of 5" in str(app.screen.query_one("#general", Static).render())
        assert len(entities.get_tenant(tctx, "acme").seats) == 5
        await pilot.press("escape")
        app.goto("queues")
        await settle(app, pilot)
        await pilot.press("d")  # sales, used by ivr main option 1
        await settle(app, pilot)
        assert "still used by ivr main option 1" in str(app.screen.query_one("#kept", Static).render())
        await pilot.press(*"sales", "enter")
        await settle(app, pilot)
        status = str(app.screen.query_one("#status", Static).render())
        assert status.startswith("refused:") and "queue sales is still used" in status
        assert {q.name for q in entities.get_tenant(tctx, "acme").queues} == {"sales", "support"}


async def test_queue_ivr_number_trunk_recording(tctx):
    app = CcTui(tctx, start="queues")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        await save(app, pilot, {"name": "billing", "overflow": "queue:nowhere"})
        assert "queue:nowhere does not exist" in err(app, "overflow")
        await save(app, pilot, {"overflow": "queue:support", "no_agent.timeout": "15"})
        q = entities.get_item(tctx, "queue", "acme", "billing")
        assert (q.overflow, q.no_agent.timeout) == ("queue:support", 15)

        app.goto("ivrs")
        await settle(app, pilot)
        tree = app.screen.query_one("#menu-tree")
        sub = next(n for n in tree.root.children if str(n.label) == "0 -> ivr:main")  # menu 'after' first
        assert "1 -> queue:sales" in [str(n.label) for n in sub.children]  # the tree follows into submenus
        await pilot.press("e")
        await save(app, pilot, {"greeting.text": ""})
        assert "exactly one of text or file" in err(app, "greeting.text")
        await save(app, pilot, {"greeting.text": "Welcome back", "holidays": "[12-25, 01-01]"})
        ivr = entities.get_item(tctx, "ivr", "acme", "after")
        assert ivr.greeting.text == "Welcome back" and ivr.holidays == ["01-01", "12-25"]

        app.goto("numbers")
        await settle(app, pilot)
        await pilot.press("d")
        await settle(app, pilot)
        await pilot.press(*"4001", "enter")
        await settle(app, pilot)
        assert entities.get_tenant(tctx, "acme").numbers == []

        app.goto("trunks")
        await settle(app, pilot)
        await pilot.press("e")
        await save(app, pilot, {"port": "70000"})
        assert "65535" in err(app, "port")
        await save(app, pilot, {"port": "5080"})
        trunk = entities.get_tenant(tctx, "acme", with_secrets=True).trunks[0]
        assert (trunk.port, trunk.password) == (5080, "s3cret-trunk")  # blank secret: kept

        app.goto("recording")
        await settle(app, pilot)
        await pilot.press("e")
        await save(
            app, pilot, {"recording.mode": "all", "recording.retention_days": "365", "recording.legal_hold": "true"}
        )
        rec = entities.get_tenant(tctx, "acme").recording
        assert (rec.mode, rec.retention_days, rec.legal_hold) == ("all", 365, True)


async def test_filter_jump_and_help(tctx):
    app = CcTui(tctx, start="seats")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash", *"bob", "enter")
        await settle(app, pilot)
        assert app.screen.query_one(DataTable).row_count == 1
        await pilot.press("colon", *"queu", "enter")
        await settle(app, pilot)
        assert app.screen.name == "queues"
        await pilot.press("question_mark")
        await settle(app, pilot)
        assert any("jump to a screen" in str(w.render()) for w in app.screen.query(Static))
        await pilot.press("escape", "f1")
        await settle(app, pilot)
        assert app.screen.name == "wallboard"
