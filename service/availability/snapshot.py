"""The last published plan as the availability book needs it, read from the readers' copy of the warehouse.

Only the published snapshot is opened (DuckDB ``read_only``), never the live warehouse. Tables:

- ``inventory.available_to_promise``: the plan's daily flows and ATP per SKU x location x day
  (``on_hand``, ``receipts``, ``committed``, ``projected_balance``, ``atp``; base units);
- ``inventory.available_to_sell``: each channel's buffer (``buffer_units``) per SKU x location,
  on the plan's first day (the buffer does not vary by day);
- ``intermediate.int_item_codes`` and ``marts.dim_sku``: every system's item code -> ``sku_id``;
- ``marts.dim_location``, ``company.channels``, ``company.segment_service_levels``,
  ``marts.dim_customer``: the codes a request may name and the allocation tiers;
- ``inventory.fct_committed_orders`` (lines not stale): the open order lines by tier and customer;
- ``inventory.dim_shipping_lanes``, ``inventory.fct_online_picking_load``: routing.

Tables other than ATP may be missing (a company without order book, lanes or cross-references):
they are then empty. Every query is fixed text; values never come from a request.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import numpy as np
import pandas as pd

_OPTIONAL = {
    "item_codes": ("intermediate", "int_item_codes", "SELECT sku_id, external_code, valid_from, valid_to FROM intermediate.int_item_codes"),
    "skus": ("marts", "dim_sku", "SELECT sku_id FROM marts.dim_sku"),
    "locations": (
        "marts",
        "dim_location",
        "SELECT location_id, location_type, region FROM marts.dim_location",
    ),
    "location_types": ("company", "location_types", "SELECT location_type, location_role FROM company.location_types"),
    "channels": ("company", "channels", "SELECT channel_id, channel_role FROM company.channels"),
    "segments": ("company", "segment_service_levels", "SELECT segment, allocation_priority FROM company.segment_service_levels"),
    "customers": (
        "marts",
        "dim_customer",
        "SELECT customer_id, segment, region, ship_from_location_id, coalesce(reserved_buffer_pct, 0) AS reserved_buffer_pct FROM marts.dim_customer",
    ),
    "orders": (
        "inventory",
        "fct_committed_orders",
        "SELECT sku_id, location_id, customer_id, allocation_priority, due_date, open_quantity FROM inventory.fct_committed_orders WHERE NOT is_stale",
    ),
    "lanes": ("inventory", "dim_shipping_lanes", "SELECT location_id, region, cost_per_unit FROM inventory.dim_shipping_lanes"),
    "load": ("inventory", "fct_online_picking_load", "SELECT location_id, open_lines, capacity_lines FROM inventory.fct_online_picking_load"),
}
_EMPTY = {
    "item_codes": ["sku_id", "external_code", "valid_from", "valid_to"],
    "skus": ["sku_id"],
    "locations": ["location_id", "location_type", "region"],
    "location_types": ["location_type", "location_role"],
    "channels": ["channel_id", "channel_role"],
    "segments": ["segment", "allocation_priority"],
    "customers": ["customer_id", "segment", "region", "ship_from_location_id", "reserved_buffer_pct"],
    "orders": ["sku_id", "location_id", "customer_id", "allocation_priority", "due_date", "open_quantity"],
    "lanes": ["location_id", "region", "cost_per_unit"],
    "load": ["location_id", "open_lines", "capacity_lines"],
}
_ATP = (
    "SELECT sku_id, location_id, date, on_hand, receipts, committed, projected_balance, atp "
    "FROM inventory.available_to_promise ORDER BY sku_id, location_id, date"
)
_ATS = "SELECT sku_id, location_id, channel_id, buffer_units FROM inventory.available_to_sell WHERE date = (SELECT min(date) FROM inventory.available_to_sell)"


@dataclass
class PlanTables:
    """The snapshot's tables (frames) and its identity: ``first_day``/``days`` of the ATP horizon,
    ``watermark`` (UTC: when the plan's ATP was computed, ``inventory.plan_watermark.computed_at``;
    without that table, the start of ``first_day`` in the business time zone), ``loaded_through``
    (UTC: the newest load of the transactional raw tables the ATP was computed from; None: no load
    or no watermark table), ``published_at`` and ``run_id`` from the manifest beside the file."""

    atp: pd.DataFrame
    ats: pd.DataFrame
    tables: dict[str, pd.DataFrame]
    first_day: date
    days: int
    watermark: datetime
    published_at: str | None
    run_id: str | None
    loaded_through: datetime | None = None


def _table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    found = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?", [schema, table]).fetchone()
    return bool(found and found[0])


def _manifest(snapshot: Path) -> dict:
    path = snapshot.with_name(f"{snapshot.name}.json")
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def watermark_of(first_day: date, business_timezone: str) -> datetime:
    """The plan's watermark (UTC): the end of the day before ``first_day`` in ``business_timezone``."""
    return datetime.combine(first_day, time(0), tzinfo=ZoneInfo(business_timezone)).astimezone(UTC)


def read_plan(snapshot: Path, business_timezone: str) -> PlanTables:
    """Read the published snapshot ``snapshot`` (read-only). Raises FileNotFoundError without the
    file, ValueError naming the table when the plan's ATP is missing, empty or has a gap."""
    snapshot = Path(snapshot)
    if not snapshot.exists():
        raise FileNotFoundError(f"no published copy of the warehouse at {snapshot}")
    ZoneInfo(business_timezone)  # an unknown zone raises here, naming it
    con = duckdb.connect(str(snapshot), read_only=True)
    try:
        if not _table_exists(con, "inventory", "available_to_promise"):
            raise ValueError(f"{snapshot} has no table inventory.available_to_promise: no plan has been published yet (asset inventory/available_to_promise)")
        atp = con.execute(_ATP).df()
        ats = (
            con.execute(_ATS).df()
            if _table_exists(con, "inventory", "available_to_sell")
            else pd.DataFrame(columns=["sku_id", "location_id", "channel_id", "buffer_units"])
        )
        stamp = (
            con.execute("SELECT computed_at, raw_loaded_through FROM inventory.plan_watermark").fetchone()
            if _table_exists(con, "inventory", "plan_watermark")
            else None
        )
        tables = {}
        for name, (schema, table, query) in _OPTIONAL.items():
            tables[name] = con.execute(query).df() if _table_exists(con, schema, table) else pd.DataFrame(columns=_EMPTY[name])
    finally:
        con.close()
    if atp.empty:
        raise ValueError(f"inventory.available_to_promise in {snapshot} is empty: the plan has no SKU x location to promise from")
    atp["date"] = pd.to_datetime(atp["date"]).dt.date
    first_day, last_day = min(atp["date"]), max(atp["date"])
    days = (last_day - first_day).days + 1
    sizes = atp.groupby(["sku_id", "location_id"]).size()
    if (sizes != days).any():
        pair = sizes[sizes != days].index[0]
        raise ValueError(
            f"inventory.available_to_promise misses days for sku_id={pair[0]!r}, location_id={pair[1]!r}: every pair needs every day from {first_day} to {last_day}"
        )
    manifest = _manifest(snapshot)
    return PlanTables(
        atp=atp,
        ats=ats,
        tables=tables,
        first_day=first_day,
        days=days,
        watermark=_utc(stamp[0]) if stamp and stamp[0] else watermark_of(first_day, business_timezone),
        published_at=manifest.get("published_at"),
        run_id=manifest.get("run_id"),
        loaded_through=_utc(stamp[1]) if stamp and stamp[1] else None,
    )


def _utc(moment: datetime) -> datetime:
    """A naive UTC time of the warehouse as an aware one."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def pair_matrix(atp: pd.DataFrame, column: str, days: int) -> np.ndarray:
    """``atp``'s ``column`` as a (pairs, days) float array, rows in ``atp``'s (sku, location, date) order."""
    return atp[column].to_numpy(dtype=float).reshape(-1, days)
