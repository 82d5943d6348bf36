"""The fleet tier: every role a real process in a network namespace the test makes (PostgreSQL,
Kamailio, two FreeSWITCH nodes with their daemons, seats, carriers). Run through scripts/in-netns;
skipped, with the reason printed, where a part is missing."""

from __future__ import annotations

import pytest

from ccctl.testing.fsproc import only_loopback


def pytest_collection_modifyitems(config, items):
    from ccctl.testing.fleet import missing

    reason = missing()
    if reason is None and not only_loopback():
        reason = "not inside a loopback-only network namespace: run this tier through scripts/in-netns"
    if reason:
        print(f"\nSKIP fleet tier: {reason}")
        for item in items:
            if "tests/fleet" in str(item.fspath):
                item.add_marker(pytest.mark.skip(reason=reason))
