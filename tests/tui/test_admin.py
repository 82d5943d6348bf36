"""Each admin screen's main flow driven by keys: create, edit, delete, an error shown next to
its field, a change the write path refuses. Nothing half-saved, every save says what changed."""

from __future__ import annotations

from textual.widgets import DataTable, Input, Static

from ccctl import resources
from tui.app import CcTui

from .conftest import SIZE, settle


def err(app, field: str) -> str:
    return str(app.screen.query_one(f"#f-{field.replace('.', '--')}-err", Static).render())


async def fill(pilot, app, field: str, text: str) -> None:
    inp = app.screen.query_one(f"#f-{field.replace('.', '--')}", Input)
    inp.value = text


async def test_tenant_create_edit_error_delete(tctx):
    app = CcTui(tctx, start="tenants")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        await fill(pilot, app, "name", "beta")
        await fill(pilot, app, "plan", "leased")
        await fill(pilot, app, "lease.price", "99.5")
        await fill(pilot, app, "seat_limit", "lots")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "integer" in err(app, "seat_limit")
        assert [t.name for t in resources.list_tenants(tctx)] == ["acme"]  # nothing saved
        await fill(pilot, app, "seat_limit", "20")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        beta = resources.get_tenant(tctx, "beta")
        assert (beta.plan, beta.seat_limit, beta.lease.price) == ("leased", 20, 99.5)
        assert "+ tenant beta" in str(app.screen.query_one("#status", Static).render())
        # edit: the cursor is on acme (first row); change its call limit
        await pilot.press("e")
        await fill(pilot, app, "call_limit", "12")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert resources.get_tenant(tctx, "acme").call_limit == 12
        assert "~ tenant acme (call_limit)" in str(app.screen.query_one("#status", Static).render())
        assert len(resources.get_tenant(tctx, "acme").seats) == 2  # its seats untouched
        # delete beta: second row, confirmed
        await pilot.press("down", "d", "y")
        await settle(app, pilot)
        assert [t.name for t in resources.list_tenants(tctx)] == ["acme"]


async def test_seat_flows_and_credentials(tctx):
    app = CcTui(tctx, start="seats")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        await fill(pilot, app, "extension", "0100")
        await fill(pilot, app, "name", "Carol")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "extension is 2-8 digits" in err(app, "extension")
        await fill(pilot, app, "extension", "1003")
        await fill(pilot, app, "skills", "{support: 7}")
        await fill(pilot, app, "remote", "true")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        seat = resources.get_item(tctx, "seat", "acme", "1003")
        assert (seat.name, seat.skills, seat.remote) == ("Carol", {"support": 7}, True)
        # credentials only on demand, hidden by any key
        await pilot.press("c")
        await settle(app, pilot)
        secret = str(app.screen.query_one("#secret", Static).render())
        assert resources.seat_password(tctx, "acme", "1001") in secret
        await pilot.press("space")
        await pilot.press("e")
        await fill(pilot, app, "skills", "{sales: 11}")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "less than or equal to 10" in err(app, "skills")
        await pilot.press("escape")
        await settle(app, pilot)
        assert resources.get_item(tctx, "seat", "acme", "1001").skills == {"sales": 5}


async def test_refused_change_says_why_and_keeps_everything(tctx):
    """The seat limit is 5: a sixth seat is refused by the write path, shown, nothing written;
    a queue an IVR still sends callers to cannot be deleted."""
    for ext in ("1003", "1004", "1005"):
        resources.add_item(tctx, "seat", "acme", ext, {"name": f"Seat {ext}"})
    app = CcTui(tctx, start="seats")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        await fill(pilot, app, "extension", "1006")
        await fill(pilot, app, "name", "One too many")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "seat limit of 5" in str(app.screen.query_one("#general", Static).render())
        assert len(resources.get_tenant(tctx, "acme").seats) == 5
        await pilot.press("escape")
        app.goto("queues")
        await settle(app, pilot)
        await pilot.press("d", "y")  # sales, used by ivr main option 1
        await settle(app, pilot)
        status = str(app.screen.query_one("#status", Static).render())
        assert status.startswith("refused:") and "queue sales is still used" in status
        assert {q.name for q in resources.get_tenant(tctx, "acme").queues} == {"sales", "support"}


async def test_queue_ivr_number_trunk_recording(tctx):
    app = CcTui(tctx, start="queues")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        await fill(pilot, app, "name", "billing")
        await fill(pilot, app, "overflow", "queue:nowhere")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "queue:nowhere does not exist" in err(app, "overflow")
        await fill(pilot, app, "overflow", "queue:support")
        await fill(pilot, app, "no_agent.timeout", "15")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        q = resources.get_item(tctx, "queue", "acme", "billing")
        assert (q.overflow, q.no_agent.timeout) == ("queue:support", 15)

        app.goto("ivrs")
        await settle(app, pilot)
        tree = app.screen.query_one("#menu-tree")
        sub = next(n for n in tree.root.children if str(n.label) == "0 -> ivr:main")  # menu 'after' first
        assert "1 -> queue:sales" in [str(n.label) for n in sub.children]  # the tree follows into submenus
        await pilot.press("e")
        await fill(pilot, app, "greeting.text", "")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "exactly one of text or file" in err(app, "greeting.text")
        await fill(pilot, app, "greeting.text", "Welcome back")
        await fill(pilot, app, "holidays", "[12-25, 01-01]")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        ivr = resources.get_item(tctx, "ivr", "acme", "after")
        assert ivr.greeting.text == "Welcome back" and ivr.holidays == ["01-01", "12-25"]

        app.goto("numbers")
        await settle(app, pilot)
        await pilot.press("d", "y")
        await settle(app, pilot)
        assert resources.get_tenant(tctx, "acme").numbers == []

        app.goto("trunks")
        await settle(app, pilot)
        await pilot.press("e")
        await fill(pilot, app, "port", "70000")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "65535" in err(app, "port")
        await fill(pilot, app, "port", "5080")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        trunk = resources.get_tenant(tctx, "acme", with_secrets=True).trunks[0]
        assert (trunk.port, trunk.password) == (5080, "s3cret-trunk")  # blank secret: kept

        app.goto("recording")
        await settle(app, pilot)
        await pilot.press("e")
        await fill(pilot, app, "recording.mode", "all")
        await fill(pilot, app, "recording.retention_days", "365")
        await fill(pilot, app, "recording.legal_hold", "true")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        rec = resources.get_tenant(tctx, "acme").recording
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
