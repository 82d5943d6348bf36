"""Read a site description (file, directory or stdin) into a validated `Site`."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from ccctl.config import yamlio
from ccctl.config.bulk import gc_paused
from ccctl.config.site import Site
from ccctl.errors import InvalidInput


def _format_loc(loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _wording(err: dict) -> str:
    """Our words for pydantic's phrases (\"Value should have at most 200 items after validation\")."""
    kind, ctx, value = err["type"], err.get("ctx") or {}, err.get("input")
    unit = "characters" if isinstance(value, str) else "items"
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "missing":
        return "required"
    if kind == "literal_error" and ctx.get("expected"):
        return f"one of {ctx['expected']}"
    if kind in ("too_long", "string_too_long"):
        return f"at most {ctx.get('max_length')} {unit}, not {len(value) if hasattr(value, '__len__') else value}"
    if kind in ("too_short", "string_too_short"):
        return f"at least {ctx.get('min_length')} {unit}"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return "a whole number"
    if kind in ("float_parsing", "float_type", "finite_number"):
        return "a finite number"
    if kind in ("bool_parsing", "bool_type"):
        return "true or false"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        words = {
            "greater_than_equal": ("ge", "at least"),
            "greater_than": ("gt", "above"),
            "less_than_equal": ("le", "at most"),
            "less_than": ("lt", "below"),
        }[kind]
        return f"{words[1]} {ctx.get(words[0])}"
    return err["msg"].removeprefix("Value error, ").removeprefix("Input should be ")


def validation_message(exc: ValidationError, name: str, data=None) -> str:
    """Every problem, one line each: file:line: path: problem."""
    lines = []
    for err in exc.errors():
        loc = [p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-"))]
        line = yamlio.line_of(data, loc) if data is not None else None
        where = f"{name}:{line}" if line else name
        msg = _wording(err)
        path = _format_loc(loc)
        text = f"{where}: {path}: {msg}" if path else f"{where}: {msg}"
        if text not in lines:
            lines.append(text)
    return "\n".join(lines)


@gc_paused()
def site_from_data(data, name: str) -> Site:
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise InvalidInput(f"{name}: a site file is a mapping with a 'tenants' list")
    try:
        return Site.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(validation_message(exc, name, data)) from None


def load_site(source: str) -> Site:
    """Load FILE, every *.yaml/*.yml in DIR (sorted), or '-' for stdin."""
    path = Path(source)
    if source != "-" and path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
        if not files:
            raise InvalidInput(f"{source}: no .yaml files in directory")
        tenants, seen, hardware, hardware_file = [], {}, None, None
        for f in files:
            site = load_site(str(f))
            for t in site.tenants:
                if t.name in seen:
                    raise InvalidInput(f"{f}: tenant {t.name!r} is also defined in {seen[t.name]}")
                seen[t.name] = f
                tenants.append(t)
            if site.hardware is not None:
                if hardware is not None:
                    raise InvalidInput(f"{f}: hardware is also defined in {hardware_file}")
                hardware, hardware_file = site.hardware, f
        return Site(tenants=tenants, hardware=hardware)
    name, text = yamlio.read_source(source)
    site = site_from_data(yamlio.parse(text, name), name)
    # Contact lists sit next to the site file, wherever apply is run from.
    base = path.parent if source != "-" else Path.cwd()
    for t in site.tenants:
        for c in t.campaigns:
            if c.contacts is not None and not Path(c.contacts).is_absolute():
                c.contacts = str(base / c.contacts)
    return site
