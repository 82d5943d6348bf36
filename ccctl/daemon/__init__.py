"""The event daemon: FreeSWITCH events -> call rows, agent states, statistics, CTI events.

assemble (events -> rows), store (batched writes), cdr (reconciliation from FreeSWITCH's own
CDR), stats (historical figures), realtime (live figures), erlang (staffing), webhooks (CTI
events out), calls (reading rows), run (the daemon's loop).
"""
