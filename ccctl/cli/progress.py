"""A rich progress bar on stderr for long work, only on a terminal and never with --json."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from typing import Callable, Iterator

MIN_ITEMS = 200
"""Below this many items the work is over before a bar would help."""


@contextmanager
def bar(label: str, as_json: bool = False) -> Iterator[Callable[[int, int], None] | None]:
    """Yields a callback (done, total) for the library to call, or None when no bar is shown."""
    if as_json or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as p:
        task = None

        def update(done: int, total: int) -> None:
            nonlocal task
            if total < MIN_ITEMS:
                return
            if task is None:
                task = p.add_task(label, total=total)
            p.update(task, completed=done)

        yield update
