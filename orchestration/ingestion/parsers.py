"""Strict parsers for source files: every value kept as text, every problem named by line.

A file that cannot be parsed raises ``UnparseableFile`` with the file, line and what is wrong;
the loader rejects such a file whole. Row-level problems (a bad number, a missing field) are not
parse errors: they are the data contracts' business.
"""

from __future__ import annotations

import csv
import io
import json


class UnparseableFile(Exception):
    """The file cannot be read as its source's format; the message names file, line and cause."""


def _decode(data: bytes, label: str) -> str:
    if not data:
        raise UnparseableFile(f"{label}: the file is empty (not even a header): ask the source system for a new export")
    nul = data.find(b"\x00")
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        raise UnparseableFile(f"{label}: NUL bytes at line {line} (byte {nul}): the file is corrupt, probably a failed transfer; ask for a re-export")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise UnparseableFile(f"{label}: not valid UTF-8 at line {line} (byte {error.start}): re-export the file in UTF-8") from None


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value if value != "" else None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


def parse_csv(data: bytes, label: str, columns: tuple[str, ...], separator: str) -> list[tuple]:
    """Rows of a CSV file's bytes as tuples of text (None for empty fields), in file order."""
    text = _decode(data, label)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise UnparseableFile(f"{label}: no header line") from None
    except csv.Error as error:
        raise UnparseableFile(f"{label}: line 1: {error}") from None
    header = [h.strip() for h in header]
    if header != list(columns):
        missing = [c for c in columns if c not in header]
        extra = [c for c in header if c not in columns]
        detail = "; ".join(
            filter(
                None,
                [
                    f"missing columns: {', '.join(missing)}" if missing else "",
                    f"unexpected columns: {', '.join(extra)}" if extra else "",
                    "columns in a different order" if not missing and not extra else "",
                ],
            )
        )
        raise UnparseableFile(f"{label}: header does not match the contract ({detail}); expected: {separator.join(columns)}")
    rows, width = [], len(columns)
    try:
        for fields in reader:
            if not fields:  # blank line
                continue
            if len(fields) != width:
                raise UnparseableFile(
                    f"{label}: line {reader.line_num}: {len(fields)} fields instead of {width} (separator '{separator}'): the row is cut or has an unquoted separator"
                )
            rows.append(tuple(f if f != "" else None for f in fields))
    except csv.Error as error:
        raise UnparseableFile(f"{label}: line {reader.line_num}: {error}") from None
    return rows


def parse_jsonl(data: bytes, label: str, columns: tuple[str, ...]) -> list[tuple]:
    """Records of a JSON-lines file's bytes as tuples of text; keys outside the contract go to a last `_extra` field."""
    text = _decode(data, label)
    known = set(columns)
    rows = []
    for line_number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise UnparseableFile(
                f"{label}: line {line_number}: invalid JSON ({error.msg} at column {error.colno}): the file is probably truncated; ask for a re-export"
            ) from None
        if not isinstance(record, dict):
            raise UnparseableFile(f"{label}: line {line_number}: expected a JSON object, found {type(record).__name__}")
        extra = {k: v for k, v in record.items() if k not in known}
        rows.append((*(_text(record.get(c)) for c in columns), json.dumps(extra, ensure_ascii=False) if extra else None))
    return rows
