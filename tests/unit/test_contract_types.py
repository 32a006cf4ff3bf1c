"""Types and ranges (data_contracts/fields.py): a value passes only if dbt's staging casts it as the
contract checked it, and its dates lie inside the warehouse's calendar (issue 15 point 11). Values
are canonical text (the loader rewrites the company's notation); a value the loader kept verbatim
(listed in the row's ``_unparsed``) is held back by its format rule and read by no other (issue 16)."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest
import yaml

from data_contracts import CONTRACTS
from data_contracts.company.apply import NUMBER_TYPES
from data_contracts.dbt_vars import dbt_var
from data_contracts.fields import (
    DBT_PROJECT_FILE,
    EARLIEST_DATE,
    LATEST_DATE,
    MAX_FUTURE_DAYS,
    date_format,
    date_order,
    decimal,
    integer,
    matches,
)
from data_contracts.model import CANONICAL_NOTATION, Rule
from data_contracts.registry import CONTRACT_FILES
from data_contracts.sources.sql import BUSINESS_TIMEZONE, DATE_FORMAT, TIMESTAMP_FORMAT, day_of, number, time_of
from demo_company.config import SCALES


def verdicts(rules, values: dict[str, list], as_of: datetime | None = None) -> list[dict[str, str | None]]:
    """Each rule's problem value (null: the rule passes) for each row of ``values`` (column -> values;
    ``_unparsed``, the loader's JSON of values not written as the source mapping says, null unless given)."""
    con = duckdb.connect()
    values = {"_unparsed": [None] * len(next(iter(values.values()))), **values}
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
    "9999999999999999999999.9999994",  # rounds down: 22 digits
    "9999999999999999999999.9999995",  # rounds up to 10^22: 23 digits
    "-9999999999999999999999.9999995",
    "0000000000000000000000000001.5",  # leading zeros are no digits
    "12345678901234567890123",
    "1.0000005",
    "0.0000004",
]


def test_a_decimal_passes_only_if_it_casts_to_numeric_28_6_as_dbt_casts_it():
    """The verdict is the cast itself (dbt's to_number: a cast to numeric(28,6), rounding to 6
    decimals): a value that passes never fails a dbt step or turns null there."""
    rules = decimal("quantity", "quantity")
    found = verdicts(rules, {"quantity": ROUNDING})
    con = duckdb.connect()
    for value, verdict in zip(ROUNDING, found):
        cast = staged(con, "SELECT CAST(? AS NUMERIC(28,6))", value)
        assert ("out_of_range" in verdict) == (cast == "cast error"), (value, verdict, cast)
    assert ["out_of_range" in v for v in found] == [False, True, True, False, True, False, False]


def test_a_decimal_is_canonical_text_only():
    """Digits with an optional '.' part: a decimal comma, a thousands separator, a padded or
    signed-plus number never reach staging (the loader writes the company's notation as canonical text)."""
    values = ["12.5", "-12", "0.000001", "12,5", "1,234.5", "1 234", " 4", "+4", "1e5", "12.", ".5", "inf"]
    found = verdicts(decimal("unit_price", "price"), {"unit_price": values})
    assert ["number_format" in v for v in found] == [False] * 3 + [True] * 9
    assert all("out_of_range" not in v for v in found)  # a value of the wrong shape is said once


def test_a_column_dbt_casts_to_integer_takes_only_whole_numbers_of_32_bits():
    """cast(... as integer) rounds 1.5 to 2 silently: a fraction is no valid whole number."""
    values = ["30", "30.00", "30.5", "0.4", "2147483647", "2147483648", "-2147483648", "-2147483649", "30,00"]
    found = verdicts(decimal("priority", "priority", cast="integer"), {"priority": values})
    assert [sorted(v) for v in found] == [[], [], ["number_format"], ["number_format"], [], ["out_of_range"], [], ["out_of_range"], ["number_format"]]
    con = duckdb.connect()
    for value, verdict in zip(values, found):
        if not verdict:  # what staging (to_whole_number) makes of it is the number written
            assert staged(con, "SELECT CAST(CAST(? AS NUMERIC(28,6)) AS INTEGER)", value) == int(value.split(".")[0])
    lines = verdicts(integer("line", minimum=0), {"line": ["1", "2147483648", "1.0"]})
    assert [sorted(v) for v in lines] == [[], ["out_of_range"], ["number_format"]]


def test_a_value_a_later_step_divides_by_is_above_zero_once_rounded():
    found = verdicts(
        decimal("run_rate_per_hour", "rate", above=0, maximum=1000), {"run_rate_per_hour": ["0", "0.0000004", "0.0000005", "-1", "1000", "1000.1"]}
    )
    assert ["out_of_range" in v for v in found] == [True, True, False, True, False, True]
    [rule] = [r for r in decimal("run_rate_per_hour", "rate", above=0, maximum=1000) if r.name == "out_of_range"]
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


def test_a_date_outside_the_calendar_is_implausible_and_the_reason_gives_the_calendar():
    """dim_date spans the calendar: a row dated outside it would vanish in the marts' date joins."""
    as_of = datetime.combine(LATEST_DATE - timedelta(days=30), datetime.max.time()).replace(microsecond=0)
    days = [EARLIEST_DATE - timedelta(days=1), EARLIEST_DATE, LATEST_DATE, LATEST_DATE + timedelta(days=1)]
    rules = date_format("due_date")
    found = verdicts(rules, {"due_date": [d.isoformat() for d in days]}, as_of)
    assert ["implausible_date" in v for v in found] == [True, False, False, True]
    [rule] = [r for r in rules if r.name == "implausible_date"]
    assert f"{EARLIEST_DATE.isoformat()} to {LATEST_DATE.isoformat()}" in rule.reason
    # what happened is not after the as-of time (future_date), and not before the calendar
    happened = verdicts(date_format("order_date", happened=True), {"order_date": [d.isoformat() for d in days]}, as_of)
    assert [sorted(v) for v in happened] == [["implausible_date"], [], ["future_date"], ["future_date"]]


def test_a_timestamp_is_in_the_calendar_by_its_business_day():
    """Events are dated by their local day (as the marts date them), not by their UTC day."""
    start = datetime.combine(EARLIEST_DATE, datetime.min.time(), tzinfo=ZoneInfo("UTC"))
    times = [start - timedelta(hours=hours) for hours in (0, 1, 2, 3)]
    found = verdicts(
        date_format("event_time", "timestamp", happened=True), {"event_time": [t.strftime(TIMESTAMP_FORMAT) for t in times]}, datetime(2026, 9, 30)
    )
    local_days = [t.astimezone(ZoneInfo(BUSINESS_TIMEZONE)).date() for t in times]
    assert ["implausible_date" in v for v in found] == [day < EARLIEST_DATE for day in local_days]


def test_dates_are_in_the_order_the_process_gives_them():
    rule = date_order("order_date", "receipt_date", what="received before it is ordered")
    found = verdicts(
        [rule],
        {
            "order_date": ["2026-09-05", "2026-09-05", "2026-09-05", "2056-09-05", None],
            "receipt_date": ["2026-09-04", "2026-09-05", "2026-09-06", "2026-09-06", "2026-09-06"],
        },
    )
    assert found[0] == {"date_order": "receipt_date 2026-09-04 is before order_date 2026-09-05"}
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


def test_dates_and_times_are_canonical_text_only():
    days = ["2026-09-05", "05/09/2026", "20260905", "2026-9-5", "2026-09-05 10:00", "2026-02-31", "26-09-05"]
    found = verdicts(date_format("due_date"), {"due_date": days}, datetime(2026, 9, 30))
    assert ["date_format" in v for v in found] == [False] + [True] * 6
    times = ["2026-09-05T10:15:00Z", "2026-09-05 10:15:00", "2026-09-05T10:15:00", "2026-09-05T10:15:00+02:00", "2026-09-05", "2026-09-05T25:00:00Z"]
    found = verdicts(date_format("event_time", "timestamp"), {"event_time": times}, datetime(2026, 9, 30))
    assert ["date_format" in v for v in found] == [False] + [True] * 5


# The loader's words for notations of a company's mapping (data_contracts.company.apply).
COMMA_DECIMALS = "a number with ',' before decimals, no thousands separator, e.g. 1234,50"
DAY_FIRST = "a date written %d/%m/%Y, e.g. 01/03/2026"


def test_a_value_kept_verbatim_is_held_back_by_its_format_rule_only():
    """'12.5' in a file of decimal commas stays '12.5' with the notation in _unparsed: it is no
    twelve and a half, so no range, order or future rule reads it, and it never reaches staging."""
    unparsed = [
        json.dumps({"unit_cost": COMMA_DECIMALS}),
        json.dumps({"unit_cost": COMMA_DECIMALS, "launch_date": DAY_FIRST}),
        json.dumps({"discontinued_date": DAY_FIRST}),
        None,
    ]
    values = {
        "_unparsed": unparsed,
        "unit_cost": ["12.5", "-3", "1.5", "2.5"],  # -3 would be out of range, were it read
        "launch_date": ["2026-01-31", "2056-01-31", "2026-09-01", "2026-09-01"],  # 2056: implausible, were it read
        "discontinued_date": [None, "2026-01-01", "2026-08-01", None],  # row 3: before its launch, were it read
    }
    rules = [*decimal("unit_cost", "cost", minimum=0), *date_format("launch_date"), *date_format("discontinued_date")]
    rules.append(date_order("launch_date", "discontinued_date", "invalid_period"))
    found = verdicts(rules, values, datetime(2026, 9, 30))
    assert found == [
        {"number_format": "12.5"},
        {"number_format": "-3", "date_format": "2056-01-31"},
        {"date_format": "2026-08-01"},
        {},
    ]


def test_the_canonical_readers_read_nothing_kept_verbatim():
    con = duckdb.connect()
    con.execute("CREATE TABLE r (_unparsed VARCHAR, x VARCHAR, d VARCHAR, t VARCHAR)")
    con.execute(
        "INSERT INTO r VALUES (NULL, '12.5', '2026-01-31', '2026-01-31T10:00:00Z'), "
        """('{"x": "a number with '','' before decimals", "d": "a date", "t": "a time"}', '12.5', '2026-01-31', '2026-01-31T10:00:00Z'), """
        "(NULL, '12,5', '31/01/2026', '2026-01-31 10:00:00')"
    )
    read = con.execute(f"SELECT {number('x')}, {day_of('d')}, {time_of('t')} FROM r ORDER BY rowid").fetchall()
    assert read == [(12.5, date(2026, 1, 31), datetime(2026, 1, 31, 10)), (None, None, None), (None, None, None)]


# The typed columns of the contracts written so far and their types: the fields the loader
# rewrites from the company's notation to canonical text (Contract.field_types); every other column
# is text. A pin: a type changed by mistake fails here. A new source needs no entry (its staging
# casts are checked against its contract below).
FIELD_TYPES = {
    "erp_suppliers": {"lead_time_days": "decimal", "lead_time_sd_days": "decimal", "payment_terms_days": "whole_decimal"},
    "erp_locations": {},
    "erp_customers": {"priority": "whole_decimal", "payment_terms_days": "whole_decimal", "reserved_buffer_pct": "decimal"},
    "erp_production_lines": {"hours_per_day": "decimal", "overtime_hours_per_day": "decimal", "run_rate_per_hour": "decimal", "cost_per_hour": "decimal"},
    "erp_items": {"unit_cost": "decimal", "list_price": "decimal", "moq_cases": "whole_decimal", "launch_date": "date", "discontinued_date": "date"},
    "erp_item_xref": {"valid_from": "date", "valid_to": "date"},
    "erp_unit_conversions": {"factor_to_base": "decimal"},
    "erp_prices": {"price": "decimal", "valid_from": "date", "valid_to": "date"},
    "erp_promotions": {"discount_pct": "decimal", "start_date": "date", "end_date": "date"},
    "erp_purchase_orders": {
        "po_line": "integer",
        "order_date": "date",
        "expected_date": "date",
        "quantity": "decimal",
        "unit_cost": "decimal",
        "received_quantity": "decimal",
        "receipt_date": "date",
    },
    "erp_production_orders": {
        "planned_start_date": "date",
        "due_date": "date",
        "planned_quantity": "decimal",
        "completed_date": "date",
        "completed_quantity": "decimal",
        "run_hours": "decimal",
        "downtime_hours": "decimal",
        "scrap_quantity": "decimal",
    },
    "erp_sales_orders": {
        "order_line": "integer",
        "order_date": "date",
        "requested_date": "date",
        "promised_date": "date",
        "quantity": "decimal",
        "unit_price": "decimal",
        "delivered_quantity": "decimal",
        "delivered_date": "date",
    },
    "erp_inventory": {"snapshot_date": "date", "quantity": "decimal"},
    "calendar_periods": {"calendar_date": "date"},
    "calendar_events": {"event_date": "date"},
    "sales_history": {"sale_date": "date", "quantity": "decimal", "unit_price": "decimal"},
    "wms_events": {"event_time": "timestamp", "exported_at": "timestamp", "qty": "integer"},
    "wms_stock": {"snapshot_time": "timestamp", "exported_at": "timestamp", "qty": "integer"},
    "pos_sales": {"business_date": "date", "qty": "integer", "unit_price": "decimal", "net_amount": "decimal"},
    "oms_events": {"event_time": "timestamp", "exported_at": "timestamp", "line": "integer", "qty": "integer", "unit_price": "decimal"},
    "planning_overrides": {"start_date": "date", "end_date": "date", "value": "decimal", "submitted_at": "timestamp"},
}


def test_the_typed_columns_of_the_existing_contracts_keep_their_types():
    changed = []
    for source, pinned in FIELD_TYPES.items():
        if source not in CONTRACTS:
            changed.append(f"{source}: no contract exports it any more (FIELD_TYPES in tests/unit/test_contract_types.py pins its fields)")
            continue
        types = CONTRACTS[source].field_types
        changed += [
            f"{source}.{field} ({CONTRACT_FILES[source]}): {pinned.get(field) or 'text'} -> {types.get(field) or 'text'}"
            for field in sorted(set(pinned) | set(types))
            if pinned.get(field) != types.get(field)
        ]
    assert not changed, (
        "typed fields changed; the loader rewrites, and staging casts, a field as its type says. If meant, "
        "update FIELD_TYPES in tests/unit/test_contract_types.py and the staging model's cast:\n" + "\n".join(changed)
    )
    assert CONTRACTS["erp_items"].field_types["unit_cost"] == "decimal" and CONTRACTS["erp_items"].field_types["launch_date"] == "date"
    assert CONTRACTS["oms_events"].field_types["event_time"] == "timestamp" and CONTRACTS["pos_sales"].field_types["business_date"] == "date"


# How dbt's staging casts a column, and the field types each cast reads.
_STAGING_CASTS = {
    r"\{\{ to_number\('(\w+)'\) \}\}": {"decimal", "integer"},  # an integer field staged as numeric (quantities)
    r"\{\{ to_whole_number\('(\w+)'\) \}\}": {"whole_decimal"},
    r"cast\((\w+) as integer\)": {"integer"},
    r"\{\{ parse_iso_date\('(\w+)'\) \}\}": {"date"},
    r"\{\{ parse_iso_timestamp\('(\w+)'\) \}\}": {"timestamp"},
}


def test_staging_casts_exactly_the_typed_columns_as_their_contracts_type_them():
    """A column staging casts and no contract rule types would reach dbt in the company's notation."""
    staging = Path(DBT_PROJECT_FILE).parent / "models" / "staging"
    for model in sorted(staging.glob("stg_*.sql")):
        sql = model.read_text()
        if re.search(r"\bsource\('company',", sql):
            continue  # the company's configuration (schema company), typed when it is written: no file's notation to cast
        [source] = re.findall(r"valid_source_rows\('(\w+)'\)", sql)
        cast = {column: types for pattern, types in _STAGING_CASTS.items() for column in re.findall(pattern, sql)}
        field_types = CONTRACTS[source].field_types
        assert set(cast) == set(field_types), (model.name, set(cast) ^ set(field_types))
        assert all(field_types[column] in types for column, types in cast.items()), (model.name, field_types)
        assert not re.search(r"replace\(|strptime|%d/%m|%Y%m%d", sql), model.name  # staging only casts canonical text


def test_the_canonical_text_is_the_one_the_loader_writes():
    from data_contracts.company.mapping import CANONICAL_DATE, CANONICAL_TIMESTAMP

    assert (DATE_FORMAT, TIMESTAMP_FORMAT) == (CANONICAL_DATE, CANONICAL_TIMESTAMP)
    assert set(CANONICAL_NOTATION) == set(NUMBER_TYPES) | {"date", "timestamp"}


def test_a_reason_that_names_the_notation_expected_is_about_a_typed_field():
    with pytest.raises(ValueError, match="expected"):
        Rule("number_format", "null", "_bad_x", "'{value}' is not written as {expected}")
    [rule, _] = decimal("unit_cost", "cost")
    assert (rule.field, rule.field_type, rule.expected) == ("unit_cost", "decimal", CANONICAL_NOTATION["decimal"])
    assert "{expected}" in rule.reason and "French" not in rule.reason + rule.statement
