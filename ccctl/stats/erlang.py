"""Erlang C: how many agents a queue needs for a call volume, handle time and service target.

The standard M/M/N model (Poisson arrivals, exponential handle times, callers who wait).
P(wait) is computed with the Erlang B recursion, which stays exact for hundreds of agents
where factorials overflow.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ccctl.errors import InvalidInput

MAX_TRAFFIC = 100_000.0
"""Erlangs: far beyond any call center (a queue of 100,000 agents), still instant."""


def erlang_b(traffic: float, agents: int) -> float:
    b = 1.0
    for k in range(1, agents + 1):
        b = traffic * b / (k + traffic * b)
    return b


def erlang_c(traffic: float, agents: int) -> float:
    """Probability that a call waits (traffic in Erlangs); 1 when the agents cannot keep up."""
    if agents <= traffic:
        return 1.0
    b = erlang_b(traffic, agents)
    return agents * b / (agents - traffic * (1 - b))


@dataclass(frozen=True)
class Level:
    agents: int
    """Agents on the phones (before shrinkage)."""
    staff: int
    """Agents to schedule: AGENTS grossed up by shrinkage."""
    p_wait: float
    service_level: float
    """Fraction answered within the target time."""
    asa: float
    """Average speed of answer, seconds (inf when the queue grows without bound)."""
    occupancy: float

    def as_dict(self) -> dict:
        return {
            "agents": self.agents,
            "staff": self.staff,
            "p_wait": round(self.p_wait, 4),
            "service_level": round(self.service_level, 4),
            "asa": None if math.isinf(self.asa) else round(self.asa, 1),
            "occupancy": round(self.occupancy, 4),
        }


def level(calls_per_hour: float, aht: float, agents: int, target_s: float, shrinkage: float = 0.0) -> Level:
    traffic = calls_per_hour * aht / 3600.0
    pw = erlang_c(traffic, agents)
    if agents <= traffic:
        sl, asa = 0.0, math.inf
    else:
        sl = max(0.0, 1.0 - pw * math.exp(-(agents - traffic) * target_s / aht))
        asa = pw * aht / (agents - traffic)
    staff = math.ceil(agents / (1.0 - shrinkage) - 1e-9) if shrinkage else agents
    return Level(agents, staff, pw, sl, asa, min(1.0, traffic / agents) if agents else 1.0)


def check_inputs(calls_per_hour: float, aht: float) -> float:
    """The traffic in Erlangs, or InvalidInput for figures no queue has."""
    if not (math.isfinite(calls_per_hour) and math.isfinite(aht)) or calls_per_hour < 0 or aht <= 0:
        raise InvalidInput("calls per hour and handle time must be finite numbers, handle time above 0")
    traffic = calls_per_hour * aht / 3600.0
    if traffic > MAX_TRAFFIC:
        raise InvalidInput(
            f"{traffic:.0f} Erlangs of traffic (calls per hour x handle time / 3600): at most {MAX_TRAFFIC:,.0f}"
        )
    return traffic


def agents_needed(calls_per_hour: float, aht: float, sl_goal: float, target_s: float) -> int:
    """The fewest agents that answer SL_GOAL (0..1) of calls within TARGET_S seconds: one step
    of the Erlang B recursion per agent added, so linear in the answer."""
    traffic = check_inputs(calls_per_hour, aht)
    if calls_per_hour <= 0:
        return 0
    n = max(1, math.floor(traffic) + 1)
    b = erlang_b(traffic, n)
    while True:
        pw = n * b / (n - traffic * (1 - b))
        if 1.0 - pw * math.exp(-(n - traffic) * target_s / aht) >= sl_goal:
            return n
        n += 1
        b = traffic * b / (n + traffic * b)


def staffing(
    calls_per_hour: float, aht: float, sl_goal: float, target_s: float, shrinkage: float = 0.0, around: int = 3
) -> tuple[int, list[Level]]:
    """(agents needed, the levels from AROUND below to AROUND above it)."""
    n = agents_needed(calls_per_hour, aht, sl_goal, target_s)
    traffic = calls_per_hour * aht / 3600.0
    low = max(1, n - around, math.floor(traffic) + 1 if n else 1)
    return n, [level(calls_per_hour, aht, k, target_s, shrinkage) for k in range(low, n + around + 1)]
