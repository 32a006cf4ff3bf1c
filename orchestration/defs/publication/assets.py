"""Plan publication (SPEC section 9): the planned orders of a plan version as ERP import files.

``inventory/erp_plan_files`` writes ``<export folder>/erp/<plan version>/`` with one file per order
type (``publication.erp_files``) and a manifest of their row counts and SHA-256 digests, the
units each file uses (``marts.dim_sku_order_units``, from seed ``erp_order_units``), the orders
rounded up to whole units and the SKUs published in their base unit for want of a conversion.
Without a configured version it publishes the current plan (the projection's). Publishing a version
again rewrites the same bytes, so the ERP can re-import safely.
"""

import dagster as dg
import pandas as pd

from ml.inventory.plan_version import check_plan_version
from orchestration.defs.forecasting.assets import daily_series_missing
from orchestration.defs.inventory.assets import PLANNED_ORDERS, SCHEMA
from orchestration.resources import DuckDBWarehouse, ExportFolder
from orchestration.warehouse_io import read_frame, write_export
from publication.erp_files import erp_import_files

ERP_PLAN_FILES = dg.AssetKey([SCHEMA, "erp_plan_files"])
ORDER_UNITS = dg.AssetKey(["marts", "dim_sku_order_units"])
PRODUCTION_LINES = dg.AssetKey(["marts", "dim_production_line"])


ROUNDING = (
    "quantity is a whole number of unit (the order type's receiving unit, seed erp_order_units), rounded up when the plan's base "
    "quantity is not a whole number of it; base_quantity is what that quantity holds in the base unit"
)


class PublicationConfig(dg.Config):
    """Which plan to publish."""

    plan_version: str = ""  # e.g. PLAN-20260930-1a2b3c4d; empty: the current plan


@dg.asset(
    key=ERP_PLAN_FILES,
    deps=[PLANNED_ORDERS, ORDER_UNITS, PRODUCTION_LINES],
    group_name="publication",
    kinds={"python", "csv"},
    description="The plan's planned purchase, transfer and manufacturing orders as ERP import files (ERP item codes, whole units of "
    "each order type's receiving unit, the ERP's CSV format), one folder per plan version under the export folder; the same version "
    "always gives the same files.",
)
def erp_plan_files(context: dg.AssetExecutionContext, config: PublicationConfig, warehouse: DuckDBWarehouse, exports: ExportFolder) -> dg.MaterializeResult:
    version = config.plan_version or read_frame(warehouse, f"SELECT any_value(plan_version) AS v FROM {SCHEMA}.projected_inventory").v.iloc[0]
    reason = None if version else daily_series_missing(warehouse)
    if reason:  # no current plan: the company has nothing to plan daily (inventory/projected_inventory says why too)
        context.log.warning(f"No ERP files: no current plan: {reason}")
        return dg.MaterializeResult(metadata={"no_daily_series": reason, "plan_version": "none"})
    check_plan_version(version)
    orders = read_frame(warehouse, f"SELECT * FROM {SCHEMA}.planned_orders WHERE plan_version = ?", [version])
    if orders.empty:
        raise dg.Failure(f"No planned orders under plan version {version} (inventory.planned_orders).")
    units = read_frame(warehouse, "SELECT sku_id, order_type, unit, factor_to_base, base_unit FROM marts.dim_sku_order_units")
    lines = read_frame(warehouse, "SELECT production_line_id, plant_location_id FROM marts.dim_production_line")
    published = erp_import_files(orders, units, dict(zip(lines.production_line_id, lines.plant_location_id, strict=True)))
    manifest = {"plan_version": version, "rounding": ROUNDING, "unit_fallbacks": published.notes["unit_fallbacks"], "files": published.notes["files"]}
    folder = write_export(exports, ("erp", version), {name: text.encode("utf-8") for name, text in published.files.items()}, manifest)
    if published.notes["unit_fallbacks"]:
        context.log.warning(f"{len(published.notes['unit_fallbacks'])} SKU x order types published in their base unit for want of a conversion (manifest.json)")
    context.log.info(f"published {version} to {folder}")
    counts = orders.order_type.value_counts()
    return dg.MaterializeResult(
        metadata={
            "plan_version": version,
            "folder": dg.MetadataValue.path(str(folder)),
            **{f"{order_type.lower()}_lines": dg.MetadataValue.int(int(n)) for order_type, n in counts.items()},
            "rounded_up_lines": dg.MetadataValue.int(sum(f["rounded_up_lines"] for f in published.notes["files"].values())),
            "unit_fallbacks": dg.MetadataValue.int(len(published.notes["unit_fallbacks"])),
            "first_due_date": str(pd.Timestamp(orders.due_date.min()).date()),
        }
    )
