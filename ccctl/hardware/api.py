"""What the CLI and the TUI call for voice cards: profiles, detection, the configured cards,
and applying a `hardware:` section through the one write path."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from ccctl.app import Services
from ccctl.db import session_scope
from ccctl.errors import InvalidInput, NotFound
from ccctl.hardware import profiles, render
from ccctl.hardware.layout import DigitalSpan, layout
from ccctl.hardware.spec import Hardware
from ccctl.hardware.store import load_hardware


def profile_rows() -> list[dict]:
    rows = []
    for fam in profiles.families():
        for c in fam.cards:
            rows.append(
                {
                    "id": c.id,
                    "name": c.name,
                    "vendor": fam.vendor,
                    "bus": fam.bus,
                    "module": c.module or fam.module,
                    "spans": c.spans,
                    "ports": c.ports,
                    "port_types": c.port_types,
                    "ids": [f"{m.vendor}:{m.device}" + (f" sub {m.subvendor}" if m.subvendor else "") for m in c.match],
                }
            )
    return rows


def profile_detail(card_id: str) -> dict:
    found = profiles.find_card(card_id)
    if found is None:
        raise NotFound(f"no voice-card profile {card_id} (see ccctl hardware list)")
    fam, card = found
    return {
        "family": fam.family,
        "vendor": fam.vendor,
        "bus": fam.bus,
        "module": card.module or fam.module,
        **card.model_dump(mode="json", exclude_none=True),
    }


def get_hardware(services: Services) -> Hardware:
    with session_scope(services.engine) as session:
        return load_hardware(session)


def card_detail(services: Services, name: str) -> dict:
    """A configured card with the DAHDI span and channel numbers it gets."""
    hw = get_hardware(services)
    card = next((c for c in hw.cards if c.name == name), None)
    if card is None:
        raise NotFound(f"no card {name} configured (see ccctl hardware list --configured)")
    spans = []
    for sp in layout(hw).spans():
        if sp.card.name != name:
            continue
        if isinstance(sp, DigitalSpan):
            spans.append(
                {
                    "span": sp.spec.span,
                    "dahdi_span": sp.number,
                    "channels": f"{sp.base}-{sp.base + sp.size - 1}",
                    "dchan": sp.dchan,
                    "group": sp.spec.group,
                    "signalling": sp.spec.signalling,
                }
            )
        else:
            spans.extend(
                {"port": p.port, "dahdi_span": sp.number, "channel": ch, "type": p.type, "group": p.group}
                for p, ch in sp.ports
            )
    return {**card.model_dump(mode="json", exclude={"spans", "ports"}), "dahdi": spans}


def configured_rows(services: Services) -> list[dict]:
    hw = get_hardware(services)
    return [
        {
            "name": c.name,
            "profile": c.profile,
            "location": c.location,
            "spans": len(c.spans),
            "ports": len(c.ports),
            "groups": sorted({s.group for s in c.spans} | {p.group for p in c.ports}),
        }
        for c in hw.cards
    ]


def apply_hardware(services: Services, hw: Hardware, *, dry_run: bool = False):
    """Replace the box's voice cards with HW (validated, written and rendered in one transaction)."""
    from ccctl.config.write import apply_tenants

    return apply_tenants(services, [], hardware=hw, dry_run=dry_run)


def remove_card(services: Services, name: str, *, dry_run: bool = False):
    """Remove one configured card: the box's cards re-read inside the configuration lock, so a
    card configured meanwhile by someone else stays."""
    from ccctl.config.write import Edit, change

    def plan(session) -> Edit:
        hw = load_hardware(session)
        if not any(c.name == name for c in hw.cards):
            raise NotFound(f"voice card {name} was removed meanwhile")
        return Edit([], hardware=hw.model_copy(update={"cards": [c for c in hw.cards if c.name != name]}))

    return change(services, plan, dry_run=dry_run)


def verify_dahdi(hw: Hardware):
    """Run Debian's dahdi_cfg -t on the system.conf HW renders; refuse what it refuses.
    Returns the check (check.ran is False, with the reason, where dahdi_cfg cannot run)."""
    from ccctl.hardware import dahdi_cfg

    result = dahdi_cfg.check_text(render.system_conf(hw))
    if result.ran and not result.ok:
        raise InvalidInput(f"dahdi_cfg -t refuses the rendered system.conf: {result.first_error}")
    return result


def write_dahdi(hw: Hardware, directory: Path) -> list[Path]:
    """Write system.conf, assigned-spans.conf and span-types.conf into DIRECTORY (the box's:
    settings.dahdi_dir), each replaced in one rename."""
    directory = Path(directory)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InvalidInput(f"cannot create {directory}: {exc.strerror}") from None
    written = []
    for name, text in render.dahdi_files(hw).items():
        try:
            fd, tmp = tempfile.mkstemp(prefix=f".{name}.", dir=directory)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
            os.chmod(tmp, 0o644)
            os.replace(tmp, directory / name)
        except OSError as exc:
            raise InvalidInput(f"cannot write {directory / name}: {exc.strerror}") from None
        written.append(directory / name)
    return written
