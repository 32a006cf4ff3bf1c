"""S&OP assets (group ``sop``): the monthly cycle of SPEC section 7.

- ``sop/fct_monthly_demand_history`` (dbt): complete months of demand by family x region.
- ``sop/monthly_statistical_forecast``: the monthly statistical forecast over the S&OP horizon
  (``ml.sop.demand_review``).
- ``sop/fct_demand_plan`` (dbt): the demand review's plan: the daily consensus where it reaches,
  the monthly forecast beyond it, the planners' overrides.
- ``sop/fct_sop_opening_stock`` (dbt): the stock the balancing starts from, by planning group x region.
- ``sop/scenario_plans``, ``sop/gap_report``, ``sop/consensus_plan``: every scenario balanced, the
  gaps, and the base plan proposed under a plan version (``ml.sop.cycle.balance_cycle``); the
  proposal is appended to sop.consensus_plan keeping the decision taken on the same version
  (``ml.sop.consensus.status_on_proposal``).

The logic lives in ``ml.sop``; these assets read the marts, call it and write tables.
"""

import dagster as dg
import pandas as pd

from ml.sop.consensus import status_on_proposal
from ml.sop.cycle import balance_cycle
from ml.sop.demand_review import monthly_statistical_forecast as forecast_months
from orchestration.metadata import markdown_table
from orchestration.partitions import WAREHOUSE_POOL
from orchestration.resources import DuckDBWarehouse
from orchestration.settings import load_settings
from orchestration.warehouse_io import append_version, read_frame, replace_table, table_exists

GROUP = "sop"
SCHEMA = "sop"
# the supplier of items the data names no source for: dbt var unnamed_source (the same text, tests/dbt/test_dbt_project.py)
UNNAMED_SOURCE = "(unnamed source)"
MONTHLY_HISTORY = dg.AssetKey([SCHEMA, "fct_monthly_demand_history"])
MONTHLY_STATISTICAL_FORECAST = dg.AssetKey([SCHEMA, "monthly_statistical_forecast"])
DEMAND_PLAN = dg.AssetKey([SCHEMA, "fct_demand_plan"])
SUPPLY_SOURCES = dg.AssetKey([SCHEMA, "fct_supply_sources"])
SUPPLY_CAPACITY = dg.AssetKey([SCHEMA, "fct_supply_capacity"])
SOP_DAILY_DEMAND = dg.AssetKey([SCHEMA, "fct_sop_daily_demand"])
SCENARIOS = dg.AssetKey(["reference", "sop_scenarios"])
OPENING_STOCK = dg.AssetKey([SCHEMA, "fct_sop_opening_stock"])
SCENARIO_PLANS = dg.AssetKey([SCHEMA, "scenario_plans"])
GAP_REPORT = dg.AssetKey([SCHEMA, "gap_report"])
CONSENSUS_PLAN = dg.AssetKey([SCHEMA, "consensus_plan"])


def sop_horizon_months() -> int:
    """Months of the S&OP horizon: the setting dbt reads too (PLANLINE_SOP_HORIZON_MONTHS, else
    company.yaml's planning.sop_horizon_months, else dbt var sop_horizon_months' default, 18)."""
    return load_settings().sop_horizon_months


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


class BalancingConfig(dg.Config):
    """Costs of the balancing LP (defaults: the dbt vars sop_* of dbt_project.yml)."""

    annual_holding_rate: float = 0.2  # share of unit cost per year
    backlog_cost_share_of_price: float = 0.1  # per unit and month backlogged
    lost_sale_cost_share_of_price: float = 1.0  # per unit lost


def _spec(key: dg.AssetKey, deps: list, description: str) -> dg.AssetSpec:
    return dg.AssetSpec(key, deps=deps, group_name=GROUP, kinds={"python", "scipy", "duckdb"}, description=description)


def record_proposal(warehouse: DuckDBWarehouse, consensus: pd.DataFrame) -> tuple[str, str]:
    """Append the proposed consensus plan (one version's rows) to sop.consensus_plan, in one
    transaction with the read of the status already recorded for its version: the same plan
    proposed again keeps its decision (``status_on_proposal``). Returns the version and its status."""
    version = str(consensus.plan_version.iloc[0])
    with warehouse.connect() as con:
        con.execute("BEGIN")
        recorded = (
            con.execute(f"SELECT any_value(status) FROM {SCHEMA}.consensus_plan WHERE plan_version = ?", [version]).fetchone()[0]
            if table_exists(con, SCHEMA, "consensus_plan")
            else None
        )
        status = status_on_proposal(recorded)
        append_version(con, SCHEMA, "consensus_plan", consensus.assign(status=status), "plan_version")
        con.execute("COMMIT")
    return version, status


@dg.multi_asset(
    specs=[
        _spec(
            SCENARIO_PLANS,
            [DEMAND_PLAN, SUPPLY_SOURCES, SUPPLY_CAPACITY, SCENARIOS, OPENING_STOCK],
            "Every scenario of seed sop_scenarios balanced by the LP (least cost within line hours and supplier capacity): "
            "plans by month x family x region in sop.scenario_plans, resources in sop.scenario_resources, totals in sop.scenario_summary.",
        ),
        _spec(
            GAP_REPORT, [SCENARIO_PLANS], "Gap report by scenario, month and family: demand against constrained supply, unmet units, the binding constraint."
        ),
        _spec(
            CONSENSUS_PLAN,
            [SCENARIO_PLANS],
            "The base scenario's balanced plan by month x family x region under a plan version, proposed for approval; every version kept.",
        ),
    ],
    pool=WAREHOUSE_POOL,
)
def balanced_scenarios(context: dg.AssetExecutionContext, config: BalancingConfig, warehouse: DuckDBWarehouse):
    plan = read_frame(warehouse, f"SELECT month, family, region, plan_units FROM {SCHEMA}.fct_demand_plan")
    if plan.empty:
        raise dg.Failure("sop.fct_demand_plan is empty: run the demand review first (job sop_monthly).")
    cycle = balance_cycle(
        plan,
        supply_sources=read_frame(warehouse, f"SELECT * FROM {SCHEMA}.fct_supply_sources"),
        capacities=read_frame(warehouse, f"SELECT * FROM {SCHEMA}.fct_supply_capacity"),
        scenarios=read_frame(warehouse, "SELECT * FROM reference.sop_scenarios"),
        # the opening stock by planning group and region (the LP's "family" is the planning group)
        opening=read_frame(warehouse, f"SELECT planning_group AS family, region, on_hand_units AS units FROM {SCHEMA}.fct_sop_opening_stock"),
        annual_holding_rate=config.annual_holding_rate,
        backlog_share=config.backlog_cost_share_of_price,
        lost_share=config.lost_sale_cost_share_of_price,
        proposed_at=pd.Timestamp.now(tz="UTC").floor("s").tz_localize(None),
    )
    if cycle.groups_valued_in_units:
        context.log.warning(f"{cycle.groups_valued_in_units} planning groups have neither unit cost nor list price: their costs are in units (a unit worth 1)")
    plans, summary, gaps = cycle.plans, cycle.summary, cycle.gaps
    replace_table(warehouse, SCHEMA, "scenario_plans", plans)
    replace_table(warehouse, SCHEMA, "scenario_resources", cycle.resources)
    replace_table(warehouse, SCHEMA, "scenario_summary", summary)
    replace_table(warehouse, SCHEMA, "gap_report", gaps)
    version, status = record_proposal(warehouse, cycle.consensus)
    context.log.info(f"{len(summary)} scenarios balanced; consensus plan {version} ({status})")
    yield dg.MaterializeResult(
        asset_key=SCENARIO_PLANS,
        metadata={
            "dagster/row_count": dg.MetadataValue.int(len(plans)),
            "scenarios": markdown_table(
                ("scenario", "total cost", "demand", "lost", "service", "busiest resource", "utilisation"),
                [
                    (
                        r.scenario,
                        f"{r.total_cost:,.0f}",
                        f"{r.demand_units:,.0f}",
                        f"{r.lost_units:,.0f}",
                        f"{r.service_level:.4f}",
                        f"{r.busiest_resource} {r.busiest_month}",
                        f"{r.busiest_utilisation:.3f}",
                    )
                    for r in summary.itertuples()
                ],
            ),
            **{f"{r.scenario}_total_cost": dg.MetadataValue.float(round(float(r.total_cost), 2)) for r in summary.itertuples()},
        },
    )
    binding = gaps[(gaps.binding_constraint != "none") & (gaps.scenario == "base")]
    yield dg.MaterializeResult(
        asset_key=GAP_REPORT,
        metadata={
            "dagster/row_count": dg.MetadataValue.int(len(gaps)),
            "base_unmet_units": dg.MetadataValue.float(round(float(gaps[gaps.scenario == "base"].unmet_units.clip(lower=0).sum()), 0)),
            "base_months_with_a_binding_constraint": dg.MetadataValue.int(int(binding.month.nunique())),
        },
    )
    yield dg.MaterializeResult(
        asset_key=CONSENSUS_PLAN, metadata={"plan_version": version, "status": status, "dagster/row_count": dg.MetadataValue.int(len(cycle.consensus))}
    )


sop_assets = [monthly_statistical_forecast, balanced_scenarios]
