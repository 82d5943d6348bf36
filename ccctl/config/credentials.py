"""What a phone needs to register as a seat, and rotating a seat's password live.

The only places a seat's password ever leaves the database: `credentials()` (asked for by an
admin, one seat at a time) and `reset_password()`'s answer. Listings, `show`, `export` and
their JSON never carry it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass


@dataclass
class SeatCredentials:
    tenant: str
    extension: str
    user: str
    """SIP user name and authentication user (the extension)."""
    password: str
    domain: str
    """SIP domain (realm) of the tenant."""
    server: str
    """The box's SIP address: registrar and outbound proxy."""
    port: int
    """UDP and TCP port of the seats' SIP profile."""
    transport: str
    rtp_ports: str
    """The box's media port range (for firewalls between phone and box)."""

    def as_dict(self) -> dict:
        return asdict(self)

    def provisioning(self) -> str:
        """What the QR code holds: one JSON object with the account (a provisioning app or a
        script reads it; a person reads the printed lines)."""
        return json.dumps(
            {
                "sip": {
                    "user": self.user,
                    "auth_user": self.user,
                    "password": self.password,
                    "domain": self.domain,
                    "proxy": f"{self.server}:{self.port}",
                    "transport": self.transport,
                }
            },
            separators=(",", ":"),
        )


def credentials(services, tenant: str, extension: str) -> SeatCredentials:
    from ccctl.config.entities import seat_password

    s = services.settings
    password = seat_password(services, tenant, extension)
    from ccctl.config import part
    from ccctl.config.entities import get_tenant

    t = get_tenant(services, tenant, only=part.just("tenant"))  # its domain: none of its seats
    return SeatCredentials(
        tenant=tenant,
        extension=extension,
        user=extension,
        password=password,
        domain=t.sip_domain,
        server=s.sip_ip,
        port=s.sip_internal_port,
        transport="udp",
        rtp_ports=f"{s.rtp_start}-{s.rtp_end}",
    )


def qr_text(data: str) -> str:
    """DATA as a QR code drawn with block characters, for a terminal (two modules a character)."""
    import io

    import segno

    out = io.StringIO()
    segno.make(data, error="m").terminal(out=out, compact=True, border=2)
    return out.getvalue()


def reset_password(services, tenant: str, extension: str, *, actor: str | None = None) -> SeatCredentials:
    """Give the seat a new generated password through the write path (the directory is
    rendered and FreeSWITCH reloads it), then drop the seat's registrations: its phone must
    register again, and only the new password does."""
    from ccctl.config.entities import get_item, set_item
    from ccctl.db.secrets import generate_password
    from ccctl.errors import CcError
    from ccctl.supervision import audit

    try:
        get_item(services, "seat", tenant, extension)
        set_item(services, "seat", tenant, extension, {"password": generate_password()})
        _drop_registrations(services, tenant, extension)
    except CcError as exc:
        audit.record(
            services,
            tenant=tenant,
            action="seat.reset-password",
            result="refused" if exc.exit_code in (3, 4) else "failed",
            actor=actor,
            subject=extension,
            detail=exc.message,
        )
        raise
    audit.record(services, tenant=tenant, action="seat.reset-password", result="ok", actor=actor, subject=extension)
    return credentials(services, tenant, extension)


def _drop_registrations(services, tenant: str, extension: str) -> None:
    """Forget the seat's current registrations (FreeSWITCH keeps one until it expires, whatever
    the password has become) and ask the phone to re-register (a reboot NOTIFY)."""
    from ccctl.config.entities import get_tenant
    from ccctl.freeswitch.connect import try_event_socket
    from ccctl.render import names

    esl = try_event_socket(services)
    if esl is None:
        return  # FreeSWITCH down: it starts with the new directory and no registration
    with esl:
        esl.api(
            f"sofia profile internal flush_inbound_reg {names.agent_id(get_tenant(services, tenant), extension)} reboot",
            check=False,
        )
