"""The pass rule of a load step and the climb to the first step that fails (bench/calls.py
--climb): issue 26's rule, a step passes with under 1% of its calls failed, a MOS estimate of
at least 4.0, and INVITE -> 200 p95 of at most 2 s. Pure logic: the FreeSWITCH run is the
caller's."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path

MAX_FAILED_PCT = 1.0
MIN_MOS = 4.0
MAX_P95_MS = 2000.0


def verdict(step: dict) -> tuple[bool, str]:
    """(passes, why) for a step's figures: failure_pct, mos (None: no call measured), and
    invite_200_ms.p95 (None: no call answered)."""
    reasons = []
    if step["failure_pct"] >= MAX_FAILED_PCT:
        reasons.append(f"{step['failure_pct']}% failed")
    mos = step.get("mos")
    if mos is None or mos < MIN_MOS:
        reasons.append(f"MOS {mos}")
    p95 = (step.get("invite_200_ms") or {}).get("p95")
    if p95 is None or p95 > MAX_P95_MS:
        reasons.append(f"INVITE->200 p95 {p95} ms")
    return (not reasons, "; ".join(reasons) or "pass")


def climb(levels: Iterable[int], run: Callable[[int], dict]) -> tuple[int | None, list[dict]]:
    """Run each level in turn until one fails: (the highest level that passed or None, every
    step run, each with its verdict)."""
    best, steps = None, []
    for level in levels:
        step = run(level)
        ok, why = verdict(step)
        steps.append({**step, "level": level, "passed": ok, "verdict": why})
        if not ok:
            break
        best = level
    return best, steps


def levels_from(start: int, step: int, limit: int) -> list[int]:
    """START, START+STEP, ... up to LIMIT: the levels a climb tries."""
    return list(range(start, limit + 1, step)) if step > 0 and start > 0 else []


def cdr_mos(cdr_dir: Path, since: float) -> float | None:
    """The mean MOS FreeSWITCH estimated (rtp_audio_in_mos, per leg with media) over the calls
    whose JSON CDR was written after SINCE (a time.time()); None when none carries one."""
    values = []
    for f in cdr_dir.glob("*.cdr.json"):
        if f.stat().st_mtime < since:
            continue
        try:
            v = json.loads(f.read_text()).get("variables", {}).get("rtp_audio_in_mos")
            values.append(float(v))
        except (ValueError, TypeError, OSError):
            continue  # a CDR still being written, or a leg without media
    return round(sum(values) / len(values), 2) if values else None
