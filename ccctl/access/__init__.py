"""Who may do what: accounts and roles for the web service, the REST API and scripts.

roles       the four roles and THE permission rule (tenant, operation, own seat, queues)
passwords   argon2id hashing of web passwords; random secrets
accounts    `ccctl user add|list|remove|reset-password`: people who sign in
tokens      `ccctl token create|list|revoke`: API tokens for scripts, kept only as hashes
signin      sign-in with the throttle (per account and per source, logged for fail2ban),
            and web sessions that expire
"""
