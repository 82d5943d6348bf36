"""IVR menus (mod_dptools' ivr). Every digit transfers to a destination in the tenant's own
context, so a menu can never lead a caller into another tenant."""

from __future__ import annotations

from ccctl.config import spec as s
from ccctl.media import prompts
from ccctl.render import names
from ccctl.render.xml import configuration, el


def _menu(t: s.Tenant, ivr: s.Ivr) -> object:
    greet = prompts.greeting(t, ivr)
    entries = [
        el("entry", action="menu-exec-app", digits=d, param=f"transfer {names.transfer(t, target)}")
        for d, target in ivr.options.items()
    ]
    return el(
        "menu",
        {
            "name": names.ivr_id(t, ivr),
            "greet-long": greet,
            "greet-short": greet,
            "invalid-sound": prompts.standard("invalid", t.language).ref,
            "exit-sound": "silence_stream://250",
            "timeout": str(ivr.timeout * 1000),
            "inter-digit-timeout": "2000",
            "max-failures": str(ivr.max_failures),
            "max-timeouts": str(ivr.max_failures),
            "digit-len": "1",
        },
        entries,
    )


def ivr_conf(tenants: list[s.Tenant]) -> object:
    return configuration("ivr.conf", "IVR menus", el("menus", None, [_menu(t, ivr) for t in tenants for ivr in t.ivrs]))
