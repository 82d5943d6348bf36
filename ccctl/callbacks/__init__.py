"""Queue callbacks: requests made from call rows and their commands (requests), and the
daemon's side that places them (worker).
"""
