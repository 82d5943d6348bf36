"""How FreeSWITCH's process runs on a box: the environment its systemd unit gives it
(ansible/roles/freeswitch/templates/freeswitch.service.j2) and the Debian packages that
environment needs (the image bootstraps them, the role installs them on a fleet machine). The
tests and benchmarks start their engine with the same (ccctl/testing/fsproc.py), so what they
measure is what a box runs."""

from __future__ import annotations

ALLOCATOR = "libjemalloc.so.2"
"""The malloc FreeSWITCH runs on, preloaded by name (the loader finds it on any architecture)."""

PACKAGES = ("libjemalloc2",)
"""What ENVIRONMENT needs on the machine (a preload that cannot be found is skipped by the
loader with one line on stderr, and the engine runs on glibc's malloc)."""

ENVIRONMENT = {
    # jemalloc hands freed pages back to the kernel by itself (after about 10 s unused);
    # glibc's malloc keeps what it freed mapped, spread over its arenas, and FreeSWITCH never
    # calls malloc_trim. bench/soak.py, 128 recorded queue calls on 2 cores, same machine:
    # - glibc, default arenas (20 min): RSS 412 MB at minute 10, +41.6 MB/h after it;
    # - glibc, 2 arenas (20 and 25 min): 339-343 MB at minute 10, +7 to +14 MB/h after it,
    #   322 MB idle once the calls ended (61 MB only after a malloc_trim); CPU median 85-88%;
    # - jemalloc 5.3 (20, 40 and 60 min): peaks at 310-323 MB by minute 5, then 299-304 at
    #   minute 10 and 292-299 from minute 10 to 60 (-0.2 MB/h over the hour's minutes 10-60),
    #   93-98 MB idle once the calls ended; CPU the same as glibc's within the runs' spread.
    # Every run: 0 calls failed, 0 recordings lost or truncated, INVITE -> 200 p95 12 ms.
    "LD_PRELOAD": ALLOCATOR,
    # glibc's arenas capped at 2 (default: 8 per core), in force only where jemalloc is missing.
    "MALLOC_ARENA_MAX": "2",
}
"""Variables the engine's process starts with, each as systemd's `Environment=NAME=VALUE`."""
