"""Discrete-event simulation of the dialer, driven by the real pacing code
(ccctl.outbound.pacing): agent utilisation (talk time over logged-in time) and abandon rate
(answered callees with no agent within 2 s) for progressive and predictive dialing.

    .venv/bin/python bench/dialer.py [--hours 8] [--seed 1]

Model: a call rings 4-20 s before a person answers (with the answer rate's probability);
unanswered calls give up after 10-30 s (busy, no answer). Talk time is exponential with a
mean of 180 s (at least 20 s), wrap-up 5 s. The dialer is asked every second.
"""

from __future__ import annotations

import argparse
import heapq
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ccctl.outbound.pacing import ABANDON_AFTER_S, Pacer  # noqa: E402

TALK_MEAN = 180.0
WRAPUP = 5.0


def simulate(mode: str, agents: int, answer_rate: float, hours: float, seed: int) -> dict:
    rng = random.Random(seed)
    pacer = Pacer(mode)
    end = hours * 3600.0
    events: list = []  # (time, seq, kind, data)
    seq = 0

    def at(t, kind, data=None):
        nonlocal seq
        seq += 1
        heapq.heappush(events, (t, seq, kind, data))

    idle = agents
    busy = 0
    ringing: dict[int, float] = {}  # call -> when it was started
    waiting: list[float] = []  # answered callees waiting for an agent: when they answered
    talk = 0.0
    answered = abandoned = dialed = 0
    now = 0.0
    at(0.0, "tick")
    while events:
        now, _, kind, data = heapq.heappop(events)
        if now > end:
            break
        if kind == "tick":
            n = pacer.calls_to_start(
                now,
                idle_agents=idle,
                busy_agents=busy,
                ringing=[now - t for t in ringing.values()],
                waiting_answered=len(waiting),
                room=agents * 4,
            )
            for _ in range(n):
                dialed += 1
                ringing[dialed] = now
                if rng.random() < answer_rate:
                    at(now + rng.uniform(4, 20), "answer", dialed)
                else:
                    at(now + rng.uniform(10, 30), "noanswer", dialed)
            at(now + 1.0, "tick")
        elif kind == "noanswer":
            pacer.measured.attempt(False, now - ringing.pop(data))
        elif kind == "answer":
            answered += 1
            pacer.measured.attempt(True, now - ringing.pop(data))
            if idle > len(waiting):
                idle -= 1
                busy += 1
                pacer.measured.answered(False)
                d = max(20.0, rng.expovariate(1 / TALK_MEAN))
                talk += min(d, end - now)
                pacer.measured.handled(d + WRAPUP)
                at(now + d + WRAPUP, "free")
            else:
                waiting.append(now)
                at(now + ABANDON_AFTER_S, "giveup", now)
        elif kind == "giveup":
            if data in waiting:
                waiting.remove(data)
                abandoned += 1
                pacer.measured.answered(True)
        elif kind == "free":
            busy -= 1
            if waiting:
                waiting.pop(0)
                busy += 1
                pacer.measured.answered(False)
                d = max(20.0, rng.expovariate(1 / TALK_MEAN))
                talk += min(d, end - now)
                pacer.measured.handled(d + WRAPUP)
                at(now + d + WRAPUP, "free")
            else:
                idle += 1
    return {
        "mode": mode,
        "agents": agents,
        "answer_rate": answer_rate,
        "dialed": dialed,
        "answered": answered,
        "abandoned": abandoned,
        "abandon_rate": abandoned / answered if answered else 0.0,
        "utilisation": talk / (agents * end),
    }


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hours", type=float, default=8.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--agents", type=int, nargs="*", default=[10, 50, 200])
    ap.add_argument("--rates", type=float, nargs="*", default=[0.2, 0.4])
    args = ap.parse_args(argv)
    print("| mode | agents | answer rate | dialed | answered | abandon rate | utilisation |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for mode in ("progressive", "predictive"):
        for n in args.agents:
            for p in args.rates:
                r = simulate(mode, n, p, args.hours, args.seed)
                print(
                    f"| {mode} | {n} | {p:.0%} | {r['dialed']} | {r['answered']} | "
                    f"{r['abandon_rate']:.2%} | {r['utilisation']:.1%} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
