"""Call recordings: the folders FreeSWITCH writes into (folders), the index of files per
tenant and legal holds (index), deletion past retention (purge), and export (export).
"""
