"""The event daemon: FreeSWITCH events in, rows out. assemble (events -> call rows), store
(batched writes), cdr (reconciliation from FreeSWITCH's own CDR), run (the daemon's loop, which
also drives the watchdog, the dialer, callbacks and webhooks from their own folders), manage (its
HTTP management service: Prometheus metrics, recording files to signed fleet peers).
"""
