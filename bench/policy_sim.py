"""Policy simulation: replay the inventory policies day by day against held-out actual demand.

    python -m bench.policy_sim                      (the demo warehouse of `make demo`)
    python -m bench.policy_sim --home /path/to/planline_home --seed 7

What is held out: the last weekly training's backtest (``forecasting.backtest_forecasts``) holds,
for each of its rolling origins, the global model's forecast of the next 28 days made from the
history before the origin, beside the actual units. The replay covers the days of every origin but
the first, and the policies are re-planned at each origin from what was known then:

- mean daily demand: the origin's own forecast over the protection interval (lead time plus review
  period, at most the 28 days forecast);
- forecast error spread: the errors of the earlier origins only (never of the days replayed);
- lead times, review periods, order minimums and multiples, costs and service targets: the
  product's replenishment parameters (``inventory.fct_replenishment_parameters``), and the policy
  itself from ``ml.inventory.policies``, exactly as the planning assets compute it.

Each SKU x stocking location is replayed on its own (single echelon): a store against its sales, a DC
against its own channels plus its stores' demand (its echelon). Lead times are drawn from each lane's
observed history (purchase-order receipts, manufacturing orders, transfers). Unmet demand is lost.
The replay starts in steady state: on hand = order-up-to level minus lead-time demand, the rest of
the position on order, arriving evenly over the lead time.

Reported by ABC class and by location type: achieved fill rate and cycle service level against
their targets (weighted by demand and by cycles), and the average inventory value; the same replay
with safety stock sized on the raw demand's variability instead of the forecast error is the
reference. Last line: ``a_items_fill_rate_gap_points`` (achieved minus target fill rate of A
items, in points; the target is within 2 points).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from ml.inventory.policies import compute_policies
from ml.inventory.simulation import draw_lead_times, review_days, simulate_policies, summarize
from orchestration.settings import home_environment, load_settings

KEYS = ["sku_id", "location_id"]


def _warehouse(home: Path | None) -> Path:
    """The warehouse to replay from; builds the demo company there when it has no backtest yet."""
    path = Path(home_environment(home)["PLANLINE_DUCKDB_PATH"]) if home else load_settings().warehouse
    ready = False
    if path.exists():
        with duckdb.connect(str(path), read_only=True) as con:
            ready = bool(
                con.execute(
                    "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'inventory' AND table_name = 'fct_replenishment_parameters'"
                ).fetchall()[0][0]
            )
    if not ready:
        print(f"no forecast backtest in {path}: running the demo (make demo) first", flush=True)
        env = {**os.environ, **(home_environment(home) if home else {})}
        subprocess.run([sys.executable, "-m", "orchestration.demo", "--scale", "demo"], check=True, env=env)
    return path


def load(path: Path) -> dict[str, pd.DataFrame]:
    with duckdb.connect(str(path), read_only=True) as con:
        frames = {
            "backtest": """SELECT origin_date, forecast_date, sku_id, location_id, sum(coalesce(lightgbm, 0)) AS forecast,
                                  sum(actual_units) AS actual
                           FROM forecasting.backtest_forecasts GROUP BY ALL""",
            "parameters": "SELECT * FROM inventory.fct_replenishment_parameters ORDER BY sku_id, location_id",
            "purchase": "SELECT supplier_id AS source_id, location_id, lead_time_days AS days FROM marts.fct_purchase_order_lines WHERE lead_time_days IS NOT NULL",
            "production": """SELECT production_line_id AS source_id, location_id, completed_date - planned_start_date AS days
                             FROM marts.fct_production_orders WHERE completed_date IS NOT NULL""",
            "transfer": """SELECT from_location_id AS source_id, to_location_id AS location_id, transit_days AS days
                           FROM intermediate.int_transfer_shipments WHERE transit_days IS NOT NULL""",
        }
        return {name: con.execute(sql).df() for name, sql in frames.items()}


def echelon(frame: pd.DataFrame, parents: pd.Series, value: str) -> pd.Series:
    """A value per SKU x location, with each DC's stores added to it (its echelon)."""
    own = frame.set_index(KEYS)[value]
    stores = frame.assign(location_id=frame.location_id.map(parents)).dropna(subset=["location_id"])
    return own.add(stores.groupby(KEYS)[value].sum(), fill_value=0.0)


def plan_at(origin, data, parameters, parents, raw_demand_sd: bool) -> pd.DataFrame:
    """The policies of every SKU x location as planned at ``origin``."""
    backtest = data["backtest"]
    earlier = backtest[backtest.origin_date < origin].assign(error=lambda f: f.forecast - f.actual)
    spread_of = "actual" if raw_demand_sd else "error"
    variance = earlier.groupby(KEYS)[spread_of].var().fillna(0.0).rename("variance").reset_index()
    sd = np.sqrt(echelon(variance, parents, "variance"))
    ahead = backtest[backtest.origin_date == origin]
    ahead = ahead.assign(day=(pd.to_datetime(ahead.forecast_date) - pd.Timestamp(origin)).dt.days)
    protection = parameters.set_index(KEYS).eval("lead_time_days + review_period_days").clip(upper=ahead.day.max())
    ahead = ahead[ahead.day <= protection.reindex(pd.MultiIndex.from_frame(ahead[KEYS])).to_numpy()]
    demand = echelon(ahead.groupby(KEYS).forecast.mean().rename("forecast").reset_index(), parents, "forecast")
    index = pd.MultiIndex.from_frame(parameters[KEYS])
    planned = parameters.assign(mean_daily_demand=demand.reindex(index).fillna(0.0).to_numpy(), forecast_error_sd=sd.reindex(index).fillna(0.0).to_numpy())
    return compute_policies(planned)


def lead_time_samples(data, parameters) -> list[np.ndarray]:
    history = pd.concat(
        [data[name].assign(supply_type=supply) for name, supply in (("purchase", "PURCHASE"), ("production", "PRODUCTION"), ("transfer", "TRANSFER"))]
    )
    history["days"] = history["days"].astype(float).clip(lower=1)
    by_lane = history.groupby(["supply_type", "source_id", "location_id"]).days.apply(np.asarray)
    lanes = pd.MultiIndex.from_frame(parameters[["supply_type", "source_id", "location_id"]])
    fallback = np.maximum(1, np.rint(parameters.lead_time_days.to_numpy(float)))
    return [v if isinstance(v, np.ndarray) and v.size else np.array([f]) for v, f in zip(by_lane.reindex(lanes).to_numpy(), fallback, strict=True)]


def replay(data, parameters, parents, origins, days, seed: int, raw_demand_sd: bool = False):
    plans = [plan_at(origin, data, parameters, parents, raw_demand_sd) for origin in origins]
    n = len(parameters)
    origin_of_day = np.searchsorted(pd.to_datetime(pd.Series(origins)).to_numpy(), pd.to_datetime(days).to_numpy() - np.timedelta64(1, "D"), side="right") - 1
    level = np.stack([p.order_up_to_units.to_numpy() for p in plans], axis=1)[:, origin_of_day]
    actual = data["backtest"]
    actual = actual[pd.to_datetime(actual.forecast_date).isin(pd.to_datetime(days))]
    per_day = actual.pivot_table(index=KEYS, columns="forecast_date", values="actual", aggfunc="sum")
    store_days = actual.assign(location_id=actual.location_id.map(parents)).dropna(subset=["location_id"])
    per_day = per_day.add(store_days.pivot_table(index=KEYS, columns="forecast_date", values="actual", aggfunc="sum"), fill_value=0.0)
    index = pd.MultiIndex.from_frame(parameters[KEYS])
    demand = per_day.reindex(index).reindex(columns=days).fillna(0.0).clip(lower=0).to_numpy()
    review = review_days(n, len(days), np.maximum(1, np.rint(parameters.review_period_days.to_numpy(float))).astype(int), 0)
    rng = np.random.default_rng(seed)
    lead = draw_lead_times(rng, lead_time_samples(data, parameters), len(days))
    first_plan = plans[0]
    mean_lead = np.maximum(1, np.rint(parameters.lead_time_days.to_numpy(float))).astype(int)
    daily = first_plan.mean_daily_demand.to_numpy()
    pipeline = np.where(np.arange(mean_lead.max())[None, :] < mean_lead[:, None], daily[:, None], 0.0)
    on_hand = np.maximum(first_plan.order_up_to_units.to_numpy() - pipeline.sum(axis=1), 0.0)
    result = simulate_policies(
        demand,
        np.maximum(level - 1e-9, 0.0),  # order when the position is below the order-up-to level
        level,
        review,
        lead,
        on_hand,
        minimum_order_quantity=parameters.minimum_order_quantity.to_numpy(float),
        pack_size=parameters.order_multiple.to_numpy(float),
        initial_pipeline=pipeline,
        lot_size=first_plan.lot_size.to_numpy(),
    )
    return result, plans


def report(result, plans, parameters, label: str) -> pd.DataFrame:
    unit_cost = parameters.unit_cost.to_numpy(float)
    rows = []
    for by in ("abc_class", "location_type"):
        table = summarize(result, parameters[by].to_numpy(), parameters.fill_rate_target.to_numpy(float), parameters.cycle_service_level.to_numpy(float))
        table = table.set_index("group")
        value = pd.Series(result.average_on_hand * unit_cost).groupby(parameters[by].to_numpy()).sum()
        rows.append(table.assign(average_inventory_value=value.reindex(table.index).to_numpy(), cut=by))
    frame = pd.concat(rows)
    frame.insert(0, "policy", label)
    return frame


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--home", type=Path, help="a Planline home (default: the local state folder)")
    parser.add_argument("--seed", type=int, default=42, help="seed of the lead-time draws")
    args = parser.parse_args()
    started = time.perf_counter()
    path = _warehouse(args.home)
    data = load(path)
    parameters = data["parameters"]
    parents = parameters[parameters.supply_type == "TRANSFER"].drop_duplicates("location_id").set_index("location_id").source_id
    origins = sorted(data["backtest"].origin_date.unique())
    if len(origins) < 2:
        sys.exit("the backtest needs at least 2 origins: the first one's errors size the policies of the next")
    days = sorted(d for d in data["backtest"].forecast_date.unique() if d > origins[1])
    print(f"replaying {len(parameters):,} SKU x locations over {len(days)} held-out days ({days[0]} to {days[-1]}), origins {', '.join(map(str, origins[1:]))}")
    frames = []
    for label, raw in (("forecast error (product)", False), ("raw demand variability (reference)", True)):
        result, plans = replay(data, parameters, parents, origins[1:], days, args.seed, raw_demand_sd=raw)
        frames.append(report(result, plans, parameters, label))
    table = pd.concat(frames)
    pd.set_option("display.width", 200)
    print(table.round(4).to_string())
    product, reference = (table[(table.policy == p) & (table.cut == "abc_class")] for p in table.policy.unique())
    gap = 100 * (product.loc["A", "fill_rate"] - product.loc["A", "fill_rate_target"])
    print(f"\nwall time {time.perf_counter() - started:.1f} s")
    print(f"a_items_fill_rate: {product.loc['A', 'fill_rate']:.4f}")
    print(f"a_items_fill_rate_target: {product.loc['A', 'fill_rate_target']:.4f}")
    print(f"all_items_fill_rate: {float((product.served_units.sum()) / product.demand_units.sum()):.4f}")
    print(f"inventory_value_ratio_vs_raw_demand_sizing: {product.average_inventory_value.sum() / reference.average_inventory_value.sum():.3f}")
    print(f"a_items_fill_rate_gap_points: {gap:.2f}")


if __name__ == "__main__":
    main()
