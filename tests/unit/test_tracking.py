"""MLflow tracking of a training and the champion gate, on a local sqlite store."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from ml.forecasting.backtest import rolling_origins, run_backtest, score
from ml.forecasting.global_model import GlobalDemandForecaster, GlobalModelConfig
from ml.forecasting.tracking import champion, log_training, promote_if_better, tracking_at, tracking_store
from tests.unit.test_global_model import FAST, HORIZON, synthetic_panel


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A backtest of the global model and the seasonal naive, and the model fitted on everything."""
    panel, static = synthetic_panel(n_series=6, n_days=300)
    config = GlobalModelConfig(horizon=HORIZON, lightgbm=FAST)

    def lightgbm(history, future):
        forecast = GlobalDemandForecaster(config).fit(history, static).predict(future)
        return forecast.rename(columns={"mean": "lightgbm", "p50": "lightgbm_p50", "p90": "lightgbm_p90"})

    def seasonal_naive(history, future):
        last_week = history[history.ds > history.ds.max() - pd.Timedelta(days=7)]
        return (
            future[["unique_id", "ds"]]
            .assign(weekday=future.ds.dt.day_of_week)
            .merge(
                last_week.assign(weekday=last_week.ds.dt.day_of_week)[["unique_id", "weekday", "y"]].rename(columns={"y": "seasonal_naive"}),
                on=["unique_id", "weekday"],
            )[["unique_id", "ds", "seasonal_naive"]]
        )

    origins = rolling_origins(panel.ds.max(), n_origins=2, horizon=HORIZON)
    backtest = run_backtest(panel, {"lightgbm": lightgbm, "seasonal_naive": seasonal_naive}, origins, HORIZON)
    scores = score(backtest, panel, by=static)
    model = GlobalDemandForecaster(config).fit(panel, static)
    store = tracking_store(tmp_path_factory.mktemp("mlflow"))
    return model, backtest, scores, store, panel


def test_a_training_is_logged_with_its_backtest_and_its_model_registered(trained):
    import mlflow

    model, backtest, scores, store, panel = trained
    run = log_training(
        model,
        store=store,
        experiment="demand_forecast",
        model_name="demand_forecaster",
        params={"horizon": HORIZON},
        scores=scores,
        backtest=backtest,
        forecast_column="lightgbm",
    )
    client = mlflow.MlflowClient(store.uri)
    logged = client.get_run(run.run_id)
    assert logged.data.params["horizon"] == str(HORIZON)
    # the process's next store is its own: logging left no MLFLOW_TRACKING_URI behind
    assert "MLFLOW_TRACKING_URI" not in os.environ
    assert logged.info.artifact_uri.startswith(Path(store.artifact_root).resolve().as_uri())
    assert logged.data.metrics["backtest_wrmsse"] == pytest.approx(run.wrmsse)
    assert logged.data.metrics["lightgbm_p90.coverage"] > 0.5
    artifacts = {a.path for a in client.list_artifacts(run.run_id, "plots")} | {a.path for a in client.list_artifacts(run.run_id, "backtest")}
    assert {"plots/forecast_vs_actual.png", "backtest/scores_by_group.json"} <= artifacts
    with tracking_at(store.uri):
        loaded = mlflow.pyfunc.load_model(f"models:/demand_forecaster/{run.model_version}")
    future = panel[panel.ds > panel.ds.max() - pd.Timedelta(days=HORIZON)].drop(columns="y")
    future = future.assign(ds=future.ds + pd.Timedelta(days=HORIZON))  # the days after the history
    pd.testing.assert_frame_equal(loaded.predict(future), model.predict(future))


def _version(trained, model_name: str, forecast_column: str, **params):
    """A new registered version of ``model_name`` standing for ``forecast_column`` of the backtest."""
    model, backtest, scores, store, _ = trained
    return log_training(
        model, store=store, experiment="gate", model_name=model_name, params=params, scores=scores, backtest=backtest, forecast_column=forecast_column
    )


def test_a_challenger_becomes_champion_only_when_it_beats_the_champions_wrmsse(trained):
    store = trained[3]

    def train(forecast_column):
        return _version(trained, "gated", forecast_column)

    naive = train("seasonal_naive")  # the first version becomes champion, whatever its score
    decision = promote_if_better(store, naive)
    assert decision.promoted and "no champion yet" in decision.reason
    assert champion(store, "gated") == (naive.model_version, pytest.approx(naive.wrmsse))
    better = train("lightgbm")
    assert better.wrmsse < naive.wrmsse
    assert promote_if_better(store, better).promoted
    worse = train("seasonal_naive")
    decision = promote_if_better(store, worse)
    assert not decision.promoted and "does not beat" in decision.reason
    assert champion(store, "gated")[0] == better.model_version


def test_a_champion_of_another_horizon_is_replaced_whatever_its_score(trained):
    store = trained[3]

    def train(forecast_column, horizon):
        return _version(trained, "horizons", forecast_column, horizon=horizon)

    good = train("lightgbm", HORIZON)
    assert promote_if_better(store, good, horizon=HORIZON).promoted
    worse_same_horizon = train("seasonal_naive", HORIZON)
    assert not promote_if_better(store, worse_same_horizon, horizon=HORIZON).promoted
    worse_new_horizon = train("seasonal_naive", HORIZON * 2)  # the panel's horizon changed: the champion cannot serve it
    decision = promote_if_better(store, worse_new_horizon, horizon=HORIZON * 2)
    assert decision.promoted and "another horizon" in decision.reason
    assert champion(store, "horizons")[0] == worse_new_horizon.model_version
