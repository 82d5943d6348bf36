"""The one place that prints: data to stdout (a table, or JSON with --json), messages and
errors to stderr. Commands return data and never print it themselves.

Tables are laid out here rather than by a rich-text library: a 10,000-row list then costs
about what its JSON does, and the columns a user copies from (ids, names, extensions) are never
cut, whatever the width of the terminal; nor are headers. What does not fit is left out whole
(the least useful columns first) and named on stderr with the option that shows everything.
"""

from __future__ import annotations

import json
import shutil
import sys
import unicodedata
from typing import Any, Iterable

MIN_WIDTH = 40


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        return ", ".join(f"{k}={_cell(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(_cell(v) for v in value)
    return str(value)


def width_of(text: str) -> int:
    """Columns TEXT takes on a terminal: CJK characters take two."""
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 0 if unicodedata.combining(c) else 1 for c in text)


def _cut(text: str, width: int) -> str:
    if width_of(text) <= width:
        return text
    out, used = [], 0
    for c in text:
        w = width_of(c)
        if used + w > width - 1:
            break
        out.append(c)
        used += w
    return "".join(out) + "…"


def _pad(text: str, width: int) -> str:
    return text + " " * (width - width_of(text))


def _fit(widths: list[int], heads: list[str], keep: set[int], total: int) -> list[int] | None:
    """Narrow the values of columns not in KEEP, widest first, never below their header, until
    the row fits TOTAL columns; None when even that does not fit."""
    widths = list(widths)
    need = sum(widths) + 2 * (len(widths) - 1) - total
    floors = [w if i in keep else min(w, width_of(heads[i])) for i, w in enumerate(widths)]
    while need > 0:
        i = max(range(len(widths)), key=lambda j: widths[j] - floors[j])
        if widths[i] <= floors[i]:
            return None
        widths[i] -= 1
        need -= 1
    return widths


def layout(
    cells: list[list[str]],
    columns: list[str],
    keep: Iterable[str] = (),
    width: int | None = None,
    drop: Iterable[str] = (),
) -> tuple[list[int], list[int], list[str]]:
    """(indexes of the columns shown, their widths, the columns left out) for a table of CELLS
    on WIDTH columns. KEEP columns (ids, names people copy) are never cut; headers never are.
    When the rest cannot fit, columns are left out whole: DROP's first (the least useful), then
    the rightmost; the line runs long rather than cut a KEEP column. A column in both KEEP and
    DROP is whole or left out (a list of ids: never cut, first to go)."""
    total = width or terminal_width()
    natural = [max([width_of(c)] + [width_of(row[i]) for row in cells]) for i, c in enumerate(columns)]
    keep = set(keep)
    order = [c for c in drop if c in columns]
    order += [c for c in reversed(columns) if c not in keep and c not in order]
    shown = list(range(len(columns)))
    left_out: list[str] = []
    while True:
        kept = {j for j, i in enumerate(shown) if columns[i] in keep}
        widths = _fit([natural[i] for i in shown], [columns[i] for i in shown], kept, total)
        if widths is not None:
            return shown, widths, left_out
        if not order:
            return shown, [natural[i] for i in shown], left_out
        gone = order.pop(0)
        shown.remove(columns.index(gone))
        left_out.append(gone)


def terminal_width() -> int:
    return max(MIN_WIDTH, shutil.get_terminal_size((80, 24)).columns)


def table_lines(
    rows: Iterable[dict],
    columns: list[str],
    keep: Iterable[str] = (),
    width: int | None = None,
    drop: Iterable[str] = (),
) -> list[str]:
    return table(rows, columns, keep, width, drop)[0]


def table(
    rows: Iterable[dict],
    columns: list[str],
    keep: Iterable[str] = (),
    width: int | None = None,
    drop: Iterable[str] = (),
) -> tuple[list[str], list[str]]:
    """(the table's lines, the columns left out for the width)."""
    cells = [[_cell(r.get(c)) for c in columns] for r in rows]
    shown, widths, left_out = layout(cells, columns, keep, width, drop)
    heads = [columns[i] for i in shown]
    lines = ["  ".join(_pad(c, w) for c, w in zip(heads, widths)).rstrip(), "  ".join("-" * w for w in widths)]
    lines += ["  ".join(_pad(_cut(row[i], w), w) for i, w in zip(shown, widths)).rstrip() for row in cells]
    return lines, left_out


def emit_json(data: Any, stream=None) -> None:
    (stream or sys.stdout).write(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False) + "\n")


def emit_table(
    rows: Iterable[dict], columns: list[str], keep: Iterable[str] = (), drop: Iterable[str] = (), every: str = "--json"
) -> None:
    """Rows as a table; columns left out for the terminal's width are named on stderr, with
    EVERY, the option that shows them all."""
    rows = list(rows)
    if not rows:
        message("(none)")
        return
    lines, left_out = table(rows, columns, keep, None, drop)
    sys.stdout.write("\n".join(lines) + "\n")
    if left_out:
        message(
            f"({len(left_out)} column{'s' if len(left_out) != 1 else ''} left out for the width: "
            f"{', '.join(left_out)}; {every} shows every column)"
        )


def emit_record(data: dict) -> None:
    if not data:
        return
    w = max(width_of(k) for k in data)
    sys.stdout.write("".join(f"{_pad(k, w)}  {_cell(v)}\n" for k, v in data.items()))


def emit(
    data: Any,
    as_json: bool,
    *,
    columns: list[str] | None = None,
    keep: Iterable[str] = (),
    drop: Iterable[str] = (),
    every: str = "--json",
) -> None:
    if as_json:
        emit_json(data)
    elif isinstance(data, list):
        emit_table(data, columns or (list(data[0]) if data else []), keep, drop, every)
    elif isinstance(data, dict):
        emit_record(data)
    else:
        line(str(data))


def line(text: str) -> None:
    """One line of data on stdout."""
    sys.stdout.write(text + "\n")


def message(text: str) -> None:
    sys.stderr.write(text + "\n")


def error(text: str, *, as_json: bool = False, id: str = "error", exit_code: int = 1) -> None:
    if as_json:
        emit_json({"error": {"id": id, "message": text, "exit_code": exit_code}}, sys.stderr)
    else:
        sys.stderr.write("".join(f"error: {line}\n" for line in text.splitlines() or [""]))
