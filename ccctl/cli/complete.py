"""Shell completion of tenant names, extensions, queue names and other keys, read from the
box's database. Completion never fails loudly: a shell prompt is no place for an error."""

from __future__ import annotations

import typer


def _context(ctx: typer.Context):
    from ccctl.cli.common import open_services

    return open_services(ctx)


def tenants(ctx: typer.Context, incomplete: str) -> list[str]:
    try:
        from ccctl.config import store
        from ccctl.db import session_scope

        with session_scope(_context(ctx).engine) as session:
            return [n for n in store.tenant_names(session) if n.startswith(incomplete)]
    except Exception:
        return []


def keys_of(noun: str):
    """Completes the KEY of NOUN (an extension, a queue name, ...) within the TENANT already typed."""

    def complete(ctx: typer.Context, incomplete: str) -> list[str]:
        tenant = ctx.params.get("tenant")
        if not tenant:
            return []
        try:
            from ccctl.config import entities

            n = entities.NOUNS[noun]
            items = getattr(entities.get_tenant(_context(ctx), tenant), n.collection)
            return [k for k in (str(getattr(i, n.key)) for i in items) if k.startswith(incomplete)]
        except Exception:
            return []

    return complete


def media(ctx: typer.Context, incomplete: str) -> list[str]:
    tenant = ctx.params.get("tenant")
    try:
        from ccctl.config import entities
        from ccctl.media import uploads

        c = _context(ctx)
        files = uploads.list_media(c.settings.fs_sounds_dir, entities.get_tenant(c, tenant))
        return [f.name for f in files if f.name.startswith(incomplete)]
    except Exception:
        return []
