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

Stores are replayed first, each against its own sales; then each DC against its own channels
(B2B, web, marketplace) plus the transfer orders its stores placed in the replay (shipped the next
day; the DC is assumed to ship them in full, so store service does not depend on DC service). Each
demand is counted once, where it is served. Lead times planned with come from the orders placed
before each origin; the lead times the replay draws come from each lane's whole observed history
(purchase-order receipts, manufacturing orders, transfers). Stores review on their own weekday.
Unmet demand is lost. The replay starts in steady state: on hand = order-up-to level minus
lead-time demand, the rest of the position on order, arriving evenly over the lead time.

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
            # channels of a location added up; days a series had no forecast yet are no error to learn from
            "backtest": """SELECT origin_date, forecast_date, sku_id, location_id, sum(coalesce(lightgbm, 0)) AS forecast,
                                  sum(actual_units) AS actual, bool_and(lightgbm IS NOT NULL) AS forecast_known
                           FROM forecasting.backtest_forecasts GROUP BY ALL""",
            "parameters": "SELECT * FROM inventory.fct_replenishment_parameters ORDER BY sku_id, location_id",
            "purchase": """SELECT 'PURCHASE' AS supply_type, supplier_id AS source_id, location_id, order_date, lead_time_days AS days
                           FROM marts.fct_purchase_order_lines WHERE lead_time_days IS NOT NULL""",
            "production": """SELECT 'PRODUCTION' AS supply_type, production_line_id AS source_id, location_id, planned_start_date AS order_date,
                                    completed_date - planned_start_date AS days
                             FROM marts.fct_production_orders WHERE completed_date IS NOT NULL""",
            "transfer": """SELECT 'TRANSFER' AS supply_type, from_location_id AS source_id, to_location_id AS location_id, ship_date AS order_date,
                                  transit_days AS days
                           FROM intermediate.int_transfer_shipments WHERE transit_days IS NOT NULL""",
        }
        data = {name: con.execute(sql).df() for name, sql in frames.items()}
    data["lead_times"] = pd.concat([data.pop(name) for name in ("purchase", "production", "transfer")], ignore_index=True)
    data["lead_times"]["days"] = data["lead_times"]["days"].astype(float).clip(lower=1)
    return data


def echelon(frame: pd.DataFrame, parents: pd.Series, value: str) -> pd.Series:
    """A value per SKU x location, with each DC's stores added to it (its echelon)."""
    own = frame.set_index(KEYS)[value]
    stores = frame.assign(location_id=frame.location_id.map(parents)).dropna(subset=["location_id"])
    return own.add(stores.groupby(KEYS)[value].sum(), fill_value=0.0)


LANE = ["supply_type", "source_id", "location_id"]


def lanes_known_at(origin, data, parameters) -> pd.DataFrame:
    """Lead time mean and deviation of each lane from the orders placed before ``origin`` (the
    product's rule: at least 8 observations, else the parameters' figure)."""
    known = data["lead_times"][pd.to_datetime(data["lead_times"].order_date) < pd.Timestamp(origin)]
    stats = known.groupby(LANE).days.agg(["count", "mean", "std"]).reindex(pd.MultiIndex.from_frame(parameters[LANE]))
    enough = (stats["count"] >= 8).to_numpy()
    return parameters.assign(
        lead_time_days=np.where(enough, stats["mean"], parameters.lead_time_days),
        lead_time_sd_days=np.where(enough, stats["std"].fillna(0.0), parameters.lead_time_sd_days),
    )


def plan_at(origin, data, parameters, parents, raw_demand_sd: bool) -> pd.DataFrame:
    """The policies of every SKU x location as planned at ``origin``, from what was known then."""
    backtest = data["backtest"]
    earlier = backtest[(backtest.origin_date < origin) & backtest.forecast_known].assign(error=lambda f: f.forecast - f.actual)
    spread_of = "actual" if raw_demand_sd else "error"
    variance = earlier.groupby(KEYS)[spread_of].var().fillna(0.0).rename("variance").reset_index()
    sd = np.sqrt(echelon(variance, parents, "variance"))
    known = lanes_known_at(origin, data, parameters)
    ahead = backtest[backtest.origin_date == origin]
    ahead = ahead.assign(day=(pd.to_datetime(ahead.forecast_date) - pd.Timestamp(origin)).dt.days)
    protection = known.set_index(KEYS).eval("lead_time_days + review_period_days").clip(upper=ahead.day.max())
    ahead = ahead[ahead.day <= protection.reindex(pd.MultiIndex.from_frame(ahead[KEYS])).to_numpy()]
    demand = echelon(ahead.groupby(KEYS).forecast.mean().rename("forecast").reset_index(), parents, "forecast")
    index = pd.MultiIndex.from_frame(parameters[KEYS])
    planned = known.assign(mean_daily_demand=demand.reindex(index).fillna(0.0).to_numpy(), forecast_error_sd=sd.reindex(index).fillna(0.0).to_numpy())
    return compute_policies(planned)


def lead_time_samples(data, parameters) -> list[np.ndarray]:
    """Each lane's observed lead times: the world the replay draws from."""
    by_lane = data["lead_times"].groupby(LANE).days.apply(np.asarray)
    fallback = np.maximum(1, np.rint(parameters.lead_time_days.to_numpy(float)))
    lanes = by_lane.reindex(pd.MultiIndex.from_frame(parameters[LANE])).to_numpy()
    return [v if isinstance(v, np.ndarray) and v.size else np.array([f]) for v, f in zip(lanes, fallback, strict=True)]


def _stage(rows, demand, plans, origin_of_day, parameters, days, lead, first_day):
    """Replay the ``rows`` (positions) against ``demand`` [rows, days]."""
    p = parameters.iloc[rows]
    level = np.stack([plan.order_up_to_units.to_numpy()[rows] for plan in plans], axis=1)[:, origin_of_day]
    period = np.maximum(1, np.rint(p.review_period_days.to_numpy(float))).astype(int)
    anchor = (pd.to_datetime(p.review_anchor_date) - pd.Timestamp(first_day)).dt.days.to_numpy() % period
    first = plans[0].iloc[rows]
    mean_lead = np.maximum(1, np.rint(first.lead_time_days.to_numpy(float))).astype(int)
    # steady state: the position at the order-up-to level, a lead time's demand in the pipeline
    pipeline = np.where(np.arange(mean_lead.max())[None, :] < mean_lead[:, None], first.mean_daily_demand.to_numpy()[:, None], 0.0)
    return simulate_policies(
        demand,
        np.maximum(level - 1e-9, 0.0),  # order when the position is below the order-up-to level
        level,
        review_days(len(rows), len(days), period, anchor),
        lead[rows],
        np.maximum(first.order_up_to_units.to_numpy() - pipeline.sum(axis=1), 0.0),
        minimum_order_quantity=p.minimum_order_quantity.to_numpy(float),
        pack_size=p.order_multiple.to_numpy(float),
        initial_pipeline=pipeline,
        lot_size=first.lot_size.to_numpy(),
    )


def _combine(parts: list[tuple[np.ndarray, object]], n: int):
    """One result in the parameters' row order from the results of disjoint sets of rows."""
    fields = {}
    for name in vars(parts[0][1]):
        sample = getattr(parts[0][1], name)
        merged = np.zeros((n, *sample.shape[1:]), dtype=sample.dtype)
        for rows, result in parts:
            merged[rows] = getattr(result, name)
        fields[name] = merged
    return type(parts[0][1])(**fields)


def replay(data, parameters, parents, origins, days, seed: int, raw_demand_sd: bool = False):
    """Stores first against their sales; then DCs against their own channels plus the stores'
    replayed transfer orders (shipped the day after they are placed)."""
    plans = [plan_at(origin, data, parameters, parents, raw_demand_sd) for origin in origins]
    origin_of_day = np.searchsorted(pd.to_datetime(pd.Series(origins)).to_numpy(), pd.to_datetime(days).to_numpy() - np.timedelta64(1, "D"), side="right") - 1
    actual = data["backtest"]
    actual = actual[pd.to_datetime(actual.forecast_date).isin(pd.to_datetime(days))]
    index = pd.MultiIndex.from_frame(parameters[KEYS])
    own = actual.pivot_table(index=KEYS, columns="forecast_date", values="actual", aggfunc="sum").reindex(index).reindex(columns=days)
    own = own.fillna(0.0).clip(lower=0).to_numpy()
    lead = draw_lead_times(np.random.default_rng(seed), lead_time_samples(data, parameters), len(days))
    is_store = (parameters.supply_type == "TRANSFER").to_numpy()
    stores, dcs = np.flatnonzero(is_store), np.flatnonzero(~is_store)
    store_result = _stage(stores, own[stores], plans, origin_of_day, parameters, days, lead, days[0])
    dependent = np.zeros_like(own)
    dc_row = pd.Series(np.arange(len(parameters)), index=index)
    targets = dc_row.reindex(pd.MultiIndex.from_arrays([parameters.sku_id.to_numpy()[stores], parameters.source_id.to_numpy()[stores]])).to_numpy()
    known = ~np.isnan(targets)
    np.add.at(dependent[:, 1:], targets[known].astype(int), store_result.order_quantity[known, :-1])
    dc_result = _stage(dcs, own[dcs] + dependent[dcs], plans, origin_of_day, parameters, days, lead, days[0])
    return _combine([(stores, store_result), (dcs, dc_result)], len(parameters)), plans


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
    from orchestration.settings_check import settings_or_exit

    settings_or_exit()  # every PLANLINE_* setting checked before anything is written
    started = time.perf_counter()
    path = _warehouse(args.home)
    data = load(path)
    parameters = data["parameters"]
    parents = parameters[parameters.supply_type == "TRANSFER"].drop_duplicates("location_id").set_index("location_id").source_id
    origins = sorted(data["backtest"].origin_date.unique())
    if len(origins) < 2:
        sys.exit("the backtest needs at least 2 origins: the first one's errors size the policies of the next")
    days = sorted(d for d in data["backtest"].forecast_date.unique() if d > origins[1])
    shown = ", ".join(str(pd.Timestamp(o).date()) for o in origins[1:])
    print(
        f"replaying {len(parameters):,} SKU x locations over {len(days)} held-out days ({pd.Timestamp(days[0]).date()} to {pd.Timestamp(days[-1]).date()}), origins {shown}"
    )
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
