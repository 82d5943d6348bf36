"""The one place that prints: data to stdout (a rich table, or JSON with --json), messages
to stderr. Commands return data and never print it themselves."""

from __future__ import annotations

import json
import sys
from typing import Any, Iterable

from rich.console import Console
from rich.table import Table

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


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


def emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False) + "\n")


def emit_table(rows: Iterable[dict], columns: list[str], title: str | None = None) -> None:
    table = Table(title=title, show_lines=False)
    for c in columns:
        table.add_column(c)
    for r in rows:
        table.add_row(*(_cell(r.get(c)) for c in columns), end_section=False)
    out.print(table)


def emit_record(data: dict) -> None:
    table = Table(show_header=False, box=None)
    table.add_column(style="bold")
    table.add_column()
    for k, v in data.items():
        table.add_row(k, _cell(v))
    out.print(table)


def emit(data: Any, as_json: bool, *, columns: list[str] | None = None, title: str | None = None) -> None:
    if as_json:
        emit_json(data)
    elif isinstance(data, list):
        emit_table(data, columns or (list(data[0]) if data else []), title)
    elif isinstance(data, dict):
        emit_record(data)
    else:
        out.print(data)


def message(text: str) -> None:
    err.print(text, highlight=False, markup=False)


def error(text: str) -> None:
    err.print(f"error: {text}", highlight=False, markup=False, style="red")
