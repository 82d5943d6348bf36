"""A small builder over lxml: every file is an element tree, serialized one way."""

from __future__ import annotations

from lxml import etree


def el(tag: str, attrs: dict | None = None, *children, **kw) -> etree._Element:
    node = etree.Element(tag)
    for k, v in {**(attrs or {}), **kw}.items():
        if v is None:
            continue
        node.set(k.rstrip("_").replace("__", "-"), v if isinstance(v, str) else _str(v))
    for c in children:
        if c is None:
            continue
        if isinstance(c, (list, tuple)):
            node.extend(x for x in c if x is not None)
        else:
            node.append(c)
    return node


def _str(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def param(name: str, value) -> etree._Element:
    return el("param", name=name, value=value)


def params(tag: str, pairs: dict) -> etree._Element:
    return el(tag, None, [param(k, v) for k, v in pairs.items() if v is not None])


def variable(name: str, value) -> etree._Element:
    return el("variable", name=name, value=value)


def preprocess(cmd: str, data: str) -> etree._Element:
    return el("X-PRE-PROCESS", cmd=cmd, data=data)


def include(*children) -> etree._Element:
    """FreeSWITCH strips an <include> root when it includes a file."""
    return el("include", None, *children)


def to_bytes(root: etree._Element) -> bytes:
    return etree.tostring(root, pretty_print=True, xml_declaration=True, encoding="UTF-8")


def configuration(name: str, description: str, *children) -> etree._Element:
    return el("configuration", {"name": name, "description": description}, *children)
