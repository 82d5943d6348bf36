"""Recording-failure hooks: which channels carry them, and what they run at hangup."""

from __future__ import annotations

from ccctl.config import spec as s
from ccctl.render import names
from ccctl.render.dsl import act


def _deferred(text: str) -> str:
    """TEXT with each `${` escaped to survive the two expansions of a dialplan `set` (the
    application's data, then set's own), so the variable keeps `${...}` to expand later."""
    return text.replace("${", "\\\\\\${")


RECORDING_FAILED = "'${record_completion_cause}' == 'uri-failure'"
"""FreeSWITCH leaves record_completion_cause=uri-failure on a channel whose recording could not
create its folder or open its file (switch_ivr_async.c); no RECORD_STOP event comes then."""


def recording_failure_hooks() -> list:
    """At hangup, a channel whose recording failed is counted (a mod_db row: FreeSWITCH's own
    database, kept across restarts, read by `ccctl status`) and logged with its uuid. `cond`
    with no false branch gives an empty command: a channel whose recording worked runs nothing.

    Set only where a recording is started on the channel (the extension that arms it), not on
    every call: each hook copies all the channel's variables twice at hangup, and the two `set`s
    fire three full-variable events each; on a call that records nothing that was half of what
    the product's short call cost beyond a bare FreeSWITCH (bench/callcost.py)."""
    count = (
        f"expand ${{cond({RECORDING_FAILED} ?db insert/{names.RECORDING_FAILURES_REALM}${{ccctl_tenant}}"
        "/${uuid}/${record_completion_cause})}"
    )
    log = (
        f"expand ${{cond({RECORDING_FAILED} ?log ERR ccctl recording-failed call=${{uuid}} tenant=${{ccctl_tenant}}"
        " cause=${record_completion_cause} file=${cc_record_filename})}"
    )
    return [
        act("set", f"api_hangup_hook={_deferred(count)}", inline=True),
        act("set", f"api_reporting_hook={_deferred(log)}", inline=True),
    ]


def hooks_where_recorded(t: s.Tenant) -> list:
    """The failure hooks, for an extension that starts a recording on its channel (the seats'
    and trunks' record-on-bridge, a recorded queue, voicemail). on_demand: setup sets them on
    every call instead, as any call may be recorded by a seat's *2."""
    return recording_failure_hooks() if t.recording.mode not in ("none", "on_demand") else []
