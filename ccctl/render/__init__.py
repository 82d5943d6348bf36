"""Render the complete FreeSWITCH configuration tree from tenants (specs with secrets)."""

from ccctl.render.tree import RenderInput, render_tree, write_tree

__all__ = ["RenderInput", "render_tree", "write_tree"]
