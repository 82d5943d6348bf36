"""A small builder over lxml: every file is an element tree, serialized one way."""

from __future__ import annotations

from lxml import etree

_KEYS: dict[str, str] = {}


def _key(k: str) -> str:
    """Python-friendly keyword to XML attribute: break_ -> break, max__no__answer -> max-no-answer."""
    try:
        return _KEYS[k]
    except KeyError:
        _KEYS[k] = k.rstrip("_").replace("__", "-")
        return _KEYS[k]


def _attrib(a: dict, source: dict) -> None:
    for k, v in source.items():
        if v is not None:
            a[_key(k)] = v if v.__class__ is str else _str(v)


def el(tag: str, attrs: dict | None = None, *children, **kw) -> etree._Element:
    # Hot path: 50,000 seats make a few million elements, so attributes go in as one dict.
    a: dict[str, str] = {}
    if attrs:
        _attrib(a, attrs)
    if kw:
        _attrib(a, kw)
    node = etree.Element(tag, a)
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


def preprocess(cmd: str, data: str) -> etree._Element:
    return el("X-PRE-PROCESS", cmd=cmd, data=data)


def include(*children) -> etree._Element:
    """FreeSWITCH strips an <include> root when it includes a file."""
    return el("include", None, *children)


def to_bytes(root: etree._Element) -> bytes:
    return etree.tostring(root, pretty_print=True, xml_declaration=True, encoding="UTF-8")


def configuration(name: str, description: str, *children) -> etree._Element:
    return el("configuration", {"name": name, "description": description}, *children)
