"""A training: backtest the global model and the baselines, then fit the model on all history.

The weekly training (a Dagster asset) is this function on the warehouse's forecasting panel:

1. a rolling-origin backtest (``n_origins`` origins a horizon apart, the last one's horizon
   ending on the last day of history): the global model and every baseline get the same history
   and known-future inputs at each origin;
2. scores of every forecast overall and by family, location, channel, ABC class and demand class
   (Syntetos-Boylan, from each series' history at the last origin), series weighted by dollar
   sales as in the M5 (by units sold when some series sold have no price);
3. the global model fitted on the whole history (or its ``history_days`` window), the version a
   registry would serve.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from ml.forecasting.backtest import rolling_origins, run_backtest, score
from ml.forecasting.baselines import BASELINES, baseline_forecasts
from ml.forecasting.demand_class import demand_classes
from ml.forecasting.global_model import GlobalDemandForecaster, GlobalModelConfig
from ml.forecasting.panel import model_inputs

MODEL_COLUMN = "lightgbm"  # the global model's columns in a backtest: lightgbm, lightgbm_p50, ...
GROUPINGS = ("family", "location_id", "channel_id", "abc_class", "demand_class")
# History before the first backtest origin, at least: the weekly lags and their rolling means need
# four weeks, and the model something to learn from after them. Less history than the features
# look back (``GlobalModelConfig.look_back_days``) leaves some of them missing, which LightGBM
# handles, at some cost in accuracy.
MIN_TRAINING_DAYS = 56


@dataclass(frozen=True)
class TrainingSettings:
    """How a training runs.

    Attributes:
        model: the global model's configuration (horizon, quantiles, LightGBM parameters, window).
        n_origins: backtest origins, ``model.horizon`` days apart (at least 1).
        baselines: statsforecast baselines backtested beside the model (names of ``BASELINES``).
        baseline_window: days of history the baselines are fitted on.
    """

    model: GlobalModelConfig = field(default_factory=GlobalModelConfig)
    n_origins: int = 3
    baselines: tuple[str, ...] = BASELINES
    baseline_window: int = 364

    def __post_init__(self) -> None:
        if self.n_origins < 1:
            raise ValueError(f"n_origins must be at least 1, got {self.n_origins}")
        unknown = set(self.baselines) - set(BASELINES)
        if unknown:
            raise ValueError(f"unknown baselines {sorted(unknown)}: choose among {list(BASELINES)}")


@dataclass(frozen=True)
class TrainingResult:
    """What a training produced.

    Attributes:
        forecaster: the global model fitted on all history.
        backtest: ``origin``, ``unique_id``, ``ds``, ``y`` and one column per forecast.
        scores: ``backtest.score``'s table (forecast, group, value and the metrics).
        series: ``unique_id`` and the attributes the scores are grouped by, one row per series.
        origins: the backtest's origins, oldest first.
    """

    forecaster: GlobalDemandForecaster
    backtest: pd.DataFrame
    scores: pd.DataFrame
    series: pd.DataFrame
    origins: list[pd.Timestamp]

    def overall(self) -> pd.DataFrame:
        """One row per forecast: its scores over every series and origin."""
        return self.scores[self.scores.group == "all"].set_index("forecast").drop(columns=["group", "value"])


def _series_attributes(history: pd.DataFrame, static: pd.DataFrame, until: pd.Timestamp) -> pd.DataFrame:
    """Static attributes plus each series' demand class from its history up to ``until``."""
    matrix = history[history.ds <= until].pivot(index="unique_id", columns="ds", values="y").fillna(0)
    classes = demand_classes(matrix.to_numpy()).assign(unique_id=matrix.index)
    attributes = static[["unique_id", *[g for g in GROUPINGS if g in static.columns]]]
    return attributes.merge(classes[["unique_id", "demand_class"]], on="unique_id", how="left").fillna({"demand_class": "no_demand"})


def train(panel: pd.DataFrame, settings: TrainingSettings | None = None, progress: Callable[[str], None] | None = None) -> TrainingResult:
    """Backtest and fit on ``panel``, the columns of ``forecasting.fct_demand_panel`` (see
    ``panel.model_inputs``; ``price`` weights the series). ``progress(text)`` hears each step."""
    settings = settings or TrainingSettings()
    say = progress or (lambda _: None)
    inputs = model_inputs(panel)
    horizon = settings.model.horizon
    history = inputs.history
    future_days = inputs.future.ds.nunique()
    if future_days and future_days != horizon:
        raise ValueError(f"the panel holds {future_days} future days but the model forecasts {horizon}: set the model's horizon to the panel's")
    origins = rolling_origins(history.ds.max(), settings.n_origins, horizon)
    training_days = (origins[0] - history.ds.min()).days + 1  # the origin is the last day of training
    if training_days < MIN_TRAINING_DAYS:
        raise ValueError(
            f"{settings.n_origins} backtest origins {horizon} days apart start on {origins[0].date()}, "
            f"with {training_days} days of history from the panel's first day ({history.ds.min().date()}): "
            f"the first origin needs at least {MIN_TRAINING_DAYS} days of history; use fewer origins (adaptation.adapt_to_history fits them to the history)"
        )

    def global_model(history: pd.DataFrame, future: pd.DataFrame) -> pd.DataFrame:
        forecast = GlobalDemandForecaster(settings.model).fit(history, inputs.static).predict(future)
        return forecast.rename(columns=lambda c: MODEL_COLUMN if c == "mean" else f"{MODEL_COLUMN}_{c}" if c.startswith("p") else c)

    forecasters = {MODEL_COLUMN: global_model}
    if settings.baselines:
        forecasters["baselines"] = lambda history, future: baseline_forecasts(history, horizon, settings.baselines, window=settings.baseline_window)
    backtest = run_backtest(history, forecasters, origins, horizon, progress=say)

    say("scoring the backtest")
    series = _series_attributes(history, inputs.static, origins[-1])
    scoring_panel = history[["unique_id", "ds", "y"]].assign(price=pd.to_numeric(panel.loc[~panel.is_future.astype(bool), "price"]).to_numpy(dtype=float))
    scores = score(backtest, scoring_panel, by=series, weight_column="price")

    say(f"fitting the model on the history to {history.ds.max().date()}")
    forecaster = GlobalDemandForecaster(settings.model).fit(history, inputs.static)
    return TrainingResult(forecaster, backtest, scores, series, origins)
