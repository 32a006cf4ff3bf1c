"""Sales history: the demand of the minimal input (items, locations, sales history).

A company that has no till, web-shop or order-book exports brings what it sold: units per item,
location and period, with the channel and the price when it knows them. Rows are canonical (the
company's source mapping says how its files write numbers and dates). The channel, when given,
is one the company declares (``channels`` in company.yaml); without one, dbt puts the row on the
company's store channel when it has exactly one, else on the channel ``ALL``
(``stg_history__sales``).

A row covers a ``period`` (PERIODS: ``day``, the default when empty, ``week`` or ``month``;
a mapping sets it for a whole file under ``constants`` or reads it from a column) that starts on
its ``sale_date``: a week is the seven days from it, whatever the weekday, a month the calendar
month it is the first day of. A period is held back while it is not over at the as-of time (its
total is not whole yet). dbt spreads periods to days (``int_history_sales_days``); company.yaml
``history.spread`` says whether those days are daily demand or feed the monthly S&OP history only.
"""

from __future__ import annotations

from data_contracts.fields import date_format, decimal
from data_contracts.model import Contract, Rule, absent, known, not_negative, plausible_quantity, required
from data_contracts.sources.erp import MAX_ORDER_QUANTITY, MAX_UNIT_PRICE, UNKNOWN_ITEM, UNKNOWN_LOCATION, channel
from data_contracts.sources.sql import codes, date_of, day_of, number

COLUMNS = ("item_code", "location_code", "channel", "sale_date", "period", "quantity", "unit_price")
# A row is identified by its first day: a day row and a week row starting on the same day are one
# figure sent twice (the duplicate rule names the period each gives); overlapping periods that
# start on different days both flow on, and dbt counts each day once, from the finest period.
KEY = ("item_code", "location_code", "channel", "sale_date")
# The periods a row may cover, finest first (an empty period is a day).
PERIODS = ("day", "week", "month")

_DAY = date_of("sale_date")
_PERIOD = "coalesce(r.period, 'day')"
# The period's last day (its midnight), and its days: a month's are its calendar days.
_PERIOD_END = f"CASE {_PERIOD} WHEN 'week' THEN {_DAY} + INTERVAL 6 DAY WHEN 'month' THEN {_DAY} + INTERVAL 1 MONTH - INTERVAL 1 DAY ELSE {_DAY} END"
_PERIOD_DAYS = f"CASE {_PERIOD} WHEN 'week' THEN 7 WHEN 'month' THEN datediff('day', {_DAY}, {_DAY} + INTERVAL 1 MONTH) ELSE 1 END"

# The validation frame finds a duplicate only when every key field is filled; the channel is
# optional, so rows without one are compared here: the first earlier row (by load time, file and
# row, the frame's order) of the same item, location and day, also without channel, named as the
# key's duplicate rule names it (its file and row, and the values the re-sent row changes).
_ORDER = "(o._loaded_at, o._source_file, o._row_number)"
_CHANGES = ", ".join(
    f"CASE WHEN r.{c} IS DISTINCT FROM o.{c} THEN '{c} ' || coalesce(o.{c}, 'empty') || ' -> ' || coalesce(r.{c}, 'empty') END"
    for c in ("period", "quantity", "unit_price")
)
_DUPLICATE_WITHOUT_CHANNEL = (
    "CASE WHEN r.channel IS NULL AND r.item_code IS NOT NULL AND r.location_code IS NOT NULL AND r.sale_date IS NOT NULL THEN "
    f"(SELECT arg_min(o._source_file || ' row ' || o._row_number || coalesce(', re-sent with a different payload (' || nullif(concat_ws('; ', {_CHANGES}), '') || ')', ''), "
    f"{_ORDER}) FROM raw.sales_history o "
    "WHERE o.channel IS NULL AND o.item_code = r.item_code AND o.location_code = r.location_code AND o.sale_date = r.sale_date "
    f"AND {_ORDER} < (r._loaded_at, r._source_file, r._row_number)) END"
)

SALES_HISTORY = Contract(
    source="sales_history",
    system="history",
    description="Sales history: units sold per item, location and day (or week, or month), with the channel and the unit price when known (the minimal input's demand).",
    columns=COLUMNS,
    rules=(
        *required("item_code", "location_code", "sale_date", "quantity"),
        *date_format("sale_date", happened=True),
        *decimal("quantity", "quantity"),
        *decimal("unit_price", "price", minimum=0, maximum=MAX_UNIT_PRICE),
        known("item_code", "items", UNKNOWN_ITEM),
        known("location_code", "locations", UNKNOWN_LOCATION),
        channel("correct the channel in the sales history, or leave it empty"),
        Rule(
            "allowed_values",
            "in_set",
            "period",
            f"'{{value}}' in 'period' is not a period: a row covers a {', a '.join(PERIODS[:-1])} or a {PERIODS[-1]} (empty: a day), "
            "starting on its sale_date; correct the column, or the source mapping's constant",
            {"value_set": list(PERIODS)},
            statement=f"'period' is empty (a day) or one of {', '.join(PERIODS)}",
        ),
        absent(
            "period_start",
            "_period_start",
            "'sale_date' {value} is not the first day of a month: a month row is dated on the 1st of the month it covers "
            "(sale_date is the first day of the row's period); correct the date, or the row's period",
            sql=f"CASE WHEN r.period = 'month' AND day({_DAY}) <> 1 THEN r.sale_date END",
            statement="a month row's 'sale_date' is the first day of its month",
        ),
        absent(
            "period_not_over",
            "_period_not_over",
            "the {value} is not over at the as-of time of the load: a period's total is whole only once the period has ended; "
            "deliver the row then, or deliver the days so far as day rows",
            # a future first day is future_date's, a month not on its 1st period_start's: said once
            sql=f"CASE WHEN r.period IN ('week', 'month') AND {_DAY} <= $as_of AND (r.period = 'week' OR day({_DAY}) = 1) AND {_PERIOD_END} > $as_of "
            f"THEN r.period || ' ' || r.sale_date || ' to ' || strftime({_PERIOD_END}, '%Y-%m-%d') END",
            statement="a week's or a month's last day is not later than the as-of time of the load",
        ),
        not_negative("_quantity", "quantity sold is negative: a sales history counts units sold; leave returns out or net them into the period's sales"),
        plausible_quantity(
            f"_quantity / {_PERIOD_DAYS}",
            "quantity",
            MAX_ORDER_QUANTITY,
            "units of one item at one location on one day (a week's or a month's row: per day on average)",
        ),
        absent(
            "duplicate_row",
            "_duplicate_without_channel",
            f"duplicate of {{value}} (same {', '.join(KEY)}, both without channel): the row was exported twice; the first occurrence is kept",
            sql=_DUPLICATE_WITHOUT_CHANNEL,
            statement="no earlier row without channel has the same item_code, location_code and sale_date (only the first occurrence flows on)",
        ),
    ),
    key=KEY,
    derived={"_quantity": number("quantity"), "_period_end": _PERIOD_END},
    parameters={"items": codes("erp_items", "item_code"), "locations": codes("erp_locations", "location_code")},
    # a period's rows are as recent as their last day
    timestamp_column="_period_end",
    freshness_hours=48,
    depends_on=("erp_items", "erp_locations"),
    partition_date=day_of("sale_date"),
)

# Validation stage (data_contracts/registry.py).
HISTORY = (SALES_HISTORY,)
