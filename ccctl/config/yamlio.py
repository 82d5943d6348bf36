"""YAML in and out, keeping line numbers so an error can name the line it came from."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any, Iterable

import yaml

from ccctl.config.bulk import gc_paused
from ccctl.errors import InvalidInput

MAX_BYTES = 8 * 1024 * 1024
"""A site file larger than this is refused before parsing: no provider has one that big."""


class YamlInt(int):
    """An int that remembers how it was written, so extension 0101 is not read as 65."""

    yaml_text: str


class LineDict(dict):
    lines: dict[Any, int]


class LineList(list):
    lines: list[int]


class _NoAliases:
    def compose_node(self, parent, index):
        # Anchors and aliases let a tiny file expand into billions of nodes; a site needs neither.
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(None, None, "aliases are not allowed", event.start_mark)
        return super().compose_node(parent, index)


class _Loader(_NoAliases, yaml.SafeLoader):
    """The reference reader, all Python: its refusals are the messages a user sees."""


try:
    from yaml.cyaml import CParser as _CParser
except ImportError:  # PyYAML built without libyaml
    _CParser = None
if _CParser is not None:

    class _FastLoader(
        _NoAliases, yaml.composer.Composer, _CParser, yaml.constructor.SafeConstructor, yaml.resolver.Resolver
    ):
        """libyaml's scanner and parser (the same YAML 1.1 grammar, PyYAML's own C port) under
        the composer and constructors of _Loader: a 10,000-seat site file reads in a fifth of
        the time. Used for input _Loader reads the same; on any refusal, _Loader reads it again
        so the message is its own."""

        def __init__(self, stream):
            _CParser.__init__(self, stream)
            yaml.composer.Composer.__init__(self)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)

    class _FastestLoader(_FastLoader):
        """Text without '*' holds no alias: libyaml composes it too."""

        get_single_node = _CParser.get_single_node


def _construct_int(loader, node):
    value = YamlInt(yaml.SafeLoader.construct_yaml_int(loader, node))
    value.yaml_text = node.value
    return value


def _construct_mapping(loader, node):
    loader.flatten_mapping(node)
    result = LineDict()
    result.lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(None, None, "unhashable key", key_node.start_mark) from None
        if key in result:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        result[key] = loader.construct_object(value_node, deep=True)
        result.lines[key] = key_node.start_mark.line + 1
    return result


def _construct_sequence(loader, node):
    result = LineList(loader.construct_object(child, deep=True) for child in node.value)
    result.lines = [child.start_mark.line + 1 for child in node.value]
    return result


for _cls in (_Loader, _FastLoader) if _CParser is not None else (_Loader,):
    _cls.add_constructor("tag:yaml.org,2002:int", _construct_int)
    _cls.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
    _cls.add_constructor("tag:yaml.org,2002:seq", _construct_sequence)


def read_source(path: str) -> tuple[str, str]:
    """Return (name, text) for a file path or '-' (stdin), refusing oversized input."""
    if path == "-":
        import sys

        data = sys.stdin.buffer.read(MAX_BYTES + 1)
        name = "<stdin>"
    else:
        p = Path(path)
        if not p.exists():
            raise InvalidInput(f"{path}: no such file")
        if not p.is_file():
            raise InvalidInput(f"{path}: not a regular file")
        if p.stat().st_size > MAX_BYTES:
            raise InvalidInput(f"{path}: file is larger than the limit of {MAX_BYTES // (1024 * 1024)} MiB")
        with open(p, "rb") as f:
            data = f.read(MAX_BYTES + 1)
        name = path
    if len(data) > MAX_BYTES:
        raise InvalidInput(f"{name}: input is larger than the limit of {MAX_BYTES // (1024 * 1024)} MiB")
    try:
        return name, data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{name}: not UTF-8 text (byte {exc.start})") from None


@gc_paused()
def parse(text: str, name: str) -> Any:
    if _CParser is not None:
        try:
            return yaml.load(text, Loader=_FastLoader if "*" in text else _FastestLoader)
        except Exception:  # noqa: BLE001 - refused (or not read alike): the reference reader decides
            pass
    try:
        return yaml.load(io.StringIO(text), Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{name}:{mark.line + 1}" if mark else name
        problem = exc.problem or exc.context or "malformed YAML"
        raise InvalidInput(f"{where}: {problem}") from None
    except yaml.YAMLError as exc:
        raise InvalidInput(f"{name}: {exc}") from None


def line_of(data: Any, loc: Iterable[Any]) -> int | None:
    """The deepest line number known along a pydantic error location."""
    line = None
    node = data
    for part in loc:
        if isinstance(node, LineDict) and part in node:
            line = node.lines.get(part, line)
            node = node[part]
        elif isinstance(node, LineList) and isinstance(part, int) and part < len(node):
            line = node.lines[part]
            node = node[part]
        else:
            break
    return line


class _Dumper(yaml.SafeDumper):
    pass


def _str_representer(dumper, value: str):
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str_representer)


def dump(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, default_flow_style=False, width=100)
