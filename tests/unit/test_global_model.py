"""The global LightGBM forecaster on small synthetic panels (seconds, not minutes)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ml.forecasting.global_model import GlobalDemandForecaster, GlobalModelConfig

HORIZON = 14
FAST = {"n_estimators": 60, "learning_rate": 0.1, "num_leaves": 15, "min_child_samples": 20, "n_jobs": 1, "verbosity": -1}


def synthetic_panel(n_series: int = 12, n_days: int = 400, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Poisson demand with a weekday profile, a level per series and a promotion that doubles it."""
    rng = np.random.default_rng(seed)
    days = pd.date_range("2024-01-01", periods=n_days, freq="D")
    weekday = np.array([0.6, 0.7, 0.8, 0.9, 1.2, 1.6, 1.2])[days.day_of_week]
    level = rng.uniform(2, 20, n_series)[:, None]
    promo = (rng.random((n_series, n_days)) < 0.1).astype(int)
    y = rng.poisson(level * weekday[None, :] * (1 + promo))
    panel = pd.DataFrame(
        {
            "unique_id": np.repeat([f"s{i:02d}" for i in range(n_series)], n_days),
            "ds": np.tile(days, n_series),
            "y": y.ravel().astype(float),
            "promo": promo.ravel(),
        }
    )
    static = pd.DataFrame({"unique_id": [f"s{i:02d}" for i in range(n_series)], "family": [("A", "B", "C")[i % 3] for i in range(n_series)]})
    return panel, static


@pytest.fixture(scope="module")
def fitted():
    panel, static = synthetic_panel()
    origin = panel.ds.max() - pd.Timedelta(days=HORIZON)
    history, future = panel[panel.ds <= origin], panel[panel.ds > origin]
    model = GlobalDemandForecaster(GlobalModelConfig(horizon=HORIZON, lightgbm=FAST)).fit(history, static)
    return model, future, model.predict(future.drop(columns="y"))


def test_the_forecast_covers_every_series_and_day_with_ordered_non_negative_quantiles(fitted):
    _, future, forecast = fitted
    assert list(forecast.columns) == ["unique_id", "ds", "mean", "p50", "p90"]
    assert len(forecast) == len(future) and set(forecast.unique_id) == set(future.unique_id)
    assert (forecast[["mean", "p50", "p90"]] >= 0).all().all()
    assert (forecast.p90 >= forecast.p50).all()


def test_the_forecast_follows_the_weekday_profile_and_the_known_future_promotion(fitted):
    _, future, forecast = fitted
    joined = forecast.merge(future, on=["unique_id", "ds"])
    by_weekday = joined.groupby(joined.ds.dt.day_of_week)[["mean", "y"]].sum()
    assert np.corrcoef(by_weekday["mean"], by_weekday["y"])[0, 1] > 0.8
    ratio = joined.groupby("promo")["mean"].mean()
    assert ratio[1] / ratio[0] > 1.4  # demand doubles on promotion days: the model uses the input


def test_the_p90_covers_most_actuals_and_the_mean_is_close_in_total(fitted):
    _, future, forecast = fitted
    joined = forecast.merge(future, on=["unique_id", "ds"])
    assert 0.75 <= (joined.y <= joined.p90).mean() <= 0.99
    assert abs(joined["mean"].sum() / joined.y.sum() - 1) < 0.15


def test_bad_panels_are_refused_with_the_problem_named():
    panel, static = synthetic_panel(n_series=3, n_days=120)
    model = GlobalDemandForecaster(GlobalModelConfig(horizon=HORIZON, lightgbm=FAST))
    with pytest.raises(ValueError, match=r"history lacks the columns \['y'\]"):
        model.fit(panel.drop(columns="y"), static)
    with pytest.raises(ValueError, match="negative demand"):
        model.fit(panel.assign(y=-panel.y), static)
    with pytest.raises(RuntimeError, match="fit the forecaster"):
        model.predict(panel)
    with pytest.raises(ValueError, match="quantiles must lie in"):
        GlobalModelConfig(quantiles=(0.5, 1.2))


def test_a_fitted_model_forecasts_from_newer_history_without_refitting():
    """The daily refresh: the model fitted last week forecasts the days after today's history."""
    panel, static = synthetic_panel(n_days=400)
    fit_end = panel.ds.max() - pd.Timedelta(days=2 * HORIZON)
    model = GlobalDemandForecaster(GlobalModelConfig(horizon=HORIZON, lightgbm=FAST)).fit(panel[panel.ds <= fit_end], static)
    now = panel.ds.max() - pd.Timedelta(days=HORIZON)
    history, future = panel[panel.ds <= now], panel[panel.ds > now].drop(columns="y")
    refreshed = model.predict(future, history=history)
    assert refreshed.ds.min() == now + pd.Timedelta(days=1) and len(refreshed) == len(future)
    surged = history.assign(y=np.where(history.ds > now - pd.Timedelta(days=28), history.y * 3, history.y))
    assert model.predict(future, history=surged)["mean"].sum() > 1.2 * refreshed["mean"].sum()  # it reads the new days
    same = model.predict(panel[(panel.ds > fit_end) & (panel.ds <= fit_end + pd.Timedelta(days=HORIZON))].drop(columns="y"), history=panel[panel.ds <= fit_end])
    default = model.predict(panel[(panel.ds > fit_end) & (panel.ds <= fit_end + pd.Timedelta(days=HORIZON))].drop(columns="y"))
    pd.testing.assert_frame_equal(same, default)  # given the fit's own history, the same forecast


def test_training_on_a_history_window_and_its_lower_bound():
    panel, static = synthetic_panel(n_series=3, n_days=400)
    config = GlobalModelConfig(horizon=HORIZON, lightgbm=FAST, history_days=200)
    origin = panel.ds.max() - pd.Timedelta(days=HORIZON)
    forecast = GlobalDemandForecaster(config).fit(panel[panel.ds <= origin], static).predict(panel[panel.ds > origin].drop(columns="y"))
    assert len(forecast) == 3 * HORIZON and forecast["mean"].notna().all()
    with pytest.raises(ValueError, match="history_days must be at least 140"):
        GlobalModelConfig(horizon=HORIZON, history_days=100)


def test_a_series_first_sold_after_the_training_is_forecast_with_its_current_attributes(fitted):
    model, future, _ = fitted
    panel, static = synthetic_panel()
    newcomer = panel[panel.unique_id == "s00"].assign(unique_id="new")
    newcomer = newcomer[newcomer.ds > newcomer.ds.max() - pd.Timedelta(days=HORIZON + 30)]  # a month of sales
    history = pd.concat([panel, newcomer])
    history = history[history.ds <= future.ds.min() - pd.Timedelta(days=1)]
    inputs = pd.concat([future, future[future.unique_id == "s00"].assign(unique_id="new")]).drop(columns="y")
    current = pd.concat([static, pd.DataFrame({"unique_id": ["new"], "family": ["A"]})])
    forecast = model.predict(inputs, history=history, static=current)
    assert set(forecast.unique_id) == set(inputs.unique_id)
    assert forecast[forecast.unique_id == "new"]["mean"].gt(0).all()
    unknown = current.assign(family=lambda s: s.family.where(s.unique_id != "new", "NEVER_SEEN"))
    assert len(model.predict(inputs, history=history, static=unknown)) == len(inputs)  # an unseen category is missing, not an error


def test_a_static_attribute_the_data_leaves_empty_is_a_category_of_its_own():
    """Stores without a region, items without a family (the minimal input): the model trains and
    forecasts every series, empty attributes included."""
    panel, static = synthetic_panel(n_series=4, n_days=200)
    static = static.assign(region=None, family=static.family.where(static.unique_id != "s01"))
    origin = panel.ds.max() - pd.Timedelta(days=HORIZON)
    model = GlobalDemandForecaster(GlobalModelConfig(horizon=HORIZON, lightgbm=FAST)).fit(panel[panel.ds <= origin], static)
    forecast = model.predict(panel[panel.ds > origin].drop(columns="y"))
    assert len(forecast) == 4 * HORIZON and forecast["mean"].notna().all()
