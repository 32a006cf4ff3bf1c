"""Event streams (WMS movements and stock, OMS order lines), POS daily sales and planners' overrides.

The rows are canonical (the company's source mappings say how each system writes numbers and
times); the contracts check and read canonical text only. A system's item codes are those of the
code systems the company declares with the system's role (``code_systems`` in company.yaml:
warehouse, point_of_sale, marketplace), its units and channels the company's (``units``,
``channels``), its stores the locations of a type of role store: no contract names a company's code."""

from __future__ import annotations

from data_contracts.fields import date_format, date_order, decimal, integer, matches, setting
from data_contracts.model import (
    Contract,
    Rule,
    absent,
    allowed,
    known,
    not_negative,
    plausible_quantity,
    positive_price,
    required,
)
from data_contracts.sources.declared import COMPANY_FILE, declared, declared_unit
from data_contracts.sources.erp import MAX_UNIT_PRICE
from data_contracts.sources.sql import (
    code_not_valid_on,
    codes,
    company_table,
    date_of,
    day_of,
    item_of,
    local_date,
    location_types_of_role,
    number,
    time_of,
    unit_declared,
    unit_not_defined,
    xref_codes,
)

# Largest plausible quantity on one line, in the line's unit: far above any real till line, web
# order or warehouse movement, low enough to catch a barcode scanned into the quantity field.
MAX_TILL_LINE_QUANTITY = 10_000
MAX_WEB_ORDER_QUANTITY = 1_000
MAX_MOVEMENT_QUANTITY = 1_000_000
MAX_STOCK_QUANTITY = 10_000_000
# A till line's amount: its plausible quantity at the plausible price of one unit, either sign.
MAX_TILL_LINE_AMOUNT = MAX_TILL_LINE_QUANTITY * MAX_UNIT_PRICE
# Planner overrides beyond these are typos (-500 %, 10^20 units): settings, not one company's figures.
MAX_OVERRIDE_PCT = setting("PLANLINE_MAX_OVERRIDE_PCT", "1000", int)
MAX_OVERRIDE_UNITS = setting("PLANLINE_MAX_OVERRIDE_UNITS", "1000000", int)
NOT_VALID_ON_DATE = "item code {value}: the cross-reference has this code but no mapping valid on that day; fix the validity dates in the ERP item_xref"
UNMAPPED_WMS_CODE = f"warehouse item code '{{value}}' is not in the item cross-reference under a code system of role warehouse (code_systems in {COMPANY_FILE})"
UNIT_NOT_DEFINED = "unit not defined for this item in the ERP unit table (item|unit = {value}): add the conversion or correct the unit"
EXPORTED_BEFORE_EVENT = (
    "event_time is after the time the event was exported ({value}): the source clock or the event date is wrong; correct it in the source system"
)
EXPORTED_BEFORE_SNAPSHOT = (
    "snapshot_time is after the time the snapshot was exported ({value}): the source clock or the snapshot time is wrong; correct it in the source system"
)


def _event_time_rules() -> tuple[Rule, ...]:
    # an export has happened too: a time after the as-of time is a wrong clock
    return (
        *date_format("event_time", "timestamp", happened=True),
        *date_format("exported_at", "timestamp", happened=True),
        absent("future_date", "_event_after_export", EXPORTED_BEFORE_EVENT),
    )


_EVENT_DERIVED = {
    "_event_ts": time_of("event_time"),
    "_exported_ts": time_of("exported_at"),
    "_event_after_export": f"CASE WHEN {time_of('event_time')} > {time_of('exported_at')} THEN r.event_time || ' > ' || r.exported_at END",
}

WMS_EVENTS = Contract(
    source="wms_events",
    system="wms",
    description="WMS movements: receipts, shipments, transfers, adjustments, returns and restocks.",
    columns=("event_id", "event_type", "event_time", "exported_at", "site", "sku", "qty", "uom", "reference", "reason", "condition"),
    rules=(
        *required("event_id", "event_type", "event_time", "exported_at", "site", "sku", "qty", "uom"),
        *_event_time_rules(),
        *integer("qty", cast="numeric"),
        allowed("event_type", ("RECEIPT", "SHIP", "TRANSFER_IN", "ADJUSTMENT", "RETURN", "RESTOCK")),
        declared_unit("uom", "correct the unit in the WMS"),
        known("site", "locations", "site '{value}' is not in the ERP location master"),
        known("sku", "wms_codes", UNMAPPED_WMS_CODE + ": add the mapping in the ERP or correct the code in the WMS", name="unmapped_code"),
        known(
            "_receipt_site_unit",
            "receiving_units",
            "receipt reported as {value} but this site receives in another unit (location master): packs were probably reported as eaches; correct the unit in the WMS and re-export",
            name="wrong_unit",
        ),
        not_negative(
            "_qty",
            "negative quantity on a movement that is not an adjustment: a receipt, shipment or return cannot be negative; correct it in the WMS",
            when=("event_type", ("RECEIPT", "SHIP", "TRANSFER_IN", "RETURN", "RESTOCK")),
        ),
        plausible_quantity("_qty", "qty", MAX_MOVEMENT_QUANTITY, "units per movement"),
        absent("unmapped_code", "_sku_not_valid_on_day", NOT_VALID_ON_DATE, sql=code_not_valid_on("warehouse", "r.sku", local_date(time_of("event_time")))),
        absent(
            "unknown_unit",
            "_unit_not_defined",
            UNIT_NOT_DEFINED,
            sql=f"CASE WHEN {unit_declared('r.uom')} THEN {unit_not_defined('mapped.item_code', 'r.uom')} END",
        ),
        matches(
            "reference",
            "PO[0-9]+/[0-9]+|MO[0-9]+",
            "reference_format",
            "receipt reference '{value}' is neither a purchase order line (PO<number>/<line>) nor a manufacturing order (MO<number>)",
            "'reference' is empty or a purchase order line (PO<number>/<line>) or a manufacturing order (MO<number>)",
            when=("event_type", ("RECEIPT",)),
        ),
        Rule("mandatory_field", "not_null", "reference", "a receipt must reference its purchase or manufacturing order", when=("event_type", ("RECEIPT",))),
        absent(
            "unknown_reference",
            "_unknown_order",
            "receipt against {value}, an order no ERP export holds: correct the reference in the WMS; the receipt is checked again "
            "with every load and flows on once the ERP exports the order",
            sql=(
                "CASE WHEN r.event_type = 'RECEIPT' AND regexp_full_match(r.reference, 'PO[0-9]+/[0-9]+') AND NOT EXISTS "
                "(SELECT 1 FROM raw.erp_purchase_orders po WHERE po.po_number || '/' || po.po_line = r.reference) THEN r.reference "
                "WHEN r.event_type = 'RECEIPT' AND regexp_full_match(r.reference, 'MO[0-9]+') AND NOT EXISTS "
                "(SELECT 1 FROM raw.erp_production_orders mo WHERE mo.mo_number = r.reference) THEN r.reference END"
            ),
            statement="a receipt's purchase or manufacturing order is in the ERP's exports",
        ),
    ),
    key=("event_id",),
    derived={
        **_EVENT_DERIVED,
        "_qty": number("qty"),
        "_receipt_site_unit": "CASE WHEN r.event_type = 'RECEIPT' THEN r.site || ' in ' || r.uom END",
    },
    joins=(item_of("warehouse", "r.sku"),),
    parameters={
        "locations": codes("erp_locations", "location_code"),
        "wms_codes": xref_codes("warehouse"),
        "receiving_units": "SELECT location_code || ' in ' || wms_receiving_unit FROM VALID(erp_locations)",
    },
    timestamp_column="_event_ts",
    freshness_hours=24,
    # receipts name ERP orders: the day's order exports load first
    depends_on=("erp_locations", "erp_item_xref", "erp_unit_conversions", "erp_purchase_orders", "erp_production_orders"),
    partition_date=local_date(time_of("event_time")),
)

WMS_STOCK = Contract(
    source="wms_stock",
    system="wms",
    description="WMS physical stock: weekly snapshot per site and item.",
    columns=("snapshot_time", "exported_at", "site", "sku", "qty", "uom"),
    rules=(
        *required("snapshot_time", "exported_at", "site", "sku", "qty", "uom"),
        *date_format("snapshot_time", "timestamp", happened=True),
        *date_format("exported_at", "timestamp", happened=True),
        *integer("qty", cast="numeric"),
        declared_unit("uom", "correct the unit in the WMS"),
        known("site", "locations", "site '{value}' is not in the ERP location master"),
        known("sku", "wms_codes", UNMAPPED_WMS_CODE, name="unmapped_code"),
        not_negative("_qty", "physical stock cannot be negative: recount the location"),
        plausible_quantity("_qty", "qty", MAX_STOCK_QUANTITY, "units of stock of one item at one site"),
        absent("future_date", "_snapshot_after_export", EXPORTED_BEFORE_SNAPSHOT),
        absent("unmapped_code", "_sku_not_valid_on_day", NOT_VALID_ON_DATE, sql=code_not_valid_on("warehouse", "r.sku", local_date(time_of("snapshot_time")))),
        # stock is counted in base units through the item's conversion: a unit it lacks would lose the row
        absent(
            "unknown_unit",
            "_unit_not_defined",
            UNIT_NOT_DEFINED,
            sql=f"CASE WHEN {unit_declared('r.uom')} THEN {unit_not_defined('mapped.item_code', 'r.uom')} END",
        ),
    ),
    key=("snapshot_time", "site", "sku"),
    derived={
        "_qty": number("qty"),
        "_snapshot_ts": time_of("snapshot_time"),
        "_snapshot_after_export": f"CASE WHEN {time_of('snapshot_time')} > {time_of('exported_at')} THEN r.snapshot_time || ' > ' || r.exported_at END",
    },
    joins=(item_of("warehouse", "r.sku"),),
    parameters={"locations": codes("erp_locations", "location_code"), "wms_codes": xref_codes("warehouse")},
    timestamp_column="_snapshot_ts",
    freshness_hours=24 * 8,
    depends_on=("erp_locations", "erp_item_xref", "erp_unit_conversions"),
    partition_date=local_date(time_of("snapshot_time")),
)

POS_SALES = Contract(
    source="pos_sales",
    system="pos",
    description="Store sales by barcode: one CSV per store and business day, sales and returns.",
    columns=("store", "business_date", "ean", "line_type", "qty", "unit_price", "net_amount", "promo_id"),
    rules=(
        *required("store", "business_date", "ean", "line_type", "qty", "unit_price"),
        *date_format("business_date", happened=True),
        *integer("qty", cast="numeric"),
        *decimal("unit_price", "price", minimum=0, maximum=MAX_UNIT_PRICE),
        *decimal("net_amount", "amount", minimum=-MAX_TILL_LINE_AMOUNT, maximum=MAX_TILL_LINE_AMOUNT),
        allowed("line_type", ("SALE", "RETURN")),
        known(
            "store",
            "stores",
            f"store '{{value}}' is not a store in the ERP location master (a location whose type has role store under location_types in {COMPANY_FILE}): "
            "correct the store in the till export or the location in the ERP",
        ),
        known(
            "ean",
            "eans",
            f"barcode '{{value}}' is not in the item cross-reference under a code system of role point_of_sale (code_systems in {COMPANY_FILE}): "
            "add the barcode in the ERP or check the till's item file",
            name="unmapped_code",
        ),
        not_negative("_qty", "negative quantity on a SALE line: returns must be sent as RETURN lines; correct the till export", when=("line_type", ("SALE",))),
        absent(
            "wrong_sign",
            "_wrong_sign",
            "{value}: a SALE line counts units and amounts sold (not negative), a RETURN line those given back, negative; correct the till export",
            sql=(
                f"CASE WHEN r.line_type = 'RETURN' AND {number('qty')} > 0 THEN 'qty ' || r.qty || ' on a RETURN line' "
                f"WHEN r.line_type = 'RETURN' AND {number('net_amount')} > 0 THEN 'net_amount ' || r.net_amount || ' on a RETURN line' "
                f"WHEN r.line_type = 'SALE' AND {number('net_amount')} < 0 THEN 'net_amount ' || r.net_amount || ' on a SALE line' END"
            ),
            statement="'qty' and 'net_amount' are not negative on a SALE line, not positive on a RETURN line",
        ),
        plausible_quantity("_qty", "qty", MAX_TILL_LINE_QUANTITY, "units of one item on one store day"),
        absent(
            "unmapped_code",
            "_ean_not_valid_on_day",
            NOT_VALID_ON_DATE,
            sql=code_not_valid_on("point_of_sale", "r.ean", day_of("business_date")),
        ),
    ),
    key=("store", "business_date", "ean", "line_type"),
    derived={"_qty": number("qty"), "_business_date": date_of("business_date")},
    parameters={
        "stores": codes("erp_locations", "location_code", f"location_type IN {location_types_of_role('store')}"),
        "eans": xref_codes("point_of_sale"),
    },
    timestamp_column="_business_date",
    freshness_hours=48,
    depends_on=("erp_locations", "erp_item_xref"),
    partition_date=day_of("business_date"),
)

# An OMS line's channel and its role (company.channels): the OMS sends the lines of the online and
# marketplace channels. The ERP item a line is for: a marketplace's lines carry the marketplace's
# code (code systems of role marketplace), the others the item master's.
OMS_ROLES = ("online", "marketplace")
_OMS_ROLE_LIST = ", ".join(f"'{role}'" for role in OMS_ROLES)
_OMS_ITEM = "CASE WHEN channel.channel_role = 'marketplace' THEN mapped.item_code ELSE r.item END"

OMS_EVENTS = Contract(
    source="oms_events",
    system="oms",
    description="Online order lines (web shop and marketplace): placed, shipped, cancelled, returned.",
    columns=(
        "event_id",
        "event_type",
        "event_time",
        "exported_at",
        "order_id",
        "line",
        "channel",
        "item",
        "qty",
        "uom",
        "unit_price",
        "ship_from",
        "customer_region",
    ),
    rules=(
        *required("event_id", "event_type", "event_time", "exported_at", "order_id", "line", "channel", "item", "qty", "uom", "ship_from"),
        *_event_time_rules(),
        *integer("qty", cast="numeric"),
        *integer("line", minimum=0),
        *decimal("unit_price", "price", minimum=0, maximum=MAX_UNIT_PRICE),
        allowed("event_type", ("LINE_PLACED", "LINE_SHIPPED", "LINE_CANCELLED", "LINE_RETURNED")),
        declared("channel", "channels", "channels", "channel_id", "channel", "correct the channel in the OMS", hint="with its role: online or marketplace"),
        absent(
            "allowed_values",
            "_channel_not_online",
            f"channel {{value}}: the OMS sends the lines of online and marketplace channels; correct the channel in the OMS or its role under channels in {COMPANY_FILE}",
            sql=f"CASE WHEN channel.channel_role NOT IN ({_OMS_ROLE_LIST}) THEN r.channel || ' has role ' || channel.channel_role END",
            statement=f"'channel' is empty, undeclared or a channel of role {' or '.join(OMS_ROLES)} in {COMPANY_FILE}",
        ),
        declared_unit("uom", "correct the unit in the OMS"),
        known("ship_from", "locations", "ship-from location '{value}' is not in the ERP location master"),
        known(
            "item",
            "items",
            "item '{value}' of an online order is not in the ERP item master: correct the code in the OMS or create the item",
            name="unmapped_code",
            when=("channel_role", ("online",)),
        ),
        known(
            "item",
            "marketplace_codes",
            f"marketplace code '{{value}}' is not in the item cross-reference under a code system of role marketplace (code_systems in {COMPANY_FILE}): "
            "map it in the ERP",
            name="unmapped_code",
            when=("channel_role", ("marketplace",)),
        ),
        not_negative("_qty", "negative quantity on an order line: correct it in the OMS"),
        absent(
            "zero_quantity",
            "_zero_qty",
            "'qty' is {value} on an order line: a line of no units orders, ships, cancels or returns nothing; correct it in the OMS",
            sql=f"CASE WHEN {number('qty')} = 0 THEN r.qty END",
            statement="'qty' is not 0",
        ),
        plausible_quantity("_qty", "qty", MAX_WEB_ORDER_QUANTITY, "units per online order line"),
        positive_price(
            "_unit_price", "order line placed at a price of zero: check the price sent to the shop or marketplace", when=("event_type", ("LINE_PLACED",))
        ),
        absent(
            "unmapped_code",
            "_code_not_valid_on_day",
            NOT_VALID_ON_DATE,
            sql=f"CASE WHEN channel.channel_role = 'marketplace' THEN {code_not_valid_on('marketplace', 'r.item', local_date(time_of('event_time')))} END",
        ),
        absent(
            "unknown_unit", "_unit_not_defined", UNIT_NOT_DEFINED, sql=f"CASE WHEN {unit_declared('r.uom')} THEN {unit_not_defined(_OMS_ITEM, 'r.uom')} END"
        ),
    ),
    key=("event_id",),
    derived={**_EVENT_DERIVED, "_qty": number("qty"), "_unit_price": number("unit_price"), "channel_role": "channel.channel_role"},
    joins=(f"LEFT JOIN {company_table('channels')} channel ON channel.channel_id = r.channel", item_of("marketplace", "r.item")),
    parameters={
        "locations": codes("erp_locations", "location_code"),
        "items": codes("erp_items", "item_code"),
        "marketplace_codes": xref_codes("marketplace"),
    },
    timestamp_column="_event_ts",
    freshness_hours=24,
    depends_on=("erp_locations", "erp_items", "erp_item_xref", "erp_unit_conversions"),
    partition_date=local_date(time_of("event_time")),
)

PLANNER_OVERRIDES = Contract(
    source="planning_overrides",
    system="planning",
    description="Planner (key-account manager) forecast adjustments with author and reason.",
    columns=(
        "override_id",
        "level",
        "item_or_family",
        "location_or_customer",
        "start_date",
        "end_date",
        "adjustment_type",
        "value",
        "author",
        "reason",
        "submitted_at",
    ),
    rules=(
        # submitted_at decides which forecasts an override applies to: without it, it would apply to none
        *required("override_id", "level", "item_or_family", "start_date", "end_date", "adjustment_type", "value", "author", "reason", "submitted_at"),
        *date_format("submitted_at", "timestamp"),
        allowed("level", ("SKU", "FAMILY")),
        allowed("adjustment_type", ("ABS", "PCT")),
        *date_format("start_date"),
        *date_format("end_date"),
        *decimal("value", "number"),
        absent(
            "out_of_range",
            "_implausible_override",
            f"adjustment {{value}}: a PCT override changes the forecast by -100 % (nothing left) to +{MAX_OVERRIDE_PCT:,} %, "
            f"an ABS override by at most {MAX_OVERRIDE_UNITS:,} units either way; correct the value",
            sql=(
                f"CASE WHEN (r.adjustment_type = 'PCT' AND NOT {number('value')} BETWEEN -100 AND {MAX_OVERRIDE_PCT}) "
                f"OR (r.adjustment_type = 'ABS' AND abs({number('value')}) > {MAX_OVERRIDE_UNITS}) THEN r.adjustment_type || ' ' || r.value END"
            ),
            statement=f"'value' is -100 to {MAX_OVERRIDE_PCT:,} for a PCT override, at most {MAX_OVERRIDE_UNITS:,} units either way for an ABS one",
        ),
        known("item_or_family", "items", "item '{value}' is not in the ERP item master", when=("level", ("SKU",))),
        known(
            "item_or_family",
            "families",
            "family '{value}' is not a family of the ERP item master: correct the family (or give an item at level SKU)",
            name="allowed_values",
            when=("level", ("FAMILY",)),
        ),
        known("location_or_customer", "targets", "'{value}' is neither a location nor a customer in the ERP"),
        date_order("start_date", "end_date", "invalid_period", "an override's period cannot end before it starts"),
    ),
    key=("override_id",),
    parameters={
        "items": codes("erp_items", "item_code"),
        "families": codes("erp_items", "family"),
        "targets": "SELECT location_code FROM VALID(erp_locations) UNION SELECT customer_code FROM VALID(erp_customers)",
    },
    depends_on=("erp_items", "erp_locations", "erp_customers"),
    # planners' inputs: a typo refuses that row (listed in the cockpit for its author), never the run
    blocking=False,
)

# Validation stages (data_contracts/registry.py): WMS events look up the ERP's orders.
TRANSACTIONS = (WMS_EVENTS, WMS_STOCK, POS_SALES, OMS_EVENTS)
# The sources whose rows are events a system can send as they happen: the live service takes them
# one by one or in batches (docs/service.md); a stock snapshot is no event.
EVENT_STREAMS = (WMS_EVENTS, OMS_EVENTS, POS_SALES)
PLANNER_INPUTS = (PLANNER_OVERRIDES,)
