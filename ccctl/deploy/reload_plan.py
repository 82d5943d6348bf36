"""Which FreeSWITCH API commands turn the old tree into the new one without a restart.

Pure: two trees in, a list of commands out, so every case is unit-tested without a switch.
reloadxml comes first (FreeSWITCH parses the whole tree and refuses a bad one before anything
else changes); mod_callcenter and mod_sofia then get only the objects that differ.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

CALLCENTER = "autoload_configs/callcenter.conf.xml"
SOFIA = "autoload_configs/sofia.conf.xml"
LOCAL_STREAM = "autoload_configs/local_stream.conf.xml"
SWITCH = "autoload_configs/switch.conf.xml"
LIVE_SWITCH_PARAMS = {"max-sessions": "fsctl max_sessions", "sessions-per-second": "fsctl sps"}
"""switch.conf settings FreeSWITCH takes while running; any other change there needs a restart."""
FREETDM = ("autoload_configs/freetdm.conf.xml", "freetdm.conf")
"""mod_freetdm reads its spans (and where their calls land) when it loads: a change needs it
loaded again (`ccctl hardware apply`) or a restart."""
RESTART_ONLY = (
    "autoload_configs/event_socket.conf.xml",
    "autoload_configs/switch.conf.xml",
    "autoload_configs/modules.conf.xml",
    "vars.xml",
    *FREETDM,
)


@dataclass
class Plan:
    commands: list[str] = field(default_factory=list)
    needs_restart: list[str] = field(default_factory=list)


def _xml(data: bytes | None):
    return etree.fromstring(data) if data else None


def _callcenter(data: bytes | None):
    root = _xml(data)
    if root is None:
        return {}, {}, {}
    queues = {
        q.get("name"): tuple((p.get("name"), p.get("value")) for p in q.iter("param")) for q in root.iter("queue")
    }
    agents = {a.get("name"): dict(a.attrib) for a in root.iter("agent")}
    tiers = {(t.get("queue"), t.get("agent")): (t.get("level"), t.get("position")) for t in root.iter("tier")}
    return queues, agents, tiers


def _callcenter_commands(old: bytes | None, new: bytes | None) -> list[str]:
    """What mod_callcenter (1.10) needs to match the new XML, touching nothing else.

    Callers waiting in a queue are rows of mod_callcenter's members table, each watched by a
    member thread that looks its queue up by name every half second; nothing here deletes a
    member row. A queue's settings can only change by re-creating the queue object (`queue
    reload`: there is no `queue set`); while it is re-created, a lookup loads it again from the
    already reloaded XML, so callers keep their place, music and wait. `queue load|reload` also
    upserts every agent and every tier from the XML, so after one the tier commands are not needed.
    Agents come first, so that a tier never names an agent mod_callcenter does not know yet."""
    oq, oa, ot = _callcenter(old)
    nq, na, nt = _callcenter(new)
    cmds = [f"callcenter_config agent reload {a}" for a in sorted(na) if na[a] != oa.get(a)]
    queues = [f"callcenter_config queue load {q}" for q in sorted(nq) if q not in oq]
    queues += [f"callcenter_config queue reload {q}" for q in sorted(nq) if q in oq and nq[q] != oq[q]]
    cmds += queues
    if not queues:
        for q, a in sorted(nt):
            level, position = nt[(q, a)]
            if (q, a) not in ot:
                cmds.append(f"callcenter_config tier add {q} {a} {level} {position}")
                continue
            was_level, was_position = ot[(q, a)]
            if level != was_level:
                cmds.append(f"callcenter_config tier set level {q} {a} {level}")
            if position != was_position:
                cmds.append(f"callcenter_config tier set position {q} {a} {position}")
    cmds += [f"callcenter_config tier del {q} {a}" for (q, a) in sorted(set(ot) - set(nt))]
    cmds += [f"callcenter_config agent del {a}" for a in sorted(set(oa) - set(na))]
    cmds += [f"callcenter_config queue unload {q}" for q in sorted(set(oq) - set(nq))]
    return cmds


def _profiles(data: bytes | None):
    root = _xml(data)
    out = {}
    if root is None:
        return out
    for prof in root.iter("profile"):
        settings = tuple((p.get("name"), p.get("value")) for p in prof.find("settings").iter("param"))
        gws = {
            g.get("name"): tuple((p.get("name"), p.get("value")) for p in g.iter("param")) for g in prof.iter("gateway")
        }
        out[prof.get("name")] = (settings, gws)
    return out


def _sofia_commands(old: bytes | None, new: bytes | None) -> list[str]:
    op, np_ = _profiles(old), _profiles(new)
    cmds = []
    for name in sorted(np_):
        if name not in op or np_[name][0] != op[name][0]:
            cmds.append(f"sofia profile {name} restart" if name in op else f"sofia profile {name} start")
            continue
        ogw, ngw = op[name][1], np_[name][1]
        gone = sorted(g for g in ogw if g not in ngw or ngw[g] != ogw[g])
        for g in gone:
            cmds.append(f"sofia profile {name} killgw {g}")
        if gone or any(g not in ogw or ngw[g] != ogw[g] for g in ngw):
            cmds.append(f"sofia profile {name} rescan")
    return cmds


def _streams(data: bytes | None) -> set[str]:
    root = _xml(data)
    return set() if root is None else {d.get("name") for d in root.iter("directory")}


def _switch_params(data: bytes | None) -> dict[str, str]:
    root = _xml(data)
    return {} if root is None else {p.get("name"): p.get("value") for p in root.iter("param")}


def _switch_commands(old: bytes | None, new: bytes | None) -> list[str] | None:
    """fsctl commands for a switch.conf change, or None when it needs a restart."""
    before, after = _switch_params(old), _switch_params(new)
    changed = {k for k in set(before) | set(after) if before.get(k) != after.get(k)}
    if not before or not changed <= set(LIVE_SWITCH_PARAMS):
        return None
    return [f"{LIVE_SWITCH_PARAMS[k]} {after[k]}" for k in sorted(changed)]


def plan(old: dict[str, bytes], new: dict[str, bytes]) -> Plan:
    changed = sorted(p for p in set(old) | set(new) if old.get(p) != new.get(p))
    out = Plan()
    if not changed:
        return out
    out.commands.append("reloadxml")
    if CALLCENTER in changed:
        out.commands += _callcenter_commands(old.get(CALLCENTER), new.get(CALLCENTER))
    if SOFIA in changed:
        out.commands += _sofia_commands(old.get(SOFIA), new.get(SOFIA))
    if LOCAL_STREAM in changed:
        before, after = _streams(old.get(LOCAL_STREAM)), _streams(new.get(LOCAL_STREAM))
        out.commands += [f"start_local_stream {n}" for n in sorted(after - before)]
        out.commands += [f"stop_local_stream {n}" for n in sorted(before - after)]
    live_switch = _switch_commands(old.get(SWITCH), new.get(SWITCH)) if SWITCH in changed else None
    if live_switch:
        out.commands += live_switch
    out.needs_restart = [
        p for p in changed if p in RESTART_ONLY and p in old and not (p == SWITCH and live_switch is not None)
    ]
    return out
