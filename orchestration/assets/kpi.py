"""KPI assets (group ``kpi``): the measures of SPEC section 8 that judge the plan.

- ``kpi/kpi_order_service`` (dbt): OTIF and unit fill rate by month, channel and customer segment.
- ``kpi/kpi_inventory`` (dbt): inventory value and turnover by month and location.
- ``kpi/kpi_latest``: the latest complete month's values as numeric metadata, so that the Dagster UI
  plots each KPI's history across runs (asset page, Plots).
"""

import dagster as dg

from orchestration.assets.warehouse_tables import read_frame
from orchestration.partitions import WAREHOUSE_POOL
from orchestration.resources import DuckDBWarehouse

GROUP = "kpi"
SCHEMA = "kpi"
ORDER_SERVICE = dg.AssetKey([SCHEMA, "kpi_order_service"])
INVENTORY = dg.AssetKey([SCHEMA, "kpi_inventory"])
KPI_LATEST = dg.AssetKey([SCHEMA, "kpi_latest"])


@dg.asset(
    key=KPI_LATEST,
    deps=[ORDER_SERVICE, INVENTORY],
    group_name=GROUP,
    kinds={"python", "duckdb"},
    pool=WAREHOUSE_POOL,
    description="The latest complete month's KPIs as numeric metadata (OTIF and unit fill rate overall and per channel, "
    "inventory value and turnover overall): the UI plots their history across runs.",
)
def kpi_latest(warehouse: DuckDBWarehouse) -> dg.MaterializeResult:
    service = read_frame(warehouse, f"SELECT * FROM {SCHEMA}.kpi_order_service WHERE customer_segment = 'ALL'")
    inventory = read_frame(warehouse, f"SELECT * FROM {SCHEMA}.kpi_inventory WHERE location_id = 'ALL'")
    if service.empty or inventory.empty:
        raise dg.Failure("No KPI rows yet: materialize the data layer and the planning models first.")
    month = min(service.month.max(), inventory.month.max())  # the latest month both measure
    latest_service = service[service.month == month].set_index("channel_id")
    latest_inventory = inventory[inventory.month == month].iloc[0]
    metadata = {
        "month": str(month.date()),
        "otif_rate": dg.MetadataValue.float(round(float(latest_service.loc["ALL", "otif_rate"]), 4)),
        "unit_fill_rate": dg.MetadataValue.float(round(float(latest_service.loc["ALL", "unit_fill_rate"]), 4)),
        **{
            f"otif_rate_{channel.lower()}": dg.MetadataValue.float(round(float(row.otif_rate), 4))
            for channel, row in latest_service.drop(index="ALL").iterrows()
        },
        "inventory_value": dg.MetadataValue.float(round(float(latest_inventory.inventory_value), 2)),
        "inventory_turnover": dg.MetadataValue.float(round(float(latest_inventory.inventory_turnover), 3)),
    }
    return dg.MaterializeResult(metadata=metadata)


kpi_assets = [kpi_latest]
