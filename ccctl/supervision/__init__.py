"""What agents and supervisors do live: agent state (agents), masking a call's recording
(masking), listen/whisper/barge and transfers, the agent's own among them (monitor),
the audit log of those actions (audit), the wallboard's figures (wallboard), and the
stuck-agent watchdog the daemon runs (watchdog).
"""
