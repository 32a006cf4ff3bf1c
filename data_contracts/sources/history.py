"""Sales history: the demand of the minimal input (items, locations, sales history).

A company that has no till, web-shop or order-book exports brings what it sold: units per item,
location and day, with the channel and the price when it knows them. Rows are canonical (the
company's source mapping says how its files write numbers and dates). The channel, when given,
is one the company declares (``channels`` in company.yaml); without one, dbt puts the row on the
company's store channel when it has exactly one, else on the channel ``ALL``
(``stg_history__sales``).
"""

from __future__ import annotations

from data_contracts.fields import date_format, decimal
from data_contracts.model import Contract, absent, known, not_negative, plausible_quantity, required
from data_contracts.sources.erp import MAX_ORDER_QUANTITY, MAX_UNIT_PRICE, UNKNOWN_ITEM, UNKNOWN_LOCATION, channel
from data_contracts.sources.sql import codes, date_of, day_of, number

COLUMNS = ("item_code", "location_code", "channel", "sale_date", "quantity", "unit_price")
KEY = ("item_code", "location_code", "channel", "sale_date")

# The validation frame finds a duplicate only when every key field is filled; the channel is
# optional, so rows without one are compared here: the first earlier row (by load time, file and
# row, the frame's order) of the same item, location and day, also without channel, named as the
# key's duplicate rule names it (its file and row, and the values the re-sent row changes).
_ORDER = "(o._loaded_at, o._source_file, o._row_number)"
_CHANGES = ", ".join(
    f"CASE WHEN r.{c} IS DISTINCT FROM o.{c} THEN '{c} ' || coalesce(o.{c}, 'empty') || ' -> ' || coalesce(r.{c}, 'empty') END"
    for c in ("quantity", "unit_price")
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
    description="Sales history: units sold per item, location and day, with the channel and the unit price when known (the minimal input's demand).",
    columns=COLUMNS,
    rules=(
        *required("item_code", "location_code", "sale_date", "quantity"),
        *date_format("sale_date", happened=True),
        *decimal("quantity", "quantity"),
        *decimal("unit_price", "price", minimum=0, maximum=MAX_UNIT_PRICE),
        known("item_code", "items", UNKNOWN_ITEM),
        known("location_code", "locations", UNKNOWN_LOCATION),
        channel("correct the channel in the sales history, or leave it empty"),
        not_negative("_quantity", "quantity sold is negative: a sales history counts units sold; leave returns out or net them into the day's sales"),
        plausible_quantity("_quantity", "quantity", MAX_ORDER_QUANTITY, "units of one item at one location on one day"),
        absent(
            "duplicate_row",
            "_duplicate_without_channel",
            f"duplicate of {{value}} (same {', '.join(KEY)}, both without channel): the row was exported twice; the first occurrence is kept",
            sql=_DUPLICATE_WITHOUT_CHANNEL,
            statement="no earlier row without channel has the same item_code, location_code and sale_date (only the first occurrence flows on)",
        ),
    ),
    key=KEY,
    derived={"_quantity": number("quantity"), "_sale_date": date_of("sale_date")},
    parameters={"items": codes("erp_items", "item_code"), "locations": codes("erp_locations", "location_code")},
    timestamp_column="_sale_date",
    freshness_hours=48,
    depends_on=("erp_items", "erp_locations"),
    partition_date=day_of("sale_date"),
)
