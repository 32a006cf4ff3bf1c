"""The jobs: what runs together, selected by layer.

- ``data_foundation``: every asset; launched over all days (a backfill in the UI, ``make demo``).
- ``data_foundation_full_refresh``: the same, re-validating every row and rebuilding the
  incremental models from scratch.
- ``daily_data_foundation``: the transactional sources, the facts and governance for some days:
  what the daily schedule and the landing sensor run.
- ``master_data``: master-data sources and everything not partitioned (staging views,
  dimensions, governance), when master-data exports change.
- ``demand_forecast_training``: the weekly training (backtest, MLflow, champion gate), then the
  forecast and consensus from the champion.
- ``daily_forecast``: the forecast from the latest history without refitting, the consensus
  with the overrides and their value added, then the inventory plan (policies, projection,
  planned orders, safety-stock placement, rebalancing, ATP, allocation, routing), the KPIs, the
  exceptions and the cockpit; after every data run (see sensors).
- ``publish_plan``: the current (or a chosen) plan version's planned orders as ERP import files.
- ``approve_sop_plan``: approve a consensus plan version and publish it (config: version, approver).
- ``sop_monthly``: the monthly S&OP cycle (demand review, supply review, scenarios balanced, gap
  report, proposed consensus plan), then the exceptions and the cockpit; on the first of each month.

Each selects layers of the graph (``layers.py``), never a list of assets; the schedules are in
``schedules.py``, the sensors that launch runs in ``ingestion/sensors.py`` and ``automation.py``.
"""

import dagster as dg

from orchestration.defs.dbt import assets as dbt
from orchestration.defs.ingestion import governance, raw
from orchestration.defs.ingestion.company import COMPANY_KEYS
from orchestration.defs.ingestion.raw import MASTER_DATA_RAW_KEYS, PARTITIONED_RAW_KEYS
from orchestration.defs.layers import DATA_LAYER, FORECAST, PLAN, PUBLICATION, REPORTING, SOP_APPROVAL, SOP_CYCLE, TRAINING

# What a day's new rows change besides their raw tables: the quarantine summary and the
# incremental models (one dbt invocation); the other governance marts are views.
DAILY_DOWNSTREAM_KEYS = [*dbt.planline_daily_dbt_models.keys, governance.quarantine.key]
# one forecasting run at a time (tag_concurrency_limits in dagster.yaml, orchestration/instance.py)
FORECASTING_RUN_TAG = {"planline/forecasting": "true"}
# The steps with a full_refresh switch: raw assets (re-validate every row) and dbt (rebuild).
_REFRESHABLE_STEPS = [asset.op.name for asset in (*raw.raw_assets, dbt.planline_dbt_models, dbt.planline_daily_dbt_models)]

data_foundation_job = dg.define_asset_job(
    "data_foundation",
    selection=DATA_LAYER,
    description="Everything: ingest every source, run the data contracts, harmonize and build the marts. Launch it over all days.",
)

data_foundation_full_refresh_job = dg.define_asset_job(
    "data_foundation_full_refresh",
    selection=DATA_LAYER,
    config=dg.RunConfig(ops={step: {"config": {"full_refresh": True}} for step in _REFRESHABLE_STEPS}),
    description="Everything, from scratch: re-validate every raw row and rebuild the incremental models. "
    "After a change of contracts, master data or model code. Launch it over all days.",
)

daily_data_foundation_job = dg.define_asset_job(
    "daily_data_foundation",
    selection=dg.AssetSelection.assets(*COMPANY_KEYS, *PARTITIONED_RAW_KEYS, *DAILY_DOWNSTREAM_KEYS),
    description="One or more business days: load their transactional files, validate, replace the days in the facts, refresh governance.",
)

master_data_job = dg.define_asset_job(
    "master_data",
    selection=dg.AssetSelection.assets(*COMPANY_KEYS, *MASTER_DATA_RAW_KEYS, governance.quarantine.key)
    | (DATA_LAYER & dg.AssetSelection.assets(*dbt.planline_dbt_models.keys)),
    description="Master data changed: load and validate it, rebuild the views, dimensions and governance marts.",
)

demand_forecast_training_job = dg.define_asset_job(
    "demand_forecast_training",
    selection=TRAINING | FORECAST | PLAN | REPORTING,
    description="Weekly: rebuild the panel, backtest and train the demand model (MLflow), pass it through the champion gate, "
    "then forecast from the champion, form the consensus and plan inventory.",
    tags=FORECASTING_RUN_TAG,
)

daily_forecast_job = dg.define_asset_job(
    "daily_forecast",
    selection=FORECAST | PLAN | REPORTING,
    description="The champion's forecast from the latest history (no refit), the consensus forecast with the planners' overrides and their forecast value added, "
    "then the inventory plan: policies, projected inventory, planned orders, safety-stock placement, rebalancing, ATP and ATS, "
    "allocation of scarce stock and routing of online orders; then the KPIs, the exceptions and the planners' cockpit.",
    tags=FORECASTING_RUN_TAG,
)

publish_plan_job = dg.define_asset_job(
    "publish_plan",
    selection=PUBLICATION,
    description="Publish a plan version's planned orders as ERP import files (config plan_version; empty: the current plan).",
)

sop_monthly_job = dg.define_asset_job(
    "sop_monthly",
    selection=SOP_CYCLE | (REPORTING - dg.AssetSelection.groups("kpi")),
    description="The monthly S&OP cycle: the demand review (monthly history, the monthly statistical forecast, the demand plan "
    "with the daily consensus and the planners' overrides), the supply review (sources and capacities), the scenarios balanced "
    "by the LP, the gap report and the proposed consensus plan; then the exceptions and the cockpit with the new scenarios.",
)

approve_sop_plan_job = dg.define_asset_job(
    "approve_sop_plan",
    selection=SOP_APPROVAL | dg.AssetSelection.groups("cockpit"),
    description="Approve a consensus plan version after the S&OP executive meeting (config plan_version, approved_by, comment): "
    "its status becomes approved, the previous approved version superseded, and the plan is published as CSV under the export folder; "
    "the cockpit shows the decision.",
)
