"""mod_sofia: an 'internal' profile where seats register (every tenant a domain, every call
authenticated) and an 'external' profile facing carriers, whose calls land in the public
context that knows only DIDs."""

from __future__ import annotations

from ccctl.config import spec as s
from ccctl.render import names
from ccctl.render.core import EDGE_ACL
from ccctl.render.xml import configuration, el, param, params
from ccctl.settings import Settings

_CODECS = "$${global_codec_prefs}"


def _common() -> dict:
    return {
        "sip-ip": "$${ccctl_sip_ip}",
        "rtp-ip": "$${ccctl_sip_ip}",
        "ext-sip-ip": "$${ccctl_sip_ip}",
        "ext-rtp-ip": "$${ccctl_sip_ip}",
        "dialplan": "XML",
        "inbound-codec-prefs": _CODECS,
        "outbound-codec-prefs": _CODECS,
        # Media keeps its own 20 ms clock. Without one (`none`) a call costs 14-26% less CPU
        # (bench/calls.py --try rtp_timer_name=none), but media is then paced by the far end's
        # packets: a caller who sends none got 3 packets of hold music in 10 s, and a seat's
        # recording of 4 s of talk came out 2.98 s long (tests/freeswitch: both fail).
        "rtp-timer-name": "soft",
        "dtmf-type": "rfc2833",
        "rfc2833-pt": "101",
        "manage-presence": "false",
        "inbound-codec-negotiation": "generous",
        "nonce-ttl": "60",
        "hold-music": "local_stream://default",
        "apply-nat-acl": "nat.auto",
        "user-agent-string": "ccctl",
    }


def internal_profile(settings: Settings, edge: str | None = None) -> object:
    p = {
        **_common(),
        "sip-port": "$${internal_sip_port}",
        # The agent page's WebRTC phone: SIP over secure WebSocket, DTLS-SRTP media. The
        # certificate (wss.pem) and the DTLS one (dtls-srtp.pem) are first boot's, in certs_dir.
        "wss-binding": ":$${internal_wss_port}",
        # A seat may be on a desk phone and in the agent page at once: both ring (one
        # registration per contact, not one per user that the latest would replace).
        "multiple-registrations": "contact",
        "context": names.PUBLIC_CONTEXT,
        # Every call and registration proves who it is; the user's directory entry then
        # decides the tenant context, so a seat can only ever dial inside its own tenant.
        "auth-calls": "true",
        "auth-all-packets": "false",
        "accept-blind-reg": "false",
        "accept-blind-auth": "false",
        "inbound-reg-force-matching-username": "true",
        "challenge-realm": "auto_to",
        "disable-transfer": "true",
        "log-auth-failures": "true",
        "forward-unsolicited-mwi-notify": "false",
    }
    if edge:
        # A fleet node: seats register at the edge only (their calls still prove who they are
        # here, by digest against this directory, relayed by the edge).
        p["disable-register"] = "true"
    return el(
        "profile",
        {"name": "internal"},
        el("domains", None, el("domain", name="all", alias="false", parse="false")),
        params("settings", p),
    )


def _gateway(t: s.Tenant, tr: s.Trunk) -> object:
    g = {
        "realm": f"{tr.host}:{tr.port}",
        "proxy": f"{tr.host}:{tr.port}",
        "register": tr.register_,
        "register-transport": tr.transport,
        "username": tr.username or "ccctl",
        "password": tr.password or "none",
        "from-domain": tr.host,
        "caller-id-in-from": "true",
        "context": names.PUBLIC_CONTEXT,
        "retry-seconds": "30",
        "ping": "30",
    }
    if not tr.register_:
        del g["ping"]
    return el("gateway", {"name": names.gateway(t, tr)}, [param(k, v) for k, v in g.items()])


def external_profile(settings: Settings, tenants: list[s.Tenant], edge: str | None = None) -> object:
    p = {
        **_common(),
        "sip-port": "$${external_sip_port}",
        "context": names.PUBLIC_CONTEXT,
        "auth-calls": "false",
        "accept-blind-reg": "false",
        "disable-register": "true",
        "disable-transfer": "true",
    }
    if edge:
        # A fleet node: carriers' calls come through the edge only. The edge's address passes
        # the ACL unchallenged; anyone else is challenged against a profile without users.
        p["auth-calls"] = "true"
        p["apply-inbound-acl"] = EDGE_ACL
    gateways = [_gateway(t, tr) for t in tenants for tr in t.trunks if tr.type == "sip"]
    return el(
        "profile", {"name": "external"}, el("gateways", None, gateways), el("domains", None), params("settings", p)
    )


def sofia_conf(settings: Settings, tenants: list[s.Tenant], edge: str | None = None) -> object:
    return configuration(
        "sofia.conf",
        "SIP",
        params("global_settings", {"log-level": "0", "debug-presence": "0"}),
        el("profiles", None, internal_profile(settings, edge), external_profile(settings, tenants, edge)),
    )
