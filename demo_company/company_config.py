"""The demo company's configuration: who it is and how its systems write their exports.

Written by the generator beside the landing folder (``<home>/company``), as any company's
configuration is written by its data engineers: ``company.yaml`` and one mapping per source in
``sources/``. Its systems' conventions (SPEC section 2): the ERP exports ';'-separated CSV with
decimal commas and DD/MM/YYYY dates, the tills daily CSVs with YYYYMMDD dates, the WMS and OMS
JSON lines with ISO-8601 UTC timestamps; each export's columns are named as Planline's fields.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import yaml

from demo_company.config import Scale
from demo_company.formats import COMPANY_TIMEZONE

# (source, files, format, value notations)
_ERP = {"type": "csv", "delimiter": ";", "header": "exact"}
_ERP_VALUES = {"decimal": ",", "date": "%d/%m/%Y"}
# the ERP's exports: erp/<name>, one table each
_ERP_FILES = {
    "erp_suppliers": "suppliers.csv",
    "erp_locations": "locations.csv",
    "erp_customers": "customers.csv",
    "erp_production_lines": "production_lines.csv",
    "erp_items": "items.csv",
    "erp_item_xref": "item_xref.csv",
    "erp_unit_conversions": "unit_conversions.csv",
    "erp_prices": "prices.csv",
    "erp_promotions": "promotions.csv",
    "erp_purchase_orders": "purchase_orders_*.csv",
    "erp_production_orders": "production_orders_*.csv",
    "erp_sales_orders": "sales_orders_*.csv",
    "erp_inventory": "inventory_*.csv",
}
_SOURCES = {
    **{source: (f"erp/{name}", _ERP, _ERP_VALUES) for source, name in _ERP_FILES.items()},
    "wms_events": ("wms/events_*.jsonl", {"type": "jsonl"}, {}),
    "wms_stock": ("wms/stock_*.jsonl", {"type": "jsonl"}, {}),
    "pos_sales": ("pos/*/sales_*.csv", {"type": "csv", "header": "exact"}, {"date": "%Y%m%d"}),
    "oms_events": ("oms/events_*.jsonl", {"type": "jsonl"}, {}),
    "planning_overrides": ("planning/overrides*.csv", {"type": "csv", "header": "exact"}, {}),
}

# What else the mappings say: the tills write one folder per store (pos/<store>/...), whose rows are
# that store's; production orders exported before confirmations existed lack their columns.
# Fields of Planline's tables the demo's exports do not carry (its ERP prices by channel, with dates)
_NOT_EXPORTED = {"erp_prices": ("location_code", "valid_period")}
_EXTRAS = {
    "pos_sales": {"path_values": {"store": "^pos/([^/]+)/"}},
    "erp_production_orders": {"optional": ["run_hours", "downtime_hours", "scrap_quantity"]},
}

_CHANNELS = [
    {"code": "STORE", "name": "Stores", "role": "store", "fulfilled_from": "STORE", "description": "Store sales at the till (POS)"},
    {"code": "WEB", "name": "Web shop", "role": "online", "fulfilled_from": "DC_OR_STORE", "description": "Online orders shipped from a DC or from a store"},
    {
        "code": "MARKETPLACE",
        "name": "Marketplace",
        "role": "marketplace",
        "fulfilled_from": "DC",
        "description": "Marketplace orders in bundles of two shipped from DC01",
    },
    {"code": "B2B", "name": "Wholesale", "role": "wholesale", "fulfilled_from": "DC", "description": "B2B customers' orders shipped from their DC"},
]
_LOCATION_TYPES = [
    {"code": "PLANT", "role": "plant"},
    {"code": "DC", "role": "warehouse"},
    {"code": "STORE", "role": "store"},
    {"code": "WEB", "role": "virtual"},
    {"code": "MARKETPLACE", "role": "virtual"},
]
_UNITS = [{"code": "EA", "role": "base"}, {"code": "CS", "role": "case"}, {"code": "PK6", "role": "store_pack"}, {"code": "BD2", "role": "bundle"}]
_CODE_SYSTEMS = [
    {"code": "ERP", "role": "item_master"},
    {"code": "WMS", "role": "warehouse"},
    {"code": "POS", "role": "point_of_sale"},
    {"code": "MKT", "role": "marketplace"},
]
_SEGMENTS = [
    {"code": "KEY_ACCOUNT", "allocation_priority": 1, "cycle_service_level": 0.99, "fill_rate": 0.995},
    {"code": "COMMITTED_VOLUME", "allocation_priority": 2, "cycle_service_level": 0.97, "fill_rate": 0.985},
    {"code": "STANDARD", "allocation_priority": 3, "cycle_service_level": 0.95, "fill_rate": 0.97},
]
FAMILIES = ["BEVERAGES", "SNACKS", "HOUSEHOLD", "PERSONAL_CARE", "PETCARE"]
# The demo company's calendar: French public holidays; its stores close on three of them (the
# generator sells nothing in stores those days: demand.STORE_CLOSED).
_FIXED_HOLIDAYS = [
    ((1, 1), "New Year's Day", True),
    ((5, 1), "Labour Day", True),
    ((5, 8), "Victory in Europe Day", False),
    ((7, 14), "Bastille Day", False),
    ((8, 15), "Assumption Day", False),
    ((11, 1), "All Saints' Day", False),
    ((11, 11), "Armistice Day", False),
    ((12, 25), "Christmas Day", True),
]
# days after Easter Sunday
_EASTER_HOLIDAYS = [(1, "Easter Monday"), (39, "Ascension Day"), (50, "Whit Monday")]


def easter_sunday(year: int) -> date:
    """Easter Sunday of the Gregorian calendar (the anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l = (2 * e + 2 * i - h - k + 32) % 7  # noqa: E741
    m = (a + 11 * h + 19 * l) // 433
    month, day = divmod(h + l - 7 * m + 90, 25)
    return date(year, month, (h + l - 7 * m + 33 * month + 19) % 32)


def french_public_holidays(first_year: int, last_year: int) -> list[dict]:
    """The public holidays of France from ``first_year`` to ``last_year``, by date (company.yaml holidays)."""
    holidays = []
    for year in range(first_year, last_year + 1):
        easter = easter_sunday(year)
        holidays += [{"date": date(year, *day), "name": name, "stores_closed": closed} for day, name, closed in _FIXED_HOLIDAYS]
        holidays += [{"date": easter + timedelta(days=days), "name": name, "stores_closed": False} for days, name in _EASTER_HOLIDAYS]
    return sorted(holidays, key=lambda h: h["date"])


def company_document(scale: Scale) -> dict:
    """company.yaml of the demo company at ``scale``: its world ends on the last day of history."""
    return {
        "name": "Demo Company (generated)",
        "business_timezone": COMPANY_TIMEZONE,
        "as_of": scale.end_date,
        # go-live: the last month of history runs as daily partitions, the rest is history
        "partitions_start": scale.end_date.replace(day=1),
        "calendar": {"start": "2020-01-01", "end": "2030-12-31"},
        "channels": _CHANNELS,
        "location_types": _LOCATION_TYPES,
        "units": _UNITS,
        "code_systems": _CODE_SYSTEMS,
        "segments": _SEGMENTS,
        "families": FAMILIES,
        "holidays": french_public_holidays(2020, 2030),
    }


def mapping_documents() -> dict[str, dict]:
    """One mapping per source: the demo's exports name their columns as Planline's fields."""
    from data_contracts.registry import CONTRACTS

    documents = {}
    for source, (files, file_format, values) in _SOURCES.items():
        contract = CONTRACTS[source]
        document = {"table": source, "files": files, "description": contract.description, "format": file_format}
        if values:
            document["values"] = values
        document["columns"] = {c: c for c in contract.columns if c not in _NOT_EXPORTED.get(source, ())}
        document.update(_EXTRAS.get(source, {}))
        documents[source] = document
    return documents


def write_company(folder: Path, scale: Scale) -> Path:
    """Write the demo company's configuration into ``folder`` (its sources folder replaced)."""
    folder = Path(folder)
    sources = folder / "sources"
    sources.mkdir(parents=True, exist_ok=True)
    for stale in sources.glob("*.yaml"):
        stale.unlink()
    header = "# Written by the demo company's generator (demo_company): a company configuration like any other.\n"
    (folder / "company.yaml").write_text(header + yaml.safe_dump(company_document(scale), sort_keys=False, allow_unicode=True))
    for source, document in mapping_documents().items():
        (sources / f"{source}.yaml").write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True))
    return folder
