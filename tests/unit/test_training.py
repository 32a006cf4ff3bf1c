"""A training on a small panel in the warehouse's format: backtest, scores by group, final fit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ml.forecasting.baselines import baseline_forecasts
from ml.forecasting.global_model import GlobalModelConfig
from ml.forecasting.panel import model_inputs
from ml.forecasting.training import MODEL_COLUMN, TrainingSettings, train
from tests.unit.test_global_model import FAST, HORIZON, synthetic_panel


def mart_panel(n_series: int = 6, n_days: int = 200, horizon: int = HORIZON) -> pd.DataFrame:
    """``forecasting.fct_demand_panel``'s columns: the synthetic panel's history, then ``horizon``
    future days without units."""
    panel, _ = synthetic_panel(n_series=n_series, n_days=n_days + horizon)
    last_day = panel.ds.min() + pd.Timedelta(days=n_days - 1)
    series = panel.unique_id.str[1:].astype(int)
    return pd.DataFrame(
        {
            "sku_id": "SKU" + (series % 3).astype(str),
            "location_id": np.where(series < 3, "DC01", "ST01"),
            "channel_id": "STORE",
            "demand_date": panel.ds.dt.date,
            "is_future": panel.ds > last_day,
            "units": panel.y.where(panel.ds <= last_day),
            "price": 2.0 + series,
            "relative_price": 1.0,
            "is_promotion": panel.promo.astype(bool),
            "discount_pct": panel.promo * 20.0,
            "is_holiday": False,
            "is_closed": False,
            "event_code": 0,
            "local_event_code": 0,
            "family": np.where(series % 2 == 0, "HOUSEHOLD", "PETCARE"),
            "location_type": np.where(series < 3, "DC", "STORE"),
            "region": "NORTH",
            "abc_class": np.where(series < 2, "A", "C"),
        }
    )


SETTINGS = TrainingSettings(model=GlobalModelConfig(horizon=HORIZON, lightgbm=FAST), n_origins=3, baselines=("seasonal_naive", "sba"))


@pytest.fixture(scope="module")
def trained():
    panel = mart_panel()
    steps = []
    return panel, train(panel, SETTINGS, progress=steps.append), steps


def test_every_model_is_backtested_at_every_origin_on_the_same_days(trained):
    panel, result, steps = trained
    assert len(result.origins) == 3
    assert [o.date() for o in result.origins][-1] == pd.Timestamp(panel.loc[~panel.is_future, "demand_date"].max()).date() - pd.Timedelta(days=HORIZON)
    n_series = panel[["sku_id", "location_id", "channel_id"]].drop_duplicates().shape[0]
    assert len(result.backtest) == 3 * HORIZON * n_series
    forecasts = {MODEL_COLUMN, f"{MODEL_COLUMN}_p50", f"{MODEL_COLUMN}_p90", "seasonal_naive", "sba"}
    assert forecasts <= set(result.backtest.columns)
    assert result.backtest[list(forecasts)].notna().all().all()
    assert any("origin" in step for step in steps), "progress is reported per origin"


def test_scores_cover_every_forecast_overall_and_by_each_grouping(trained):
    _, result, _ = trained
    assert set(result.scores.group) == {"all", "family", "location_id", "channel_id", "abc_class", "demand_class"}
    overall = result.overall()
    assert {MODEL_COLUMN, "seasonal_naive", "sba"} <= set(overall.index)
    assert 0 < overall.loc[MODEL_COLUMN, "wrmsse"] < overall.loc["seasonal_naive", "wrmsse"], "the model beats the last week repeated"
    assert 0.6 < overall.loc[f"{MODEL_COLUMN}_p90", "coverage"] <= 1
    by_family = result.scores[(result.scores.group == "family") & (result.scores.forecast == MODEL_COLUMN)]
    assert set(by_family.value) == {"HOUSEHOLD", "PETCARE"}
    assert by_family.actual_units.sum() == pytest.approx(overall.loc[MODEL_COLUMN, "actual_units"])


def test_the_final_model_forecasts_the_panels_future(trained):
    panel, result, _ = trained
    inputs = model_inputs(panel)
    forecast = result.forecaster.predict(inputs.future, history=inputs.history)
    assert len(forecast) == len(inputs.future)
    assert forecast.ds.min() > inputs.history.ds.max()


def test_a_panel_too_short_for_the_origins_is_refused_with_the_dates():
    with pytest.raises(ValueError, match="first origin needs at least 56 days"):
        train(mart_panel(n_days=90), SETTINGS)


def test_a_horizon_other_than_the_panels_is_refused():
    with pytest.raises(ValueError, match="panel holds 7 future days but the model forecasts 14"):
        train(mart_panel(horizon=7), SETTINGS)


def test_ets_falls_back_to_the_seasonal_naive_on_series_too_young_for_it():
    days = pd.date_range("2026-01-01", periods=60, freq="D")
    young = [3.0, 0, 1, 4, 0, 2, 5, 1, 0, 2]  # a new listing: ten days of sales
    history = pd.DataFrame(
        {
            "unique_id": ["old"] * 60 + ["young"] * 10,
            "ds": list(days) + list(days[-10:]),
            "y": [float(d.day_of_week) for d in days] + young,
        }
    )
    forecast = baseline_forecasts(history, horizon=7, models=("ets", "seasonal_naive"))
    assert len(forecast) == 14 and forecast.ets.notna().all()
    new_listing = forecast[forecast.unique_id == "young"]
    assert new_listing.ets.tolist() == new_listing.seasonal_naive.tolist() == young[-7:]
