"""The appliance itself: its first boot (firstboot), the wizard's host setup: host name,
admin key, time zone (setup), and backup and restore of everything (backup).
"""
