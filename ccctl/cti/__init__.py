"""CTI: customer records for screen pop and routing (customers), and the signed webhooks and
event log each tenant's CRM reads (webhooks).
"""
