"""What the tests and bench/ drive the product with: a private FreeSWITCH box (box, fsproc),
SIP peers built on sipp (sip, with its scenarios in sipp/), a protocol-level fake Event Socket
(fake_esl), a private PostgreSQL cluster (postgres), the concurrent-writer process (writers),
call-row builders (rows) and the qemu VM driver (vm).

Kept out of the wheel the image installs (pyproject.toml excludes ccctl.testing): a box has no
use for it.
"""
