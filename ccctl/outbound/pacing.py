"""How many calls to start now: pure arithmetic over what the dialer measured, with the time
passed in (tests and bench/dialer run it on a fake clock).

progressive: one call per available agent not already covered by a call in progress.
predictive:  enough calls that the ones expected to answer meet the agents expected to be
             free by then (measured answer rate, time to answer and handle time), scaled by
             an aggression factor that the measured abandon rate steers under its target.
preview:     no automatic calls; the agent accepts an offered contact first.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

ABANDON_AFTER_S = 2.0
"""An answered callee with no agent within this many seconds is abandoned (and hears a message)."""


@dataclass
class Measured:
    """Sliding figures over the last WINDOW attempts and connected calls."""

    window: int = 1000
    answers: deque = field(default_factory=deque)
    """1 for an attempt answered by a person, 0 for one that was not."""
    to_answer: deque = field(default_factory=deque)
    to_give_up: deque = field(default_factory=deque)
    """Seconds unanswered attempts rang before they ended (busy, no answer)."""
    handle: deque = field(default_factory=deque)
    abandons: deque = field(default_factory=deque)
    """Per answered call: 1 abandoned, 0 connected."""

    def _push(self, q: deque, v: float) -> None:
        q.append(v)
        if len(q) > self.window:
            q.popleft()

    def attempt(self, answered: bool, seconds: float | None = None) -> None:
        """An attempt ended ringing: answered after SECONDS, or given up after SECONDS."""
        self._push(self.answers, 1.0 if answered else 0.0)
        if seconds is not None:
            self._push(self.to_answer if answered else self.to_give_up, seconds)

    def answer_chance(self, age: float) -> float:
        """The chance that a call ringing for AGE seconds is still answered: an old call that
        nobody picked up is more likely one that never will be."""
        p = self.answer_rate()
        if len(self.to_answer) < 20 or len(self.to_give_up) < 20:
            return p
        later_answer = sum(1 for t in self.to_answer if t > age) / len(self.to_answer)
        later_give_up = sum(1 for t in self.to_give_up if t > age) / len(self.to_give_up)
        yes, no = p * later_answer, (1 - p) * later_give_up
        return yes / (yes + no) if yes + no > 0 else 0.0

    answered_total: int = 0

    def answered(self, abandoned: bool) -> None:
        self.answered_total += 1
        self._push(self.abandons, 1.0 if abandoned else 0.0)

    def handled(self, seconds: float) -> None:
        self._push(self.handle, seconds)

    @staticmethod
    def _mean(q: deque, default: float) -> float:
        return sum(q) / len(q) if q else default

    def answer_rate(self) -> float:
        # Until enough attempts are seen, assume a cautious rate: overdialing early abandons.
        return max(0.02, self._mean(self.answers, 1.0) if len(self.answers) >= 20 else 1.0)

    def time_to_answer(self) -> float:
        return self._mean(self.to_answer, 10.0)

    def handle_time(self) -> float:
        return self._mean(self.handle, 180.0)

    def abandon_rate(self) -> float:
        return self._mean(self.abandons, 0.0)


@dataclass
class Pacer:
    mode: str
    abandon_target: float = 0.03
    measured: Measured = field(default_factory=Measured)
    aggression: float = 1.0
    min_aggression: float = 0.3
    max_aggression: float = 3.0
    _steered_at: float = 0.0
    _seen: int = 0

    def _steer(self, now: float) -> None:
        """Once per few seconds and only on new answers: lower the aggression when the abandon
        rate is over its target, raise it slowly when well under."""
        n = self.measured.answered_total
        if now - self._steered_at < 5.0 or n == self._seen:
            return
        self._steered_at, self._seen = now, n
        rate = self.measured.abandon_rate()
        aim = self.abandon_target * 0.8  # a margin: the rate swings around what is aimed at
        if rate > aim:
            self.aggression = max(self.min_aggression, self.aggression * 0.93)
        elif rate < aim * 0.8:
            self.aggression = min(self.max_aggression, self.aggression * 1.02)

    def calls_to_start(
        self,
        now: float,
        *,
        idle_agents: int,
        busy_agents: int,
        ringing: int | list[float],
        waiting_answered: int = 0,
        room: int,
    ) -> int:
        """Calls to originate now. IDLE_AGENTS: available and not on a call; BUSY_AGENTS: on a
        call or in wrap-up; RINGING: calls started and not yet answered; WAITING_ANSWERED:
        answered calls not yet with an agent; ROOM: what the campaign's, the tenant's and the
        trunk's limits still allow (never exceeded). RINGING may be the ages (s) of those
        calls instead of their number: predictive then weighs each by its chance to answer."""
        ages = ringing if isinstance(ringing, list) else None
        ringing = len(ringing) if isinstance(ringing, list) else ringing
        if self.mode == "preview" or room <= 0:
            return 0
        free = idle_agents - waiting_answered
        if self.mode == "progressive":
            return max(0, min(room, free - ringing))
        self._steer(now)
        m = self.measured
        p = m.answer_rate()
        # Agents expected free by the time a call started now is answered.
        soon = free + busy_agents * min(1.0, m.time_to_answer() / m.handle_time())
        expected_answers = sum(m.answer_chance(a) for a in ages) if ages is not None else ringing * p
        want = (soon * self.aggression - expected_answers) / p
        if free > 0 and ringing == 0:
            want = max(want, free)  # never leave an idle agent with nothing on its way
        return max(0, min(room, math.floor(want)))
