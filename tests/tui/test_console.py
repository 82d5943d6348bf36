"""What the Linux console and an 80x24 SSH window need: every character on every screen is in
the console font (code page 437), and Chinese names keep the table's columns aligned."""

from __future__ import annotations

from rich.cells import cell_len
from textual.widgets import DataTable

from ccctl.config import entities
from tui.app import CcTui
from tui.glyphs import drawable

from .conftest import SIZE, settle


def chars_on_screen(app) -> set[str]:
    """Every character drawn, read from the screen's rendered lines."""
    lines = app.screen._compositor.render_update(full=True)
    from rich.console import Console

    console = Console(width=SIZE[0], file=open("/dev/null", "w"), legacy_windows=False)
    text = "".join(seg.text for seg in console.render(lines) if not seg.control)
    return set(text)


async def test_every_screen_draws_only_console_glyphs(tctx):
    # ASCII data: the console cannot draw Chinese at all (that is fbterm's job), the chrome must
    entities.set_item(tctx, "seat", "acme", "1001", {"name": "Zhang San"})
    app = CcTui(tctx, start="tenants")
    bad = {}
    async with app.run_test(size=SIZE) as pilot:
        for name in app.SCREEN_TITLES:
            app.goto(name)
            await settle(app, pilot)
            drawn = chars_on_screen(app)
            assert set(app.SCREEN_TITLES[name].split()[0]) <= drawn  # the title is there: we read the screen
            for ch in drawn:
                if not drawable(ch):
                    bad.setdefault(name, set()).add(ch)
            await pilot.press("question_mark")
            await settle(app, pilot)
            bad_help = {ch for ch in chars_on_screen(app) if not drawable(ch)}
            if bad_help:
                bad.setdefault(name + " help", set()).update(bad_help)
            await pilot.press("escape")
        # the dialogs: a form, a delete's confirmation, the wizard's finish, the palette, messages
        for screen, keys, name in (
            ("seats", ("e",), "form"),
            ("tenants", ("d",), "delete"),
            ("wizard", ("ctrl+f",), "finish"),
            ("tenants", ("ctrl+p", *"go"), "palette"),
            ("tenants", ("h",), "messages"),
        ):
            app.goto(screen)
            await settle(app, pilot)
            await pilot.press(*keys)
            await settle(app, pilot)
            found = {ch for ch in chars_on_screen(app) if not drawable(ch)}
            if found:
                bad[name] = found
            await pilot.press("escape")
            await settle(app, pilot)
    assert bad == {}


async def test_chinese_names_keep_columns_aligned(tctx):
    app = CcTui(tctx, start="seats")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        table = app.screen.query_one(DataTable)
        lines = [table.render_line(y).text for y in range(3)]
        header, zhang, bob = lines
        assert "张三" in zhang and "Bob" in bob
        # the Skills column starts at the same cell on every line, whatever the name's width
        col = cell_len(header[: header.index("Skills")])
        assert cell_len(zhang[: zhang.index("sales=5")]) == col
        assert cell_len(bob[: bob.index("sales=3")]) == col
