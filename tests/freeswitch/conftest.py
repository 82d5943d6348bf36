"""The real-FreeSWITCH tier: found through CC_FREESWITCH_PREFIX (then /opt/freeswitch, then
the Debian layout), run only inside a loopback-only network namespace."""

from __future__ import annotations

import pytest

from ccctl.testing.fsproc import find_prefix, only_loopback


def pytest_collection_modifyitems(config, items):
    reason = None
    if find_prefix() is None:
        reason = (
            "no FreeSWITCH found (set CC_FREESWITCH_PREFIX, or install to /opt/freeswitch "
            "or the Debian layout): real-call tier skipped"
        )
    elif not only_loopback():
        reason = "not inside a loopback-only network namespace: run this tier through scripts/in-netns (make test does)"
    if reason:
        print(f"\nSKIP freeswitch tier: {reason}")
        for item in items:
            if "tests/freeswitch" in str(item.fspath):
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def fs_install():
    found = find_prefix()
    assert found is not None
    return found
