"""Putting a rendered tree in front of a running FreeSWITCH: atomic swap, targeted reload,
rollback when FreeSWITCH refuses."""

from .push import install_hook, push_tree

__all__ = ["install_hook", "push_tree"]
