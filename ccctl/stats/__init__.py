"""Figures from call rows: reading rows (calls), historical statistics (history), the
15-minute rollup (rollup), live queue figures from FreeSWITCH (live), staffing by Erlang C
(erlang), and monthly usage for billing (usage).
"""
