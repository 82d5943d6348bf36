"""Dialplan of the satisfaction survey: the caller's leg goes on in the dialplan when the
agent hangs up (hangup_after_bridge=false on queues with a survey) and is asked for a score.

`cc-survey` in every tenant's context is the survey IVR by itself: an outbound survey
campaign originates its calls into it (`originate {ccctl_tenant=T}... cc-survey XML T`).
The score (1-5) is left in the channel variable ccctl_survey_score, which the daemon puts on
the call row."""

from __future__ import annotations

import re

from ccctl.config import spec as s
from ccctl.media import prompts
from ccctl.render import names
from ccctl.render.dsl import act, cond, ext

SCORE_VARIABLE = "ccctl_survey_score"
TRIES, TIMEOUT_MS = 3, 5000


def survey_ask(t: s.Tenant) -> list:
    """Ask once, up to TRIES times on an invalid key or silence; an unanswered survey leaves
    the score unset."""
    question = prompts.standard("survey", t.language).ref
    invalid = prompts.standard("invalid", t.language).ref
    return [
        act("set", "ccctl_survey=asked", inline=True),
        act("answer"),
        act("sleep", "500"),
        act("play_and_get_digits", f"1 1 {TRIES} {TIMEOUT_MS} # {question} {invalid} {SCORE_VARIABLE} ^[1-5]$"),
        act("playback", prompts.standard("survey_thanks", t.language).ref),
        act("hangup", "NORMAL_CLEARING"),
    ]


def survey_extensions(t: s.Tenant) -> list:
    return [ext("survey", cond("destination_number", r"^cc-survey(?:-[a-z0-9_-]+)?$", *survey_ask(t)))]


def after_queue(t: s.Tenant, q: s.Queue) -> list:
    """Conditions at the top of the queue's exit extension: a caller who pressed the callback
    key goes to the callback request, one whose agent hung up goes to the survey."""
    dialplan_context = names.context(t)
    out = []
    if q.callback:
        out.append(
            cond(
                "${cc_exit_key}",
                f"^{re.escape(q.callback.key)}$",
                act("transfer", f"cc-callback-{q.name} XML {dialplan_context}"),
                break_="on-true",
            )
        )
    if q.survey:
        out.append(
            cond(
                "${cc_queue_answered_epoch}",
                r"^[0-9]+$",
                act("transfer", f"cc-survey-{q.name} XML {dialplan_context}"),
                break_="on-true",
            )
        )
    return out
