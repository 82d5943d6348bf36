"""This box's FreeSWITCH: the one Event Socket client (esl), reaching it with the box's
address and password (connect), what it is doing now (status, health), and installing the
engine on a box built without it (install/).
"""
