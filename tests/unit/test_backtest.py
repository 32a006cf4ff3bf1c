"""Demand classes, statistical baselines and the rolling-origin backtest on small panels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ml.forecasting.backtest import rolling_origins, run_backtest, score
from ml.forecasting.baselines import baseline_forecasts
from ml.forecasting.demand_class import demand_classes
from tests.unit.test_global_model import synthetic_panel


def test_demand_classes_follow_syntetos_and_boylan():
    history = np.array(
        [
            [0, 0, 5, 5, 6, 5, 5, 6],  # sells every day after launch, steady: smooth
            [1, 20, 2, 30, 1, 25, 3, 40],  # every day, sizes vary a lot: erratic
            [0, 5, 0, 0, 5, 0, 0, 5],  # one day in three, steady sizes: intermittent
            [0, 1, 0, 0, 30, 0, 0, 2],  # one day in three, sizes vary: lumpy
            [0, 0, 0, 0, 0, 0, 0, 0],  # never sold
        ]
    )
    classes = demand_classes(history)
    assert classes.demand_class.tolist() == ["smooth", "erratic", "intermittent", "lumpy", "no_demand"]
    assert classes.adi[2] == pytest.approx(7 / 3)  # 7 days since the first sale, 3 with a sale
    assert classes.cv2[0] == pytest.approx(np.var([5, 5, 6, 5, 5, 6]) / np.mean([5, 5, 6, 5, 5, 6]) ** 2)


def test_rolling_origins_end_where_the_data_ends():
    origins = rolling_origins("2024-03-31", n_origins=3, horizon=7)
    assert [o.date().isoformat() for o in origins] == ["2024-03-10", "2024-03-17", "2024-03-24"]
    assert rolling_origins("2024-03-31", 2, 7, step=1)[0] == pd.Timestamp("2024-03-23")


def test_baselines_forecast_every_series_and_the_seasonal_naive_repeats_the_last_week():
    panel, _ = synthetic_panel(n_series=3, n_days=60)
    forecast = baseline_forecasts(panel, horizon=10)
    assert list(forecast.columns) == ["unique_id", "ds", "seasonal_naive", "ets", "sba", "tsb", "adida"]
    assert len(forecast) == 30 and (forecast.iloc[:, 2:] >= 0).all().all()
    last_week = panel[panel.unique_id == "s00"].y.to_numpy()[-7:]
    assert forecast[forecast.unique_id == "s00"].seasonal_naive.to_numpy()[:7] == pytest.approx(last_week)
    with pytest.raises(ValueError, match="unknown baselines"):
        baseline_forecasts(panel, horizon=10, models=("prophet",))


def _known(history: pd.DataFrame, future: pd.DataFrame) -> pd.DataFrame:
    """A forecaster that is always 1 unit per day, with a P90 of 2."""
    return future[["unique_id", "ds"]].assign(flat=1.0, flat_p90=2.0)


def test_the_backtest_scores_every_forecast_by_group_against_hand_computed_values():
    days = pd.date_range("2024-01-01", periods=30, freq="D")
    panel = pd.DataFrame(
        {
            "unique_id": np.repeat(["a", "b"], 30),
            "ds": np.tile(days, 2),
            "y": np.concatenate([np.tile([1.0, 3.0], 15), np.full(30, 2.0)]),  # a: 1,3,1,3...; b: 2 always
        }
    )
    panel.loc[(panel.unique_id == "b") & (panel.ds.dt.day % 2 == 0), "y"] = 0.0  # b: 2,0,2,0...
    origins = rolling_origins(days[-1], n_origins=2, horizon=4)
    result = run_backtest(panel, {"flat": _known}, origins, horizon=4)
    assert len(result) == 2 * 2 * 4 and set(result.columns) >= {"origin", "y", "flat", "flat_p90"}
    table = score(result, panel, by=pd.DataFrame({"unique_id": ["a", "b"], "family": ["F1", "F2"]}))
    overall = table[(table.forecast == "flat") & (table.group == "all")].iloc[0]
    # every day's error is 1 unit (a: 1 or 3 against 1 -> 0 or 2... )
    errors = result.flat - result.y
    assert overall.wape == pytest.approx(errors.abs().sum() / result.y.sum())
    assert overall.bias == pytest.approx(errors.sum() / result.y.sum())
    # RMSSE of series a: errors 0, -2 alternate -> mse 2; one-step naive differences are all 2 -> scale 4
    by_family = table[(table.forecast == "flat") & (table.group == "family")].set_index("value")
    assert by_family.loc["F1", "rmsse"] == pytest.approx(np.sqrt(2 / 4))
    # series b: errors -1, +1 -> mse 1; differences of 2,0,2,0 are 2 -> scale 4
    assert by_family.loc["F2", "rmsse"] == pytest.approx(np.sqrt(1 / 4))
    p90 = table[(table.forecast == "flat_p90") & (table.group == "all")].iloc[0]
    assert p90.coverage == pytest.approx((result.y <= 2).mean())  # a's 3s are not covered
    assert p90.pinball == pytest.approx(np.mean(np.maximum(0.9 * (result.y - 2), -0.1 * (result.y - 2))))


def test_a_backtest_past_the_end_of_the_data_is_refused():
    panel, _ = synthetic_panel(n_series=2, n_days=30)
    with pytest.raises(ValueError, match="has 4 of the 7 days"):
        run_backtest(panel, {"flat": _known}, [panel.ds.max() - pd.Timedelta(days=4)], horizon=7)


def test_the_warehouse_panel_splits_into_history_future_and_static_frames():
    from ml.forecasting.panel import model_inputs

    days = pd.date_range("2026-09-28", periods=4, freq="D")
    panel = pd.DataFrame(
        {
            "sku_id": "10001",
            "location_id": ["ST01"] * 4 + ["DC01"] * 4,
            "channel_id": ["STORE"] * 4 + ["B2B"] * 4,
            "demand_date": list(days) * 2,
            "is_future": [False, False, True, True] * 2,
            "units": [3, 0, None, None, 10, 12, None, None],
            "relative_price": 1.0,
            "is_promotion": [False, True, True, False] * 2,
            "discount_pct": 0.0,
            "is_holiday": False,
            "is_closed": False,
            "event_code": 0,
            "local_event_code": 0,
            "family": "SNACKS",
            "location_type": ["STORE"] * 4 + ["DC"] * 4,
            "region": "NORTH",
            "abc_class": ["A"] * 4 + ["C"] * 4,
        }
    )
    inputs = model_inputs(panel)
    assert inputs.history.unique_id.unique().tolist() == ["10001|ST01|STORE", "10001|DC01|B2B"]
    assert inputs.history.y.tolist() == [3, 0, 10, 12] and "y" not in inputs.future.columns
    assert inputs.future.ds.min() == pd.Timestamp("2026-09-30") and inputs.future.is_promotion.tolist() == [1.0, 0.0, 1.0, 0.0]
    assert inputs.static.set_index("unique_id").loc["10001|DC01|B2B", "abc_class"] == "C"
    with pytest.raises(ValueError, match=r"lacks the columns \['units'\]"):
        model_inputs(panel.drop(columns="units"))


def test_days_a_forecaster_could_not_forecast_are_left_out_of_its_scores():
    panel, _ = synthetic_panel(n_series=3, n_days=60)

    def partial(history, future):  # no forecast for s02 (as for a series first sold after the origin)
        return future[["unique_id", "ds"]].assign(partial=np.where(future.unique_id == "s02", np.nan, 1.0))

    origins = rolling_origins(panel.ds.max(), n_origins=1, horizon=7)
    backtest = run_backtest(panel, {"partial": partial, "flat": _known}, origins, 7)
    scores = score(backtest, panel, weight_column=None).set_index("forecast")
    forecast_days = backtest[backtest.unique_id != "s02"]
    assert scores.loc["partial", "wape"] == pytest.approx((forecast_days.y - 1).abs().sum() / forecast_days.y.sum())
    assert scores.loc["partial", "series"] == 2 and scores.loc["flat", "series"] == 3


def test_series_are_weighed_by_units_sold_when_prices_are_missing():
    """A company without prices (the minimal input), or with prices for some items only, still gets
    a WRMSSE: every series is weighed by its units sold, none dropped for a missing price."""
    panel, _ = synthetic_panel(n_series=3, n_days=60)
    origins = rolling_origins(panel.ds.max(), n_origins=1, horizon=7)
    backtest = run_backtest(panel, {"flat": _known}, origins, 7)
    by_units = score(backtest, panel, weight_column=None).set_index("forecast").loc["flat", "wrmsse"]
    no_price = score(backtest, panel.assign(price=np.nan)).set_index("forecast").loc["flat", "wrmsse"]
    some_prices = score(backtest, panel.assign(price=np.where(panel.unique_id == "s00", np.nan, 4.0))).set_index("forecast").loc["flat", "wrmsse"]
    assert np.isfinite(by_units) and no_price == pytest.approx(by_units) and some_prices == pytest.approx(by_units)
    # with a price for every series, dollar sales weigh them: another figure
    priced = panel.assign(price=np.where(panel.unique_id == "s00", 40.0, 1.0))
    assert score(backtest, priced).set_index("forecast").loc["flat", "wrmsse"] != pytest.approx(by_units)
