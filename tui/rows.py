"""The cells of a list screen, read through the ccctl library (no Textual here)."""

from __future__ import annotations

from ccctl.config import entities
from ccctl.config.forms import text_of
from tui.nouns import Page


def _cell(page: Page, tenant, obj, col: str) -> str:
    if col == "@tenant":
        return tenant.name
    if col == "@seats":
        return str(len(tenant.seats))
    if col == "@lease":
        lease = tenant.lease
        return f"{lease.price:g} {lease.currency}/{lease.period}" if lease else "-"
    if col == "@skill":
        return obj.required_skill
    if col == "@agents":
        return str(sum(1 for seat in tenant.seats if obj.required_skill in seat.skills))
    if col == "@greeting":
        g = obj.greeting
        return g.file or fit(g.text or "", 20)
    if col == "@hours":
        return "always" if obj.hours is None else f"{len(obj.hours)} days, {len(obj.holidays)} hol"
    v = obj.model_dump(by_alias=True)
    for part in col.split("."):
        v = v.get(part) if isinstance(v, dict) else None
    if isinstance(v, dict) and v:
        return " ".join(f"{k}={x}" for k, x in v.items())
    if isinstance(v, bool):
        return "yes" if v else "-"
    return text_of(v) if v not in (None, {}, []) else "-"


def rows(services, page: Page) -> list[tuple[str, str, list[str]]]:
    """(tenant, key, cells) of every object PAGE lists, across tenants."""
    out = []
    for t in entities.list_tenants(services):
        objs = [t] if page.noun == "tenant" else getattr(t, entities.NOUNS[page.noun].collection)
        for obj in objs:
            out.append((t.name, str(getattr(obj, page.key)), [_cell(page, t, obj, c) for _, c in page.columns]))
    return out


def matches(cells: list[str], text: str) -> bool:
    """The filter: every word of TEXT appears in some cell (case-insensitive)."""
    hay = " ".join(cells).casefold()
    return all(w in hay for w in text.casefold().split())


def sort_key(cell: str):
    """Numbers in numeric order, before text in case-blind order ('-' last)."""
    try:
        return (0, float(cell.rstrip("%")), "")
    except ValueError:
        return (1 if cell != "-" else 2, 0.0, cell.casefold())


def fit(text: str, cells: int) -> str:
    """TEXT cut to CELLS terminal cells (a Chinese character takes two), with '..' when cut."""
    from rich.cells import cell_len

    if cell_len(text) <= cells:
        return text
    out = ""
    for ch in text:
        if cell_len(out + ch) > cells - 2:
            break
        out += ch
    return out + ".."
