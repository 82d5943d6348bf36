"""Contact lists from CSV or XLSX: each row read on its own, bad rows reported by their line
number and the rest kept. Columns: number (or phone), name, timezone; every other column is
kept in the contact's fields (shown to the agent with the call)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

from ccctl.errors import InvalidInput
from ccctl.outbound.numbers import check_timezone, normalise, timezone_of

NUMBER_COLUMNS = ("number", "phone", "phone_number", "tel", "telephone", "mobile")


@dataclass
class Row:
    line: int
    number: str
    name: str | None
    timezone: str
    fields: dict


@dataclass
class Parsed:
    rows: list[Row] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)
    """(line, reason)"""


def _records(path: Path, data: bytes | None = None) -> Iterator[tuple[int, dict]]:
    """(line, {column: text}) of every data row; the header is line 1."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        try:
            wb = load_workbook(io.BytesIO(data) if data is not None else path, read_only=True, data_only=True)
        except Exception as exc:
            raise InvalidInput(f"{path}: not a readable XLSX file ({exc})") from None
        rows = wb.active.iter_rows(values_only=True)
        header = [str(c or "").strip().lower() for c in next(rows, ())]
        for i, values in enumerate(rows, start=2):
            if values and any(v not in (None, "") for v in values):
                yield (
                    i,
                    {
                        h: "" if v is None else (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v))
                        for h, v in zip(header, values)
                        if h
                    },
                )
        return
    try:
        text = data.decode("utf-8-sig") if data is not None else path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(f"{path}: not UTF-8 text (a CSV file; XLSX files end in .xlsx)") from None
    try:
        delimiter = csv.Sniffer().sniff(text[:4096], delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = ","
    # Standard quoting (RFC 4180, as spreadsheets write it), whatever the sniffer guesses of it:
    # strict, so that text after a closing quote is an error, not glued on.
    reader = csv.DictReader(io.StringIO(text), dialect=csv.excel, delimiter=delimiter, strict=True)
    start = 1
    try:
        if reader.fieldnames is None:
            return
        start = reader.line_num + 1
        reader.fieldnames = [f.strip().lower() for f in reader.fieldnames]
        for rec in reader:
            # No contact field holds a line break: one that does is a quote opened and never
            # closed, which would glue the following rows into it. The file is refused whole.
            if any("\n" in v or "\r" in v for k, v in rec.items() if k is not None and isinstance(v, str)):
                raise csv.Error("a quote opened here is not closed on its line")
            if any((v or "").strip() for k, v in rec.items() if k is not None):
                yield reader.line_num, {k: (v or "").strip() for k, v in rec.items() if k is not None}
            start = reader.line_num + 1
    except csv.Error as exc:
        raise InvalidInput(f"{path}: line {start}: badly quoted ({exc}); nothing imported") from None


def parse(path: Path, country: str, default_tz: str, data: bytes | None = None) -> Parsed:
    out = Parsed()
    seen: set[str] = set()
    records = _records(path, data)
    for line, rec in records:
        col = next((c for c in NUMBER_COLUMNS if c in rec), None)
        if col is None:
            raise InvalidInput(f"{path}: no number column (one of {', '.join(NUMBER_COLUMNS)})")
        try:
            number = normalise(rec[col], country)
            tz = check_timezone(rec["timezone"]) if rec.get("timezone") else timezone_of(number, default_tz)
        except InvalidInput as exc:
            out.errors.append((line, exc.message))
            continue
        if number in seen:
            out.errors.append((line, f"{number}: duplicate of an earlier row"))
            continue
        seen.add(number)
        extra = {k: v for k, v in rec.items() if k not in (col, "name", "timezone") and v}
        out.rows.append(Row(line, number, rec.get("name") or None, tz, extra))
    return out


def from_numbers(numbers: Iterable[tuple[str, str | None]], country: str, default_tz: str) -> Parsed:
    """Contacts from (number, name) pairs (return visits): the same rules as a file."""
    out = Parsed()
    seen: set[str] = set()
    for i, (raw, name) in enumerate(numbers, start=1):
        try:
            number = normalise(raw, country)
        except InvalidInput as exc:
            out.errors.append((i, exc.message))
            continue
        if number not in seen:
            seen.add(number)
            out.rows.append(Row(i, number, name, timezone_of(number, default_tz), {}))
    return out
