"""ERP contracts: master data (items, network, partners, prices) and transactions (orders, stock).

The rows are canonical (the company's source mappings say how its ERP writes numbers and dates);
the contracts check and read canonical text only. The company's codes (families, units, location
types, channels, code systems, segments) are its configuration's (``company.yaml``, the warehouse
schema ``company``): a contract checks a code against it, never against a list of its own."""

from __future__ import annotations

from data_contracts.fields import date_format, date_order, decimal, integer
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
from data_contracts.sources.declared import COMPANY_FILE, ROLE_HINTS, base_unit, declared, declared_unit
from data_contracts.sources.sql import ITEM_UNIT_PAIRS, codes, date_of, day_of, number

# Largest plausible quantity on one ERP line, in the line's unit (cases or eaches): far above any
# real order or stock, low enough to catch an item or order number keyed into the quantity.
MAX_ORDER_QUANTITY = 1_000_000
MAX_STOCK_QUANTITY = 10_000_000
# Plausible business maxima of the other figures later steps compute with: far above any real
# value, low enough that a keyed-in code or a misplaced separator is caught before it swamps a
# series or overflows the marts' arithmetic: the price or cost of one unit (in the company's
# currency: one in small units, such as VND, raises it), base units in one unit of measure, days of
# lead time and of payment terms, hours booked on one manufacturing order, units a line makes in an
# hour. The marts value stock and demand at quantity x factor x unit cost in DuckDB's DECIMAL(38,18)
# (below 1.7e20): one row at every maximum, 1e7 x 1e4 x 1e6 = 1e17, leaves room for sums of
# thousands of such rows (10^9 x 10^6 overflowed on a single ERP stock row).
MAX_UNIT_PRICE = 1_000_000
MAX_FACTOR = 10_000
MAX_LEAD_TIME_DAYS = 730
MAX_PAYMENT_TERMS_DAYS = 365
MAX_ORDER_HOURS = 10_000
MAX_RUN_RATE = 1_000_000

UNKNOWN_ITEM = "item '{value}' is not in the ERP item master: create the item or correct the code"
UNKNOWN_LOCATION = "location '{value}' is not in the ERP location master: correct the code or add the location"
UNKNOWN_UNIT = "unit is not defined for this item in the ERP unit table (item|unit = {value}): add the conversion or correct the unit"


def family(fix: str) -> Rule:
    """A family of the company's list (``families`` in company.yaml), any family when it lists none."""
    return declared("family", "families", "families", "family", "family", fix, only_when_listed=True)


def channel(fix: str, also: dict[str, str] | None = None) -> Rule:
    """A channel the company declares (``channels``), or one of Planline's words ``also``."""
    return declared("channel", "channels", "channels", "channel_id", "channel", fix, hint=ROLE_HINTS["channel_role"], also=also)


# Receipt, completion and delivery dates are not held to the as-of time like order dates: ERPs post
# them ahead (a delivery booked for tomorrow), and the order line they sit on is demand or supply
# that must not be lost; they only have to be plausible (at most PLANLINE_MAX_FUTURE_DAYS ahead).


def _erp(source: str, description: str, columns: str, rules, **kwargs) -> Contract:
    return Contract(
        source=source,
        system="erp",
        description=description,
        columns=tuple(columns.split(";")),
        rules=tuple(rules),
        **kwargs,
    )


ITEMS = _erp(
    "erp_items",
    "ERP item master: one row per item with family, costs, sourcing and life cycle.",
    "item_code;description;family;base_unit;purchase_unit;unit_cost;list_price;make_or_buy;supplier_code;production_line;moq_cases;launch_date;discontinued_date",
    [
        # only the code: the minimal input's items may be a list of codes drawn from the sales (the
        # staging defaults a description and a base unit); every rule below checks a value when given
        *required("item_code"),
        *decimal("unit_cost", "cost", maximum=MAX_UNIT_PRICE),
        *decimal("list_price", "price", minimum=0, maximum=MAX_UNIT_PRICE),
        *decimal("moq_cases", "quantity", minimum=0, maximum=MAX_ORDER_QUANTITY, cast="integer"),
        family("correct the item's family in the ERP"),
        allowed("make_or_buy", ("MAKE", "BUY")),
        base_unit("base_unit", "correct the item's base unit in the ERP"),
        *date_format("launch_date"),
        *date_format("discontinued_date"),
        date_order("launch_date", "discontinued_date", "invalid_period", "an item cannot be discontinued before its launch"),
        known("supplier_code", "suppliers", "supplier '{value}' is not in the ERP supplier master"),
        known("production_line", "lines", "production line '{value}' is not in the ERP production lines"),
        Rule("zero_price", "between", "_unit_cost", "unit cost must be positive", {"min_value": 0.000001}),
        absent(
            "sourcing_missing",
            "_sourcing_missing",
            "{value}: a made item needs the production line that makes it; give it in the ERP (or correct make_or_buy)",
            statement=(
                "a MAKE item names its production line (a BUY item without supplier, or an item without make_or_buy, "
                f"is planned on the default lead time: planning.default_lead_time_days in {COMPANY_FILE})"
            ),
        ),
    ],
    key=("item_code",),
    derived={
        "_unit_cost": number("unit_cost"),
        "_sourcing_missing": "CASE WHEN r.make_or_buy = 'MAKE' AND r.production_line IS NULL THEN 'MAKE item without production line' END",
    },
    parameters={"suppliers": codes("erp_suppliers", "supplier_code"), "lines": codes("erp_production_lines", "line_code")},
    depends_on=("erp_suppliers", "erp_production_lines"),
    max_quarantine_share=0.0,
)

# A mapping that starts while an earlier one of the same code is still valid (open or ending on or
# after its start): the later-starting row is held back, named with the mapping it overlaps.
_STARTS = date_of("valid_from", "o")
_OVERLAPPED_MAPPING = (
    "(SELECT r.system || ' code ' || r.external_code || ' to item ' || r.item_code || ' from ' || r.valid_from || ' overlaps its mapping to item ' "
    f"|| arg_min(o.item_code, {_STARTS}) || ' from ' || arg_min(o.valid_from, {_STARTS}) "
    f"|| ' (' || arg_min(o._source_file || ' row ' || o._row_number, {_STARTS}) || ')' "
    "FROM raw.erp_item_xref o WHERE o.system = r.system AND o.external_code = r.external_code "
    f"AND {_STARTS} < {date_of('valid_from')} "
    f"AND (o.valid_to IS NULL OR {date_of('valid_to', 'o')} >= {date_of('valid_from')}))"
)

ITEM_XREF = _erp(
    "erp_item_xref",
    "Cross-reference of other systems' item codes (warehouse, point-of-sale barcodes, marketplace listings) to ERP items, with validity dates.",
    "system;external_code;item_code;valid_from;valid_to",
    [
        *required("system", "external_code", "item_code", "valid_from"),
        declared(
            "system",
            "code_systems",
            "code_systems",
            "code_system",
            "code system",
            "correct the system of the mapping in the ERP",
            hint=ROLE_HINTS["code_role"],
        ),
        *date_format("valid_from"),
        *date_format("valid_to"),
        date_order("valid_from", "valid_to", "invalid_period", "a mapping's validity cannot end before it starts"),
        known("item_code", "items", UNKNOWN_ITEM),
        absent(
            "overlapping_period",
            "_overlapped_mapping",
            "{value}: a code maps to one item on any day (the staging joins on the day would count its rows twice); "
            "end the earlier mapping (valid_to) before the new one starts in the ERP",
            statement="no earlier mapping of the same code is still valid when the row's validity starts",
        ),
    ],
    key=("system", "external_code", "valid_from"),
    derived={"_overlapped_mapping": _OVERLAPPED_MAPPING},
    parameters={"items": codes("erp_items", "item_code")},
    depends_on=("erp_items",),
    max_quarantine_share=0.0,
)

UNIT_CONVERSIONS = _erp(
    "erp_unit_conversions",
    "Units of measure per item and their factor to the item's base unit.",
    "item_code;unit;factor_to_base",
    [
        *required("item_code", "unit", "factor_to_base"),
        *decimal("factor_to_base", "factor", above=0, maximum=MAX_FACTOR),
        declared_unit("unit", "correct the unit in the ERP"),
        known("item_code", "items", UNKNOWN_ITEM),
        absent(
            "invalid_factor",
            "_base_unit_factor",
            "{value}: the item's base unit converts to itself with a factor of 1; correct the conversion in the ERP",
            sql=(
                f"CASE WHEN r.unit = item.base_unit AND {number('factor_to_base')} <> 1 "
                "THEN r.unit || ' is the base unit of ' || r.item_code || ' but its factor is ' || r.factor_to_base END"
            ),
            statement="the item's base unit has a factor of 1",
        ),
    ],
    key=("item_code", "unit"),
    joins=("LEFT JOIN VALID(erp_items) item ON item.item_code = r.item_code",),
    parameters={"items": codes("erp_items", "item_code")},
    depends_on=("erp_items",),
    max_quarantine_share=0.0,
)

LOCATIONS = _erp(
    "erp_locations",
    "Network: plant, DCs, stores and virtual channels with their parent and region.",
    "location_code;name;location_type;parent_code;region;wms_receiving_unit",
    [
        # the code and the type (its role places the location in the network); the staging names a
        # location without name by its code; every rule below checks a value when given
        *required("location_code", "location_type"),
        # a location whose type the company has not declared cannot be placed in the network (its role, its echelon)
        declared(
            "location_type",
            "location_types",
            "location_types",
            "location_type",
            "location type",
            "correct the location's type in the ERP; a location of an undeclared type cannot be placed in the network",
            hint=ROLE_HINTS["location_role"],
        ),
        declared_unit("wms_receiving_unit", "correct the location's receiving unit in the ERP"),
    ],
    key=("location_code",),
    max_quarantine_share=0.0,
)

SUPPLIERS = _erp(
    "erp_suppliers",
    "Suppliers with nominal lead time and payment terms.",
    "supplier_code;name;lead_time_days;lead_time_sd_days;payment_terms_days",
    [
        *required("supplier_code", "name", "lead_time_days", "payment_terms_days"),
        *decimal("lead_time_days", "number of days", minimum=0, maximum=MAX_LEAD_TIME_DAYS),
        *decimal("lead_time_sd_days", "number of days", minimum=0, maximum=MAX_LEAD_TIME_DAYS),
        *decimal("payment_terms_days", "number of days", minimum=0, maximum=MAX_PAYMENT_TERMS_DAYS, cast="integer"),
    ],
    key=("supplier_code",),
    max_quarantine_share=0.0,
)

CUSTOMERS = _erp(
    "erp_customers",
    "B2B customers with segment, priority, region, shipping DC and reserved buffer.",
    "customer_code;name;segment;priority;region;ship_from;payment_terms_days;reserved_buffer_pct",
    [
        *required("customer_code", "name", "segment", "priority", "ship_from"),
        declared(
            "segment",
            "segments",
            "segment_service_levels",
            "segment",
            "segment",
            "correct the customer's segment in the ERP",
            hint="with its allocation_priority, cycle_service_level and fill_rate",
        ),
        *decimal("priority", "priority", minimum=0, cast="integer"),
        *decimal("payment_terms_days", "number of days", minimum=0, maximum=MAX_PAYMENT_TERMS_DAYS, cast="integer"),
        *decimal("reserved_buffer_pct", "percentage", minimum=0, maximum=100),
        known("ship_from", "locations", UNKNOWN_LOCATION),
    ],
    key=("customer_code",),
    parameters={"locations": codes("erp_locations", "location_code")},
    depends_on=("erp_locations",),
    max_quarantine_share=0.0,
)

PRODUCTION_LINES = _erp(
    "erp_production_lines",
    "Production lines of the plant: hours per day, run rate and costs.",
    "line_code;plant_code;family;hours_per_day;run_rate_per_hour;overtime_hours_per_day;cost_per_hour",
    [
        *required("line_code", "plant_code", "family", "hours_per_day", "run_rate_per_hour"),
        family("correct the line's family in the ERP"),
        *decimal("hours_per_day", "number of hours", minimum=0, maximum=24),
        *decimal("overtime_hours_per_day", "number of hours", minimum=0, maximum=24),
        *decimal("run_rate_per_hour", "rate", above=0, maximum=MAX_RUN_RATE),
        *decimal("cost_per_hour", "cost", minimum=0, maximum=MAX_UNIT_PRICE),
        absent(
            "out_of_range",
            "_hours_beyond_a_day",
            "{value}: a line's regular and overtime hours together fit in a day of 24 hours; correct the line in the ERP",
            sql=(
                f"CASE WHEN {number('hours_per_day')} + coalesce({number('overtime_hours_per_day')}, 0) > 24 "
                "THEN 'hours_per_day ' || r.hours_per_day || ' + overtime_hours_per_day ' || r.overtime_hours_per_day || ' > 24' END"
            ),
            statement="'hours_per_day' and 'overtime_hours_per_day' add up to at most 24",
        ),
    ],
    key=("line_code",),
    max_quarantine_share=0.0,
)

PRICES = _erp(
    "erp_prices",
    "Selling price per item and channel (and location, when prices differ by location) with validity dates or a period code.",
    "item_code;channel;location_code;valid_from;valid_to;valid_period;price;unit",
    [
        *required("item_code", "channel", "price", "unit"),
        # a validity is its first day or its period (a code of calendar_periods: staging reads its days)
        absent(
            "mandatory_field",
            "_no_validity",
            "a price needs the first day it is valid (valid_from) or its period (valid_period): fill one in the source system and re-export",
            sql="CASE WHEN r.valid_from IS NULL AND r.valid_period IS NULL THEN 'valid_from' END",
            statement="'valid_from' or 'valid_period' is filled in",
        ),
        known("_item_unit", "item_units", UNKNOWN_UNIT, name="unknown_unit"),
        channel("correct the price's channel in the ERP"),
        *decimal("price", "price", maximum=MAX_UNIT_PRICE),
        *date_format("valid_from"),
        *date_format("valid_to"),
        date_order("valid_from", "valid_to", "invalid_period", "a price's validity cannot end before it starts"),
        known("item_code", "items", UNKNOWN_ITEM),
        known("location_code", "locations", UNKNOWN_LOCATION),
        known(
            "valid_period",
            "periods",
            "period '{value}' is not a period code of the company's calendar (calendar_periods): correct the code or send the calendar",
            name="unknown_period",
        ),
        positive_price("_price", "price is zero or negative: a selling price must be positive; correct the price list in the ERP"),
    ],
    # a price without location holds at every location; one with a period has no valid_from
    key=("item_code", "channel", "location_code", "valid_from", "valid_period"),
    key_may_be_empty=("location_code", "valid_from", "valid_period"),
    derived={"_price": number("price"), "_item_unit": "r.item_code || '|' || r.unit"},
    parameters={
        "items": codes("erp_items", "item_code"),
        "item_units": ITEM_UNIT_PAIRS,
        "locations": codes("erp_locations", "location_code"),
        "periods": codes("calendar_periods", "period_code"),
    },
    depends_on=("erp_items", "erp_unit_conversions", "erp_locations", "calendar_periods"),
)

PROMOTIONS = _erp(
    "erp_promotions",
    "Promotions: item, channel, dates and discount.",
    "promo_id;item_code;channel;location_code;start_date;end_date;discount_pct",
    [
        *required("promo_id", "item_code", "channel", "start_date", "end_date", "discount_pct"),
        channel("correct the promotion's channel in the ERP", also={"ALL": "every channel"}),
        *decimal("discount_pct", "percentage", minimum=0, maximum=100),
        *date_format("start_date"),
        *date_format("end_date"),
        date_order("start_date", "end_date", "invalid_period", "a promotion cannot end before it starts"),
        known("item_code", "items", UNKNOWN_ITEM),
    ],
    key=("promo_id",),
    parameters={"items": codes("erp_items", "item_code")},
    depends_on=("erp_items",),
)

PURCHASE_ORDERS = _erp(
    "erp_purchase_orders",
    "Purchase order lines (supplier to DC) in purchase units, with receipts.",
    "po_number;po_line;supplier_code;item_code;location_code;order_date;expected_date;quantity;unit;unit_cost;received_quantity;receipt_date;status",
    [
        *required("po_number", "po_line", "supplier_code", "item_code", "location_code", "order_date", "quantity", "unit", "status"),
        *decimal("quantity", "quantity"),
        *integer("po_line", minimum=0),
        *decimal("received_quantity", "quantity", minimum=0),
        *decimal("unit_cost", "cost", minimum=0, maximum=MAX_UNIT_PRICE),
        *date_format("order_date", happened=True),
        *date_format("expected_date"),
        *date_format("receipt_date"),
        date_order("order_date", "expected_date", what="a purchase order cannot be expected before it is placed"),
        date_order("order_date", "receipt_date", what="a purchase order cannot be received before it is placed (a negative lead time)"),
        allowed("status", ("OPEN", "PARTIAL", "RECEIVED", "CANCELLED")),
        known("supplier_code", "suppliers", "supplier '{value}' is not in the ERP supplier master"),
        known("item_code", "items", UNKNOWN_ITEM),
        known("location_code", "locations", UNKNOWN_LOCATION),
        known("_item_unit", "item_units", UNKNOWN_UNIT, name="unknown_unit"),
        not_negative("_quantity", "ordered quantity is negative: cancel the line instead of entering a negative quantity"),
        plausible_quantity("_quantity", "quantity", MAX_ORDER_QUANTITY, "units per order line"),
        plausible_quantity(number("received_quantity"), "received_quantity", MAX_ORDER_QUANTITY, "units per order line"),
    ],
    key=("po_number", "po_line"),
    derived={"_quantity": number("quantity"), "_order_date": date_of("order_date"), "_item_unit": "r.item_code || '|' || r.unit"},
    parameters={
        "suppliers": codes("erp_suppliers", "supplier_code"),
        "items": codes("erp_items", "item_code"),
        "locations": codes("erp_locations", "location_code"),
        "item_units": ITEM_UNIT_PAIRS,
    },
    timestamp_column="_order_date",
    freshness_hours=72,
    depends_on=("erp_suppliers", "erp_items", "erp_locations", "erp_unit_conversions"),
    partition_date=day_of("order_date"),
)

# Confirmation of a completed manufacturing order, added to the export later (older files lack
# them): machine hours booked (run time, minor stops included), unplanned stop hours, and units
# rejected in the order's unit (completed_quantity stays the good units).
PRODUCTION_CONFIRMATION_COLUMNS = ("run_hours", "downtime_hours", "scrap_quantity")


def _not_negative_hours(column: str, what: str) -> Rule:
    return Rule(
        "negative_hours",
        "between",
        f"_{column}",
        f"'{column}' is negative ({{value}}): {what} cannot be negative; correct the order's confirmation in the ERP",
        {"min_value": 0},
    )


PRODUCTION_ORDERS = _erp(
    "erp_production_orders",
    "Manufacturing orders of the plant's lines, planned and completed, with the confirmation of completed ones (run and downtime hours, scrap).",
    "mo_number;line_code;item_code;location_code;planned_start_date;due_date;planned_quantity;unit;completed_date;completed_quantity;status;"
    + ";".join(PRODUCTION_CONFIRMATION_COLUMNS),
    [
        *required("mo_number", "line_code", "item_code", "location_code", "planned_start_date", "due_date", "planned_quantity", "unit", "status"),
        *decimal("planned_quantity", "quantity"),
        *decimal("completed_quantity", "quantity", minimum=0),
        *decimal("run_hours", "number of hours", maximum=MAX_ORDER_HOURS),
        *decimal("downtime_hours", "number of hours", maximum=MAX_ORDER_HOURS),
        *decimal("scrap_quantity", "quantity"),
        *date_format("planned_start_date", happened=True),
        *date_format("due_date"),
        *date_format("completed_date"),
        date_order("planned_start_date", "due_date", what="a manufacturing order cannot be due before its planned start"),
        date_order("planned_start_date", "completed_date", what="a manufacturing order cannot be completed before its planned start (a negative lead time)"),
        allowed("status", ("RELEASED", "COMPLETED", "CANCELLED")),
        known("item_code", "items", UNKNOWN_ITEM),
        known("location_code", "locations", UNKNOWN_LOCATION),
        known("_item_unit", "item_units", UNKNOWN_UNIT, name="unknown_unit"),
        not_negative("_quantity", "planned quantity is negative"),
        plausible_quantity("_quantity", "planned_quantity", MAX_ORDER_QUANTITY, "units per manufacturing order"),
        plausible_quantity(number("completed_quantity"), "completed_quantity", MAX_ORDER_QUANTITY, "units per manufacturing order"),
        _not_negative_hours("run_hours", "machine hours booked on an order"),
        _not_negative_hours("downtime_hours", "stop hours"),
        not_negative(
            "_scrap_quantity", "'scrap_quantity' is negative ({value}): rejected units cannot be negative; correct the order's confirmation in the ERP"
        ),
        plausible_quantity("_scrap_quantity", "scrap_quantity", MAX_ORDER_QUANTITY, "units per manufacturing order"),
        absent(
            "no_run_hours",
            "_completed_without_run_hours",
            "'run_hours' is {value} on a completed order: an order that produced ran on its line; confirm its machine hours in the ERP",
            sql=f"CASE WHEN r.status = 'COMPLETED' AND {number('run_hours')} = 0 THEN r.run_hours END",
        ),
    ],
    key=("mo_number",),
    derived={
        "_quantity": number("planned_quantity"),
        "_start_date": date_of("planned_start_date"),
        "_item_unit": "r.item_code || '|' || r.unit",
        "_run_hours": number("run_hours"),
        "_downtime_hours": number("downtime_hours"),
        "_scrap_quantity": number("scrap_quantity"),
    },
    parameters={"items": codes("erp_items", "item_code"), "locations": codes("erp_locations", "location_code"), "item_units": ITEM_UNIT_PAIRS},
    depends_on=("erp_items", "erp_locations", "erp_unit_conversions"),
    partition_date=day_of("planned_start_date"),
)

SALES_ORDERS = _erp(
    "erp_sales_orders",
    "B2B sales order lines with requested, promised and delivered dates and quantities.",
    "order_number;order_line;customer_code;item_code;order_date;requested_date;promised_date;quantity;unit;unit_price;ship_from;delivered_quantity;delivered_date;status",
    [
        *required("order_number", "order_line", "customer_code", "item_code", "order_date", "requested_date", "quantity", "unit", "ship_from", "status"),
        *decimal("quantity", "quantity"),
        *integer("order_line", minimum=0),
        *decimal("unit_price", "price", minimum=0, maximum=MAX_UNIT_PRICE),
        *decimal("delivered_quantity", "quantity", minimum=0),
        *date_format("order_date", happened=True),
        *date_format("requested_date"),
        *date_format("promised_date"),
        *date_format("delivered_date"),
        date_order("order_date", "requested_date", what="a customer cannot request delivery before ordering"),
        date_order("order_date", "promised_date", what="a delivery cannot be promised before the order"),
        date_order("order_date", "delivered_date", what="an order line cannot be delivered before it is ordered"),
        allowed("status", ("OPEN", "DELIVERED", "PARTIAL", "CANCELLED")),
        known("customer_code", "customers", "customer '{value}' is not in the ERP customer master"),
        known("item_code", "items", UNKNOWN_ITEM),
        known("ship_from", "locations", UNKNOWN_LOCATION),
        known("_item_unit", "item_units", UNKNOWN_UNIT, name="unknown_unit"),
        not_negative("_quantity", "ordered quantity is negative and this is not a return: enter returns as credit notes, correct the order line"),
        plausible_quantity("_quantity", "quantity", MAX_ORDER_QUANTITY, "units per order line"),
        plausible_quantity(number("delivered_quantity"), "delivered_quantity", MAX_ORDER_QUANTITY, "units per order line"),
        absent(
            "discontinued_item_order",
            "_ordered_after_discontinuation",
            "order for a discontinued item ({value}): re-key the line to the successor item or cancel it",
        ),
    ],
    key=("order_number", "order_line"),
    derived={
        "_quantity": number("quantity"),
        "_order_date": date_of("order_date"),
        "_item_unit": "r.item_code || '|' || r.unit",
        "_ordered_after_discontinuation": (
            f"CASE WHEN {date_of('order_date')} >= {date_of('discontinued_date', 'item')} "
            "THEN r.item_code || ' discontinued on ' || item.discontinued_date || ', ordered on ' || r.order_date END"
        ),
    },
    joins=("LEFT JOIN VALID(erp_items) item ON item.item_code = r.item_code",),
    parameters={
        "customers": codes("erp_customers", "customer_code"),
        "items": codes("erp_items", "item_code"),
        "locations": codes("erp_locations", "location_code"),
        "item_units": ITEM_UNIT_PAIRS,
    },
    timestamp_column="_order_date",
    freshness_hours=72,
    depends_on=("erp_customers", "erp_items", "erp_locations", "erp_unit_conversions"),
    partition_date=day_of("order_date"),
)

INVENTORY = _erp(
    "erp_inventory",
    "ERP book inventory: weekly snapshot of stock on hand per item and location.",
    "snapshot_date;location_code;item_code;quantity;unit",
    [
        *required("snapshot_date", "location_code", "item_code", "quantity", "unit"),
        *date_format("snapshot_date", happened=True),
        *decimal("quantity", "quantity"),
        known("item_code", "items", UNKNOWN_ITEM),
        known("location_code", "locations", UNKNOWN_LOCATION),
        known("_item_unit", "item_units", UNKNOWN_UNIT, name="unknown_unit"),
        not_negative("_quantity", "book stock is negative: investigate the ERP postings"),
        plausible_quantity("_quantity", "quantity", MAX_STOCK_QUANTITY, "units of stock of one item at one location"),
    ],
    key=("snapshot_date", "location_code", "item_code"),
    derived={"_quantity": number("quantity"), "_snapshot_date": date_of("snapshot_date"), "_item_unit": "r.item_code || '|' || r.unit"},
    parameters={"items": codes("erp_items", "item_code"), "locations": codes("erp_locations", "location_code"), "item_units": ITEM_UNIT_PAIRS},
    timestamp_column="_snapshot_date",
    freshness_hours=24 * 8,
    depends_on=("erp_items", "erp_locations", "erp_unit_conversions"),
    partition_date=day_of("snapshot_date"),
)

MASTER_DATA = (SUPPLIERS, LOCATIONS, CUSTOMERS, PRODUCTION_LINES, ITEMS, ITEM_XREF, UNIT_CONVERSIONS, PRICES, PROMOTIONS)
TRANSACTIONS = (PURCHASE_ORDERS, PRODUCTION_ORDERS, SALES_ORDERS, INVENTORY)
