"""Apply a source mapping: the rows of one file, as read, become canonical rows of its table.

The parsed file (every value text) goes through one DuckDB query: wide columns unpivoted, source
columns renamed to canonical fields, constants and defaults filled in, numbers, dates and times
rewritten from the source's notation to the canonical one (``.`` decimals without thousands
separators, ``YYYY-MM-DD`` dates, ``YYYY-MM-DDTHH:MM:SSZ`` UTC timestamps), and, for master data
drawn from transactional files, identical rows counted once.

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
import pyarrow as pa

from data_contracts.company.mapping import CANONICAL_DATE, CANONICAL_TIMESTAMP, SourceMapping, ValueFormats
from data_contracts.row_problems import PARSE_PROBLEM

UNPARSED = "_unparsed"
PATH_PROBLEM = "_path_problem"
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


def _path_problem_sql(mapping: SourceMapping, from_path: dict[str, str]) -> str:
    """SQL: what contradicts the path in a row (``store ST02 in a file of ST01``), else null."""
    checks = [
        f"CASE WHEN {_identifier(mapping.field_source(name).column)} <> {sql_literal(value)} "
        f"THEN {sql_literal(name + ' ')} || {_identifier(mapping.field_source(name).column)} || {sql_literal(' in the file of ' + value)} END"
        for name, value in from_path.items()
        if mapping.field_source(name) is not None
    ]
    return f"concat_ws('; ', {', '.join(checks)})" if checks else "CAST(NULL AS VARCHAR)"


def canonical_query(
    mapping: SourceMapping, columns: tuple[str, ...], field_types: dict[str, str], file_columns: list[str], business_timezone: str, relative: str = ""
) -> str:
    """SQL turning the registered table ``parsed_file`` (the file's columns as text, then
    ``_extra`` and ``_parse_problem``) into the canonical ``columns``, ``_extra``,
    ``_parse_problem``, ``_unparsed`` and ``_path_problem``, in file order (``_ordinal``);
    ``relative``: the file's path relative to the landing folder."""
    bodies = [
        f"SELECT *, {number} AS _part FROM ({_part_query(part, columns, field_types, file_columns, business_timezone, relative)})"
        for number, part in enumerate(mapping.expanded())
    ]
    return f"SELECT * EXCLUDE (_part, _ordinal) FROM ({' UNION ALL '.join(bodies)}) ORDER BY _part, _ordinal"


def _part_query(
    mapping: SourceMapping, columns: tuple[str, ...], field_types: dict[str, str], file_columns: list[str], business_timezone: str, relative: str
) -> str:
    """canonical_query's rows of one part of the mapping, in file order (``_ordinal``)."""
    from_path = path_values(mapping, relative)
    source = "SELECT *, row_number() OVER () AS _ordinal FROM parsed_file"
    if mapping.wide:
        wide_columns = [c for c in file_columns if re.fullmatch(mapping.wide.columns, c)]
        listed = ", ".join(_identifier(c) for c in wide_columns)
        source = (
            f"SELECT * EXCLUDE (_cell), _ordinal * {len(wide_columns) + 1} + _cell AS _ordinal FROM "
            f"(SELECT *, row_number() OVER (PARTITION BY _ordinal) AS _cell FROM "
            f"(SELECT * FROM ({source}) UNPIVOT{' INCLUDE NULLS' if mapping.wide.blank_cells == 'keep' else ''} (_wide_value FOR _wide_column IN ({listed}))))"
        )
        if mapping.wide.keep_values:
            source = f"SELECT * FROM ({source}) WHERE _wide_value IN ({', '.join(sql_literal(v) for v in mapping.wide.keep_values)})"
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
            value = sql_literal(from_path[name])
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
    body = f"SELECT {', '.join(selects)}, _extra, {PARSE_PROBLEM}, {problems}, _ordinal FROM ({source})"
    if mapping.skip_empty:  # lines that are no row of the table (an event column on a day without event)
        body = f"SELECT * FROM ({body}) WHERE {' AND '.join(f'{_identifier(name)} IS NOT NULL' for name in mapping.skip_empty)}"
    if mapping.distinct:
        names = ", ".join(_identifier(c) for c in columns)
        body = f"SELECT DISTINCT ON ({names}, {UNPARSED}) * FROM ({body}) ORDER BY {names}, {UNPARSED}, _ordinal"
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
    """The canonical rows of one parsed file.

    Args:
        parsed: the file's columns as text (null for empty), then ``_extra`` and ``_parse_problem``.
        columns: the canonical table's fields, in order.
        field_types: canonical field -> ``decimal``, ``whole_decimal``, ``integer``, ``date`` or
            ``timestamp`` (fields not listed are text, kept as they are).
    Returns:
        ``columns`` as text, ``_extra``, ``_parse_problem``, ``_unparsed`` (JSON text or null) and
        ``_path_problem`` (a field contradicting the file's path, or null).
    """
    own = con is None
    con = con or duckdb.connect()
    try:
        file_columns = [c for c in parsed.column_names if c not in ("_extra", PARSE_PROBLEM)]
        query = canonical_query(mapping, columns, field_types, file_columns, business_timezone, relative)
        con.register("parsed_file", parsed)
        try:
            return con.sql(query).to_arrow_table()
        finally:
            con.unregister("parsed_file")
    finally:
        if own:
            con.close()
