"""Figures from call rows: reading rows (calls), historical statistics (history), the agents' day
(agent_report: login, breaks per reason, wrap-up codes, masked calls), the
15-minute rollup (rollup), live queue figures from FreeSWITCH (live), staffing by Erlang C
(erlang), monthly usage for billing (usage), and the Prometheus figures a daemon serves (metrics).
"""
