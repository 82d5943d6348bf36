"""The database's FreeSWITCH configuration: gather what rendering needs and render it."""

from __future__ import annotations

from ccctl.app import Services
from ccctl.config import store
from ccctl.db import box_secret, session_scope
from ccctl.render import RenderInput, render_tree

ESL_PASSWORD = "esl_password"


def render_input_from(session, settings) -> RenderInput:
    """What to render, read through SESSION (so a transaction not yet committed is seen)."""
    from ccctl.fleet.scope import scope
    from ccctl.hardware.store import load_hardware

    # A fleet node renders only its own tenants (ccctl/fleet/scope.py); a single box all.
    where = scope(session, settings)
    tenants = store.load_tenants(session, where.tenants, with_secrets=True)
    return RenderInput(
        tenants=tenants,
        settings=settings,
        esl_password=_esl_password(session, where.node),
        hardware=load_hardware(session),
        edge=where.edge if where.node else None,
    )


def render_input(services: Services) -> RenderInput:
    with session_scope(services.engine) as session:
        return render_input_from(session, services.settings)


def render_files(services: Services) -> dict[str, bytes]:
    return render_tree(render_input(services))


def _esl_password(session, node: str | None) -> str:
    """The Event Socket's password: the box's, or in a fleet the one all nodes share unless a
    node keeps its own (a box that joined the fleet keeps the one its FreeSWITCH runs with)."""
    if node is not None:
        from ccctl.model import Setting

        own = session.get(Setting, f"{ESL_PASSWORD}@{node}")
        if own is not None:
            return own.value
    return box_secret(session, ESL_PASSWORD)


def esl_password(services: Services) -> str:
    from ccctl.fleet.scope import scope

    with session_scope(services.engine) as session:
        return _esl_password(session, scope(session, services.settings).node)
