"""Real-data benchmark: Planline's forecasting code on an M5-format folder.

    python -m bench.forecast_m5 --data ../shared/data/m5 --train-end 1913 --horizon 28

Trains on d_1..d_<train-end>, forecasts the next <horizon> days and scores them against the
actuals: mean RMSSE and L12 WRMSSE (M5 definitions: bottom-level series weighted by dollar sales
over the last 28 training days) of the global LightGBM model, next to seasonal naive (last week
repeated) and MA28 (flat mean of the last 28 days) computed in the same run, plus P90 coverage and
pinball loss, wall time and peak memory. The last line is ``l12_wrmsse_ratio_vs_snaive: X``.

Any folder with the M5 files (``sales_train*.csv[.gz]``, ``calendar.csv[.gz]``,
``sell_prices*.csv[.gz]``) works, with a longer history too.
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

import numpy as np
import pandas as pd

from ml.forecasting import metrics
from ml.forecasting.global_model import GlobalDemandForecaster, GlobalModelConfig

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "m5"
STATIC = ["item_id", "dept_id", "cat_id", "store_id", "state_id"]


def _one(folder: Path, pattern: str) -> Path:
    found = sorted(folder.glob(pattern))
    if not found:
        raise SystemExit(f"{folder}: no file matches {pattern} (an M5 folder has sales_train*, calendar, sell_prices*)")
    return found[0]


def load_m5(folder: Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The wide sales, the calendar and the weekly prices of an M5 folder."""
    sales = pd.read_csv(_one(folder, "sales_train*.csv*"))
    calendar = pd.read_csv(_one(folder, "calendar.csv*"), parse_dates=["date"])
    prices = pd.read_csv(_one(folder, "sell_prices*.csv*"))
    return sales, calendar, prices


def to_panel(sales: pd.DataFrame, calendar: pd.DataFrame, prices: pd.DataFrame, last_day: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Long panel up to day ``last_day`` (unique_id, ds, y and known-future inputs) and static attributes.

    Known-future inputs: the day's price (weekly price carried forward past the last published
    week), its ratio to the series' mean price, the calendar's event type and the state's SNAP day.
    """
    day_columns = [c for c in sales.columns if c.startswith("d_") and int(c[2:]) <= last_day]
    long = sales[["id", "item_id", "store_id", "state_id", *day_columns]].melt(id_vars=["id", "item_id", "store_id", "state_id"], var_name="d", value_name="y")
    days = calendar[["d", "date", "wm_yr_wk", "event_type_1", "snap_CA", "snap_TX", "snap_WI"]]
    long = long.merge(days, on="d", how="left", validate="many_to_one")
    long = long.merge(prices, on=["store_id", "item_id", "wm_yr_wk"], how="left", validate="many_to_one")
    long = long.sort_values(["id", "date"], kind="stable")
    long["sell_price"] = long.groupby("id", sort=False)["sell_price"].ffill()
    snap = np.select([long.state_id == "CA", long.state_id == "TX"], [long.snap_CA, long.snap_TX], long.snap_WI)
    panel = pd.DataFrame(
        {
            "unique_id": long["id"].to_numpy(),
            "ds": long["date"].to_numpy(),
            "y": long["y"].to_numpy(dtype=float),
            "price": long["sell_price"].to_numpy(),
            "price_ratio": (long["sell_price"] / long.groupby("id", sort=False)["sell_price"].transform("mean")).to_numpy(),
            "event": long["event_type_1"].fillna("none").astype("category").cat.codes.to_numpy(),
            "snap": snap.astype(int),
        }
    )
    static = sales[["id", *STATIC]].rename(columns={"id": "unique_id"})
    return panel, static


def since_first_sale(panel: pd.DataFrame) -> pd.DataFrame:
    """Drop each series' days before its first sale: no demand can be observed before a launch."""
    started = (panel["y"] > 0).groupby(panel["unique_id"], sort=False).cummax()
    return panel[started]


def matrix(panel: pd.DataFrame, ids: pd.Index, column: str = "y") -> np.ndarray:
    """(n_series, n_days) matrix of ``column``, series in ``ids`` order, days ascending."""
    return panel.pivot(index="unique_id", columns="ds", values=column).reindex(ids).to_numpy(dtype=float)


def day_date(calendar: pd.DataFrame, day: int) -> pd.Timestamp:
    """The date of M5 day ``day`` (``d_<day>``) in the calendar."""
    found = calendar.loc[calendar["d"] == f"d_{day}", "date"]
    if found.empty:
        raise SystemExit(f"the calendar has no day d_{day}")
    return pd.Timestamp(found.iloc[0])


def held_out(history: pd.DataFrame, future: pd.DataFrame, ids: pd.Index) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(training units, held-out units, prices of the last 28 training days), each (n_series, days)
    in ``ids`` order: what the scoring needs besides the forecasts."""
    return matrix(history, ids), matrix(future, ids), matrix(history, ids, "price")[:, -28:]


def seasonal_naive(train: np.ndarray, horizon: int) -> np.ndarray:
    """The last week of history repeated over the horizon."""
    return np.tile(train[:, -7:], int(np.ceil(horizon / 7)))[:, :horizon]


def ma28(train: np.ndarray, horizon: int) -> np.ndarray:
    """The mean of the last 28 days of history, flat over the horizon."""
    return np.repeat(train[:, -28:].mean(axis=1, keepdims=True), horizon, axis=1)


def l12_scores(actual: np.ndarray, train: np.ndarray, price_window: np.ndarray, forecasts: dict[str, np.ndarray]) -> pd.DataFrame:
    """M5's bottom-level scores of each forecast (n_series, horizon), one row per name: mean RMSSE,
    L12 WRMSSE (weights: dollar sales over the last 28 training days, ``price_window`` their
    prices, a day without a price counting no dollars), WAPE and bias."""
    weights = metrics.dollar_weights(train[:, -28:], np.nan_to_num(price_window))
    rows = {
        name: {
            "mean_rmsse": float(np.nanmean(metrics.rmsse(actual, values, train))),
            "l12_wrmsse": metrics.wrmsse(actual, values, train, weights),
            "wape": metrics.wape(actual, values),
            "bias": metrics.bias(actual, values),
        }
        for name, values in forecasts.items()
    }
    return pd.DataFrame.from_dict(rows, orient="index")


def print_scores(scores: pd.DataFrame) -> None:
    print(f"\n{'model':16s} {'mean RMSSE':>10s} {'L12 WRMSSE':>10s} {'WAPE':>7s} {'bias':>7s}")
    for name, row in scores.iterrows():
        print(f"{name:16s} {row.mean_rmsse:10.3f} {row.l12_wrmsse:10.3f} {row.wape:7.3f} {row.bias:+7.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--train-end", type=int, default=1913)
    parser.add_argument("--horizon", type=int, default=28)
    args = parser.parse_args()

    started = time.perf_counter()
    sales, calendar, prices = load_m5(args.data)
    last_day = args.train_end + args.horizon
    if f"d_{last_day}" not in sales.columns:
        raise SystemExit(f"{args.data}: the sales stop before d_{last_day} (train end {args.train_end} + horizon {args.horizon})")
    panel, static = to_panel(sales, calendar, prices, last_day)
    origin = day_date(calendar, args.train_end)
    history, future = panel[panel.ds <= origin], panel[panel.ds > origin]
    print(f"{static.shape[0]} series, {len(history):,} training rows up to {origin.date()}, horizon {args.horizon} days", flush=True)

    fit_started = time.perf_counter()
    model = GlobalDemandForecaster(GlobalModelConfig(horizon=args.horizon))
    model.fit(since_first_sale(history), static)
    forecast = model.predict(future.drop(columns="y"))
    fit_seconds = time.perf_counter() - fit_started

    ids = pd.Index(static.unique_id)
    train, actual, price_window = held_out(history, future, ids)
    candidates = {
        "seasonal_naive": seasonal_naive(train, args.horizon),
        "ma28": ma28(train, args.horizon),
        "lightgbm": matrix(forecast, ids, "mean"),
    }
    scores = l12_scores(actual, train, price_window, candidates)
    print_scores(scores)
    p90, p50 = matrix(forecast, ids, "p90"), matrix(forecast, ids, "p50")
    print(
        f"\nP90 coverage {metrics.coverage(actual, p90):.3f}, pinball P90 {metrics.pinball_loss(actual, p90, 0.9):.3f}, pinball P50 {metrics.pinball_loss(actual, p50, 0.5):.3f}"
    )
    print(f"top features: {', '.join(model.feature_importance().index[:8])}")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nfit_and_forecast_seconds: {fit_seconds:.1f}")
    print(f"wall_seconds: {time.perf_counter() - started:.1f}")
    print(f"peak_memory_mb: {peak_mb:.0f}")
    l12 = scores.l12_wrmsse
    print(f"mean_rmsse_lightgbm: {scores.mean_rmsse['lightgbm']:.3f}")
    print(f"l12_wrmsse_lightgbm: {l12['lightgbm']:.3f}")
    print(f"l12_wrmsse_seasonal_naive: {l12['seasonal_naive']:.3f}")
    print(f"l12_wrmsse_ma28: {l12['ma28']:.3f}")
    print(f"l12_wrmsse_ratio_vs_snaive: {l12['lightgbm'] / l12['seasonal_naive']:.3f}")


if __name__ == "__main__":
    main()
