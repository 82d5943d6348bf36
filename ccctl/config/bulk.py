"""Building many objects at once: a 10,000-seat site file read, validated, or read back from
the database.

Python's cycle collector runs every few hundred new containers and, as the heap grows, walks
more and more of it, while nothing such a build makes is garbage yet: it doubles the time of
reading a big site file. gc_paused() holds the collector for the build, then lets it run again
(it was not running: left alone).
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def gc_paused() -> Iterator[None]:
    """Hold the cycle collector for a block (or, as @gc_paused(), a function)."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
