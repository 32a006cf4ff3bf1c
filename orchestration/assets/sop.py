"""S&OP assets (group ``sop``): the monthly cycle of SPEC section 7.

- ``sop/fct_monthly_demand_history`` (dbt): complete months of demand by family x region.
- ``sop/monthly_statistical_forecast``: the monthly statistical forecast over the S&OP horizon
  (``ml.sop.demand_review``).
- ``sop/fct_demand_plan`` (dbt): the demand review's plan: the daily consensus where it reaches,
  the monthly forecast beyond it, the planners' overrides.

The logic lives in ``ml.sop``; these assets read the marts, call it and write tables.
"""

import os

import dagster as dg
import pandas as pd

from ml.sop.demand_review import monthly_statistical_forecast as forecast_months
from orchestration.assets.metadata import markdown_table
from orchestration.assets.warehouse_tables import read_frame, replace_table
from orchestration.partitions import WAREHOUSE_POOL
from orchestration.resources import DuckDBWarehouse

GROUP = "sop"
SCHEMA = "sop"
MONTHLY_HISTORY = dg.AssetKey([SCHEMA, "fct_monthly_demand_history"])
MONTHLY_STATISTICAL_FORECAST = dg.AssetKey([SCHEMA, "monthly_statistical_forecast"])
DEMAND_PLAN = dg.AssetKey([SCHEMA, "fct_demand_plan"])


def sop_horizon_months() -> int:
    """Months of the S&OP horizon: PLANLINE_SOP_HORIZON_MONTHS (dbt var sop_horizon_months), 18."""
    return int(os.environ.get("PLANLINE_SOP_HORIZON_MONTHS", "18"))


@dg.asset(
    key=MONTHLY_STATISTICAL_FORECAST,
    deps=[MONTHLY_HISTORY],
    group_name=GROUP,
    kinds={"python", "statsforecast", "duckdb"},
    pool=WAREHOUSE_POOL,
    description="Monthly statistical forecast by family x region over the S&OP horizon, from complete months of history: "
    "AutoETS with a yearly season (two years of history or more), without one (six months or more), else the mean.",
)
def monthly_statistical_forecast(context: dg.AssetExecutionContext, warehouse: DuckDBWarehouse) -> dg.MaterializeResult:
    history = read_frame(warehouse, f"SELECT month, family, region, units FROM {SCHEMA}.fct_monthly_demand_history")
    if history.empty:
        raise dg.Failure("sop.fct_monthly_demand_history is empty: a complete month of history is needed (data_foundation).")
    horizon = sop_horizon_months()
    forecast = forecast_months(history, horizon)
    replace_table(warehouse, SCHEMA, "monthly_statistical_forecast", forecast)
    context.log.info(f"{forecast.family.nunique()} families x {forecast.region.nunique()} regions, {horizon} months")
    yearly = forecast.groupby(pd.to_datetime(forecast.month).dt.year).statistical_units.sum()
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": dg.MetadataValue.int(len(forecast)),
            "first_month": str(forecast.month.min()),
            "last_month": str(forecast.month.max()),
            "history_months": dg.MetadataValue.int(history.month.nunique()),
            "statistical_units": dg.MetadataValue.float(round(float(forecast.statistical_units.sum()), 0)),
            "by_model": markdown_table(("model", "series"), list(forecast.groupby("model").family.size().div(horizon).astype(int).items())),
            "by_calendar_year": markdown_table(("year", "units"), [(year, f"{units:,.0f}") for year, units in yearly.items()]),
        }
    )


sop_assets = [monthly_statistical_forecast]
