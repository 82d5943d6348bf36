"""Putting committed configuration in front of a running FreeSWITCH: render, atomic swap,
targeted reload, rollback when FreeSWITCH refuses (push.py); one deployer at a time and the
generation it brought FreeSWITCH to (run.py, generation.py).

Importing this package imports nothing heavy: rendering is loaded by the first deploy.
"""

from __future__ import annotations

__all__ = ["push_tree", "deploy_latest"]


def __getattr__(name: str):
    if name == "push_tree":
        from ccctl.deploy.push import push_tree

        return push_tree
    if name == "deploy_latest":
        from ccctl.deploy.run import deploy_latest

        return deploy_latest
    raise AttributeError(name)
