"""CTI: customer records for screen pop and routing (customers), the signed webhooks and
event log each tenant's CRM reads (webhooks), and the screen pop the agent page shows at
offer time (pop: customer, wait, earlier calls of the number).
"""
