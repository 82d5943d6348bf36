"""What an administrator must be able to trust: the cursor stays on the row acted on, a
cleared field never silently becomes its default, a delete says what goes and needs the name
typed, forms take keys as typed, secrets stay masked, an error sits under its field whole,
and lists follow changes made by another admin's ccctl."""

from __future__ import annotations

from textual.widgets import DataTable, Input, Static

from ccctl.config import entities
from ccctl.config import spec as s
from ccctl.config.write import apply_tenants
from tui.app import CcTui
from tui.screens.listing import ListScreen

from .conftest import SIZE, settle


def text(app, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


def on_screen(app) -> str:
    """The screen's text as a person reads it (the SVG's spaces are no-break spaces)."""
    import html

    return html.unescape(app.export_screenshot()).replace("\xa0", " ")


def more_tenants(ctx) -> None:
    apply_tenants(ctx, [s.Tenant(name="beta"), s.Tenant(name="gamma")])


async def test_the_cursor_stays_on_the_row_through_save_reload_and_delete(tctx):
    more_tenants(tctx)
    app = CcTui(tctx, start="tenants")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("j")  # beta
        assert app.screen.selected() == ("beta", "beta")
        await pilot.press("e")
        await settle(app, pilot)
        app.screen.query_one("#f-call_limit", Input).value = "7"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen.selected() == ("beta", "beta")  # not back on acme
        await pilot.press("r")
        await settle(app, pilot)
        assert app.screen.selected() == ("beta", "beta")
        await pilot.press("e")  # the next edit is beta's again
        await settle(app, pilot)
        assert "Edit tenant beta" in text(app, ".title")
        await pilot.press("escape")
        await pilot.press("G", "d")  # gamma goes: the cursor stays at its place, on beta
        await settle(app, pilot)
        await pilot.press(*"gamma", "enter")
        await settle(app, pilot)
        assert [t.name for t in entities.list_tenants(tctx)] == ["acme", "beta"]
        assert app.screen.selected() == ("beta", "beta")
    assert entities.get_tenant(tctx, "beta").call_limit == 7


async def test_lists_follow_another_admins_change_keeping_cursor_and_filter(tctx, monkeypatch):
    monkeypatch.setattr(ListScreen, "WATCH", 0.1)
    more_tenants(tctx)
    app = CcTui(tctx, start="tenants")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("slash", *"a", "enter")  # acme, beta, gamma all match 'a'
        await pilot.press("j", "j")
        assert app.screen.selected() == ("gamma", "gamma")
        entities.set_tenant(tctx, "gamma", {"display_name": "Gamma Ltd"})  # over SSH
        entities.add_tenant(tctx, "alpha", {})
        table = app.screen.query_one(DataTable)
        for _ in range(50):
            await pilot.pause(0.1)
            if table.row_count == 4:
                break
        assert table.row_count == 4 and "Gamma Ltd" in table.get_row_at(table.cursor_row)
        assert app.screen.selected() == ("gamma", "gamma")
        assert app.screen.query_one("#filter", Input).value == "a"


async def test_a_cleared_field_is_refused_and_the_default_is_an_explicit_key(tctx):
    entities.set_tenant(tctx, "acme", {"recording.retention_days": 30, "seat_limit": 20})
    app = CcTui(tctx, start="recording")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("e")
        await settle(app, pilot)
        field = app.screen.query_one("#f-recording--retention_days", Input)
        field.value = ""
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert text(app, "#f-recording--retention_days-err") == "required (its default is 90: put it back explicitly)"
        assert entities.get_tenant(tctx, "acme").recording.retention_days == 30  # nothing written
        assert app.screen.focused is field
        await pilot.press("ctrl+r")  # back to the default: a key, and it shows
        assert field.value == "90"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert entities.get_tenant(tctx, "acme").recording.retention_days == 90
        app.goto("tenants")
        await settle(app, pilot)
        await pilot.press("e")
        await settle(app, pilot)
        app.screen.query_one("#f-seat_limit", Input).value = ""
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert text(app, "#f-seat_limit-err").startswith("required (its default is 50")
    assert entities.get_tenant(tctx, "acme").seat_limit == 20


async def test_a_delete_shows_what_goes_and_needs_the_name_typed(tctx):
    entities.set_tenant(tctx, "acme", {"recording.legal_hold": True})
    more_tenants(tctx)
    app = CcTui(tctx, start="tenants")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("d")
        await settle(app, pilot)
        goes = text(app, "#goes")
        assert all(w in goes for w in ("2 seats", "2 queues", "2 ivrs", "1 numbers", "1 trunks", "legal hold on"))
        assert "a legal hold" in text(app, "#kept") and "refused" in text(app, "#kept")
        await pilot.press("y", "enter")  # the old `d y`: deletes nothing
        await settle(app, pilot)
        assert "type acme exactly" in text(app, "#answer-err")
        await pilot.press("backspace", *"acme", "enter")
        await settle(app, pilot)
        assert "legal hold" in text(app, "#status")  # the write path keeps it
        assert "acme" in [t.name for t in entities.list_tenants(tctx)]
        await pilot.press("j", "d")
        await settle(app, pilot)
        assert "0 recording(s), no legal hold" in text(app, "#goes") and not app.screen.query("#kept")
        await pilot.press("escape")  # cancelled: nothing goes
        await settle(app, pilot)
        assert "beta" in [t.name for t in entities.list_tenants(tctx)]


async def test_forms_focus_the_first_field_enter_moves_on_and_no_key_is_lost(tctx):
    app = CcTui(tctx, start="tenants")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("e")
        await settle(app, pilot)
        assert app.screen.focused.id == "f-display_name"
        # typed at once, as fast as the pilot can: added to the fields, nothing replaced or lost
        await pilot.press(*" Inc", "enter")
        assert app.screen.focused.id == "f-plan"  # a choice: picked from a list, never typed
        await pilot.press("enter", "down", "enter")  # open, hosted -> leased, pick: on to the next
        await settle(app, pilot)
        assert app.screen.query_one("#f-plan").value == "leased"
        assert app.screen.focused.id == "f-domain"
        await pilot.press(*"acme.example", "tab", "tab", "backspace", *"12")
        assert app.screen.query_one("#f-display_name", Input).value == "Acme Inc"
        assert app.screen.query_one("#f-domain", Input).value == "acme.example"
        assert app.screen.query_one("#f-call_limit", Input).value == "312"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
    t = entities.get_tenant(tctx, "acme")
    assert (t.display_name, t.domain, t.plan, t.call_limit) == ("Acme Inc", "acme.example", "leased", 312)


async def test_secrets_are_masked_while_typed_and_never_echoed(tctx):
    app = CcTui(tctx, start="seats")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("e")
        await settle(app, pilot)
        pw = app.screen.query_one("#f-password", Input)
        pw.focus()
        await pilot.press(*"Hunter2-short")
        await pilot.pause()
        assert pw.password and "Hunter2" not in on_screen(app)
        await pilot.press("ctrl+u", *"bad secret with spaces", "ctrl+s")
        await settle(app, pilot)
        said = text(app, "#f-password-err")
        assert "12-128 printable" in said and "bad secret" not in on_screen(app)
        await pilot.press("ctrl+t")  # shown on demand
        await pilot.pause()
        assert not pw.password, app.screen.focused
        assert "bad secret with spaces" in on_screen(app)
        await pilot.press("escape")
        app.goto("trunks")
        await settle(app, pilot)
        await pilot.press("e")
        await settle(app, pilot)
        assert app.screen.query_one("#f-password", Input).password


async def test_an_error_goes_under_the_field_it_names_whole(tctx):
    app = CcTui(tctx, start="numbers")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("n")
        await settle(app, pilot)
        app.screen.query_one("#f-number", Input).value = "4002"
        app.screen.query_one("#f-target", Input).value = "queue:nowhere"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "queue:nowhere does not exist" in text(app, "#f-target-err")
        assert not app.screen.query_one("#f-number-err").display
        assert app.screen.focused.id == "f-target"
        await pilot.press("escape")
        app.goto("queues")
        await settle(app, pilot)
        await pilot.press("d")
        await settle(app, pilot)
        await pilot.press(*"sales", "enter")
        await settle(app, pilot)
        status = app.screen.query_one("#status", Static)
        said = "refused: acme: queue sales is still used by ivr main (option 1)"
        assert str(status.render()) == said
        assert "(option 1)" in on_screen(app)  # on screen whole at 80 columns


async def test_a_seat_password_reset_shows_the_new_one_with_server_port_transport(tctx):
    before = entities.seat_password(tctx, "acme", "1002")
    app = CcTui(tctx, start="seats")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("j", "p")
        await settle(app, pilot)
        await pilot.press("y")
        await settle(app, pilot)
        shown = text(app, "#secret")
        after = entities.seat_password(tctx, "acme", "1002")
        assert after != before and f"password  {after}" in shown
        assert "port      5060" in shown and "transport udp" in shown
        await pilot.press("space")
        await settle(app, pilot)
        assert app.screen.selected() == ("acme", "1002")


async def test_sort_keys_history_and_esc_back(tctx):
    """s sorts by the next column, j/k/g/G move, h shows what the console said, esc goes back
    through the screens visited; the recording screen offers no key that does nothing."""
    more_tenants(tctx)
    entities.set_tenant(tctx, "gamma", {"display_name": "Aardvark"})
    app = CcTui(tctx, start="tenants")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("s", "s")  # by Tenant, then by Name: Aardvark (gamma) first
        await settle(app, pilot)
        await pilot.press("g")
        assert app.screen.selected() == ("gamma", "gamma")
        await pilot.press("G", "k")  # Aardvark, Acme, (beta has no name: '-' last)
        assert app.screen.selected() == ("acme", "acme")
        app.goto("seats")
        await settle(app, pilot)
        app.goto("recording")
        await settle(app, pilot)
        keys = {b.binding.key for b in app.screen.active_bindings.values()}
        assert "e" in keys and not {"n", "d", "delete"} & keys, keys
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.screen.name == "seats"
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.screen.name == "tenants"
        await pilot.press("h")
        await settle(app, pilot)
        assert "sorted by Name" in text(app, "#history-text")


async def test_the_palette_has_actions_and_a_detail_view(tctx):
    """ctrl+p runs actions (validate, new seat), and v shows an object as export writes it."""
    app = CcTui(tctx, start="tenants")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+p", *"validate the", "enter")
        await settle(app, pilot)
        # acme's support queue has seat 1002 (skill support): no problem; its trunk has credentials
        assert any(m.startswith("validate:") for m in app.history), app.history
        await pilot.press("ctrl+p", *"new seat", "enter")
        await settle(app, pilot)
        assert app.screen.query_one(".title", Static).render().plain.startswith("New seat")
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.screen.name == "seats"
        await pilot.press("v")
        await settle(app, pilot)
        shown = text(app, "#detail-text")
        assert "extension: '1001'" in shown and "sales: 5" in shown and "password" not in shown


async def test_several_seats_edited_together_in_one_write(tctx):
    """space marks rows, e edits them together: a field typed goes to all, a blank one stays."""
    for ext in ("1003", "1004"):
        entities.add_item(tctx, "seat", "acme", ext, {"name": f"Seat {ext}", "remote": True})
    app = CcTui(tctx, start="seats")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("space", "j", "space", "space")  # 1001, (1002 skipped), 1003, 1004
        await settle(app, pilot)
        assert "3 marked" in text(app, "#status")
        await pilot.press("e")
        await settle(app, pilot)
        assert "Edit 3 seats of acme (1001, 1003, 1004)" in text(app, ".title")
        app.screen.query_one("#f-skills", Input).value = "{support: 11}"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert text(app, "#f-skills-err") == "at most 10"  # refused whole: nothing written
        assert entities.get_item(tctx, "seat", "acme", "1003").skills == {}
        app.screen.query_one("#f-skills", Input).value = "{support: 7}"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "~ seat acme/1001 (skills)" in text(app, "#status")
    seats = {x.extension: x for x in entities.get_tenant(tctx, "acme").seats}
    assert {e: seats[e].skills for e in seats} == {
        "1001": {"support": 7},
        "1002": {"sales": 3, "support": 2},
        "1003": {"support": 7},
        "1004": {"support": 7},
    }
    assert (seats["1001"].name, seats["1003"].remote, seats["1001"].remote) == ("张三", True, False)


async def test_edit_as_yaml_shows_the_diff_before_saving(tctx, tmp_path, monkeypatch):
    """E: the object's YAML in $EDITOR (here a script that edits it), the diff shown, y saves
    the changed fields through the form's write path; a key this screen does not edit is named."""
    editor = tmp_path / "editor.sh"
    editor.write_text("#!/bin/sh\nsed -i 's/^max_wait: .*/max_wait: 120/; s/^survey: false/survey: true/' \"$1\"\n")
    editor.chmod(0o755)
    monkeypatch.setenv("EDITOR", str(editor))
    monkeypatch.delenv("VISUAL", raising=False)
    app = CcTui(tctx, start="queues")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("E")
        await settle(app, pilot)
        shown = "\n".join(str(w.render()) for w in app.screen.query(Static))
        assert "-max_wait: 300" in shown and "+max_wait: 120" in shown
        assert "not applied here (not a field of this screen): survey" in shown
        assert entities.get_item(tctx, "queue", "acme", "sales").max_wait == 300  # not before y
        await pilot.press("y")
        await settle(app, pilot)
        assert "~ queue acme/sales (max_wait)" in text(app, "#status")
    q = entities.get_item(tctx, "queue", "acme", "sales")
    assert (q.max_wait, q.survey) == (120, False)
