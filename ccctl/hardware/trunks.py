"""Which tenant trunks ride which spans: a tdm trunk dials its span group, so every span of
that group (and every FXO/FXS group of an analog card) carries the trunk's calls. Used by the
daemon to name the trunk on a call row from the FreeTDM leg's span, and by `hardware status`
to mark a trunk down when every span of its group is in alarm."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.engine import Connection

from ccctl.hardware.layout import DigitalSpan, layout
from ccctl.hardware.render import analog_span_name, span_name
from ccctl.hardware.spec import Hardware


def span_groups(hw: Hardware) -> dict[str, set[int]]:
    """FreeTDM span name -> the span groups its channels are in (one for a digital span, the
    ports' groups for an analog card's fxo or fxs span)."""
    out: dict[str, set[int]] = {}
    for sp in layout(hw).spans():
        if isinstance(sp, DigitalSpan):
            out[span_name(sp)] = {sp.spec.group}
        else:
            for port, _ in sp.ports:
                out.setdefault(analog_span_name(sp, port.type), set()).add(port.group)
    return out


def tdm_trunks(conn: Connection) -> dict[int, list[tuple[str, str]]]:
    """Span group -> the (tenant, trunk) pairs whose tdm trunk dials it."""
    from ccctl.model import Tenant, Trunk

    out: dict[int, list[tuple[str, str]]] = {}
    rows = conn.execute(
        select(Tenant.name, Trunk.name, Trunk.span_group)
        .join(Tenant, Tenant.id == Trunk.tenant_id)
        .where(Trunk.type == "tdm", Trunk.span_group.is_not(None))
        .order_by(Tenant.name, Trunk.name)
    )
    for tenant, trunk, group in rows:
        out.setdefault(group, []).append((tenant, trunk))
    return out


def trunk_of_span(groups: dict[str, set[int]], trunks: dict[int, list[tuple[str, str]]], tenant: str, span: str):
    """The tenant's trunk a call on SPAN came in (or went out) over; None when none of the
    tenant's tdm trunks dials a group of that span."""
    for group in sorted(groups.get(span, ())):
        for t, trunk in trunks.get(group, []):
            if t == tenant:
                return trunk
    return None
