"""Training settings fitted to the history available (issue 15 point 6): every documented scale of
the demo company trains, a tiny one with fewer origins and young rows, each adaptation said."""

from __future__ import annotations

import pandas as pd
import pytest

from demo_company import SCALES
from ml.forecasting.adaptation import MIN_COMPLETE_FEATURE_DAYS, InsufficientHistoryError, adapt_to_history, minimum_history_days
from ml.forecasting.global_model import GlobalDemandForecaster, GlobalModelConfig
from ml.forecasting.training import MIN_TRAINING_DAYS, TrainingSettings, train
from tests.unit.test_global_model import FAST, synthetic_panel
from tests.unit.test_training import mart_panel


def weekly(horizon: int = 28, n_origins: int = 3, history_days: int | None = 730, young_rows: bool = False) -> TrainingSettings:
    """The weekly schedule's settings (orchestration.defs.forecasting.assets.TrainingConfig)."""
    return TrainingSettings(model=GlobalModelConfig(horizon=horizon, history_days=history_days, young_rows=young_rows), n_origins=n_origins)


@pytest.mark.parametrize("scale", ["demo", "m5"])
def test_the_long_scales_train_as_asked(scale):
    requested = weekly()
    adapted = adapt_to_history(requested, SCALES[scale].n_days)
    assert adapted.settings == requested and adapted.reasons == ()


def test_the_tiny_company_at_the_default_horizon_gets_one_origin_all_its_history_and_young_rows():
    days = SCALES["tiny"].n_days  # 84 = 56 days of training + one 28-day horizon
    adapted = adapt_to_history(weekly(), days)
    model = adapted.settings.model
    assert (adapted.settings.n_origins, model.history_days, model.young_rows) == (1, None, True)
    origins, window, young = adapted.reasons
    assert origins.startswith("backtest origins 3 -> 1") and "140 days" in origins and "holds 84" in origins
    assert window.startswith("model window history_days 730 -> all 84 days")
    assert young.startswith("young_rows on") and "56 days of history" in young and "look back 140" in young
    assert adapted.settings.baselines == weekly().baselines and model.lightgbm == weekly().model.lightgbm  # the rest as asked


def test_at_a_weekly_horizon_the_tiny_company_keeps_three_origins():
    adapted = adapt_to_history(weekly(horizon=7), SCALES["tiny"].n_days)
    assert adapted.settings.n_origins == 3 and adapted.settings.model.young_rows
    assert not any(r.startswith("backtest origins") for r in adapted.reasons)


def test_young_rows_asked_for_is_no_adaptation():
    adapted = adapt_to_history(weekly(history_days=None, young_rows=True), 84)
    assert [r.split(" ")[0] for r in adapted.reasons] == ["backtest"]


def test_young_rows_turn_on_only_when_too_few_days_have_every_feature():
    look_back = GlobalModelConfig().look_back_days
    enough = 3 * 28 + look_back + MIN_COMPLETE_FEATURE_DAYS  # at the first origin: the look-back and four complete weeks
    assert not adapt_to_history(weekly(history_days=None), enough).settings.model.young_rows
    assert adapt_to_history(weekly(history_days=None), enough - 1).settings.model.young_rows


@pytest.mark.parametrize("horizon", [7, 28, 35])
def test_the_origins_kept_are_as_many_as_the_history_holds(horizon):
    for days in range(minimum_history_days(horizon), minimum_history_days(horizon) + 120):
        n = adapt_to_history(weekly(horizon=horizon, n_origins=5), days).settings.n_origins
        assert days - n * horizon >= MIN_TRAINING_DAYS  # train()'s own check: the first origin has its minimum window
        assert n == 5 or days - (n + 1) * horizon < MIN_TRAINING_DAYS  # and one origin more would not


def test_a_history_shorter_than_one_horizon_after_the_minimum_window_is_an_error_saying_what_is_missing():
    with pytest.raises(InsufficientHistoryError) as error:
        adapt_to_history(weekly(), 70)
    message = str(error.value)
    assert "70 days of history" in message and "at least 84" in message and "14 days missing" in message
    assert "PLANLINE_FORECAST_HORIZON_DAYS" in message
    assert adapt_to_history(weekly(), 84).settings.n_origins == 1  # the boundary itself trains


def test_a_panel_of_exactly_one_horizon_after_the_minimum_window_trains_with_the_adapted_settings():
    """The tiny company's shape (84 days, 28-day horizon): train() counted the origin's day out
    and refused the one origin that fits; LightGBM got no rows without young_rows."""
    panel = mart_panel(n_series=4, n_days=84, horizon=28)
    requested = TrainingSettings(model=GlobalModelConfig(horizon=28, lightgbm=FAST, history_days=730), baselines=("seasonal_naive",))
    adapted = adapt_to_history(requested, 84)
    result = train(panel, adapted.settings)
    assert len(result.origins) == 1 and result.backtest.lightgbm.notna().all()
    assert pd.Timestamp(result.origins[0]) == pd.Timestamp(panel.demand_date.min()) + pd.Timedelta(days=MIN_TRAINING_DAYS - 1)


def test_the_global_model_explains_an_empty_training_set_instead_of_passing_it_to_lightgbm():
    panel, static = synthetic_panel(n_series=3, n_days=84)
    with pytest.raises(ValueError, match=r"the mean model has no training rows: 3 series over 84 days.*young_rows=True"):
        GlobalDemandForecaster(GlobalModelConfig(horizon=7, lightgbm=FAST)).fit(panel, static)
