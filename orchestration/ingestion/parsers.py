"""Strict parsers for source files: every value kept as text, every problem named by line.

A file that cannot be parsed raises ``UnparseableFile`` with the file, line and what is wrong;
the loader rejects such a file whole. Row-level problems (a bad number, a missing field) are not
parse errors: they are the data contracts' business. A row whose *structure* is wrong while the
file is readable (a JSON line that is not an object, a key twice in an object, a second header
line inside a concatenated CSV export) is kept with its problem in ``_parse_problem``: the
validation quarantines it with that reason, the rest of the file loads.

Line ends: LF, CRLF and CR alone (old Mac exports) are all read as line ends.

Both readers give a file the same fate: the vectorized one (pyarrow) is only trusted with files
it reads exactly as the exact parser does, and hands every other file to the exact parser (a JSON
line nested deeper than pyarrow's stack survives, two JSON values on one line, a CSV quote with
text after it), which then reads it or rejects it naming the line.
"""

from __future__ import annotations

import csv
import io
import json
import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.json as pajson

from data_contracts.row_problems import PARSE_PROBLEM
from data_contracts.text import visible

REPEATED_HEADER = "repeated header (concatenated export?)"
_LINE_END = re.compile(r"\r\n|\r|\n")
# Deeper JSON is refused: no record of any source nests (its values are flat), and pyarrow's reader
# overflows the stack on a line nested some 20 000 deep (the process dies, SIGSEGV).
MAX_JSON_DEPTH = 256
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


class UnparseableFile(Exception):
    """The file cannot be read as its source's format; the message names file, line and cause."""


def _decode(data: bytes, label: str, empty: str = "not even a header") -> str:
    if not data:
        raise UnparseableFile(f"{label}: the file is empty ({empty}): ask the source system for a new export")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text" and Windows tools
        raise UnparseableFile(f"{label}: the file is UTF-16 encoded (byte-order mark at line 1): re-export the file in UTF-8")
    if data.startswith(b"\x1f\x8b"):
        raise UnparseableFile(f"{label}: gzip-compressed (it starts with the gzip signature): deliver the file uncompressed")
    nul = data.find(b"\x00")
    if nul >= 0:
        if _looks_utf16(data):
            raise UnparseableFile(f"{label}: looks UTF-16 encoded (every other byte is NUL, no byte-order mark): re-export the file in UTF-8")
        line = _line_of(data, nul)
        raise UnparseableFile(f"{label}: NUL bytes at line {line} (byte {nul}): the file is corrupt, probably a failed transfer; ask for a re-export")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = _line_of(data, error.start)
        raise UnparseableFile(
            f"{label}: not valid UTF-8 at line {line} (byte {error.start}): re-export the file in UTF-8, or name its encoding in its mapping (format.encoding, e.g. cp1252)"
        ) from None


def _looks_utf16(data: bytes) -> bool:
    """Text of ASCII characters in UTF-16 without a byte-order mark: NUL at every other byte."""
    head = np.frombuffer(data[: 4096 & ~1], np.uint8)
    if head.size < 2:
        return False
    even, odd = head[0::2] == 0, head[1::2] == 0
    return bool(max(even.mean(), odd.mean()) >= 0.9 and min(even.mean(), odd.mean()) <= 0.1)


def _line_starts(raw: np.ndarray) -> np.ndarray:
    """Offset of each line's first byte (LF, CRLF and CR alone end lines), as _LINE_END splits."""
    lf = raw == 10
    ends = lf | ((raw == 13) & ~np.append(lf[1:], False))
    starts = np.flatnonzero(ends) + 1
    return np.concatenate(([0], starts[starts < raw.size]))


def _bracket_counts(raw: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Opening brackets per line: an upper bound of the line's JSON nesting depth."""
    opening = np.flatnonzero((raw == ord("[")) | (raw == ord("{")))
    return np.bincount(np.searchsorted(starts, opening, "right") - 1, minlength=starts.size)


def _content_lines(raw: np.ndarray, starts: np.ndarray) -> int:
    """Lines holding more than spaces and control characters (a JSON value needs one such byte;
    each line holds its line end, so none is empty for reduceat)."""
    return int(np.count_nonzero(np.logical_or.reduceat(raw > ord(" "), starts))) if raw.size else 0


def _json_depth(line: str) -> int:
    """The nesting depth of a JSON line, brackets inside texts left out (on suspect lines only)."""
    raw = np.frombuffer(_JSON_STRING.sub('""', line).encode(), np.uint8)
    steps = ((raw == ord("[")) | (raw == ord("{"))).astype(np.int64) - ((raw == ord("]")) | (raw == ord("}")))
    return int(np.cumsum(steps).max()) if steps.size else 0


def _too_deep(label: str, line_number: int) -> UnparseableFile:
    return UnparseableFile(
        f"{label}: line {line_number}: JSON nested deeper than {MAX_JSON_DEPTH} levels (arrays or objects inside each other): ask for a re-export"
    )


def _line_of(data: bytes, offset: int) -> int:
    """1-based line of byte ``offset``, whichever line ends the file uses."""
    head = data[:offset]
    return head.count(b"\n") + head.count(b"\r") - head.count(b"\r\n") + 1


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value if value != "" else None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))  # 0.0 -> "0", as Arrow writes it: one text whichever reader ran
    if isinstance(value, (int, float)):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


def _header_matches(header: list[str], columns: tuple[str, ...], optional: tuple[str, ...]) -> bool:
    """The header is the contract's columns in order, optional ones possibly left out."""
    return header == [c for c in columns if c in header] and all(c in header or c in optional for c in columns)


def _name(column: str) -> str:
    return visible(column) if column else "(an unnamed column)"


def _header_error(label: str, header: list[str], columns: tuple[str, ...], separator: str, optional: tuple[str, ...]) -> UnparseableFile:
    if len(header) > 1 and header[-1] == "" and "" not in header[:-1]:
        return UnparseableFile(
            f"{label}: line 1: trailing separator: empty unnamed column at the end of the header "
            f"(the line ends with '{separator}'); re-export without it. Expected: {separator.join(columns)}"
        )
    missing = [c for c in columns if c not in header and c not in optional]
    extra = [c for c in header if c not in columns]
    detail = "; ".join(
        filter(
            None,
            [
                f"missing columns: {', '.join(missing)}" if missing else "",
                f"unexpected columns: {', '.join(_name(c) for c in extra)}" if extra else "",
                "columns in a different order" if not missing and not extra else "",
            ],
        )
    )
    may_lack = f" (optional: {', '.join(optional)})" if optional else ""
    return UnparseableFile(f"{label}: header does not match the contract ({detail}); expected: {separator.join(columns)}{may_lack}")


def parse_csv(data: bytes, label: str, columns: tuple[str, ...], separator: str, optional: tuple[str, ...] = (), quote: str = '"') -> list[tuple]:
    """Rows of a CSV file's bytes as tuples of text (None for empty fields), in file order, one
    field per contract column (None for an ``optional`` column the file does not have)."""
    text = _decode(data, label)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator, quotechar=quote, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise UnparseableFile(f"{label}: no header line") from None
    except csv.Error as error:
        raise UnparseableFile(f"{label}: line 1: {error}{_csv_hint(error)}") from None
    header = [h.strip() for h in header]
    if not _header_matches(header, columns, optional):
        raise _header_error(label, header, columns, separator, optional)
    rows, width = [], len(header)
    # positions of the contract's columns in the file's fields (None: an optional column it lacks)
    positions = None if header == list(columns) else [header.index(c) if c in header else None for c in columns]
    record_start = reader.line_num + 1  # a quoted value can span lines: errors name where the row starts
    try:
        for fields in reader:
            if fields and len(fields) != width:
                raise UnparseableFile(
                    f"{label}: line {record_start}: {len(fields)} fields instead of {width} (separator '{separator}'): {_cut_row_hint(fields, columns)}"
                )
            if fields:  # else a blank line
                if positions is not None:
                    fields = [fields[i] if i is not None else "" for i in positions]
                rows.append(tuple(f if f != "" else None for f in fields))
            record_start = reader.line_num + 1
    except csv.Error as error:
        raise UnparseableFile(f"{label}: line {record_start}: {error}{_csv_hint(error)}") from None
    return rows


def _csv_hint(error: csv.Error) -> str:
    if "unexpected end of data" in str(error):
        return ": a quote opened in this row is never closed"
    if "expected after '\"'" in str(error):
        return ': text after the closing quote of a value (a quote inside a quoted value is written twice: "")'
    return ""


def _cut_row_hint(fields: list[str], columns: tuple[str, ...]) -> str:
    names = {f.strip().lstrip("\ufeff").strip() for f in fields}
    if names <= set(columns):  # a header line of another version: concatenated exports
        return "a second header line with other columns (exports of different versions concatenated?)"
    return "the row is cut or has an unquoted separator"


def _json_kind(value) -> str:
    if value is None:
        return "null"
    return {list: "an array", str: "a string", bool: "a boolean"}.get(type(value), "a number")


def parse_jsonl(data: bytes, label: str, columns: tuple[str, ...]) -> list[tuple]:
    """Records of a JSON-lines file's bytes as tuples of text, then `_extra` (keys outside the
    contract, as JSON) and `_parse_problem` (a line that is not an object, a key given twice)."""
    text = _decode(data, label, "not a single record")
    raw = np.frombuffer(data, np.uint8)
    # lines whose brackets could nest too deep: their depth is measured (json would recurse)
    suspects = set((np.flatnonzero(_bracket_counts(raw, _line_starts(raw)) > MAX_JSON_DEPTH) + 1).tolist())
    known = set(columns)
    rows = []
    duplicates: list[str] = []

    def unique_keys(pairs: list[tuple]) -> dict:
        record = dict(pairs)
        if len(record) < len(pairs):  # json keeps the last value silently: a row to look at
            seen: set = set()
            duplicates.extend(k for k, _ in pairs if k in seen or seen.add(k))
        return record

    lines = _LINE_END.split(text)
    for line_number, line in enumerate(lines, start=1):
        line = line.removeprefix("\ufeff")  # the byte-order mark of a second export glued to the first
        if not line.strip():
            continue
        if line_number in suspects and _json_depth(line) > MAX_JSON_DEPTH:
            raise _too_deep(label, line_number)
        duplicates.clear()
        try:
            record = json.loads(line, object_pairs_hook=unique_keys)
        except json.JSONDecodeError as error:
            raise _invalid_json(label, line_number, line, error, last=not any(rest.strip() for rest in lines[line_number:])) from None
        except RecursionError:  # not reached below MAX_JSON_DEPTH: a safety net
            raise _too_deep(label, line_number) from None
        if _SURROGATE_ESCAPE.search(line):  # half a surrogate pair is no text
            _check_surrogates(label, line_number, record)
        if not isinstance(record, dict):
            rows.append((*(None for _ in columns), None, f"line is not a JSON object (found {_json_kind(record)})"))
            continue
        problem = "; ".join(f"key '{visible(k)}' appears twice in the object" for k in dict.fromkeys(duplicates)) or None
        extra = {k: v for k, v in record.items() if k not in known}
        rows.append((*(_text(record.get(c)) for c in columns), json.dumps(extra, ensure_ascii=False) if extra else None, problem))
    return rows


def _invalid_json(label: str, line_number: int, line: str, error: json.JSONDecodeError, last: bool) -> UnparseableFile:
    where = f"{label}: line {line_number}: invalid JSON"
    if error.msg == "Extra data":
        return UnparseableFile(
            f"{where}: a second JSON value starts at column {error.colno}: two records on one line (exports glued without a line end?); ask for a re-export"
        )
    if error.pos >= len(line.rstrip()) and not last:  # the value goes on: records written over several lines
        return UnparseableFile(
            f"{where}: the record does not end on its line (pretty-printed JSON?): JSON lines hold one whole record per line; ask for a re-export"
        )
    return UnparseableFile(f"{where} ({error.msg} at column {error.colno}): the file is probably truncated; ask for a re-export")


def _check_surrogates(label: str, line_number: int, record) -> None:
    try:
        json.dumps(record, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as error:
        half = f"\\u{ord(error.object[error.start]):04x}"
        raise UnparseableFile(
            f"{label}: line {line_number}: '{half}' is half of a UTF-16 character pair (a lone surrogate), not text: the export is broken; ask for a re-export"
        ) from None


# ---- vectorized readers: Arrow tables, with the exact parsers above as the fallback ----------
#
# pyarrow reads a well-formed file in C; when it refuses one (or the file needs per-record care:
# JSON values of mixed types, fields outside the contract, a key twice, a line that is not an
# object), the row parsers above read it instead and, for a broken file, say which line is wrong.
# Both give the same table: the contract's columns as text (null for empty), `_extra` (unknown
# JSON fields, as JSON text) and `_parse_problem`.

_BOM = b"\xef\xbb\xbf"


def _rows_to_table(rows: list[tuple], columns: tuple[str, ...]) -> pa.Table:
    names = [*columns, "_extra", PARSE_PROBLEM]
    values = list(zip(*rows)) if rows else [[] for _ in names]
    return pa.table({n: pa.array(v, type=pa.string()) for n, v in zip(names, values)})


def _first_line(body: bytes) -> str:
    return _LINE_END.split(body.decode("utf-8"), maxsplit=1)[0]


def _repeated_headers(table: pa.Table, present: list[str]) -> pa.Array:
    """The problem of the rows that repeat the header (the files of a concatenated export; the
    second may start with its own byte-order mark), else null; none when no value of the first
    column holds its name (the usual file: one look, not a pass per column)."""
    if not present or not pc.any(pc.match_substring(table[present[0]], present[0])).as_py():
        return pa.nulls(table.num_rows, pa.string())
    repeated = pa.scalar(True)
    for column in present:
        values = pc.utf8_trim_whitespace(pc.replace_substring(table[column], "\ufeff", ""))
        repeated = pc.and_(repeated, pc.fill_null(pc.equal(values, column), False))
    return pc.if_else(pc.fill_null(repeated, False), pa.scalar(REPEATED_HEADER), pa.scalar(None, pa.string()))


def read_csv_table(data: bytes, label: str, columns: tuple[str, ...], separator: str, optional: tuple[str, ...] = (), quote: str = '"') -> pa.Table:
    """A CSV file's rows as an Arrow table of text, one column per contract column (an
    ``optional`` column the file lacks is null); raises UnparseableFile naming the line."""
    _decode(data, label)  # NUL bytes, encoding, empty file: named precisely
    body = data[len(_BOM) :] if data.startswith(_BOM) else data
    names = next(csv.reader([_first_line(body)], delimiter=separator, quotechar=quote), [])
    header = [h.strip() for h in names]  # "a; b" is read as "a;b", as the exact parser reads it
    if header != list(columns) and not _header_matches(header, columns, optional):
        parse_csv(data, label, columns, separator, optional, quote)  # raises with the header diagnosis
    present = [c for c in columns if c in header]

    def exact() -> pa.Table:
        return _rows_to_table([(*r, None, None) for r in parse_csv(data, label, columns, separator, optional, quote)], columns)

    if _quotes_arrow_misreads(body, separator, quote):
        table = exact()
    else:
        try:
            table = pacsv.read_csv(
                io.BytesIO(body),
                read_options=pacsv.ReadOptions(use_threads=False),
                parse_options=pacsv.ParseOptions(delimiter=separator, quote_char=quote),
                convert_options=pacsv.ConvertOptions(
                    column_types={n: pa.string() for n, h in zip(names, header) if h in present},
                    null_values=[""],
                    strings_can_be_null=True,
                    quoted_strings_can_be_null=True,
                ),
            )
        except pa.ArrowInvalid:
            table = exact()
        else:
            if [n.strip() for n in table.column_names] != header:  # a header pyarrow splits otherwise
                table = exact()
            else:
                table = table.rename_columns(header)
    out = {c: table[c] if c in present else pa.nulls(table.num_rows, pa.string()) for c in columns}
    out["_extra"] = pa.nulls(table.num_rows, pa.string())
    out[PARSE_PROBLEM] = _repeated_headers(table, present)
    return pa.table(out)


def _quotes_arrow_misreads(body: bytes, separator: str, quote: str = '"') -> bool:
    """Whether a quote stands where pyarrow and the exact parser may read the file differently:
    pyarrow glues text after a closing quote to the value (`"12"34` -> `1234`, `"12" ` -> `12 `)
    where the exact parser refuses the row. Quotes in a well-quoted file alternate opening (at a
    value's start) and closing (at its end, or before the doubled quote of a quote inside it); any
    other quote sends the file to the exact parser (a quote inside an unquoted value too, which
    both read as itself)."""
    raw = np.frombuffer(body, np.uint8)
    quotes = np.flatnonzero(raw == ord(quote))
    if not quotes.size:
        return False
    if quotes.size % 2 or len(separator.encode()) != 1 or len(quote.encode()) != 1:
        return True
    bounds = np.array([ord(separator), 10, 13, ord(quote)], np.uint8)  # separator, line ends, a doubled quote
    opening, closing = quotes[0::2], quotes[1::2]
    starts_value = (opening == 0) | np.isin(raw[np.maximum(opening - 1, 0)], bounds)
    after = closing + 1
    ends_value = (after == raw.size) | np.isin(raw[np.minimum(after, raw.size - 1)], bounds)
    return not (starts_value.all() and ends_value.all())


def read_jsonl_table(data: bytes, label: str, columns: tuple[str, ...]) -> pa.Table:
    """A JSON-lines file's records as an Arrow table of text; raises UnparseableFile naming the line."""
    _decode(data, label, "not a single record")
    raw = np.frombuffer(data, np.uint8)
    starts = _line_starts(raw)
    firsts = raw[starts]  # each line's first byte (after the file's byte-order mark)
    if data.startswith(_BOM):
        firsts[0] = raw[len(_BOM)] if raw.size > len(_BOM) else ord("\n")
    if (
        _bracket_counts(raw, starts).max(initial=0) > MAX_JSON_DEPTH  # maybe too deep for pyarrow's stack
        # a line that is not an object (or is indented, or starts with a second byte-order mark):
        # pyarrow 25 dies (SIGSEGV) on a `null` record that starts a block, and refuses the others
        or not np.isin(firsts, np.array([ord("{"), 10, 13], np.uint8)).all()
    ):
        return _rows_to_table(parse_jsonl(data, label, columns), columns)
    records = _content_lines(raw, starts)  # one per line that is not blank
    options = pajson.ReadOptions(use_threads=False)
    try:
        table = pajson.read_json(io.BytesIO(data), read_options=options)
        temporal = [f.name for f in table.schema if pa.types.is_temporal(f.type)]
        if temporal:  # pyarrow parsed ISO strings as timestamps: read them again as the text they are
            schema = pa.schema([pa.field(f.name, pa.string()) if f.name in temporal else f for f in table.schema])
            table = pajson.read_json(io.BytesIO(data), read_options=options, parse_options=pajson.ParseOptions(explicit_schema=schema))
    except pa.ArrowInvalid:  # also a key twice in an object, or a line that is an array or a string
        return _rows_to_table(parse_jsonl(data, label, columns), columns)
    if (
        table.num_rows != records  # two values on a line, or one over several: pyarrow reads them as records
        or set(table.column_names) - set(columns)
        or any(pa.types.is_nested(t) for t in table.schema.types)
        or _has_empty_record(table)
    ):
        return _rows_to_table(parse_jsonl(data, label, columns), columns)
    out = {}
    for column in columns:
        if column in table.column_names:
            values = table[column]
            out[column] = values if pa.types.is_string(values.type) else pc.cast(values, pa.string())
            if pa.types.is_string(values.type):  # "" is an empty field, as in CSV
                out[column] = pc.if_else(pc.equal(values, ""), pa.scalar(None, pa.string()), values)
        else:
            out[column] = pa.nulls(table.num_rows, pa.string())
    out["_extra"] = pa.nulls(table.num_rows, pa.string())
    out[PARSE_PROBLEM] = pa.nulls(table.num_rows, pa.string())
    return pa.table(out)


def _has_empty_record(table: pa.Table) -> bool:
    """A record with every field null: pyarrow reads a ``null`` line so (and ``{}``, which the
    exact parser tells apart)."""
    if not table.num_columns:
        return table.num_rows > 0
    empty = pa.scalar(True)
    for column in table.columns:
        empty = pc.and_(empty, pc.is_null(column))
    return bool(pc.any(empty).as_py()) if not isinstance(empty, pa.Scalar) else bool(empty.as_py()) and table.num_rows > 0
