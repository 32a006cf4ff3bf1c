"""The forecasting and inventory planning layers end to end on the tiny company: the training job
twice (the second challenger meets a champion), the forecast, the consensus with the planners'
overrides and their forecast value added, then the inventory marts (lead times, classes, stock
position, open supply, committed orders) and the plan (policies, projection, planned orders,
placement, rebalancing, ATP, allocation, routing, ERP files).

The tiny company has 12 weeks of history: the panel forecasts 7 days (PLANLINE_FORECAST_HORIZON_DAYS)
so that three backtest origins fit, and the model trains with few small trees; the training
adapts to the short history by itself (young rows, the whole history as its window) and says so.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from orchestration.defs.forecasting.assets import DEMAND_FORECAST, DEMAND_MODEL, MODEL_NAME
from tests.conftest import duckdb_path, running_home
from tests.reference_home import copy_home

pytestmark = pytest.mark.e2e

HORIZON = 7
TINY_TRAINING = {
    "n_estimators": 30,
    "learning_rate": 0.1,
    "num_leaves": 15,
    "history_days": 365,
    "baselines": ["seasonal_naive", "ets", "sba"],
}


@pytest.fixture(scope="module")
def forecast_home(reference, tmp_path_factory):
    """Tiny data through the data layer (a copy of the session's reference run), then the weekly
    training job run twice (it rebuilds the panel for this module's horizon), the S&OP cycle and
    its approvals."""
    import dagster as dg

    assert reference["success"], reference["step_failures"]
    home = copy_home(reference["home"], tmp_path_factory.mktemp("forecast") / "home")
    with running_home(home, PLANLINE_AS_OF=reference["manifest"]["end_date"], PLANLINE_FORECAST_HORIZON_DAYS=str(HORIZON)) as (instance, env):
        from orchestration.definitions import defs as planline

        defs = planline()

        training = defs.resolve_job_def("demand_forecast_training")
        run_config = dg.RunConfig(ops={"demand_model": {"config": TINY_TRAINING}})
        runs = [training.execute_in_process(instance=instance, run_config=run_config, raise_on_error=False) for _ in range(2)]
        sop = defs.resolve_job_def("sop_monthly").execute_in_process(instance=instance, raise_on_error=False)
        with duckdb.connect(duckdb_path(home), read_only=True) as con:
            proposed = con.execute("SELECT DISTINCT plan_version, status FROM sop.consensus_plan").fetchall()
        approve = defs.resolve_job_def("approve_sop_plan")
        approval = lambda v: dg.RunConfig(ops={"sop__approved_consensus_plan": {"config": {"plan_version": v, "approved_by": "c.martin"}}})  # noqa: E731
        approvals = [
            approve.execute_in_process(instance=instance, run_config=approval(v), raise_on_error=False) for v in ("SOP-209901-00000000", proposed[0][0])
        ]
        again = defs.resolve_job_def("sop_monthly").execute_in_process(instance=instance, raise_on_error=False)  # the same plan proposed again
        yield {"home": home, "instance": instance, "env": env, "runs": runs, "sop": sop, "proposed": proposed, "approvals": approvals, "again": again}


@pytest.fixture(scope="module")
def warehouse(forecast_home):
    con = duckdb.connect(duckdb_path(forecast_home["home"]), read_only=True)
    yield con
    con.close()


def _gate(run):
    [evaluation] = [e for e in run.get_asset_check_evaluations() if e.check_name == "champion_gate"]
    return evaluation


def test_both_trainings_run_and_the_first_becomes_champion(forecast_home):
    first, second = forecast_home["runs"]
    assert first.success and second.success, [e.message for r in (first, second) for e in r.get_step_failure_events()]
    gate = _gate(first)
    assert gate.passed and "no champion yet" in gate.description


def test_the_champion_gate_moves_the_alias_only_on_a_lower_wrmsse(forecast_home):
    import mlflow

    from ml.forecasting.tracking import CHAMPION, tracking_store

    gate = _gate(forecast_home["runs"][1])
    challenger = gate.metadata["challenger_wrmsse"].value
    held = gate.metadata["champion_wrmsse"].value
    assert gate.passed == (challenger < held)
    assert gate.severity.value == "WARN"  # a challenger that loses is news, not a failed pipeline
    store = tracking_store(forecast_home["home"] / "mlflow")
    alias = str(mlflow.MlflowClient(store.uri).get_model_version_by_alias(MODEL_NAME, CHAMPION).version)
    assert alias == (gate.metadata["challenger_version"].value if gate.passed else gate.metadata["champion_version"].value)


def test_the_training_logs_its_backtest_by_group_for_every_model(forecast_home, warehouse):
    scores = warehouse.execute('SELECT forecast, "group", value, wrmsse, coverage FROM forecasting.backtest_scores').df()
    assert {"lightgbm", "lightgbm_p90", "seasonal_naive", "ets", "sba"} <= set(scores.forecast)
    assert {"all", "family", "location_id", "channel_id", "abc_class", "demand_class"} == set(scores.group)
    origins = warehouse.execute("SELECT count(DISTINCT origin_date) FROM forecasting.backtest_forecasts").fetchone()[0]
    assert origins == 3
    metadata = forecast_home["instance"].get_latest_materialization_event(DEMAND_MODEL).asset_materialization.metadata
    assert metadata["mlflow_run"].value.startswith("http://127.0.0.1:5000/#/experiments/")
    # 12 weeks of history: the training took all of it and the days with incomplete features, and said so
    assert metadata["history_days"].value == 84
    adaptations = metadata["adaptations"].value
    assert "history_days 365 -> all 84 days" in adaptations and "young_rows on" in adaptations and "backtest origins" not in adaptations


def test_the_forecast_covers_every_series_for_the_horizon_once_with_the_champions_metrics(forecast_home, warehouse):
    forecast = warehouse.execute("SELECT * FROM forecasting.demand_forecast").df()
    panel_series = warehouse.execute("SELECT count(DISTINCT sku_id || location_id || channel_id) FROM forecasting.fct_demand_panel").fetchone()[0]
    assert forecast.origin_date.nunique() == 1, "a refresh of the same origin replaces it"
    assert len(forecast) == panel_series * HORIZON
    assert not forecast.duplicated(["sku_id", "location_id", "channel_id", "forecast_date"]).any()
    assert (forecast.p90_units >= forecast.p50_units).all() and (forecast.p50_units >= 0).all()
    metadata = forecast_home["instance"].get_latest_materialization_event(DEMAND_FORECAST).asset_materialization.metadata
    assert metadata["champion_backtest_wrmsse"].value > 0
    assert metadata["mlflow_run"].value.startswith("http://127.0.0.1:5000/")


def test_consensus_is_the_statistical_forecast_plus_the_overrides(warehouse):
    consensus = warehouse.execute("SELECT * FROM forecasting.fct_consensus_forecast").df()
    forecast_rows = warehouse.execute("SELECT count(*) FROM forecasting.demand_forecast").fetchone()[0]
    assert len(consensus) == forecast_rows
    expected = (consensus.statistical_units + consensus.override_units).clip(lower=0)
    assert consensus.consensus_units.to_numpy() == pytest.approx(expected.to_numpy())
    assert (consensus.override_units == 0).sum() == (consensus.override_count == 0).sum()


def test_overrides_apply_as_percentages_and_as_units_spread_over_their_period(warehouse):
    cells = warehouse.execute(
        """SELECT cells.*, o.adjustment_value, o.start_date, o.end_date, o.customer_id
           FROM intermediate.int_forecast_override_cells cells JOIN intermediate.int_planner_overrides o USING (override_id)"""
    ).df()
    assert {"PCT", "ABS"} <= set(cells.adjustment_type), "the tiny company's overrides exercise both kinds"
    pct = cells[cells.adjustment_type == "PCT"]
    assert pct.adjustment_units.to_numpy() == pytest.approx((pct.forecast_units * pct.target_share * pct.adjustment_value / 100).to_numpy())
    # a customer's percentage applies to its share of the DC's B2B series, anything else to the whole cell
    assert (cells.target_share[cells.customer_id.isna()] == 1).all()
    customer = cells[cells.customer_id.notna()]
    assert (customer.channel_id == "B2B").all() and customer.target_share.between(0, 1).all()
    absolute = cells[cells.adjustment_type == "ABS"]
    per_day = absolute.groupby(["override_id", "forecast_source", "origin_date", "forecast_date"]).agg(
        units=("adjustment_units", "sum"), value=("adjustment_value", "first"), start=("start_date", "first"), end=("end_date", "first")
    )
    period_days = (pd.to_datetime(per_day.end) - pd.to_datetime(per_day.start)).dt.days + 1
    assert per_day.units.to_numpy() == pytest.approx((per_day.value / period_days).to_numpy())


def test_forecast_value_added_is_measured_for_overrides_with_actuals(warehouse):
    fva = warehouse.execute("SELECT * FROM forecasting.fct_override_value_added").df()
    assert len(fva) > 0 and set(fva.forecast_source) <= {"published", "backtest"}
    assert fva.author.notna().all() and fva.reason.notna().all()
    assert fva.fva_units.to_numpy() == pytest.approx((fva.statistical_abs_error - fva.consensus_abs_error).to_numpy())
    last_day = warehouse.execute("SELECT max(demand_date) FROM forecasting.fct_demand_panel WHERE NOT is_future").fetchone()[0]
    assert (pd.to_datetime(fva.start_date).dt.date <= last_day).all(), "only overrides whose period has started have actuals"


def test_the_forecast_error_spread_is_the_backtests_daily_error_per_sku_and_location(warehouse):
    backtest = warehouse.execute("SELECT * FROM forecasting.backtest_forecasts WHERE lightgbm IS NOT NULL").df()
    daily = backtest.groupby(["origin_date", "forecast_date", "sku_id", "location_id"])[["lightgbm", "actual_units"]].sum()  # channels add up
    error = (daily.lightgbm - daily.actual_units).groupby(level=["sku_id", "location_id"])
    spread = warehouse.execute("SELECT * FROM inventory.fct_forecast_error_spread").df().set_index(["sku_id", "location_id"]).sort_index()
    assert list(spread.index) == sorted(error.groups)
    assert spread.forecast_error_sd.to_numpy(dtype=float) == pytest.approx(error.std().sort_index().to_numpy(), nan_ok=True)
    assert spread.mean_daily_error.to_numpy(dtype=float) == pytest.approx(error.mean().sort_index().to_numpy())
    assert (spread.origins == 3).any()


# ---- the inventory plan that follows the forecast --------------------------------------------


def test_lead_times_come_from_the_lanes_receipts_or_the_supplier_master(warehouse):
    lines = warehouse.execute("SELECT supplier_id, location_id, lead_time_days FROM marts.fct_purchase_order_lines").df()
    suppliers = warehouse.execute("SELECT supplier_id, lead_time_days, lead_time_sd_days FROM marts.dim_supplier").df().set_index("supplier_id")
    lanes = warehouse.execute("SELECT * FROM inventory.fct_lead_times").df().set_index(["supplier_id", "location_id"]).sort_index()
    received = lines.dropna(subset=["lead_time_days"]).groupby(["supplier_id", "location_id"]).lead_time_days
    expected = pd.DataFrame({"n": received.size(), "mean": received.mean(), "sd": received.std()}).reindex(lanes.index)
    expected["n"] = expected.n.fillna(0)
    from_history = expected.n >= 8  # var min_lead_time_observations
    assert (lanes.lead_time_source == from_history.map({True: "history", False: "master_data"})).all()
    master = suppliers.reindex(lanes.index.get_level_values("supplier_id"))
    want_mean = expected["mean"].where(from_history, master.lead_time_days.to_numpy())
    want_sd = expected["sd"].fillna(0).where(from_history, master.lead_time_sd_days.to_numpy())
    assert lanes.lead_time_days.to_numpy(dtype=float) == pytest.approx(want_mean.to_numpy(dtype=float))
    assert lanes.lead_time_sd_days.to_numpy(dtype=float) == pytest.approx(want_sd.to_numpy(dtype=float))
    assert set(lanes.index) == set(map(tuple, lines[["supplier_id", "location_id"]].drop_duplicates().to_numpy()))


def test_inventory_classes_follow_value_and_weekly_variability(warehouse):
    demand = warehouse.execute("SELECT sku_id, location_id, channel_id, demand_date, units FROM marts.fct_daily_demand").df()
    costs = warehouse.execute("SELECT sku_id, unit_cost FROM marts.dim_sku").df().set_index("sku_id").unit_cost.astype(float)
    classes = warehouse.execute("SELECT * FROM inventory.fct_inventory_classes").df().set_index(["sku_id", "location_id"]).sort_index()
    demand["units"] = demand.units.astype(float)
    last_day = pd.Timestamp(demand[demand.channel_id != "B2B"].demand_date.max())
    demand["days_before_end"] = (last_day - pd.to_datetime(demand.demand_date)).dt.days
    first = demand.groupby(["sku_id", "location_id"]).days_before_end.max()
    window = demand[(demand.days_before_end >= 0) & (demand.days_before_end < 364)]
    weekly = window.groupby(["sku_id", "location_id", window.days_before_end // 7]).units.sum()
    observed = (first // 7 + 1).clip(upper=52)
    pairs = weekly.groupby(level=[0, 1]).sum()
    pairs = pairs[pairs > 0]
    cv = {}
    for (sku, location), units in weekly.groupby(level=[0, 1]):  # a check, not a hot path: a few hundred pairs
        if (sku, location) not in pairs.index:
            continue
        series = np.zeros(int(observed[(sku, location)]))
        series[units.index.get_level_values(2).to_numpy()] = units.to_numpy()
        cv[(sku, location)] = series.std(ddof=1) / series.mean() if len(series) > 1 else 0.0
    cv = pd.Series(cv).sort_index()
    assert list(classes.index) == list(cv.index)
    assert classes.weekly_cv.to_numpy(dtype=float) == pytest.approx(cv.to_numpy())
    expected_xyz = np.select([cv <= 0.5, cv <= 1.0], ["X", "Y"], "Z")
    assert (classes.xyz_class.to_numpy() == expected_xyz).all()
    value = (pairs * costs.reindex(pairs.index.get_level_values(0)).to_numpy()).rename("value").reset_index()
    value = value.sort_values(["location_id", "value", "sku_id"], ascending=[True, False, True])
    value["share"] = value.groupby("location_id").value.cumsum() / value.groupby("location_id").value.transform("sum")
    expected_abc = pd.Series(
        np.select([value.share <= 0.8, value.share <= 0.95], ["A", "B"], "C"), index=pd.MultiIndex.from_frame(value[["sku_id", "location_id"]])
    )
    assert (classes.abc_class == expected_abc.reindex(classes.index)).all()
    targets = pd.read_csv(Path(__file__).parents[2] / "dbt_project" / "seeds" / "service_level_targets.csv").set_index(["abc_class", "xyz_class"])
    joined = targets.reindex(pd.MultiIndex.from_arrays([classes.abc_class, classes.xyz_class]))
    assert classes.cycle_service_level.to_numpy(dtype=float) == pytest.approx(joined.cycle_service_level.to_numpy())


def test_stock_position_is_the_last_count_plus_movements_minus_store_sales_since(warehouse):
    counts = warehouse.execute("SELECT snapshot_date, location_id, sku_id, wms_quantity FROM marts.fct_inventory_snapshots").df()
    moves = warehouse.execute("SELECT event_date, location_id, sku_id, available_stock_delta FROM marts.fct_stock_movements").df()
    demand = warehouse.execute("SELECT demand_date, location_id, sku_id, channel_id, units FROM marts.fct_daily_demand").df()
    position = warehouse.execute("SELECT * FROM inventory.fct_stock_position").df().set_index(["sku_id", "location_id"]).sort_index()
    last_day = demand[demand.channel_id != "B2B"].demand_date.max()
    counts = counts[counts.snapshot_date <= last_day]
    latest = counts[counts.snapshot_date == counts.groupby("location_id").snapshot_date.transform("max")].set_index(["sku_id", "location_id"])
    counted_on = latest.snapshot_date.groupby(level=1).first()

    def since_count(frame: pd.DataFrame, day: str, value: str) -> pd.Series:
        after = (frame[day] > frame.location_id.map(counted_on)) & (frame[day] <= last_day)
        return frame[after].groupby(["sku_id", "location_id"])[value].sum().astype(float)

    moved = since_count(moves, "event_date", "available_stock_delta")
    sold = since_count(demand[demand.channel_id == "STORE"], "demand_date", "units")
    stocking = warehouse.execute("SELECT location_id FROM marts.dim_location WHERE location_type IN ('DC', 'STORE')").df().location_id
    latest = latest[latest.index.get_level_values(1).isin(stocking)].sort_index()
    computed = latest.wms_quantity.astype(float) + moved.reindex(latest.index).fillna(0) - sold.reindex(latest.index).fillna(0)
    assert list(position.index) == list(latest.index)
    assert position.computed_on_hand_units.to_numpy(dtype=float) == pytest.approx(computed.to_numpy())
    assert position.on_hand_units.to_numpy(dtype=float) == pytest.approx(computed.clip(lower=0).to_numpy())


def test_open_supply_and_committed_orders_are_what_is_ordered_and_not_yet_received_or_delivered(warehouse):
    supply = warehouse.execute("SELECT * FROM inventory.fct_open_supply").df()
    purchase = warehouse.execute("SELECT * FROM marts.fct_purchase_order_lines WHERE status = 'OPEN'").df()
    assert supply[supply.supply_type == "PURCHASE"].open_quantity.sum() == pytest.approx(
        (purchase.ordered_quantity - purchase.received_quantity.fillna(0)).astype(float).sum()
    )
    assert supply[supply.supply_type == "TRANSFER"].location_id.isna().all()  # destination unknown until received
    committed = warehouse.execute("SELECT * FROM inventory.fct_committed_orders").df()
    lines = warehouse.execute("SELECT * FROM marts.fct_order_lines WHERE status = 'OPEN'").df()
    assert len(committed) == (lines.ordered_quantity > lines.delivered_quantity.fillna(0)).sum() > 0
    last_day = warehouse.execute("SELECT max(demand_date) FROM marts.fct_daily_demand WHERE channel_id <> 'B2B'").fetchall()[0][0]
    assert (committed.due_date > pd.Timestamp(last_day)).all()
    stale = committed.promised_date < pd.Timestamp(last_day) - pd.Timedelta(days=28)  # var stale_order_days
    assert (committed.is_stale == stale).all()


def test_every_active_sku_has_a_replenishment_lane_at_every_stocking_location(warehouse):
    lanes = warehouse.execute("SELECT * FROM inventory.fct_replenishment_lanes").df()
    skus = warehouse.execute("SELECT * FROM marts.dim_sku").df()
    locations = warehouse.execute("SELECT * FROM marts.dim_location WHERE location_type IN ('DC', 'STORE')").df()
    last_day = warehouse.execute("SELECT max(demand_date) FROM marts.fct_daily_demand WHERE channel_id <> 'B2B'").fetchall()[0][0]
    active = skus[skus.discontinued_date.isna() | (skus.discontinued_date > pd.Timestamp(last_day))]
    assert len(lanes) == len(active) * len(locations)
    lanes = lanes.merge(active[["sku_id", "make_or_buy", "supplier_id", "production_line_id"]], on="sku_id").merge(
        locations[["location_id", "parent_location_id"]], on="location_id"
    )
    stores, dcs = lanes[lanes.location_type == "STORE"], lanes[lanes.location_type == "DC"]
    assert (stores.supply_type == "TRANSFER").all() and (stores.source_id == stores.parent_location_id).all()
    assert (dcs.supply_type == dcs.make_or_buy.map({"BUY": "PURCHASE", "MAKE": "PRODUCTION"})).all()
    assert (dcs.source_id == np.where(dcs.make_or_buy == "BUY", dcs.supplier_id, dcs.production_line_id)).all()


def test_every_lane_gets_a_policy_with_the_safety_stock_formula(warehouse):
    lanes = warehouse.execute("SELECT count(*) FROM inventory.fct_replenishment_lanes").fetchall()[0][0]
    policies = warehouse.execute("SELECT * FROM inventory.inventory_policies").df()
    assert len(policies) == lanes > 0
    normal = policies[policies.distribution == "normal"]
    exposure = normal.lead_time_days + normal.review_period_days
    root = np.sqrt(exposure * normal.forecast_error_sd**2 + normal.mean_daily_demand**2 * normal.lead_time_sd_days**2)
    assert normal.safety_stock_units.to_numpy() == pytest.approx((normal.safety_factor.clip(lower=0) * root).to_numpy())
    assert policies.order_up_to_units.to_numpy() == pytest.approx(
        (policies.mean_daily_demand * (policies.lead_time_days + policies.review_period_days) + policies.safety_stock_units).to_numpy()
    )
    # a DC's demand is its echelon's: its own channels and the stores it serves
    dc = policies[policies.location_type == "DC"].set_index(["sku_id", "location_id"])
    stores = policies[policies.location_type == "STORE"].groupby(["sku_id", "source_id"]).local_mean_daily_forecast.sum()
    expected = dc.local_mean_daily_forecast + stores.reindex(dc.index).fillna(0).to_numpy()
    assert dc.mean_daily_demand.to_numpy() == pytest.approx(expected.to_numpy())


def test_the_projection_balances_stock_every_day_and_feeds_store_transfers_to_the_dcs(warehouse):
    projection = warehouse.execute("SELECT * FROM inventory.projected_inventory ORDER BY sku_id, location_id, projection_date").df()
    stock = warehouse.execute("SELECT sku_id, location_id, on_hand_units FROM inventory.fct_stock_position").df().set_index(["sku_id", "location_id"])
    assert projection.projection_date.nunique() == HORIZON
    keys = pd.MultiIndex.from_frame(projection[["sku_id", "location_id"]])
    start = stock.on_hand_units.astype(float).reindex(keys).fillna(0).to_numpy()
    previous = projection.groupby(["sku_id", "location_id"]).projected_on_hand.shift(1).to_numpy()
    previous = np.where(np.isnan(previous), start, previous)
    balance = previous + projection.scheduled_receipts + projection.planned_receipts - projection.demand_units
    assert projection.projected_on_hand.to_numpy() == pytest.approx(balance.to_numpy())
    assert projection.demand_units.to_numpy() == pytest.approx((projection.independent_demand_units + projection.dependent_units).to_numpy())
    orders = warehouse.execute("SELECT * FROM inventory.planned_orders WHERE plan_version = ?", [projection.plan_version.iloc[0]]).df()
    transfers = orders[orders.order_type == "TRANSFER_ORDER"].groupby(["sku_id", "from_id", "release_date"]).quantity_units.sum()
    shipped = projection[projection.dependent_units > 0].set_index(["sku_id", "location_id", "projection_date"]).dependent_units
    assert shipped.sort_index().to_numpy() == pytest.approx(transfers.sort_index().to_numpy())


def test_committed_orders_consume_the_forecast_of_their_channel_on_running_totals(warehouse):
    forecast = warehouse.execute(
        """SELECT sku_id, location_id, channel_id, forecast_date AS day, sum(consensus_units) AS forecast FROM forecasting.fct_consensus_forecast
           WHERE origin_date = (SELECT max(origin_date) FROM forecasting.fct_consensus_forecast) GROUP BY ALL"""
    ).df()
    days = sorted(forecast.day.unique())
    committed = warehouse.execute(
        "SELECT sku_id, location_id, channel_id, due_date AS day, open_quantity FROM inventory.fct_committed_orders WHERE NOT is_stale"
    ).df()
    committed["day"] = pd.to_datetime(committed.day).clip(lower=days[0])
    committed = committed[committed.day <= days[-1]].groupby(["sku_id", "location_id", "channel_id", "day"]).open_quantity.sum().astype(float)
    keys = ["sku_id", "location_id", "channel_id"]
    grid = pd.MultiIndex.from_tuples(
        [(*series, day) for series in set(forecast.set_index(keys).index) | set(committed.droplevel("day").index) for day in days], names=[*keys, "day"]
    )
    frame = pd.DataFrame({"forecast": forecast.set_index([*keys, "day"]).forecast.reindex(grid).fillna(0), "committed": committed.reindex(grid).fillna(0)})
    running = np.maximum(frame.groupby(level=keys).forecast.cumsum(), frame.groupby(level=keys).committed.cumsum())
    daily = running - running.groupby(level=keys).shift(1).fillna(0)
    expected = daily.groupby(level=["sku_id", "location_id", "day"]).sum()
    inputs = warehouse.execute("SELECT sku_id, location_id, projection_date AS day, independent_demand_units FROM inventory.fct_projection_inputs").df()
    inputs = inputs.set_index(["sku_id", "location_id", "day"]).independent_demand_units
    expected = expected[expected.index.droplevel("day").isin(inputs.index.droplevel("day"))]  # pairs with a lane (active SKUs)
    assert inputs.reindex(expected.index).fillna(0).to_numpy() == pytest.approx(expected.to_numpy())
    assert inputs.sum() == pytest.approx(expected.sum())


def test_planned_orders_have_a_type_per_supply_a_due_date_after_the_lead_time_and_a_reason(warehouse):
    orders = warehouse.execute(
        """SELECT o.*, l.supply_type, l.lead_time_days, l.review_anchor_date, l.review_period_days FROM inventory.planned_orders AS o
           JOIN inventory.fct_replenishment_lanes AS l ON l.sku_id = o.sku_id AND l.location_id = o.to_location_id"""
    ).df()
    assert len(orders) > 0 and set(orders.order_type) <= {"PURCHASE_ORDER", "TRANSFER_ORDER", "MANUFACTURING_ORDER"}
    assert (
        orders.order_type == orders.supply_type.map({"PURCHASE": "PURCHASE_ORDER", "TRANSFER": "TRANSFER_ORDER", "PRODUCTION": "MANUFACTURING_ORDER"})
    ).all()
    lead = np.maximum(1, np.rint(orders.lead_time_days.astype(float)))
    assert ((orders.due_date - orders.release_date).dt.days == lead).all()
    assert orders.reason.str.len().gt(0).all() and orders.quantity_units.gt(0).all()
    # a store orders on its own review days only, every review period from its last order day
    since_review = (pd.to_datetime(orders.release_date) - pd.to_datetime(orders.review_anchor_date)).dt.days
    assert (since_review % orders.review_period_days.astype(int) == 0).all()


def test_guaranteed_service_placement_holds_no_more_than_independent_policies(warehouse):
    trees = warehouse.execute(
        """SELECT tree_id, sum(single_echelon_safety_stock_value) AS single, sum(guaranteed_service_safety_stock_value) AS placed
           FROM inventory.safety_stock_placement GROUP BY 1"""
    ).df()
    assert len(trees) > 0 and (trees.placed <= trees.single + 1e-6).all()


def test_rebalancing_moves_only_what_costs_less_than_the_shortage_it_avoids(warehouse):
    transfers = warehouse.execute("SELECT * FROM inventory.rebalancing_transfers").df()
    assert (transfers.transfer_cost_per_unit < transfers.shortage_cost_per_unit).all()
    assert (transfers.arrival_date <= transfers.shortage_date).all()


def test_publishing_a_plan_twice_writes_the_same_erp_files(forecast_home, warehouse):
    from orchestration.definitions import defs as planline

    defs = planline()

    job = defs.resolve_job_def("publish_plan")
    version = warehouse.execute("SELECT any_value(plan_version) FROM inventory.projected_inventory").fetchall()[0][0]
    folder = forecast_home["home"] / "exports" / "erp" / version
    contents = []
    for _ in range(2):
        assert job.execute_in_process(instance=forecast_home["instance"]).success
        contents.append({path.name: path.read_bytes() for path in sorted(folder.iterdir())})
    assert contents[0] == contents[1]
    orders = warehouse.execute("SELECT order_type, count(*) FROM inventory.planned_orders WHERE plan_version = ? GROUP BY 1", [version]).fetchall()
    lines = {name: text.decode().count("\n") - 1 for name, text in contents[0].items() if name.endswith(".csv")}
    assert sum(lines.values()) == sum(n for _, n in orders)
    assert set(lines) == {"planned_purchase_orders.csv", "planned_transfer_orders.csv", "planned_manufacturing_orders.csv"}
    transfer = contents[0]["planned_transfer_orders.csv"].decode().splitlines()[1]
    assert transfer.startswith(version + ";PTO000001;TRANSFER_ORDER;")


def test_atp_is_the_lowest_balance_ahead_and_ats_holds_back_the_channel_buffers(warehouse):
    atp = warehouse.execute("SELECT * FROM inventory.available_to_promise ORDER BY sku_id, location_id, date").df()
    inputs = warehouse.execute("SELECT * FROM inventory.fct_projection_inputs ORDER BY sku_id, location_id, projection_date").df()
    stock = warehouse.execute("SELECT sku_id, location_id, on_hand_units FROM inventory.fct_stock_position").df().set_index(["sku_id", "location_id"])
    start = stock.on_hand_units.astype(float).reindex(pd.MultiIndex.from_frame(inputs[["sku_id", "location_id"]])).fillna(0).to_numpy()
    flow = (inputs.scheduled_receipts - inputs.committed_units).groupby([inputs.sku_id, inputs.location_id]).cumsum()
    assert atp.projected_balance.to_numpy() == pytest.approx(start + flow.to_numpy())
    ahead = atp.iloc[::-1].groupby(["sku_id", "location_id"]).projected_balance.cummin().iloc[::-1].clip(lower=0)
    assert atp.atp.to_numpy() == pytest.approx(ahead.to_numpy())
    ats = warehouse.execute(
        """SELECT s.*, p.safety_stock_units * b.safety_stock_share AS expected_buffer FROM inventory.available_to_sell AS s
           JOIN inventory.inventory_policies AS p USING (sku_id, location_id)
           JOIN company.location_types AS t ON t.location_type = p.location_type
           JOIN company.channels AS c ON c.channel_id = s.channel_id
           JOIN reference.channel_safety_buffers AS b ON b.location_role = t.location_role AND b.channel_role = c.channel_role"""
    ).df()
    assert len(ats) > 0 and ats.ats.to_numpy() == pytest.approx((ats.atp - ats.expected_buffer).clip(lower=0).to_numpy())


def test_allocation_never_gives_more_than_the_stock_and_every_short_line_says_why(warehouse):
    allocation = warehouse.execute("SELECT * FROM inventory.order_allocation").df()
    assert len(allocation) > 0
    assert (allocation.allocated_quantity + allocation.short_quantity).to_numpy() == pytest.approx(allocation.open_quantity.to_numpy(dtype=float))
    short = allocation[allocation.short_quantity > 0]
    assert short.short_reason.notna().all() and short.short_reason_text.str.len().gt(0).all()
    # within a SKU x location a key account is never short while a lower tier got stock
    served_lower = allocation[(allocation.allocation_tier > 1) & (allocation.allocated_quantity > 0)][["sku_id", "location_id"]].drop_duplicates()
    short_keys = short[short.segment == "KEY_ACCOUNT"][["sku_id", "location_id"]].drop_duplicates()
    assert served_lower.merge(short_keys).empty


def test_online_orders_ship_from_a_location_with_the_stock_in_reach(warehouse):
    routed = warehouse.execute(
        """SELECT r.*, l.cost_per_unit AS lane_cost FROM inventory.online_order_routing AS r
           LEFT JOIN inventory.dim_shipping_lanes AS l ON l.location_id = r.ship_from_location_id AND l.region = r.region"""
    ).df()
    placed = warehouse.execute("SELECT count(*) FROM inventory.fct_online_orders_to_route").fetchall()[0][0]
    assert len(routed) == placed
    routed_lines = routed[routed.ship_from_location_id.notna()]
    assert routed_lines.lane_cost.notna().all() and (routed_lines.cost_per_unit == routed_lines.lane_cost).all()
    assert routed[routed.ship_from_location_id.isna()].unrouted_reason.notna().all()


# ---- the monthly S&OP cycle ------------------------------------------------------------------


def test_the_monthly_history_adds_up_the_daily_demand_of_complete_months(forecast_home, warehouse):
    assert forecast_home["sop"].success, [e.message for e in forecast_home["sop"].get_step_failure_events()]
    history = warehouse.execute("SELECT * FROM sop.fct_monthly_demand_history").df()
    daily = warehouse.execute(
        """SELECT d.demand_date, s.family, l.region, d.units, d.channel_id FROM marts.fct_daily_demand AS d
           JOIN marts.dim_sku AS s USING (sku_id) JOIN marts.dim_location AS l USING (location_id)"""
    ).df()
    first, last = pd.Timestamp(daily.demand_date.min()), pd.Timestamp(daily[daily.channel_id != "B2B"].demand_date.max())
    daily = daily[pd.to_datetime(daily.demand_date) <= last]
    months = pd.to_datetime(daily.demand_date).dt.to_period("M")
    complete = (months.dt.start_time >= first) & (months.dt.end_time.dt.normalize() <= last)
    expected = daily[complete].groupby([months[complete].dt.start_time, "family", "region"]).units.sum().astype(float)
    got = history.set_index([pd.to_datetime(history.month), "family", "region"]).units.astype(float)
    assert len(got) > 0 and got.sort_index().to_numpy() == pytest.approx(expected.sort_index().to_numpy())


def test_the_demand_plan_takes_the_daily_consensus_where_it_reaches_and_the_monthly_forecast_beyond(warehouse):
    plan = warehouse.execute("SELECT * FROM sop.fct_demand_plan").df()
    assert plan.month.nunique() == 18
    expected = plan.consensus_units + plan.statistical_units * (plan.days_in_month - plan.daily_forecast_days) / plan.days_in_month + plan.override_units
    assert plan.plan_units.to_numpy() == pytest.approx(expected.to_numpy())
    assert plan.drop_duplicates("month").daily_forecast_days.sum() == HORIZON
    consensus = warehouse.execute(
        """SELECT sum(consensus_units) FROM forecasting.fct_consensus_forecast
           WHERE origin_date = (SELECT max(origin_date) FROM forecasting.fct_consensus_forecast)"""
    ).fetchall()[0][0]
    assert plan.consensus_units.sum() == pytest.approx(consensus)


def test_every_configured_scenario_is_balanced_and_the_gap_report_adds_up(warehouse):
    scenarios = pd.read_csv(Path(__file__).parents[2] / "dbt_project" / "seeds" / "sop_scenarios.csv").scenario.unique()
    summary = warehouse.execute("SELECT * FROM sop.scenario_summary").df().set_index("scenario")
    assert list(summary.index) == list(scenarios)
    parts = [c for c in summary.columns if c.endswith("_cost") and c != "total_cost"]
    assert summary.total_cost.to_numpy() == pytest.approx(summary[parts].sum(axis=1).to_numpy(), rel=1e-6)
    gaps = warehouse.execute("SELECT * FROM sop.gap_report").df()
    assert gaps.unmet_units.to_numpy() == pytest.approx((gaps.demand - gaps.constrained_supply).to_numpy(), abs=1e-6)
    plan = warehouse.execute("SELECT family, sum(plan_units) AS units FROM sop.fct_demand_plan GROUP BY 1").df().set_index("family").units
    base = gaps[gaps.scenario == "base"].groupby("family").demand.sum()
    assert base.sort_index().to_numpy() == pytest.approx(plan.reindex(base.index).sort_index().to_numpy(), rel=1e-6)


def test_the_base_scenario_is_proposed_as_a_versioned_consensus_plan(forecast_home, warehouse):
    [(version, status)] = forecast_home["proposed"]  # before the approval
    assert version.startswith("SOP-") and status == "proposed"
    consensus = warehouse.execute("SELECT * FROM sop.consensus_plan").df()
    base = warehouse.execute("SELECT sum(demand) FROM sop.scenario_plans WHERE scenario = 'base'").fetchall()[0][0]
    assert consensus.demand.sum() == pytest.approx(base)


# ---- KPIs ------------------------------------------------------------------------------------


def test_otif_and_unit_fill_rate_follow_the_order_lines_due(warehouse):
    lines = warehouse.execute("SELECT * FROM marts.fct_order_lines").df()
    last_day = warehouse.execute("SELECT max(demand_date) FROM marts.fct_daily_demand WHERE channel_id <> 'B2B'").fetchall()[0][0]
    due = lines[pd.to_datetime(lines.promised_date) <= pd.Timestamp(last_day)].copy()
    due["month"] = pd.to_datetime(due.promised_date).dt.to_period("M").dt.start_time
    due["otif"] = due.is_otif.fillna(False).astype(bool)
    on_time = pd.to_datetime(due.delivered_date) <= pd.to_datetime(due.promised_date)
    due["on_time_units"] = np.where(on_time, np.minimum(due.delivered_quantity.fillna(0).astype(float), due.ordered_quantity.astype(float)), 0.0)
    expected = due.groupby(["month", "channel_id"]).agg(otif=("otif", "mean"), units=("on_time_units", "sum"), ordered=("ordered_quantity", "sum"))
    kpi = warehouse.execute(
        """SELECT otif.month, otif.channel_id, otif.otif_rate, fill.unit_fill_rate
           FROM kpi.kpi_otif AS otif JOIN kpi.kpi_unit_fill_rate AS fill USING (month, channel_id, customer_segment)
           WHERE customer_segment = 'ALL' AND channel_id <> 'ALL'"""
    ).df()
    kpi = kpi.set_index([pd.to_datetime(kpi.month), "channel_id"]).sort_index()
    assert kpi.otif_rate.to_numpy() == pytest.approx(expected.sort_index().otif.to_numpy())
    assert kpi.unit_fill_rate.to_numpy() == pytest.approx((expected.units / expected.ordered.astype(float)).sort_index().to_numpy())


def test_the_latest_kpis_are_numeric_metadata_the_ui_can_plot(forecast_home):
    from orchestration.defs.reporting.kpi import KPI_LATEST

    event = forecast_home["instance"].get_latest_materialization_event(KPI_LATEST)
    metadata = event.asset_materialization.metadata
    kpis = {kpi for (kpi,) in forecast_home_kpis(forecast_home)}
    assert kpis <= set(metadata)  # every KPI of the scorecard with a value
    assert {"otif_rate", "unit_fill_rate", "stockout_rate", "oee", "sync_latency_p95_seconds", "otif_rate__b2b", "oee__line-1"} <= set(metadata)
    assert 0 <= metadata["otif_rate"].value <= 1 and metadata["inventory_value"].value > 0


def forecast_home_kpis(forecast_home):
    with duckdb.connect(duckdb_path(forecast_home["home"]), read_only=True) as con:
        return con.execute("SELECT DISTINCT kpi FROM kpi.kpi_scorecard WHERE value IS NOT NULL AND cut_type = 'all'").fetchall()


def test_every_late_or_short_line_and_projected_shortage_is_an_exception_with_a_reason(warehouse):
    failed = warehouse.execute("SELECT count(*) FROM kpi.fct_order_line_service WHERE NOT is_otif").fetchall()[0][0]
    exceptions = warehouse.execute("SELECT exception_type, horizon, reason_code, count(*) FROM exceptions.fct_exceptions GROUP BY ALL").df()
    assert exceptions[exceptions.exception_type.isin(["late_line", "short_line"])]["count_star()"].sum() == failed > 0
    short_pairs = warehouse.execute("SELECT count(DISTINCT (sku_id, location_id)) FROM inventory.projected_inventory WHERE is_short").fetchall()[0][0]
    assert exceptions[exceptions.exception_type == "projected_shortage"]["count_star()"].sum() == short_pairs
    allocation_short = warehouse.execute("SELECT count(*) FROM inventory.order_allocation WHERE short_quantity > 0").fetchall()[0][0]
    assert exceptions[exceptions.exception_type == "allocation_short"]["count_star()"].sum() == allocation_short
    assert set(exceptions.reason_code) <= {"capacity", "lead_time", "supplier", "allocation", "data_quality"}


def test_the_cockpit_renders_offline_in_a_real_browser_with_the_marts_figures(forecast_home, warehouse):
    from tests.browser import Browser

    cockpit = Path(forecast_home["env"]["PLANLINE_EXPORT_DIR"]) / "cockpit" / "cockpit.html"
    html = cockpit.read_text(encoding="utf-8")
    assert "http://" not in html and "https://" not in html  # nothing fetched from outside
    with Browser() as browser:
        page = browser.load(cockpit)
    assert page.errors == [], page.errors
    otif = warehouse.execute("SELECT value FROM kpi.kpi_scorecard WHERE kpi = 'otif_rate' AND cut_type = 'all' ORDER BY month DESC LIMIT 1").fetchall()[0][0]
    tiles = re.findall(r'<[^>]*class="[^"]*tile[^"]*"[^>]*data-kpi="([a-z0-9_]+)"[^>]*?data-value="([^"]+)"', page.dom)
    shown = {kpi: float(value) for kpi, value in tiles}
    assert shown["otif_rate"] == pytest.approx(otif, abs=1e-6)  # the headline OTIF as the scorecard holds it
    for scenario, total_cost in warehouse.execute("SELECT scenario, total_cost FROM sop.scenario_summary").fetchall():
        cell = re.search(rf'data-scenario="{re.escape(scenario)}" data-metric="total_cost" data-value="([^"]+)"', page.dom)
        assert cell and float(cell.group(1)) == pytest.approx(total_cost, rel=1e-9), scenario
    [(version, _)] = forecast_home["proposed"]  # approved, then the cycle ran again: the page says so
    assert re.search(rf'data-field="sop-plan-version"><dt>[^<]*</dt><dd>{version} <span class="pill good">approved</span>', page.dom)
    counts = warehouse.execute("SELECT reason_code, count(*) FROM exceptions.fct_exceptions GROUP BY 1").fetchall()
    shown_counts = {reason: int(n) for reason, n in re.findall(r'data-reason="([a-z_]+)" data-count="(\d+)"', page.dom)}
    assert {reason: n for reason, n in shown_counts.items() if n} == dict(counts)  # the count per reason code over every exception


def test_approving_the_consensus_plan_records_it_and_publishes_it(forecast_home, warehouse):
    wrong, approved = forecast_home["approvals"]
    assert not wrong.success
    assert "no consensus plan version SOP-209901-00000000" in str(wrong.get_step_failure_events()[0].event_specific_data.error)
    assert approved.success
    [(version, _)] = forecast_home["proposed"]
    assert warehouse.execute("SELECT DISTINCT status FROM sop.consensus_plan WHERE plan_version = ?", [version]).fetchall() == [("approved",)]
    assert warehouse.execute("SELECT approved_by FROM sop.plan_approvals WHERE plan_version = ?", [version]).fetchall() == [("c.martin",)]
    rows = warehouse.execute("SELECT count(*) FROM sop.consensus_plan WHERE plan_version = ?", [version]).fetchall()[0][0]
    published = Path(forecast_home["env"]["PLANLINE_EXPORT_DIR"]) / "sop" / version / "consensus_plan.csv"
    assert len(published.read_text().splitlines()) == rows + 1
    assert forecast_home["again"].success  # the cycle ran again after the approval and proposed the same plan: still approved


def test_every_table_the_run_wrote_in_python_matches_its_declaration_in_dbts_sources(warehouse):
    """The forecasting, inventory and S&OP tables, the approvals and the ingestion's logs, as the
    whole graph wrote them: every column declared (dbt_project/models/marts/*/_*_sources.yml),
    none of another type (a day as a timestamp, a column of None without a type), none missing."""
    from orchestration.declared_tables import declared_tables, undeclared_differences

    written = {tuple(row) for row in warehouse.execute("SELECT table_schema, table_name FROM information_schema.tables").fetchall()}
    assert sorted(".".join(key) for key in declared_tables().keys() - written) == []  # the run wrote every declared table
    assert [str(difference) for difference in undeclared_differences(warehouse)] == []


def test_the_demo_summary_prints_from_the_tiny_warehouse(forecast_home, warehouse, capsys):
    from orchestration.demo import print_summary
    from orchestration.settings import load_settings

    with pytest.MonkeyPatch.context() as patch:
        for key, value in forecast_home["env"].items():
            patch.setenv(key, value)
        settings = load_settings()
    print_summary(settings.warehouse, settings)
    out = capsys.readouterr().out
    assert "Demand model backtest (3 rolling origins;" in out  # as many as the training kept
    assert "Marts (schema marts)" in out and str(settings.warehouse) in out
