"""Characters the Linux console can draw: its fonts carry the IBM PC set (code page 437),
not the eighth blocks, rounded corners or Braille of modern terminal fonts."""

from __future__ import annotations

SPARK = " .:-=+*#"
"""Eight heights of a sparkline, lowest first, in plain ASCII."""


def sparkline(values: list[float], width: int | None = None) -> str:
    if width is not None:
        values = values[-width:]
    top = max(values, default=0)
    if top <= 0:
        return "_" * len(values)
    return "".join(SPARK[min(len(SPARK) - 1, round(v / top * (len(SPARK) - 1)))] if v > 0 else "_" for v in values)


def drawable(char: str) -> bool:
    """Whether the console's code page 437 font has CHAR."""
    try:
        char.encode("cp437")
        return True
    except UnicodeEncodeError:
        return False


def patch_textual() -> None:
    """Textual's few glyphs outside that set, replaced: scroll bar ends, toggle button caps."""
    from textual.scrollbar import ScrollBarRender
    from textual.widgets._toggle_button import ToggleButton

    ScrollBarRender.VERTICAL_BARS = [" "] * 8
    ScrollBarRender.HORIZONTAL_BARS = [" "] * 8
    ToggleButton.BUTTON_LEFT = "["
    ToggleButton.BUTTON_RIGHT = "]"
    from textual.widgets import Tree

    Tree.ICON_NODE, Tree.ICON_NODE_EXPANDED = "+ ", "- "
    from textual.widgets._select import NonSelectableStatic, SelectCurrent

    def compose(self):  # a select's arrows: the console font's cp437 has no ▼ as text
        yield NonSelectableStatic(self.placeholder, id="label")
        yield NonSelectableStatic("v", classes="arrow down-arrow")
        yield NonSelectableStatic("^", classes="arrow up-arrow")

    SelectCurrent.compose = compose
    Tree.LINES = {style: Tree.LINES["default"] for style in Tree.LINES}
