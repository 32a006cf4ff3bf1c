"""Apply a source mapping: the rows of files, as read, become canonical rows of its table.

The parsed files (every value text) go through one DuckDB query per batch of files of the same
columns (a file's rows tagged with its place in the batch, ``_batch_file``, and its line,
``_ordinal``; what its path gives in columns of its own): wide columns unpivoted, source
columns renamed to canonical fields, constants and defaults filled in, numbers, dates and times
rewritten from the source's notation to the canonical one (``.`` decimals without thousands
separators, ``YYYY-MM-DD`` dates, ``YYYY-MM-DDTHH:MM:SSZ`` UTC timestamps), and, for master data
drawn from transactional files, identical rows counted once; each file's rows apart, in its order,
as if it went through the query alone.

Nothing is fixed silently: a value that is not written as the mapping says keeps its text as it
was, and the row's ``_unparsed`` (a JSON object) names the field and the notation expected. The
contracts then quarantine the row with that reason: ``12.5`` in a file of decimal commas is not
read as twelve and a half, nor ``01/02/2026`` as the second of January when days come first.
"""

from __future__ import annotations

import json
import re
from datetime import date

import duckdb
import numpy as np
import pyarrow as pa

from data_contracts.company.mapping import CANONICAL_DATE, CANONICAL_TIMESTAMP, SourceMapping, ValueFormats
from data_contracts.row_problems import PARSE_PROBLEM

UNPARSED = "_unparsed"
PATH_PROBLEM = "_path_problem"
# A parsed file's place in a batch (0, 1, ...) and its rows' order in the file (1, 2, ...).
BATCH_FILE = "_batch_file"
ORDINAL = "_ordinal"
# Field types a contract declares (Contract.field_types): what the notation rewrite applies to.
NUMBER_TYPES = ("decimal", "whole_decimal", "integer")
_SHAPES = {"%Y": "[0-9]{4}", "%m": "[0-9]{2}", "%d": "[0-9]{2}", "%H": "[0-9]{2}", "%M": "[0-9]{2}", "%S": "[0-9]{2}", "%y": "[0-9]{2}"}
_EXAMPLE_DAY = date(2026, 3, 1)


def sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def time_shape(strptime_format: str) -> str | None:
    """The regular expression of a format's text (fixed widths), None when a directive has no fixed shape."""
    parts = re.split(r"(%.)", strptime_format)
    if any(p.startswith("%") and p not in _SHAPES for p in parts):
        return None
    return "".join(_SHAPES.get(p) or re.escape(p) for p in parts if p)


def _example(strptime_format: str) -> str:
    from datetime import datetime

    return datetime(2026, 3, 1, 14, 30, 0).strftime(strptime_format.replace("%z", "+0100"))


def _number_pattern(formats: ValueFormats, whole: bool) -> str:
    digits = "[0-9]+"
    if formats.thousands:
        t = re.escape(formats.thousands)
        digits = f"(?:[0-9]{{1,3}}(?:{t}[0-9]{{3}})+|[0-9]+)"
    fraction = "" if whole else f"(?:{re.escape(formats.decimal)}[0-9]+)?"
    return f"-?{digits}{fraction}"


def _number_words(formats: ValueFormats, whole: bool) -> str:
    if whole:
        words = "a whole number (digits only" + (f", '{formats.thousands}' between thousands" if formats.thousands else "") + ")"
        return words
    example = "1" + (formats.thousands + "234" if formats.thousands else "234") + formats.decimal + "50"
    thousands = f", '{formats.thousands}' between thousands" if formats.thousands else ", no thousands separator"
    return f"a number with '{formats.decimal}' before decimals{thousands}, e.g. {example}"


def _number(value: str, formats: ValueFormats, whole: bool) -> tuple[str, str, str]:
    """(canonical SQL, SQL true when the value is written right, what is expected) of a number."""
    ok = f"regexp_full_match({value}, {sql_literal(_number_pattern(formats, whole))})"
    canonical = value
    if formats.thousands:
        canonical = f"replace({canonical}, {sql_literal(formats.thousands)}, '')"
    if formats.decimal != ".":
        canonical = f"replace({canonical}, {sql_literal(formats.decimal)}, '.')"
    return canonical, ok, _number_words(formats, whole)


def _date(value: str, strptime_format: str) -> tuple[str, str, str]:
    parsed = f"TRY_STRPTIME({value}, {sql_literal(strptime_format)})"
    shape = time_shape(strptime_format)
    ok = f"({parsed} IS NOT NULL" + (f" AND regexp_full_match({value}, {sql_literal(shape)}))" if shape else ")")
    return f"strftime({parsed}, {sql_literal(CANONICAL_DATE)})", ok, f"a date written {strptime_format}, e.g. {_example(strptime_format)}"


def _timestamp(value: str, formats: ValueFormats, business_timezone: str) -> tuple[str, str, str]:
    fmt = formats.timestamp
    parsed = f"TRY_STRPTIME({value}, {sql_literal(fmt)})"
    if "%z" in fmt:  # an offset in the text: a TIMESTAMPTZ, read in UTC
        utc = f"timezone('UTC', {parsed})"
        where = "with its offset"
    else:
        zone = business_timezone if formats.timestamp_zone == "business" else formats.timestamp_zone
        utc = parsed if zone == "UTC" else f"timezone('UTC', timezone({sql_literal(zone)}, {parsed}))"
        where = f"in {zone}"
    shape = time_shape(fmt)
    ok = f"({parsed} IS NOT NULL" + (f" AND regexp_full_match({value}, {sql_literal(shape)}))" if shape else ")")
    return f"strftime({utc}, {sql_literal(CANONICAL_TIMESTAMP)})", ok, f"a time written {fmt} ({where}), e.g. {_example(fmt)}"


def _rewrite(value: str, field_type: str | None, formats: ValueFormats, business_timezone: str) -> tuple[str, str | None, str]:
    """(canonical SQL, SQL true when written right or None when nothing to check, expected words)."""
    if field_type in NUMBER_TYPES:
        return _number(value, formats, whole=field_type == "integer")
    if field_type == "date":
        return _date(value, formats.date)
    if field_type == "timestamp":
        return _timestamp(value, formats, business_timezone)
    return value, None, ""


def _wide_key(mapping: SourceMapping) -> str:
    wide = mapping.wide
    pattern = sql_literal(wide.columns)
    label = f"coalesce(nullif(regexp_extract(_wide_column, {pattern}, 1), ''), _wide_column)"
    if wide.key_as == "text":
        return label
    if wide.key_as == "day_number":
        origin = wide.origin.isoformat()
        return f"strftime(DATE '{origin}' + CAST(TRY_CAST({label} AS BIGINT) - 1 AS INTEGER), '%Y-%m-%d')"
    return f"strftime(TRY_STRPTIME({label}, {sql_literal(wide.key_format)}), '%Y-%m-%d')"


def path_values(mapping: SourceMapping, relative: str) -> dict[str, str]:
    """The fields the file's path gives (the mapping's path_values whose pattern matches it)."""
    found = {name: re.search(pattern, relative) for name, pattern in mapping.path_values.items()}
    return {name: match.group(1) for name, match in found.items() if match and match.group(1)}


def path_column(part: int, name: str) -> str:
    """The batch column holding, on each row, what its file's path gives field ``name`` under the
    mapping's part ``part`` (null: the path gives nothing)."""
    return f"_path_{part}_{name}"


def _path_problem_sql(mapping: SourceMapping, from_path: dict[str, str]) -> str:
    """SQL: what contradicts the path in a row (``store ST02 in a file of ST01``), else null;
    ``from_path``: field -> SQL of what the row's file path gives it (null: nothing)."""
    checks = [
        f"CASE WHEN {_identifier(mapping.field_source(name).column)} <> {value} "
        f"THEN {sql_literal(name + ' ')} || {_identifier(mapping.field_source(name).column)} || ' in the file of ' || {value} END"
        for name, value in from_path.items()
        if mapping.field_source(name) is not None
    ]
    return f"concat_ws('; ', {', '.join(checks)})" if checks else "CAST(NULL AS VARCHAR)"


def canonical_query(mapping: SourceMapping, columns: tuple[str, ...], field_types: dict[str, str], file_columns: list[str], business_timezone: str) -> str:
    """SQL turning the registered table ``parsed_files`` (a batch of files: their columns as text,
    ``_extra``, ``_parse_problem``, ``_batch_file``, ``_ordinal`` and the ``path_column`` of every
    part's path values) into the canonical ``columns``, ``_extra``, ``_parse_problem``,
    ``_unparsed``, ``_path_problem`` and ``_batch_file``: file by file, each in file order."""
    bodies = [
        f"SELECT *, {number} AS _part FROM ({_part_query(part, number, columns, field_types, file_columns, business_timezone)})"
        for number, part in enumerate(mapping.expanded())
    ]
    return f"SELECT * EXCLUDE (_part, {ORDINAL}) FROM ({' UNION ALL '.join(bodies)}) ORDER BY {BATCH_FILE}, _part, {ORDINAL}"


def _unpivoted(mapping: SourceMapping, source: str, file_columns: list[str]) -> str:
    """SQL: the rows of ``source`` with one row per wide cell (``_wide_column``, ``_wide_value``),
    ordered within their line as the columns are in the file."""
    wide_columns = [c for c in file_columns if re.fullmatch(mapping.wide.columns, c)]
    listed = ", ".join(_identifier(c) for c in wide_columns)
    positions = ", ".join(f"({sql_literal(c)}, {i})" for i, c in enumerate(wide_columns, start=1))
    nulls = " INCLUDE NULLS" if mapping.wide.blank_cells == "keep" else ""
    unpivot = f"SELECT * FROM ({source}) UNPIVOT{nulls} (_wide_value FOR _wide_column IN ({listed}))"
    source = (
        f"SELECT u.* EXCLUDE ({ORDINAL}), u.{ORDINAL} * {len(wide_columns) + 1} + c._cell AS {ORDINAL} FROM ({unpivot}) u "
        f"JOIN (VALUES {positions}) c(_cell_column, _cell) ON u._wide_column = c._cell_column"
    )
    if mapping.wide.keep_values:
        source = f"SELECT * FROM ({source}) WHERE _wide_value IN ({', '.join(sql_literal(v) for v in mapping.wide.keep_values)})"
    return source


def _part_query(
    mapping: SourceMapping, number: int, columns: tuple[str, ...], field_types: dict[str, str], file_columns: list[str], business_timezone: str
) -> str:
    """canonical_query's rows of part ``number`` of the mapping, with ``_batch_file`` and ``_ordinal``."""
    from_path = {name: _identifier(path_column(number, name)) for name in mapping.path_values}
    source = "SELECT * FROM parsed_files"
    if mapping.wide:
        source = _unpivoted(mapping, source, file_columns)
    selects, checks = [], []
    for name in columns:
        if name in mapping.constants:
            selects.append(f"{sql_literal(mapping.constants[name])} AS {_identifier(name)}")
            continue
        spec = mapping.field_source(name)
        if spec is not None:
            value = _identifier(spec.column)
        elif mapping.wide and name == mapping.wide.value:
            value = "_wide_value"
        elif mapping.wide and name == mapping.wide.key:
            selects.append(f"{_wide_key(mapping)} AS {_identifier(name)}")
            continue
        elif name in from_path:
            value = from_path[name]
        else:
            value = "CAST(NULL AS VARCHAR)"
        if name in mapping.defaults:
            value = f"coalesce({value}, {sql_literal(mapping.defaults[name])})"
        canonical, ok, expected = _rewrite(value, field_types.get(name), mapping.formats_of(name), business_timezone)
        if ok is None:
            selects.append(f"{value} AS {_identifier(name)}")
            continue
        selects.append(f"CASE WHEN {value} IS NOT NULL AND {ok} THEN {canonical} ELSE {value} END AS {_identifier(name)}")
        checks.append((name, f"{value} IS NOT NULL AND NOT {ok}", expected))
    problems = f"{_unparsed_sql(checks)} AS {UNPARSED}, nullif({_path_problem_sql(mapping, from_path)}, '') AS {PATH_PROBLEM}"
    body = f"SELECT {', '.join(selects)}, _extra, {PARSE_PROBLEM}, {problems}, {BATCH_FILE}, {ORDINAL} FROM ({source})"
    if mapping.skip_empty:  # lines that are no row of the table (an event column on a day without event)
        body = f"SELECT * FROM ({body}) WHERE {' AND '.join(f'{_identifier(name)} IS NOT NULL' for name in mapping.skip_empty)}"
    if mapping.distinct:  # identical rows of a file count once (the first), each file apart
        names = ", ".join(_identifier(c) for c in columns)
        body = f"SELECT DISTINCT ON ({BATCH_FILE}, {names}, {UNPARSED}) * FROM ({body}) ORDER BY {BATCH_FILE}, {names}, {UNPARSED}, {ORDINAL}"
    return body


def _unparsed_sql(checks: list[tuple[str, str, str]]) -> str:
    """SQL: a JSON object {field: expected notation} of the fields not written as the mapping says, else null."""
    if not checks:
        return "CAST(NULL AS VARCHAR)"
    entries = ", ".join(f"CASE WHEN {wrong} THEN {sql_literal(json.dumps(name) + ': ' + json.dumps(expected))} END" for name, wrong, expected in checks)
    listed = f"list_filter([{entries}], lambda x: x IS NOT NULL)"
    return f"CASE WHEN len({listed}) > 0 THEN '{{' || array_to_string({listed}, ', ') || '}}' END"


def apply_mapping(
    parsed: pa.Table,
    mapping: SourceMapping,
    columns: tuple[str, ...],
    field_types: dict[str, str],
    business_timezone: str = "UTC",
    con: duckdb.DuckDBPyConnection | None = None,
    relative: str = "",
) -> pa.Table:
    """The canonical rows of one parsed file (``apply_mapping_batch`` of that file alone).

    Args:
        parsed: the file's columns as text (null for empty), then ``_extra`` and ``_parse_problem``.
        columns: the canonical table's fields, in order.
        field_types: canonical field -> ``decimal``, ``whole_decimal``, ``integer``, ``date`` or
            ``timestamp`` (fields not listed are text, kept as they are).
        relative: the file's path relative to the landing folder (what ``path_values`` read).
    Returns:
        ``columns`` as text, ``_extra``, ``_parse_problem``, ``_unparsed`` (JSON text or null) and
        ``_path_problem`` (a field contradicting the file's path, or null).
    """
    return apply_mapping_batch([parsed], [relative], mapping, columns, field_types, business_timezone, con)[0]


def apply_mapping_batch(
    parsed: list[pa.Table],
    relatives: list[str],
    mapping: SourceMapping,
    columns: tuple[str, ...],
    field_types: dict[str, str],
    business_timezone: str = "UTC",
    con: duckdb.DuckDBPyConnection | None = None,
) -> list[pa.Table]:
    """The canonical rows of each parsed file (as ``apply_mapping`` gives them), in one query.

    The files have the same columns (names and types, in the same order); ``relatives`` are their
    paths relative to the landing folder. A failure of the query is the batch's: map its files one
    by one to learn whose it is.
    """
    own = con is None
    con = con or duckdb.connect()
    try:
        file_columns = [c for c in parsed[0].column_names if c not in ("_extra", PARSE_PROBLEM)]
        query = canonical_query(mapping, columns, field_types, file_columns, business_timezone)
        con.register("parsed_files", _batch_table(parsed, relatives, mapping))
        try:
            result = con.sql(query).to_arrow_table()
        finally:
            con.unregister("parsed_files")
    finally:
        if own:
            con.close()
    return _split(result, len(parsed))


def _batch_table(parsed: list[pa.Table], relatives: list[str], mapping: SourceMapping) -> pa.Table:
    """The files' rows in one table, each tagged with ``_batch_file``, ``_ordinal`` and what its
    file's path gives (``path_column``)."""
    counts = np.array([t.num_rows for t in parsed], dtype=np.int64)
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    table = pa.concat_tables(parsed) if len(parsed) > 1 else parsed[0]
    table = table.append_column(BATCH_FILE, pa.array(np.repeat(np.arange(len(parsed), dtype=np.int64), counts)))
    table = table.append_column(ORDINAL, pa.array(np.arange(counts.sum(), dtype=np.int64) - starts + 1))
    for number, part in enumerate(mapping.expanded()):
        for name in part.path_values:
            given = np.array([path_values(part, relative).get(name) for relative in relatives], dtype=object)
            table = table.append_column(path_column(number, name), pa.array(np.repeat(given, counts), type=pa.string()))
    return table


def _split(result: pa.Table, files: int) -> list[pa.Table]:
    """The query's rows (ordered by ``_batch_file``) as one table per file, without ``_batch_file``."""
    counts = np.bincount(result[BATCH_FILE].to_numpy(), minlength=files) if result.num_rows else np.zeros(files, dtype=np.int64)
    starts = np.cumsum(counts) - counts
    rows = result.drop_columns([BATCH_FILE])
    return [rows.slice(int(start), int(count)) for start, count in zip(starts, counts)]
