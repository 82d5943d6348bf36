"""A stand-in for ccctl.monitor with its call shapes, recording what the wallboard asks."""

CALLS: list[tuple] = []


def listen(ctx, tenant, supervisor_ext, agent_ext):
    CALLS.append(("listen", tenant, supervisor_ext, agent_ext))


def whisper(ctx, tenant, supervisor_ext, agent_ext):
    CALLS.append(("whisper", tenant, supervisor_ext, agent_ext))


def barge(ctx, tenant, supervisor_ext, agent_ext):
    CALLS.append(("barge", tenant, supervisor_ext, agent_ext))


def hangup(ctx, tenant, call):
    CALLS.append(("hangup", tenant, call))
