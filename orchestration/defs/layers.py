"""The layers of the asset graph as selections built from groups, which the jobs select.

An asset joins the runs of its layer through its group: a new asset in group ``inventory`` is
planned after every forecast, a new dbt model under ``models/marts/kpi`` is computed with the
KPIs, without a job to edit. The few models of the planning groups that the data layer builds
(the inputs of forecasting and S&OP) are named here, once.

    data layer --> forecast --> plan --> reporting          (daily, after every data run)
                   training --^                             (weekly)
    data layer --> S&OP cycle --> reporting                 (monthly)
"""

import dagster as dg

from orchestration.defs.forecasting.assets import DEMAND_FORECAST, DEMAND_MODEL, PANEL
from orchestration.defs.sop.approval import APPROVED_PLAN
from orchestration.defs.sop.assets import MONTHLY_HISTORY, SOP_DAILY_DEMAND, SUPPLY_CAPACITY, SUPPLY_SOURCES

# Loading, contracts, harmonization: from the landing files to the marts.
DATA_GROUPS = ("company", "raw", "governance", "staging", "intermediate", "marts", "reference")
# What forecasting and the S&OP cycle read, built with the data (dbt models of their groups).
PLANNING_INPUTS = dg.AssetSelection.assets(PANEL, MONTHLY_HISTORY, SOP_DAILY_DEMAND, SUPPLY_SOURCES, SUPPLY_CAPACITY)
# What reads a forecast: never part of a data run (the overrides' cells are an intermediate model).
FORECAST_READERS = dg.AssetSelection.assets(DEMAND_FORECAST).downstream()

DATA_LAYER = (dg.AssetSelection.groups(*DATA_GROUPS) | PLANNING_INPUTS) - FORECAST_READERS
# The champion's forecast from the latest panel, the overrides' cells, the consensus and its value added.
FORECAST = dg.AssetSelection.assets(PANEL) | (FORECAST_READERS & dg.AssetSelection.groups("intermediate", "forecasting"))
TRAINING = dg.AssetSelection.assets(DEMAND_MODEL).required_multi_asset_neighbors()  # with the backtest it writes
# Policies, projection, planned orders, placement, rebalancing, ATP, allocation, routing.
PLAN = dg.AssetSelection.groups("inventory")
# KPIs, exceptions and the cockpit: after every plan and every S&OP cycle.
REPORTING = dg.AssetSelection.groups("kpi", "exceptions", "cockpit")
# The monthly cycle: demand review, supply review, scenarios, gaps, the proposed consensus plan.
SOP_CYCLE = dg.AssetSelection.groups("sop") - dg.AssetSelection.assets(APPROVED_PLAN)
SOP_APPROVAL = dg.AssetSelection.assets(APPROVED_PLAN)
PUBLICATION = dg.AssetSelection.groups("publication")
