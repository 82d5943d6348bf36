"""Rows <-> the `hardware:` spec: voice cards in table voice_card, the tone zone in the box's
settings. Written by natural key (the card's name), like the tenants' collections."""

from __future__ import annotations

from sqlalchemy import delete
from sqlmodel import Session, select

from ccctl import model as m
from ccctl.config.diff import Change
from ccctl.hardware.spec import Card, Hardware

TONE_ZONE_KEY = "hardware.tone_zone"
SCOPE = "hardware"


def load_hardware(session: Session) -> Hardware:
    rows = session.exec(select(m.VoiceCard).order_by(m.VoiceCard.position)).all()
    zone = session.get(m.Setting, TONE_ZONE_KEY)
    data = {
        "cards": [
            {"name": r.name, "profile": r.profile, "location": r.location, "spans": r.spans, "ports": r.ports}
            for r in rows
        ]
    }
    if zone is not None:
        data["tone_zone"] = zone.value
    return Hardware.model_validate(data)


def _card_data(card: Card) -> dict:
    return card.model_dump(mode="json")


def diff_hardware(current: Hardware, desired: Hardware) -> list[Change]:
    out: list[Change] = []
    if current.tone_zone != desired.tone_zone:
        out.append(Change("change", SCOPE, SCOPE, "settings", ("tone_zone",)))
    have = {c.name: (i, _card_data(c)) for i, c in enumerate(current.cards)}
    want = {c.name: (i, _card_data(c)) for i, c in enumerate(desired.cards)}
    for name in sorted(set(have) | set(want)):
        if name not in want:
            out.append(Change("remove", "card", SCOPE, name))
        elif name not in have:
            out.append(Change("add", "card", SCOPE, name))
        else:
            (i, a), (j, b) = have[name], want[name]
            fields = tuple(k for k in ("profile", "location", "spans", "ports") if a[k] != b[k])
            fields += ("position",) if i != j else ()
            if fields:
                out.append(Change("change", "card", SCOPE, name, fields))
    return out


def write_hardware(session: Session, desired: Hardware) -> None:
    rows = {r.name: r for r in session.exec(select(m.VoiceCard)).all()}
    gone = [n for n in rows if n not in {c.name for c in desired.cards}]
    if gone:
        session.exec(delete(m.VoiceCard).where(m.VoiceCard.name.in_(gone)))
    for i, card in enumerate(desired.cards):
        row = rows.get(card.name) or m.VoiceCard(name=card.name, position=i, profile=card.profile)
        data = _card_data(card)
        row.position, row.profile, row.location = i, card.profile, card.location
        row.spans, row.ports = data["spans"], data["ports"]
        session.add(row)
    zone = session.get(m.Setting, TONE_ZONE_KEY)
    if zone is None:
        session.add(m.Setting(key=TONE_ZONE_KEY, value=desired.tone_zone))
    else:
        zone.value = desired.tone_zone
    session.flush()


def tdm_trunks(
    session: Session, replacing: dict[str, list[tuple[str, int]]] | None = None
) -> list[tuple[str, str, int]]:
    """(tenant, trunk, span_group) of every tdm trunk, with REPLACING's tenants (name -> their
    (trunk, group) pairs, as a write is about to make them) in place of what the database has."""
    replacing = replacing or {}
    rows = session.exec(
        select(m.Tenant.name, m.Trunk.name, m.Trunk.span_group)
        .join(m.Tenant, m.Trunk.tenant_id == m.Tenant.id)
        .where(m.Trunk.type == "tdm")
    ).all()
    out = [(t, tr, g) for t, tr, g in rows if t not in replacing and g is not None]
    for tenant, pairs in replacing.items():
        out += [(tenant, tr, g) for tr, g in pairs]
    return sorted(out)
