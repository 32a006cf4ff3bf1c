"""Typed fields: the format and range rules of a column, derived from what dbt staging casts it to.

Values are canonical text (the loader rewrites them from the company's notation, its source
mapping): numbers with an optional ``.`` decimal part and no thousands separator, dates
``YYYY-MM-DD``, UTC times ``YYYY-MM-DDTHH:MM:SSZ``. A value the loader could not read as the
mapping says stays verbatim and the row's ``_unparsed`` names its field with the notation
expected: the format rule holds it back with that notation in its reason, and no other rule
reads it (``12.5`` kept from a file of decimal commas is not twelve and a half).

A value passes the contract only if every later step can cast and compare it: a number casts to
the type dbt's staging casts it to exactly as dbt casts it (``numeric(28,6)``, rounded to 6
decimals: 22 digits before the point once rounded; ``integer``: a whole number of 32 bits), a
date has a 4-digit year and lies inside the warehouse's calendar (``dim_date``: the dbt vars
``calendar_start_date`` and ``calendar_end_date``, read from ``dbt_project.yml``) and not after
the as-of time when it records what happened, or at most MAX_FUTURE_DAYS after it when it plans
ahead (due dates, validity ends). Business bounds (a price is not negative nor beyond a plausible
maximum, a percentage stays in a sane range) are declared with the field, and so are the orders
between dates (a receipt does not precede its order) and the periods (an end does not precede
its start).

Every rule here checks a problem column computed in SQL with the validation frame (the offending
raw value, else null): the verdict is DuckDB's (``matches``: a pattern is matched whole, a trailing
newline is no match), and the expectation a data docs suite shows for it reads that column.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import date

from data_contracts.dbt_vars import DBT_PROJECT_FILE, dbt_var
from data_contracts.model import CANONICAL_NOTATION, FieldType, Rule, absent
from data_contracts.sources.sql import NUMBER_PATTERN, canonical, date_of, local_date, time_of


def setting(name: str, default: str, parse: Callable):
    value = os.environ.get(name, default)
    try:
        return parse(value)
    except ValueError as error:
        raise ValueError(f"setting {name}={value!r} is not valid: {error}") from None


def _calendar_day(name: str) -> date:
    value = dbt_var(name)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{DBT_PROJECT_FILE}: var {name} = {value!r} is not an ISO date (YYYY-MM-DD)") from None  # settings_check names the variable first


# The warehouse's calendar (dim_date): a row dated outside it would be dropped by the marts' joins
# on dates, so the contracts hold such a row back. Dates before it are keying errors too (a 2-digit
# year, a system's null date such as 01/01/1900). PLANLINE_CALENDAR_START and _END set it: both follow.
EARLIEST_DATE: date = _calendar_day("calendar_start_date")
LATEST_DATE: date = _calendar_day("calendar_end_date")
CALENDAR_TEXT = f"the warehouse's calendar, {EARLIEST_DATE.isoformat()} to {LATEST_DATE.isoformat()} (PLANLINE_CALENDAR_START, PLANLINE_CALENDAR_END)"
# Days after the as-of time a date that plans ahead may lie (due dates, validity ends): beyond, a typo.
MAX_FUTURE_DAYS: int = setting("PLANLINE_MAX_FUTURE_DAYS", "1096", int)

# What dbt staging casts to: dbt.type_numeric() is numeric(28,6), line numbers are integer.
NUMERIC_TYPE = "DECIMAL(28,6)"
NUMERIC_DIGITS = 22
INTEGER_RANGE = (-(2**31), 2**31 - 1)

# The canonical text of each number type: a whole decimal is a number dbt casts to integer (``30``,
# ``30.00``): a fraction would be rounded silently by the cast.
NUMBER_PATTERNS: dict[str, str] = {"decimal": NUMBER_PATTERN, "whole_decimal": r"-?[0-9]+(?:\.0+)?", "integer": r"-?[0-9]+"}


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _number_text(value: float) -> str:
    return f"{value:,}" if float(value).is_integer() else f"{value:g}"


def _range_text(low: float | None, high: float | None, above: float | None, cast: str) -> str:
    """What a valid value does, as a predicate: 'is between 0 and 730 and fits numeric(28,6) ...'."""
    bounds = [f"above {_number_text(above)}"] if above is not None else []
    if low is not None and high is not None and above is None:
        bounds.append(f"between {_number_text(low)} and {_number_text(high)}")
    else:
        bounds += [f"at least {_number_text(low)}"] if low is not None and above is None else []
        bounds += [f"at most {_number_text(high)}"] if high is not None else []
    predicates = [f"is {' and '.join(bounds)}"] if bounds else []
    if cast == "numeric":
        predicates.append(f"fits numeric(28,6) once rounded to 6 decimals (at most {NUMERIC_DIGITS} digits before the decimal separator)")
    return " and ".join(predicates)


def _article(word: str) -> str:
    return f"an {word}" if word[:1] in "aeiou" else f"a {word}"


def _sql_number(value: float) -> str:
    return repr(int(value)) if float(value).is_integer() else repr(float(value))


def _number_rules(column: str, what: str, field_type: FieldType, minimum, maximum, cast: str, above: float | None, staged: str) -> tuple[Rule, Rule]:
    """``staged``: how dbt's staging casts the column (``numeric``: to numeric(28,6); ``integer``:
    the text to integer; ``numeric_integer``: to numeric(28,6), then to integer)."""
    raw = f"r.{column}"
    well_formed = canonical(column, NUMBER_PATTERNS[field_type])
    typed_field = {"field": column, "field_type": field_type}
    number_format = Rule(
        "number_format",
        "null",
        f"_bad_{column}",
        f"'{{value}}' in '{column}' is not a valid {what}: expected {{expected}}; correct it in the source system "
        "(or the source mapping's notation, if the whole file is written this way)",
        sql=f"CASE WHEN {raw} IS NOT NULL AND NOT ({well_formed}) THEN {raw} END",
        statement=f"'{column}' is empty or {_article(what)} written as its source mapping says (loaded as {CANONICAL_NOTATION[field_type]})",
        **typed_field,
    )
    low, high = minimum, maximum
    if cast == "integer":  # the type's own bounds, within the business's
        low = INTEGER_RANGE[0] if low is None else max(low, INTEGER_RANGE[0])
        high = INTEGER_RANGE[1] if high is None else min(high, INTEGER_RANGE[1])
    # the value as dbt's staging gets it, same rounding: null where the cast fails (too many digits
    # once rounded, beyond 32 bits), so that no well-formed value fails a dbt step or turns null there
    typed = {
        "numeric": f"TRY_CAST({raw} AS {NUMERIC_TYPE})",
        "integer": f"TRY_CAST({raw} AS INTEGER)",
        "numeric_integer": f"TRY_CAST(TRY_CAST({raw} AS {NUMERIC_TYPE}) AS INTEGER)",
    }[staged]
    conditions = [f"{typed} IS NULL"]
    conditions += [f"{typed} < {_sql_number(low)}"] if low is not None else []
    conditions += [f"{typed} > {_sql_number(high)}"] if high is not None else []
    conditions += [f"{typed} <= {_sql_number(above)}"] if above is not None else []
    limits = _range_text(low, high, above, cast)
    out_of_range = absent(
        "out_of_range",
        f"_range_{column}",
        f"'{{value}}' in '{column}' is out of range: {_article(what)} here {limits}; correct it in the source system",
        sql=f"CASE WHEN {well_formed} AND ({' OR '.join(conditions)}) THEN {raw} END",
        statement=f"'{column}' is empty or {_article(what)} that {limits}",
    )
    return number_format, out_of_range


def decimal(
    column: str, what: str = "number", minimum: float | None = None, maximum: float | None = None, cast: str = "numeric", above: float | None = None
) -> tuple[Rule, Rule]:
    """A decimal (canonical ``1234.5``) that casts to ``cast`` (``numeric``; ``integer``: then a
    whole number, ``30`` or ``30.00``, type ``whole_decimal``) and lies within the bounds
    (``above``: strictly greater)."""
    if cast == "integer":
        return _number_rules(column, what, "whole_decimal", minimum, maximum, cast, above, "numeric_integer")
    if cast != "numeric":
        raise ValueError(f"decimal({column!r}): dbt casts a decimal to numeric or, a whole one, to integer; not {cast!r}")
    return _number_rules(column, what, "decimal", minimum, maximum, cast, above, "numeric")


def integer(column: str, minimum: float | None = None, maximum: float | None = None, cast: str = "integer", above: float | None = None) -> tuple[Rule, Rule]:
    """A whole number written as digits only that casts to ``cast`` (``integer``: 32 bits; ``numeric``) within the bounds."""
    return _number_rules(column, "whole number", "integer", minimum, maximum, cast, above, cast)


def matches(column: str, pattern: str, name: str, reason: str, statement: str, when: tuple[str, tuple[str, ...]] | None = None) -> Rule:
    """``column`` matches the regular expression ``pattern`` whole (``regexp_full_match``: no
    anchor to get wrong, and a final newline is no match), on the rows ``when`` selects: a problem
    column computed in SQL (a regex expectation, in Python, would let a trailing newline through:
    its ``$`` matches before it)."""
    condition = f"r.{column} IS NOT NULL AND NOT regexp_full_match(r.{column}, {_literal(pattern)})"
    if when:
        condition = f"r.{when[0]} IN ({', '.join(_literal(v) for v in when[1])}) AND {condition}"
        statement += f" (rows whose {when[0]} is {', '.join(when[1])})"
    return absent(name, f"_pattern_{column}", reason, sql=f"CASE WHEN {condition} THEN r.{column} END", statement=statement)


def parsed(column: str, kind: str = "date") -> str:
    """SQL: the canonical date (its midnight) or UTC time of ``column`` as a TIMESTAMP, null unless
    it has the canonical shape (a 4-digit year), is a real date and is not a verbatim value."""
    return time_of(column) if kind == "timestamp" else date_of(column)


def _day(ts: str, kind: str) -> str:
    """SQL: the business day of a parsed value (a UTC time's local day, as dbt dates it)."""
    return local_date(ts) if kind == "timestamp" else f"CAST({ts} AS DATE)"


_WHAT = {"date": "a real calendar date", "timestamp": "a real time"}


def date_format(column: str, kind: str = "date", happened: bool = False) -> tuple[Rule, ...]:
    """A date (``kind``: ``date``) or UTC time (``timestamp``) in canonical text (4-digit year, a
    real calendar day) within the plausible range: inside the warehouse's calendar (EARLIEST_DATE
    to LATEST_DATE), not after the as-of time when it records what ``happened`` (an order, a
    sale, a movement, an export: rule ``future_date``), else at most MAX_FUTURE_DAYS after it."""
    if kind not in _WHAT:
        raise ValueError(f"date_format({column!r}): kind is date or timestamp, not {kind!r}")
    raw, ts = f"r.{column}", parsed(column, kind)
    day = _day(ts, kind)
    rules = [
        Rule(
            "date_format",
            "null",
            f"_bad_{column}",
            f"'{{value}}' in '{column}' is not {_WHAT[kind]}: expected {{expected}}; correct it in the source system "
            "(or the source mapping's notation, if the whole file is written this way)",
            sql=f"CASE WHEN {raw} IS NOT NULL AND {ts} IS NULL THEN {raw} END",
            statement=f"'{column}' is empty or {_WHAT[kind]} written as its source mapping says (loaded as {CANONICAL_NOTATION[kind]})",
            field=column,
            field_type=kind,
        )
    ]
    if happened:
        rules.append(
            absent(
                "future_date",
                f"_future_{column}",
                f"'{column}' ({{value}}) is later than the as-of time of the load: a date in the future cannot have happened; correct it in the source system",
                sql=f"CASE WHEN {ts} > $as_of THEN {raw} END",
                statement=f"'{column}' is not later than the as-of time of the load",
            )
        )
    # a date that happened and lies after the as-of time is a future_date, said once
    after_calendar = f"{day} > DATE '{LATEST_DATE.isoformat()}'"
    outside = f"{day} < DATE '{EARLIEST_DATE.isoformat()}' OR " + (
        f"({after_calendar} AND {ts} <= $as_of)" if happened else f"{after_calendar} OR {ts} > $as_of + INTERVAL {MAX_FUTURE_DAYS} DAY"
    )
    ahead = "" if happened else f", and at most {MAX_FUTURE_DAYS} days after the as-of time"
    rules.append(
        absent(
            "implausible_date",
            f"_range_{column}",
            f"'{{value}}' in '{column}' is outside the plausible dates: inside {CALENDAR_TEXT}{ahead} "
            "(a 2-digit year or a mistyped year?); correct it in the source system",
            sql=f"CASE WHEN {outside} THEN {raw} END",
            statement=f"'{column}' is empty or inside {CALENDAR_TEXT}{ahead}",
        )
    )
    return tuple(rules)


def date_order(earlier: str, later: str, name: str = "date_order", what: str = "", kind: str = "date") -> Rule:
    """``later`` is not before ``earlier`` when both are real dates (``kind``: or UTC times) (a
    receipt does not precede its order, a period does not end before it starts): a later step
    subtracts them (lead times, durations) or reads them as a period."""
    first, second = parsed(earlier, kind), parsed(later, kind)
    what = what or f"'{later}' cannot be before '{earlier}'"
    # a date outside the calendar is held back by its own rule (implausible_date, future_date): not said twice
    inside = " AND ".join(f"{_day(ts, kind)} BETWEEN DATE '{EARLIEST_DATE.isoformat()}' AND DATE '{LATEST_DATE.isoformat()}'" for ts in (first, second))
    return absent(
        name,
        f"_order_{earlier}_{later}",
        f"{{value}}: {what}; correct the dates in the source system",
        sql=f"CASE WHEN {second} < {first} AND {inside} THEN '{later} ' || r.{later} || ' is before {earlier} ' || r.{earlier} END",
        statement=f"'{later}' is empty or on or after '{earlier}'",
    )
