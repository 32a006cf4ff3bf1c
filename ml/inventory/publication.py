"""Plan publication (SPEC section 9): planned orders as ERP import files.

One file per order type (planned purchase orders, transfer orders, manufacturing orders), in the
ERP's own format (the one its exports use): ``;`` separated, decimal commas, dates DD/MM/YYYY,
UTF-8, a header line. Each line: plan version, order number, order type, the SKU's ERP item code,
from and to location (supplier, DC or plant; DC or store), the quantity in the SKU's purchase unit
(cases; a transfer of packs may be a fraction of a case: three decimals) and in base units,
release and due dates, reason code and reason.

The content depends on the plan's orders only (sorted, numbered in that order, no timestamps),
so publishing the same plan version twice yields the same bytes.
"""

from __future__ import annotations

import hashlib
import re

import pandas as pd

FILES = {
    "PURCHASE_ORDER": "planned_purchase_orders.csv",
    "TRANSFER_ORDER": "planned_transfer_orders.csv",
    "MANUFACTURING_ORDER": "planned_manufacturing_orders.csv",
}
NUMBER_PREFIX = {"PURCHASE_ORDER": "PPO", "TRANSFER_ORDER": "PTO", "MANUFACTURING_ORDER": "PMO"}
ORDER_COLUMNS = ("plan_version", "order_type", "sku_id", "from_id", "to_location_id", "release_date", "due_date", "quantity_units", "reason_code", "reason")
SKU_COLUMNS = ("sku_id", "purchase_unit", "case_size", "base_unit")
VERSION_PATTERN = re.compile(r"^PLAN-\d{8}-[0-9a-f]{8}$")
HEADER = (
    "plan_version",
    "order_number",
    "order_type",
    "item_code",
    "from_location",
    "to_location",
    "production_line",
    "quantity",
    "unit",
    "base_quantity",
    "base_unit",
    "release_date",
    "due_date",
    "reason_code",
    "reason",
)


def plan_version(as_of, orders: pd.DataFrame) -> str:
    """``PLAN-<as-of day>-<hash of every column of the orders>``: the same version always holds the
    same orders, reasons included, so its published files never change."""
    # rounded: parallel sums upstream differ in their last bits from run to run
    numbers = orders.select_dtypes("number").columns
    content = orders.round(dict.fromkeys(numbers, 6)).sort_values(list(orders.columns)).to_csv(index=False)
    return f"PLAN-{as_of:%Y%m%d}-{hashlib.sha256(content.encode()).hexdigest()[:8]}"


def check_plan_version(version: str) -> str:
    """A plan version names a folder: only the form ``PLAN-YYYYMMDD-<8 hex digits>`` is accepted."""
    if not VERSION_PATTERN.match(version or ""):
        raise ValueError(f"plan version must look like PLAN-20260930-1a2b3c4d, got {version!r}")
    return version


def _decimal(values: pd.Series, places: int) -> pd.Series:
    return values.round(places).map(lambda v: f"{v:.{places}f}".replace(".", ","))


def erp_import_files(orders: pd.DataFrame, skus: pd.DataFrame, plant_of_line: dict[str, str]) -> dict[str, str]:
    """File name -> CSV text for one plan version's ``orders`` (columns :data:`ORDER_COLUMNS`).

    ``skus``: purchase unit and its size in base units per SKU (:data:`SKU_COLUMNS`).
    ``plant_of_line``: the plant location of each production line (the from location of a
    manufacturing order; the line goes in its own column). Every order type gets a file, possibly
    with the header only."""
    missing = [c for c in ORDER_COLUMNS if c not in orders.columns] + [c for c in SKU_COLUMNS if c not in skus.columns]
    if missing:
        raise ValueError(f"missing columns: {', '.join(missing)}")
    versions = orders["plan_version"].unique()
    if len(versions) > 1:
        raise ValueError(f"one plan version per publication, got {len(versions)}: {', '.join(map(str, versions[:3]))}")
    unknown_types = set(orders["order_type"]) - set(FILES)
    if unknown_types:
        raise ValueError(f"unknown order types: {', '.join(sorted(unknown_types))}")
    lines = orders.merge(skus[list(SKU_COLUMNS)], on="sku_id", how="left", validate="many_to_one")
    no_unit = lines["case_size"].isna() | (lines["case_size"] <= 0)
    if no_unit.any():
        raise ValueError(f"no purchase unit size for SKU {lines.loc[no_unit, 'sku_id'].iloc[0]}: cannot express the order in the ERP's unit")
    is_production = lines["order_type"] == "MANUFACTURING_ORDER"
    unplaced = is_production & ~lines["from_id"].isin(list(plant_of_line))
    if unplaced.any():
        raise ValueError(f"production line {lines.loc[unplaced, 'from_id'].iloc[0]} has no plant")
    lines = lines.sort_values(["order_type", "due_date", "to_location_id", "sku_id", "from_id", "release_date"], kind="stable").reset_index(drop=True)
    sequence = lines.groupby("order_type").cumcount() + 1
    text = pd.DataFrame(
        {
            "plan_version": lines["plan_version"],
            "order_number": lines["order_type"].map(NUMBER_PREFIX) + sequence.map("{:06d}".format),
            "order_type": lines["order_type"],
            "item_code": lines["sku_id"],
            "from_location": lines["from_id"].where(lines["order_type"] != "MANUFACTURING_ORDER", lines["from_id"].map(plant_of_line)),
            "to_location": lines["to_location_id"],
            "production_line": lines["from_id"].where(lines["order_type"] == "MANUFACTURING_ORDER", ""),
            "quantity": _decimal(lines["quantity_units"] / lines["case_size"], 3),
            "unit": lines["purchase_unit"],
            "base_quantity": _decimal(lines["quantity_units"], 3),
            "base_unit": lines["base_unit"],
            "release_date": pd.to_datetime(lines["release_date"]).dt.strftime("%d/%m/%Y"),
            "due_date": pd.to_datetime(lines["due_date"]).dt.strftime("%d/%m/%Y"),
            "reason_code": lines["reason_code"],
            # the separator may not appear inside a field
            "reason": lines["reason"].str.replace(";", ",", regex=False),
        }
    )
    return {name: text[text["order_type"] == order_type].to_csv(sep=";", index=False, lineterminator="\n") for order_type, name in FILES.items()}
