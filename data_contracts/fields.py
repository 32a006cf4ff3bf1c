"""Typed fields: the format and range rules of a column, derived from what dbt staging casts it to.

A value passes the contract only if every later step can cast and compare it: a number fits the
type dbt's staging casts it to (``numeric(28,6)``: 22 digits before the point; ``integer``: 32
bits), a date has a 4-digit year and lies between the earliest plausible date and the as-of time
(plus a tolerance for dates that plan ahead: due dates, validity ends). Business bounds (a price
is not negative, a percentage stays in a sane range) are declared with the field.

Every rule here checks a problem column computed in SQL (the offending raw value, else null), so
Great Expectations and the SQL evaluator read the same verdict: the two cannot disagree on how a
regular expression treats a trailing newline (``matches``: every pattern rule is one), and no
typed date ever reaches pandas unchecked.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from datetime import date

from data_contracts.model import Rule, absent


def setting(name: str, default: str, parse: Callable):
    value = os.environ.get(name, default)
    try:
        return parse(value)
    except ValueError as error:
        raise ValueError(f"setting {name}={value!r} is not valid: {error}") from None


# Dates before this are keying errors (a 2-digit year, a system's null date such as 01/01/1900).
EARLIEST_DATE: date = setting("PLANLINE_EARLIEST_DATE", "1990-01-01", date.fromisoformat)
# Days after the as-of time a date that plans ahead may lie (due dates, validity ends): beyond, a typo.
MAX_FUTURE_DAYS: int = setting("PLANLINE_MAX_FUTURE_DAYS", "1096", int)

# What dbt staging casts to: dbt.type_numeric() is numeric(28,6), line numbers are integer.
NUMERIC_DIGITS = 22
INTEGER_RANGE = (-(2**31), 2**31 - 1)

_DECIMAL = {",": r"-?[0-9]+(?:,[0-9]+)?", ".": r"-?[0-9]+(?:\.[0-9]+)?"}
_WHOLE = r"-?[0-9]+"
_SHAPES = {"%Y": "[0-9]{4}", "%m": "[0-9]{2}", "%d": "[0-9]{2}", "%H": "[0-9]{2}", "%M": "[0-9]{2}", "%S": "[0-9]{2}"}


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _number_text(value: float) -> str:
    return f"{value:,}" if float(value).is_integer() else f"{value:g}"


def _range_text(low: float | None, high: float | None, cast: str) -> str:
    if low is not None and high is not None:
        text = f"between {_number_text(low)} and {_number_text(high)}"
    elif low is not None:
        text = f"at least {_number_text(low)}"
    elif high is not None:
        text = f"at most {_number_text(high)}"
    else:
        text = "a number"
    return text + (f", with at most {NUMERIC_DIGITS} digits before the decimal separator" if cast == "numeric" else "")


def _number_rules(column: str, what: str, pattern: str, decimal: str, minimum, maximum, cast: str, written: str) -> tuple[Rule, Rule]:
    raw = f"r.{column}"
    well_formed = f"regexp_full_match({raw}, {_literal(pattern)})"
    number_format = absent(
        "number_format",
        f"_bad_{column}",
        f"'{{value}}' in '{column}' is not a valid {what}{written}",
        sql=f"CASE WHEN {raw} IS NOT NULL AND NOT {well_formed} THEN {raw} END",
        statement=f"'{column}' is empty or a {what}{written}",
    )
    low, high = minimum, maximum
    digits = NUMERIC_DIGITS
    if cast == "integer":  # the type's own bounds, within the business's
        low = INTEGER_RANGE[0] if low is None else max(low, INTEGER_RANGE[0])
        high = INTEGER_RANGE[1] if high is None else min(high, INTEGER_RANGE[1])
        digits = 10
    value = f"TRY_CAST(REPLACE({raw}, ',', '.') AS DOUBLE)" if decimal == "," else f"TRY_CAST({raw} AS DOUBLE)"
    # digits before the point, leading zeros aside: exact where a double would round
    conditions = [f"length(ltrim(regexp_extract({raw}, '^-?([0-9]*)', 1), '0')) > {digits}"]
    conditions += [f"{value} < {low!r}"] if low is not None else []
    conditions += [f"{value} > {high!r}"] if high is not None else []
    text = _range_text(low, high, cast)
    out_of_range = absent(
        "out_of_range",
        f"_range_{column}",
        f"'{{value}}' in '{column}' is out of range: a {what} here is {text}; correct it in the source system",
        sql=f"CASE WHEN {well_formed} AND ({' OR '.join(conditions)}) THEN {raw} END",
        statement=f"'{column}' is empty or {text}",
    )
    return number_format, out_of_range


def decimal_fr(column: str, what: str = "number", minimum: float | None = None, maximum: float | None = None, cast: str = "numeric") -> tuple[Rule, Rule]:
    """A French-format decimal (``12,50``) that fits ``cast`` (``numeric`` or ``integer``) and the bounds."""
    written = " (French format: digits, optional comma decimals, e.g. 12,50)"
    return _number_rules(column, what, _DECIMAL[","], ",", minimum, maximum, cast, written)


def decimal_dot(column: str, what: str = "number", minimum: float | None = None, maximum: float | None = None, cast: str = "numeric") -> tuple[Rule, Rule]:
    """A decimal with an optional ``.`` part (``12.5``) that fits ``cast`` and the bounds."""
    written = " (digits with an optional '.' decimal part)"
    return _number_rules(column, what, _DECIMAL["."], ".", minimum, maximum, cast, written)


def integer(column: str, minimum: float | None = None, maximum: float | None = None, cast: str = "integer") -> tuple[Rule, Rule]:
    """A whole number that fits ``cast`` (``integer``: 32 bits; ``numeric``) and the bounds."""
    return _number_rules(column, "whole number", _WHOLE, ".", minimum, maximum, cast, " (digits only)")


def matches(column: str, pattern: str, name: str, reason: str, statement: str, when: tuple[str, tuple[str, ...]] | None = None) -> Rule:
    """``column`` matches the regular expression ``pattern`` whole (``regexp_full_match``: no
    anchor to get wrong, and a final newline is no match), on the rows ``when`` selects: a problem
    column computed in SQL, so Great Expectations and the SQL evaluator read the same verdict (a
    regex expectation would not: Python's ``$`` matches before a trailing newline)."""
    condition = f"r.{column} IS NOT NULL AND NOT regexp_full_match(r.{column}, {_literal(pattern)})"
    if when:
        condition = f"r.{when[0]} IN ({', '.join(_literal(v) for v in when[1])}) AND {condition}"
        statement += f" (rows whose {when[0]} is {', '.join(when[1])})"
    return absent(name, f"_pattern_{column}", reason, sql=f"CASE WHEN {condition} THEN r.{column} END", statement=statement)


def shape(strptime_format: str) -> str:
    """The regular expression of a strptime format's text: fixed widths, a 4-digit year."""
    parts = re.split(r"(%[YmdHMS])", strptime_format)
    return "".join(_SHAPES.get(part) or re.escape(part) for part in parts)


def parsed(column: str, strptime_format: str) -> str:
    """SQL: the raw column as a timestamp, null unless it has the format's exact shape and is a real date."""
    return f"CASE WHEN regexp_full_match(r.{column}, {_literal(shape(strptime_format))}) THEN TRY_STRPTIME(r.{column}, {_literal(strptime_format)}) END"


def date_format(column: str, strptime_format: str, example: str, happened: bool = False) -> tuple[Rule, ...]:
    """A date or time in the source's format (4-digit year, a real calendar day) within the plausible
    range: not before EARLIEST_DATE, not after the as-of time when it records what ``happened``
    (an order, a sale, a movement: rule ``future_date``), else at most MAX_FUTURE_DAYS after it."""
    raw, ts = f"r.{column}", parsed(column, strptime_format)
    rules = [
        absent(
            "date_format",
            f"_bad_{column}",
            f"'{{value}}' in '{column}' is not a valid date in the expected format ({example})",
            sql=f"CASE WHEN {raw} IS NOT NULL AND {ts} IS NULL THEN {raw} END",
            statement=f"'{column}' is empty or a real calendar date in the format {example}",
        )
    ]
    latest = "$as_of" if happened else f"$as_of + INTERVAL {MAX_FUTURE_DAYS} DAY"
    earliest = f"TIMESTAMP '{EARLIEST_DATE.isoformat()}'"
    if happened:
        rules.append(
            absent(
                "future_date",
                f"_future_{column}",
                f"'{column}' ({{value}}) is later than the as-of time of the load: a date in the future cannot have happened; correct it in the source system",
                sql=f"CASE WHEN {ts} > {latest} THEN {raw} END",
                statement=f"'{column}' is not later than the as-of time of the load",
            )
        )
    rules.append(
        absent(
            "implausible_date",
            f"_range_{column}",
            f"'{{value}}' in '{column}' is outside the plausible dates: not before {EARLIEST_DATE.isoformat()}"
            + ("" if happened else f" nor more than {MAX_FUTURE_DAYS} days after the as-of time")
            + " (a 2-digit year or a mistyped year?); correct it in the source system",
            sql=f"CASE WHEN {ts} < {earliest}{'' if happened else f' OR {ts} > {latest}'} THEN {raw} END",
            statement=f"'{column}' is empty or on or after {EARLIEST_DATE.isoformat()}"
            + ("" if happened else f" and at most {MAX_FUTURE_DAYS} days after the as-of time"),
        )
    )
    return tuple(rules)


def from_file_name(column: str, pattern: str, what: str) -> Rule:
    """The row's ``column`` equals what the file's path says (``pattern``: a regular expression over
    the path relative to the landing folder, its first group the value), when the path says it:
    a store's file carries only that store's rows."""
    in_path = f"regexp_extract(r._source_file, {_literal(pattern)}, 1)"
    return absent(
        "wrong_file",
        f"_file_{column}",
        f"{what} {{value}}: a file carries only the rows of the {what} its name gives; send the rows in their own file",
        sql=f"CASE WHEN r.{column} IS NOT NULL AND {in_path} <> '' AND r.{column} <> {in_path} THEN r.{column} || ' in the file of ' || {in_path} END",
        statement=f"'{column}' is the {what} of the file's name",
    )
