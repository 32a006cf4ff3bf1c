"""Types and ranges (data_contracts/fields.py): a value passes only if dbt's staging casts it as the
contract checked it, and its dates lie inside the warehouse's calendar (issue 15 point 11)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import duckdb
import pytest
import yaml

from data_contracts.dbt_vars import dbt_var
from data_contracts.fields import (
    DBT_PROJECT_FILE,
    EARLIEST_DATE,
    LATEST_DATE,
    MAX_FUTURE_DAYS,
    date_format,
    date_order,
    decimal_dot,
    decimal_fr,
    integer,
    matches,
)
from data_contracts.model import ERP_DATE, ISO_TS
from data_contracts.sources.sql import BUSINESS_TIMEZONE
from ml.demo_company.config import SCALES


def verdicts(rules, values: dict[str, list], as_of: datetime | None = None) -> list[dict[str, str | None]]:
    """Each rule's problem value (null: the rule passes) for each row of ``values`` (column -> values)."""
    con = duckdb.connect()
    columns = list(values)
    con.execute(f"CREATE TABLE r ({', '.join(f'{c} VARCHAR' for c in columns)})")
    con.executemany(f"INSERT INTO r VALUES ({', '.join('?' * len(columns))})", list(zip(*values.values())))
    sql = f"SELECT {', '.join(f'{rule.sql} AS {rule.column}' for rule in rules)} FROM r ORDER BY rowid"
    rows = con.execute(sql, {"as_of": as_of} if "$as_of" in sql else None).fetchall()
    return [{rule.name: value for rule, value in zip(rules, row) if value is not None} for row in rows]


def staged(con, sql: str, value: str):
    try:
        return con.execute(sql, [value]).fetchone()[0]
    except duckdb.Error:
        return "cast error"


ROUNDING = [
    "9999999999999999999999,9999994",  # rounds down: 22 digits
    "9999999999999999999999,9999995",  # rounds up to 10^22: 23 digits
    "-9999999999999999999999,9999995",
    "0000000000000000000000000001,5",  # leading zeros are no digits
    "12345678901234567890123",
    "1,0000005",
    "0,0000004",
]


def test_a_decimal_passes_only_if_it_casts_to_numeric_28_6_as_dbt_casts_it():
    """The verdict is the cast itself (dbt's parse_fr_decimal: a safe cast to numeric(28,6), rounding
    to 6 decimals): a value that passes never fails a dbt step or turns null there."""
    rules = decimal_fr("quantity", "quantity")
    found = verdicts(rules, {"quantity": ROUNDING})
    con = duckdb.connect()
    for value, verdict in zip(ROUNDING, found):
        cast = staged(con, "SELECT CAST(REPLACE(?, ',', '.') AS NUMERIC(28,6))", value)
        assert ("out_of_range" in verdict) == (cast == "cast error"), (value, verdict, cast)
    assert ["out_of_range" in v for v in found] == [False, True, True, False, True, False, False]
    dotted = verdicts(decimal_dot("unit_price", "price"), {"unit_price": [v.replace(",", ".") for v in ROUNDING]})
    assert ["out_of_range" in v for v in dotted] == [False, True, True, False, True, False, False]


def test_a_column_dbt_casts_to_integer_takes_only_whole_numbers_of_32_bits():
    """cast(... as integer) rounds 1,5 to 2 silently: a fraction is no valid whole number."""
    values = ["30", "30,00", "30,5", "0,4", "2147483647", "2147483648", "-2147483648", "-2147483649"]
    found = verdicts(decimal_fr("priority", "priority", cast="integer"), {"priority": values})
    assert [sorted(v) for v in found] == [[], [], ["number_format"], ["number_format"], [], ["out_of_range"], [], ["out_of_range"]]
    con = duckdb.connect()
    for value, verdict in zip(values, found):
        if not verdict:  # what staging makes of it is the number written
            assert staged(con, "SELECT CAST(TRY_CAST(REPLACE(?, ',', '.') AS NUMERIC(28,6)) AS INTEGER)", value) == int(value.split(",")[0])
    lines = verdicts(integer("line", minimum=0), {"line": ["1", "2147483648", "1,0"]})
    assert [sorted(v) for v in lines] == [[], ["out_of_range"], ["number_format"]]


def test_a_value_a_later_step_divides_by_is_above_zero_once_rounded():
    found = verdicts(
        decimal_fr("run_rate_per_hour", "rate", above=0, maximum=1000), {"run_rate_per_hour": ["0", "0,0000004", "0,0000005", "-1", "1000", "1000,1"]}
    )
    assert ["out_of_range" in v for v in found] == [True, True, False, True, False, True]
    [rule] = [r for r in decimal_fr("run_rate_per_hour", "rate", above=0, maximum=1000) if r.name == "out_of_range"]
    assert "'0' in 'run_rate_per_hour' is out of range: a rate here is above 0 and at most 1,000 and fits numeric(28,6)" in rule.reason.format(value="0")


def test_the_contracts_calendar_is_the_warehouse_calendar(monkeypatch):
    """dbt and the contracts read the same vars: PLANLINE_CALENDAR_START/_END when set, else the
    defaults dbt_project.yml writes (a company with older history sets them)."""
    variables = yaml.safe_load(DBT_PROJECT_FILE.read_text())["vars"]
    assert "env_var('PLANLINE_CALENDAR_START', '2020-01-01')" in variables["calendar_start_date"]
    monkeypatch.delenv("PLANLINE_CALENDAR_START", raising=False)
    assert dbt_var("calendar_start_date") == "2020-01-01"
    assert EARLIEST_DATE == date.fromisoformat(dbt_var("calendar_start_date"))
    assert LATEST_DATE == date.fromisoformat(dbt_var("calendar_end_date"))
    monkeypatch.setenv("PLANLINE_CALENDAR_START", "2011-01-29")
    assert dbt_var("calendar_start_date") == "2011-01-29"


def _erp(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def test_a_date_outside_the_calendar_is_implausible_and_the_reason_gives_the_calendar():
    """dim_date spans the calendar: a row dated outside it would vanish in the marts' date joins."""
    as_of = datetime.combine(LATEST_DATE - timedelta(days=30), datetime.max.time()).replace(microsecond=0)
    days = [EARLIEST_DATE - timedelta(days=1), EARLIEST_DATE, LATEST_DATE, LATEST_DATE + timedelta(days=1)]
    rules = date_format("due_date", ERP_DATE, "DD/MM/YYYY")
    found = verdicts(rules, {"due_date": [_erp(d) for d in days]}, as_of)
    assert ["implausible_date" in v for v in found] == [True, False, False, True]
    [rule] = [r for r in rules if r.name == "implausible_date"]
    assert f"{EARLIEST_DATE.isoformat()} to {LATEST_DATE.isoformat()}" in rule.reason
    # what happened is not after the as-of time (future_date), and not before the calendar
    happened = verdicts(date_format("order_date", ERP_DATE, "DD/MM/YYYY", happened=True), {"order_date": [_erp(d) for d in days]}, as_of)
    assert [sorted(v) for v in happened] == [["implausible_date"], [], ["future_date"], ["future_date"]]


def test_a_timestamp_is_in_the_calendar_by_its_business_day():
    """Events are dated by their local day (as the marts date them), not by their UTC day."""
    start = datetime.combine(EARLIEST_DATE, datetime.min.time(), tzinfo=ZoneInfo("UTC"))
    times = [start - timedelta(hours=hours) for hours in (0, 1, 2, 3)]
    found = verdicts(date_format("event_time", ISO_TS, "ISO-8601", happened=True), {"event_time": [t.strftime(ISO_TS) for t in times]}, datetime(2026, 9, 30))
    local_days = [t.astimezone(ZoneInfo(BUSINESS_TIMEZONE)).date() for t in times]
    assert ["implausible_date" in v for v in found] == [day < EARLIEST_DATE for day in local_days]


def test_dates_are_in_the_order_the_process_gives_them():
    rule = date_order("order_date", "receipt_date", ERP_DATE, what="received before it is ordered")
    found = verdicts(
        [rule],
        {
            "order_date": ["05/09/2026", "05/09/2026", "05/09/2026", "05/09/2056", None],
            "receipt_date": ["04/09/2026", "05/09/2026", "06/09/2026", "06/09/2026", "06/09/2026"],
        },
    )
    assert found[0] == {"date_order": "receipt_date 04/09/2026 is before order_date 05/09/2026"}
    # the same day is in order; a date outside the calendar is its own rule's (said once); a missing one is no order
    assert found[1:] == [{}, {}, {}, {}]
    assert rule.reason.format(value="x") == "x: received before it is ordered; correct the dates in the source system"


def test_a_pattern_is_matched_whole_without_a_final_newline():
    rule = matches("reference", "PO[0-9]+/[0-9]+|MO[0-9]+", "reference_format", "'{value}'", "a reference", when=("event_type", ("RECEIPT",)))
    values = {"reference": ["PO1/1", "PO1/1\n", "xPO1/1", "MO7", "PO1/1\n"], "event_type": ["RECEIPT", "RECEIPT", "RECEIPT", "RECEIPT", "SHIP"]}
    assert ["reference_format" in v for v in verdicts([rule], values)] == [False, True, True, False, False]
    assert rule.kind == "null" and "(rows whose event_type is RECEIPT)" in rule.statement


@pytest.mark.parametrize("scale", list(SCALES))
def test_the_demo_companies_dates_lie_inside_the_calendar(scale):
    """History from its first day, and dates planned ahead up to the contracts' limit after its last."""
    preset = SCALES[scale]
    assert EARLIEST_DATE <= preset.start_date and preset.end_date + timedelta(days=MAX_FUTURE_DAYS) <= LATEST_DATE
