"""Recording-failure hooks: which channels carry them, and what they run at hangup."""

from __future__ import annotations

from ccctl.config import spec as s
from ccctl.render import names
from ccctl.render.dsl import act


def _escaped(text: str) -> str:
    """TEXT as one more FreeSWITCH expansion will give it back (backslash escapes)."""
    return text.replace("\\", "\\\\").replace("${", "\\${")


def _deferred(text: str) -> str:
    """TEXT with each `${` escaped to survive the two expansions of a dialplan `set` (the
    application's data, then set's own), so the variable keeps `${...}` to expand later."""
    return _escaped(_escaped(text))


RECORDING_FAILED = "'${record_completion_cause}' == 'uri-failure'"
"""FreeSWITCH leaves record_completion_cause=uri-failure on a channel whose recording could not
create its folder or open its file (switch_ivr_async.c); no RECORD_STOP event comes then."""


def recording_failure_hooks() -> list:
    """At the end of the call, a channel whose recording failed is counted (a mod_db row:
    FreeSWITCH's own database, kept across restarts, read by `ccctl status`) and logged with
    its uuid. `cond` with no false branch gives an empty command: a channel whose recording
    worked runs nothing.

    One hook does both: the log line's last word is the insert's answer (`db=+OK`), a `db`
    API call escaped once more than the rest so that it runs only in the second expansion,
    `expand`'s of the command cond chose. Each hook FreeSWITCH runs copies every channel
    variable twice, and each `set` fires three full-variable events: a second hook cost a
    recorded call about 4 M instructions (bench/callcost.py).

    Set only where a recording is started on the channel (the extension that arms it), not on
    every call, for the same reason."""
    count = _escaped(
        f"${{db(insert/{names.RECORDING_FAILURES_REALM}${{ccctl_tenant}}/${{uuid}}/${{record_completion_cause}})}}"
    )
    hook = (
        f"expand ${{cond({RECORDING_FAILED} ?log ERR ccctl recording-failed call=${{uuid}} tenant=${{ccctl_tenant}}"
        f" cause=${{record_completion_cause}} file=${{cc_record_filename}} db={count})}}"
    )
    return [act("set", f"api_reporting_hook={_deferred(hook)}", inline=True)]


def hooks_where_recorded(t: s.Tenant) -> list:
    """The failure hooks, for an extension that starts a recording on its channel (the seats'
    and trunks' record-on-bridge, a recorded queue, voicemail). on_demand: setup sets them on
    every call instead, as any call may be recorded by a seat's *2."""
    return recording_failure_hooks() if t.recording.mode not in ("none", "on_demand") else []
