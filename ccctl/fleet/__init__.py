"""A fleet: FreeSWITCH nodes behind a Kamailio edge, all on one PostgreSQL.

nodes.py      the node rows: add, list, show, drain, remove, state and heartbeats
placement.py  each tenant's home node: kept, chosen for a new tenant, checked when it moves
scope.py      what one node renders and serves (its own tenants) and where its deploys are recorded
notify.py     a committed generation reaching every node at once (PostgreSQL LISTEN/NOTIFY)
view.py       the fleet at a glance (`ccctl status --fleet`): nodes' health, generation, tenants, calls
join.py       a single box joining a fleet: checks, one transaction, its settings switched
carry.py      the box's rows carried into the fleet's database (one rule per table, new ids)
edge.py       the Kamailio edge: its configuration (templates/kamailio.cfg.j2) and the tables
              and views it reads (locations, subscribers' HA1 hashes, dispatcher sets, routes)

A single box has no node rows and none of this changes what it does.
"""
