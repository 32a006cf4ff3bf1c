"""ATP movements: what accepted events change in the availability book, in base units.

One row per accepted event (MOVEMENT_COLUMNS), computed in SQL in the door's database from the
batch's canonical rows (``raw.<source>``) and the master data copied from the snapshot, as dbt's
models harmonize them (``int_wms_movements``, ``int_oms_events``, ``int_pos_sales``): the sku_id is
the ERP item code the cross-reference maps the system's code to (valid on the business day), the
location_id the site, ship-from or store code, quantities times the item's unit factor
(``int_unit_factors``: the ERP's conversions, else the item's base unit 1 and the company's units
that carry a factor). Effects by the contract's event types (Planline's vocabulary, not a company's):

- wms_events: RECEIPT, TRANSFER_IN, RESTOCK on_hand +q; SHIP -q; ADJUSTMENT signed q; RETURN 0
  (it awaits its disposition: the RESTOCK adds);
- oms_events: LINE_PLACED committed +q at the ship-from location; LINE_CANCELLED and LINE_SHIPPED
  committed -q (the WMS SHIP of the line takes the on hand); LINE_RETURNED 0;
- pos_sales: SALE on_hand -q at the store, on the company's channel of role store; RETURN 0.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from data_contracts.model import Contract
from service.intake.door_master import key_sql, valid_rows

MOVEMENT_COLUMNS = [
    "source",
    "event_key",
    "sku_id",
    "location_id",
    "channel_id",
    "business_date",
    "event_time",
    "on_hand_delta",
    "committed_delta",
    "reference",
]
UNIT_FACTORS = "door_unit_factors"
ITEM_CODES = "door_item_codes"
_TIME = "TRY_STRPTIME({}, '%Y-%m-%dT%H:%M:%SZ')"
_WAREHOUSE, _POINT_OF_SALE = "'warehouse'", "'point_of_sale'"  # code roles (SQL literals)
_LOCAL_DAY = "CAST(timezone($zone, timezone('UTC', {})) AS DATE)"


def build_lookups(con: duckdb.DuckDBPyConnection) -> None:
    """The unit factors and item codes of the master data (valid rows), as dbt's
    ``int_unit_factors`` and ``int_item_codes`` build them, with each code's code role."""
    items = valid_rows("erp_items")
    con.execute(
        f"""CREATE OR REPLACE TABLE {UNIT_FACTORS} AS
        WITH company_base AS (SELECT CASE WHEN count(*) = 1 THEN min(unit) END AS unit FROM company.unit_roles WHERE unit_role = 'base'),
        items AS (SELECT item_code AS sku_id, coalesce(base_unit, (SELECT unit FROM company_base), 'UNIT') AS base_unit FROM {items}),
        conversions AS (SELECT item_code AS sku_id, unit, TRY_CAST(factor_to_base AS DOUBLE) AS factor FROM {valid_rows("erp_unit_conversions")}),
        defaults AS (
            SELECT sku_id, base_unit AS unit, 1.0 AS factor FROM items
            UNION ALL
            SELECT i.sku_id, u.unit, u.factor_to_base FROM items i CROSS JOIN company.unit_roles u
            WHERE u.factor_to_base IS NOT NULL AND u.unit <> i.base_unit)
        SELECT sku_id, unit, min(factor) AS factor FROM (
            SELECT * FROM conversions
            UNION ALL
            SELECT * FROM defaults d WHERE NOT EXISTS (SELECT 1 FROM conversions c WHERE c.sku_id = d.sku_id AND c.unit = d.unit))
        GROUP BY sku_id, unit"""
    )
    con.execute(
        f"""CREATE OR REPLACE TABLE {ITEM_CODES} AS
        SELECT s.code_role, x.external_code, x.item_code AS sku_id,
               CAST(TRY_STRPTIME(x.valid_from, '%Y-%m-%d') AS DATE) AS valid_from, CAST(TRY_STRPTIME(x.valid_to, '%Y-%m-%d') AS DATE) AS valid_to
        FROM {valid_rows("erp_item_xref")} x JOIN company.code_systems s ON s.code_system = x.system
        UNION ALL
        SELECT 'item_master', i.item_code, i.item_code, NULL, NULL FROM {items} i
        WHERE EXISTS (SELECT 1 FROM company.code_systems WHERE code_role = 'item_master')"""
    )


def _mapped(code_role: str, code: str, day: str) -> str:
    """Join: the sku_id of ``code`` under ``code_role`` (SQL) valid on ``day`` (``movements`` keeps
    one row per event: the first sku_id, should the cross-reference map a code twice that day)."""
    return (
        f"LEFT JOIN {ITEM_CODES} item ON item.code_role = {code_role} AND item.external_code = {code} "
        f"AND (item.valid_from IS NULL OR {day} >= item.valid_from) AND (item.valid_to IS NULL OR {day} <= item.valid_to)"
    )


def _factor(unit: str) -> str:
    return f"LEFT JOIN {UNIT_FACTORS} f ON f.sku_id = item.sku_id AND f.unit = {unit}"


def _wms(contract: Contract) -> str:
    ts = _TIME.format("r.event_time")
    day = _LOCAL_DAY.format(ts)
    q = "TRY_CAST(r.qty AS DOUBLE) * f.factor"
    on_hand = f"CASE r.event_type WHEN 'RECEIPT' THEN {q} WHEN 'TRANSFER_IN' THEN {q} WHEN 'RESTOCK' THEN {q} WHEN 'SHIP' THEN -{q} WHEN 'ADJUSTMENT' THEN {q} ELSE 0 END"
    return (
        f"SELECT r._row_number, {key_sql(contract)} AS event_key, item.sku_id, r.site AS location_id, CAST(NULL AS VARCHAR) AS channel_id, "
        f"{day} AS business_date, {ts} AS event_time, {on_hand} AS on_hand_delta, 0.0 AS committed_delta, r.reference, f.factor "
        f"FROM raw.{contract.source} r {_mapped(_WAREHOUSE, 'r.sku', day)} {_factor('r.uom')}"
    )


def _oms(contract: Contract) -> str:
    ts = _TIME.format("r.event_time")
    day = _LOCAL_DAY.format(ts)
    q = "TRY_CAST(r.qty AS DOUBLE) * f.factor"
    committed = f"CASE r.event_type WHEN 'LINE_PLACED' THEN {q} WHEN 'LINE_CANCELLED' THEN -{q} WHEN 'LINE_SHIPPED' THEN -{q} ELSE 0 END"
    role = "CASE WHEN channel.channel_role = 'marketplace' THEN 'marketplace' ELSE 'item_master' END"
    return (
        f"SELECT r._row_number, {key_sql(contract)} AS event_key, item.sku_id, r.ship_from AS location_id, r.channel AS channel_id, "
        f"{day} AS business_date, {ts} AS event_time, 0.0 AS on_hand_delta, {committed} AS committed_delta, r.order_id AS reference, f.factor "
        f"FROM raw.{contract.source} r LEFT JOIN company.channels channel ON channel.channel_id = r.channel "
        f"{_mapped(role, 'r.item', day)} {_factor('r.uom')}"
    )


def _pos(contract: Contract) -> str:
    day = "CAST(TRY_STRPTIME(r.business_date, '%Y-%m-%d') AS DATE)"
    q = "TRY_CAST(r.qty AS DOUBLE)"  # the tills sell eaches (int_pos_sales: the quantity is in base units)
    store_channel = "(SELECT CASE WHEN count(*) = 1 THEN min(channel_id) END FROM company.channels WHERE channel_role = 'store')"
    return (
        f"SELECT r._row_number, {key_sql(contract)} AS event_key, item.sku_id, r.store AS location_id, {store_channel} AS channel_id, "
        f"{day} AS business_date, CAST(NULL AS TIMESTAMP) AS event_time, CASE r.line_type WHEN 'SALE' THEN -{q} ELSE 0 END AS on_hand_delta, "
        f"0.0 AS committed_delta, CAST(NULL AS VARCHAR) AS reference, 1.0 AS factor "
        f"FROM raw.{contract.source} r {_mapped(_POINT_OF_SALE, 'r.ean', day)}"
    )


# The event sources: the TRANSACTIONS contracts whose rows are events (not a stock snapshot).
EFFECTS = {"wms_events": _wms, "oms_events": _oms, "pos_sales": _pos}


def movements(con: duckdb.DuckDBPyConnection, contract: Contract, rows: list[int], zone: str) -> tuple[pd.DataFrame, list[int]]:
    """The movements of the batch rows ``rows`` (``_row_number`` of ``raw.<source>``), in row order,
    and the rows that could not be placed (no sku or unit factor: the contract accepts neither)."""
    sql = (
        f"SELECT * FROM ({EFFECTS[contract.source](contract)} WHERE list_contains($rows, r._row_number)) "
        "QUALIFY row_number() OVER (PARTITION BY _row_number ORDER BY sku_id NULLS LAST) = 1 ORDER BY _row_number"
    )
    frame = con.execute(sql, {"rows": rows, "zone": zone}).df() if "$zone" in sql else con.execute(sql, {"rows": rows}).df()
    placed = frame["sku_id"].notna() & frame["factor"].notna() & frame["location_id"].notna()
    unplaced = [int(r) for r in frame.loc[~placed, "_row_number"]]
    out = frame.loc[placed].assign(source=contract.source)
    out["business_date"] = pd.to_datetime(out["business_date"]).dt.date
    out["event_time"] = pd.to_datetime(out["event_time"])
    out[["on_hand_delta", "committed_delta"]] = out[["on_hand_delta", "committed_delta"]].astype(float)
    return out[MOVEMENT_COLUMNS].reset_index(drop=True), unplaced


def _empty() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype=object) for c in MOVEMENT_COLUMNS})
    frame["event_time"] = pd.Series(dtype="datetime64[us]")
    frame[["on_hand_delta", "committed_delta"]] = frame[["on_hand_delta", "committed_delta"]].astype(float)
    return frame


_EMPTY = _empty()


def empty_movements() -> pd.DataFrame:
    """No movement (MOVEMENT_COLUMNS, typed as ``movements`` gives them)."""
    return _EMPTY.copy()
