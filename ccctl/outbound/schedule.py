"""When a contact may be dialed: the campaign's calling window in the contact's own time zone,
and the retry rule after each attempt (per disposition, with doubling back-off and a maximum)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from ccctl.errors import InvalidInput

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
RETRYABLE = ("busy", "no_answer", "machine", "failed", "abandoned")
DEFAULT_RETRIES = {
    "busy": [3, 300],
    "no_answer": [3, 1800],
    "machine": [1, 3600],
    "failed": [2, 600],
    "abandoned": [1, 600],
}
"""disposition -> [max retries, first back-off (s)]. An abandoned callee (answered with no
agent) is called back once: they picked up and got only an apology."""
FINAL = ("outbound", "answered")
"""Dispositions that end a contact: connected to a person (or the IVR target)."""


def parse_days(text: str) -> frozenset[int]:
    """'mon-fri', 'mon,wed,sat', 'all' -> weekday numbers (Monday 0)."""
    text = text.strip().lower()
    if text in ("all", "*", "daily"):
        return frozenset(range(7))
    out: set[int] = set()
    for part in text.split(","):
        a, _, b = part.strip().partition("-")
        try:
            i = DAY_NAMES.index(a.strip()[:3])
            j = DAY_NAMES.index(b.strip()[:3]) if b else i
        except ValueError:
            raise InvalidInput(f"days {text!r}: expected names like mon-fri or mon,wed,sat") from None
        out.update(range(i, j + 1) if i <= j else [*range(i, 7), *range(0, j + 1)])
    return frozenset(out)


def parse_hhmm(text: str) -> time:
    try:
        h, m = text.strip().split(":")
        return time(int(h), int(m))
    except ValueError:
        raise InvalidInput(f"time {text!r}: expected HH:MM") from None


@dataclass(frozen=True)
class Window:
    start: time
    end: time
    days: frozenset[int]

    @classmethod
    def of(cls, start: str, end: str, days: str) -> "Window":
        w = cls(parse_hhmm(start), parse_hhmm(end), parse_days(days))
        if w.start >= w.end:
            raise InvalidInput(f"calling window {start}-{end}: the end must be after the start")
        return w

    def open_at(self, now: float, tz: str) -> bool:
        local = datetime.fromtimestamp(now, ZoneInfo(tz))
        return local.weekday() in self.days and self.start <= local.time().replace(tzinfo=None) < self.end

    def next_open(self, now: float, tz: str) -> float:
        """NOW when the window is open, else when it next opens (Unix seconds)."""
        if self.open_at(now, tz):
            return now
        zone = ZoneInfo(tz)
        local = datetime.fromtimestamp(now, zone)
        for d in range(8):
            day = (local + timedelta(days=d)).date()
            start = datetime.combine(day, self.start, zone)
            if day.weekday() in self.days and start.timestamp() > now:
                return start.timestamp()
        return now + 7 * 86400  # no open day at all: days was validated non-empty


@dataclass(frozen=True)
class Next:
    state: str
    """'pending' (dial again at next_at) or 'done'/'failed'."""
    next_at: float


def after_attempt(attempts: int, disposition: str, retries: dict, max_attempts: int, now: float) -> Next:
    """What becomes of a contact after its ATTEMPTS-th attempt ended with DISPOSITION."""
    if disposition in FINAL:
        return Next("done", now)
    rule = (retries or DEFAULT_RETRIES).get(disposition) or DEFAULT_RETRIES.get(disposition)
    if rule is None or attempts >= max_attempts:
        return Next("failed", now)
    # Retries of this disposition so far are at most all attempts but the first.
    limit, backoff = int(rule[0]), float(rule[1])
    if attempts - 1 >= limit:
        return Next("failed", now)
    return Next("pending", now + backoff * 2 ** (attempts - 1))


def validate_retries(raw: dict) -> dict:
    out = {}
    for disp, rule in raw.items():
        if disp not in RETRYABLE:
            raise InvalidInput(f"retries: {disp!r} is not a retryable disposition ({', '.join(RETRYABLE)})")
        try:
            limit, backoff = int(rule[0]), int(rule[1])
        except (TypeError, ValueError, IndexError):
            raise InvalidInput(f"retries.{disp}: expected [max retries, back-off seconds]") from None
        if limit < 0 or backoff < 0:
            raise InvalidInput(f"retries.{disp}: negative values")
        out[disp] = [limit, backoff]
    return out


def parse_retries(text: str) -> dict:
    """'busy=3/300,no_answer=2/1800' -> {'busy': [3, 300], ...} over the defaults."""
    out = {k: list(v) for k, v in DEFAULT_RETRIES.items()}
    for part in filter(None, (p.strip() for p in text.split(","))):
        disp, sep, rule = part.partition("=")
        limit, _, backoff = rule.partition("/")
        if not sep:
            raise InvalidInput(f"retries {part!r}: expected DISPOSITION=MAX/BACKOFF_SECONDS")
        out.update(validate_retries({disp.strip(): [limit, backoff or DEFAULT_RETRIES.get(disp.strip(), [0, 600])[1]]}))
    return out
