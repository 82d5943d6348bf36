"""Call recordings: the folders FreeSWITCH writes into (folders), the index of files per
tenant and legal holds (index), the spans masked for sensitive data (masks), deletion past
retention (purge), export (export), and files fetched from the fleet node that holds them (fetch).
"""
