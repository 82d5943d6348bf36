"""The one place that prints: data to stdout (a table, or JSON with --json), messages and
errors to stderr. Commands return data and never print it themselves.

Tables are laid out here rather than by a rich-text library: a 10,000-row list then costs
about what its JSON does, and the columns a user copies from (names, extensions) are never
cut, whatever the width of the terminal.
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


def _fit(widths: list[int], heads: list[str], keep: set[int], total: int) -> list[int]:
    """Narrow the columns not in KEEP, widest first, until the row fits TOTAL columns."""
    widths = list(widths)
    need = sum(widths) + 2 * (len(widths) - 1) - total
    # first down to what keeps a header readable, then (a narrow terminal) to 3 characters
    for floor_of in (lambda i, w: min(w, max(4, min(len(heads[i]), 10))), lambda i, w: min(w, 3)):
        floors = [w if i in keep else floor_of(i, w) for i, w in enumerate(widths)]
        while need > 0:
            i = max(range(len(widths)), key=lambda j: widths[j] - floors[j])
            if widths[i] <= floors[i]:
                break
            widths[i] -= 1
            need -= 1
    return widths  # only kept columns left too wide: the line runs long rather than cut them


def terminal_width() -> int:
    return max(MIN_WIDTH, shutil.get_terminal_size((80, 24)).columns)


def table_lines(rows: Iterable[dict], columns: list[str], keep: Iterable[str] = (), width: int | None = None) -> list[str]:
    cells = [[_cell(r.get(c)) for c in columns] for r in rows]
    widths = [len(c) for c in columns]
    for row in cells:
        for i, text in enumerate(row):
            w = width_of(text)
            if w > widths[i]:
                widths[i] = w
    keep_idx = {i for i, c in enumerate(columns) if c in set(keep)}
    widths = _fit(widths, columns, keep_idx, width or terminal_width())
    lines = ["  ".join(_pad(_cut(c, w), w) for c, w in zip(columns, widths)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(_pad(_cut(t, w), w) for t, w in zip(row, widths)).rstrip() for row in cells]
    return lines


def emit_json(data: Any, stream=None) -> None:
    (stream or sys.stdout).write(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False) + "\n")


def emit_table(rows: Iterable[dict], columns: list[str], keep: Iterable[str] = ()) -> None:
    rows = list(rows)
    if not rows:
        message("(none)")
        return
    sys.stdout.write("\n".join(table_lines(rows, columns, keep)) + "\n")


def emit_record(data: dict) -> None:
    if not data:
        return
    w = max(width_of(k) for k in data)
    sys.stdout.write("".join(f"{_pad(k, w)}  {_cell(v)}\n" for k, v in data.items()))


def emit(data: Any, as_json: bool, *, columns: list[str] | None = None, keep: Iterable[str] = ()) -> None:
    if as_json:
        emit_json(data)
    elif isinstance(data, list):
        emit_table(data, columns or (list(data[0]) if data else []), keep)
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
