"""How FreeSWITCH's process runs on a box: the environment its systemd unit gives it
(ansible/roles/freeswitch/templates/freeswitch.service.j2). The tests and benchmarks start their
engine with the same (ccctl/testing/fsproc.py), so what they measure is what a box runs."""

from __future__ import annotations

ENVIRONMENT = {
    # glibc lets a process's threads spread over up to 8 malloc arenas per core. FreeSWITCH runs
    # about 400 threads at 128 calls; each arena fills with the chunks of calls come and gone,
    # and what is freed inside an arena stays mapped (glibc hands back only an arena's top).
    # bench/soak.py, 128 recorded queue calls, 20 minutes each, same machine: RSS 412 MB at
    # minute 10 growing 41.6 MB/h, and 67 MB after a malloc_trim once the calls ended (nothing
    # held). Two arenas: 343 MB at minute 10 growing 14.3 MB/h, the same CPU (median 88% vs
    # 86%), no call or recording lost. Measured on 2 cores only.
    "MALLOC_ARENA_MAX": "2",
}
"""Variables the engine's process starts with, each as systemd's `Environment=NAME=VALUE`."""
