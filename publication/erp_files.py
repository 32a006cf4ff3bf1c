"""Plan publication (SPEC section 9): planned orders as ERP import files.

Not planning logic: the plan is made in ``ml.inventory`` (its version by
:func:`ml.inventory.plan_version.plan_version`); this module only writes its orders in the ERP's
format.

One file per order type (planned purchase orders, transfer orders, manufacturing orders), in the
ERP's own format (the one its exports use): ``;`` separated, decimal commas, dates DD/MM/YYYY,
UTF-8, a header line. Each line: plan version, order number, order type, the SKU's ERP item code,
from and to location (supplier, DC or plant; DC or store), the quantity in whole units of the unit
the order's receiving process counts (configured per order type: seed ``erp_order_units``, e.g.
cases for purchases, WMS packs for transfers, the base unit for manufacturing) and the same
quantity in base units, release and due dates, reason code and reason.

Whole units: a quantity that is not a whole number of its unit is rounded *up* (the plan is never
short); the line's reason says so and the notes list the rounded orders. A SKU without a
conversion for its order type's unit goes out in its base unit (factor 1), listed in the notes
(``unit_fallbacks``) rather than in a unit the ERP would misread.

The content depends on the plan's orders only (sorted, numbered in that order, no timestamps),
so publishing the same plan version twice yields the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ml.schema import FrameSchema

FILES = {
    "PURCHASE_ORDER": "planned_purchase_orders.csv",
    "TRANSFER_ORDER": "planned_transfer_orders.csv",
    "MANUFACTURING_ORDER": "planned_manufacturing_orders.csv",
}
NUMBER_PREFIX = {"PURCHASE_ORDER": "PPO", "TRANSFER_ORDER": "PTO", "MANUFACTURING_ORDER": "PMO"}
ORDER_COLUMNS = ("plan_version", "order_type", "sku_id", "from_id", "to_location_id", "release_date", "due_date", "quantity_units", "reason_code", "reason")
UNIT_COLUMNS = ("sku_id", "order_type", "unit", "factor_to_base", "base_unit")
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


def _decimal(values: pd.Series, places: int) -> pd.Series:
    return values.round(places).map(lambda v: f"{v:.{places}f}".replace(".", ","))


def _plain(values: pd.Series) -> pd.Series:
    """Up to three decimals, none when whole (for text): 13, 12,5."""
    return values.round(3).map(lambda v: f"{v:.3f}".rstrip("0").rstrip(".").replace(".", ","))


@dataclass(frozen=True)
class ErpFiles:
    """One plan version's import files (name -> CSV text) and what the manifest must say about
    them: per file the units used and the orders rounded up to whole units, and the SKUs that fell
    back to their base unit (all sorted: the same plan gives the same notes)."""

    files: dict[str, str]
    notes: dict = field(default_factory=dict)


# Whole units stated exactly (a float holds every whole number up to 2^53; int64 beyond would wrap).
MAX_ERP_QUANTITY = float(2**53)


# a bad row named as a planner finds it: the PURCHASE_ORDER of 10001000 to DC01; SKU 10001000 for TRANSFER_ORDER (PK6)
ORDERS = FrameSchema(
    {**dict.fromkeys(ORDER_COLUMNS, "any"), "quantity_units": "number"},
    nullable=("from_id", "release_date", "due_date", "reason_code", "reason"),
    positive=("quantity_units",),
    choices={"order_type": list(FILES)},
    row_name=lambda row: f"the {row.order_type} of {row.sku_id} to {row.to_location_id}",
)
ORDER_UNITS = FrameSchema(
    {**dict.fromkeys(UNIT_COLUMNS, "any"), "factor_to_base": "number"},
    nullable=("unit", "factor_to_base", "base_unit"),  # null factor: no conversion, the base unit is used
    positive=("factor_to_base",),
    unique=("sku_id", "order_type"),
    row_name=lambda row: f"SKU {row.sku_id} for {row.order_type} ({row.unit})",
)


def _validate(orders: pd.DataFrame, order_units: pd.DataFrame, plant_of_line: dict[str, str]) -> None:
    ORDERS.validate(orders, "planned orders")
    ORDER_UNITS.validate(order_units, "order units")
    versions = orders["plan_version"].unique()
    if len(versions) > 1:
        raise ValueError(f"one plan version per publication, got {len(versions)}: {', '.join(map(str, versions[:3]))}")
    no_base = order_units["base_unit"].isna() | (order_units["base_unit"].astype(str).str.strip() == "")
    if no_base.any():
        row = order_units[no_base].iloc[0]
        raise ValueError(f"order units: SKU {row.sku_id} has no base unit for {row.order_type} (base_quantity is stated in it)")
    unplaced = (orders["order_type"] == "MANUFACTURING_ORDER") & ~orders["from_id"].isin(list(plant_of_line))
    if unplaced.any():
        raise ValueError(f"production line {orders.loc[unplaced, 'from_id'].iloc[0]} has no plant")


def _whole_units(lines: pd.DataFrame) -> pd.DataFrame:
    """Each line in whole units of its ERP unit, rounded up; the base unit where the SKU lacks a
    conversion for it. Adds ``erp_unit``, ``erp_factor``, ``erp_quantity``, ``erp_base_quantity``,
    ``rounded_up`` and ``fell_back``."""
    fell_back = lines["factor_to_base"].isna() | lines["unit"].isna()
    unit = lines["unit"].where(~fell_back, lines["base_unit"])
    if unit.isna().any():
        row = lines[unit.isna()].iloc[0]
        raise ValueError(f"SKU {row.sku_id} has no conversion for its {row.order_type} unit and no base unit to fall back to")
    factor = pd.to_numeric(lines["factor_to_base"], errors="coerce").where(~fell_back, 1.0)
    exact = lines["quantity_units"].astype(float) / factor
    # a relative tolerance: 3 packs of 0.1 (sums' last bits) stay 3 packs; an order is at least one
    # unit however large the unit (rounding the quotient to fixed decimals made 1 EA of a 3e9 unit 0)
    whole = np.maximum(np.ceil(exact * (1 - 1e-9)), 1.0)
    too_large = whole > MAX_ERP_QUANTITY
    if too_large.any():
        row = lines[too_large].iloc[0]
        raise ValueError(
            f"the {row.order_type} of SKU {row.sku_id} to {row.to_location_id} is {whole[too_large].iloc[0]:.0f} {unit[too_large].iloc[0]}: "
            f"more than {MAX_ERP_QUANTITY:.0f} whole units, beyond what an ERP file can state exactly"
        )
    return lines.assign(
        erp_unit=unit, erp_factor=factor, erp_quantity=whole, erp_base_quantity=whole * factor, rounded_up=whole > exact * (1 + 1e-9), fell_back=fell_back
    )


def _notes(lines: pd.DataFrame, numbers: pd.Series) -> dict:
    files = {}
    for order_type, name in FILES.items():
        of_type = lines["order_type"] == order_type
        rounded = of_type & lines["rounded_up"]
        files[name] = {
            "units": sorted(lines.loc[of_type, "erp_unit"].astype(str).unique()),
            "rounded_up_lines": int(rounded.sum()),
            "rounded_up_base_units": round(float((lines.loc[rounded, "erp_base_quantity"] - lines.loc[rounded, "quantity_units"]).sum()), 6),
            "rounded_up_orders": numbers[rounded].tolist(),
        }
    fallbacks = lines.loc[lines["fell_back"], ["sku_id", "order_type", "unit", "base_unit"]].drop_duplicates().sort_values(["order_type", "sku_id"])
    return {
        "files": files,
        "unit_fallbacks": [
            {"sku_id": str(r.sku_id), "order_type": r.order_type, "configured_unit": None if pd.isna(r.unit) else str(r.unit), "published_in": str(r.base_unit)}
            for r in fallbacks.itertuples()
        ],
    }


def erp_import_files(orders: pd.DataFrame, order_units: pd.DataFrame, plant_of_line: dict[str, str]) -> ErpFiles:
    """The import files of one plan version's ``orders`` (columns :data:`ORDER_COLUMNS`).

    ``order_units``: per SKU and order type the ERP unit and its factor to the base unit
    (:data:`UNIT_COLUMNS`, ``factor_to_base`` null without a conversion; ``marts.dim_sku_order_units``).
    ``plant_of_line``: the plant location of each production line (the from location of a
    manufacturing order; the line goes in its own column). Every order type gets a file, possibly
    with the header only."""
    _validate(orders, order_units, plant_of_line)
    lines = orders.merge(order_units[list(UNIT_COLUMNS)], on=["sku_id", "order_type"], how="left", validate="many_to_one", indicator=True)
    unconfigured = lines["_merge"] == "left_only"
    if unconfigured.any():
        row = lines[unconfigured].iloc[0]
        raise ValueError(f"no ERP unit for the {row.order_type} of SKU {row.sku_id}: configure the order type in seed erp_order_units")
    lines = _whole_units(lines)
    lines = lines.sort_values(["order_type", "due_date", "to_location_id", "sku_id", "from_id", "release_date"], kind="stable").reset_index(drop=True)
    numbers = lines["order_type"].map(NUMBER_PREFIX) + (lines.groupby("order_type").cumcount() + 1).map("{:06d}".format)
    # the separator may not appear inside a field
    reason = lines["reason"].str.replace(";", ",", regex=False)
    rounding = (
        ", rounded up from "
        + _plain(lines["quantity_units"].astype(float))
        + " "
        + lines["base_unit"].astype(str)
        + " to whole "
        + lines["erp_unit"].astype(str)
    )
    text = pd.DataFrame(
        {
            "plan_version": lines["plan_version"],
            "order_number": numbers,
            "order_type": lines["order_type"],
            "item_code": lines["sku_id"],
            "from_location": lines["from_id"].where(lines["order_type"] != "MANUFACTURING_ORDER", lines["from_id"].map(plant_of_line)),
            "to_location": lines["to_location_id"],
            "production_line": lines["from_id"].where(lines["order_type"] == "MANUFACTURING_ORDER", ""),
            "quantity": lines["erp_quantity"].astype("int64").astype(str),
            "unit": lines["erp_unit"],
            "base_quantity": _decimal(lines["erp_base_quantity"], 3),
            "base_unit": lines["base_unit"],
            "release_date": pd.to_datetime(lines["release_date"]).dt.strftime("%d/%m/%Y"),
            "due_date": pd.to_datetime(lines["due_date"]).dt.strftime("%d/%m/%Y"),
            "reason_code": lines["reason_code"],
            "reason": reason.where(~lines["rounded_up"], reason + rounding),
        }
    )
    files = {name: text[text["order_type"] == order_type].to_csv(sep=";", index=False, lineterminator="\n") for order_type, name in FILES.items()}
    return ErpFiles(files=files, notes=_notes(lines, numbers))
