"""Putting a rendered tree in front of a running FreeSWITCH: atomic swap, targeted reload,
rollback when FreeSWITCH refuses.

Installing the hook imports nothing heavy: rendering is loaded by the first write, so that
commands that only read start fast.
"""

from __future__ import annotations

__all__ = ["install_hook", "push_tree"]


def install_hook(ctx):
    """Make every write through CTX end by pushing the tree to FreeSWITCH, and every dry run
    check what that push would refuse."""
    def hook(ctx, session, changes) -> None:
        from .push import push_tree

        ran = push_tree(ctx, session)
        if ran:
            ctx.say(f"FreeSWITCH reloaded: {len(ran)} command(s)")

    def check(ctx, session) -> None:
        from ..site import store
        from .push import check_files

        check_files(store.load_tenants(session), ctx.settings.fs_sounds_dir)

    hook.pushes_tree = True
    if not any(getattr(h, "pushes_tree", False) for h in ctx.before_commit):
        ctx.before_commit.append(hook)
        ctx.dry_run_checks.append(check)
    return ctx


def __getattr__(name: str):
    if name == "push_tree":
        from .push import push_tree

        return push_tree
    raise AttributeError(name)
