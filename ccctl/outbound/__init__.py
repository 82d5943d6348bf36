"""Outbound dialing: campaigns and their contacts, the do-not-call list, calling windows and
retries, pacing (preview, progressive, predictive) and the dialer the daemon runs.

The rules (schedule.py, pacing.py) are pure and take the time as an argument: unit tests and
bench/dialer drive them on a fake clock; engine.py applies them to live FreeSWITCH.
"""
