"""A global LightGBM model for daily demand: one model over every series, P50 and P90 too.

Input is a long panel (one row per series and day):

- ``history``: ``unique_id``, ``ds`` (day), ``y`` (units sold, >= 0) and the known-future
  columns (price, promotion, calendar events...), for every day up to the forecast origin;
- ``future``: ``unique_id``, ``ds`` and the same known-future columns for the ``horizon`` days
  after the origin;
- ``static``: ``unique_id`` and categorical attributes (item, family, location, channel, class).

Features are computed by mlforecast (vectorized, no loop over series): lags of the target and
rolling statistics of them, calendar features from the date, the known-future columns as they
are and the static attributes as categoricals. Two pipelines share them:

- the mean: a Tweedie model (suited to retail counts with many zeros) on recent lags (1 to 7
  days and weekly ones), predicted recursively day by day, each day's forecast feeding the next
  day's lags: recent demand is the best predictor of the first weeks;
- the quantiles: one pinball-loss model per level on lags at least ``horizon`` days old, so
  that every day is predicted from observed demand only (a P90 fed back as a lag would push the
  next day's P90 higher still).

On the M5 slice (``bench.forecast_m5``) the recursive mean scored 0.790 of seasonal naive's L12
WRMSSE where the same features lagged ``horizon`` days scored 0.845.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ml.schema import FrameSchema

ID, TIME, TARGET = "unique_id", "ds", "y"
# The longest rolling window of the features (days), taken on lags of up to ``horizon`` days.
LONGEST_WINDOW = 112


@dataclass(frozen=True)
class GlobalModelConfig:
    """What the global model learns from and how hard it trains.

    Attributes:
        horizon: days forecast after the origin; the quantile models' lags are at least this old.
        quantiles: quantile levels forecast besides the mean (e.g. 0.5, 0.9).
        lightgbm: LightGBM parameters shared by every model (objective set per model).
        tweedie_variance_power: between 1 (Poisson) and 2 (gamma) for the mean model.
        history_days: train on the last this many days of history only (None: all of it). The
            cost follows the rows: on the demo company two years cost 173 s where three cost
            264 s, for the same accuracy (docs/forecasting.md).
        young_rows: also learn from the days whose features are incomplete (a series' first
            ``look_back_days``, its missing lags left to LightGBM). Needed when the history is
            shorter than the look-back; by default those days are left out of training.
    """

    horizon: int = 28
    quantiles: tuple[float, ...] = (0.5, 0.9)
    lightgbm: dict = field(
        default_factory=lambda: {
            "n_estimators": 400,
            "learning_rate": 0.05,
            "num_leaves": 63,
            "min_child_samples": 50,
            "subsample": 0.8,
            "subsample_freq": 1,
            "colsample_bytree": 0.8,
            "n_jobs": 2,
            "verbosity": -1,
        }
    )
    tweedie_variance_power: float = 1.2
    history_days: int | None = None
    young_rows: bool = False

    def __post_init__(self) -> None:
        if self.horizon < 1:
            raise ValueError(f"horizon must be at least 1 day, got {self.horizon}")
        if self.history_days is not None and self.history_days < self.look_back_days:
            raise ValueError(f"history_days must be at least {self.look_back_days} (what the features look back), got {self.history_days}")
        if not all(0 < q < 1 for q in self.quantiles):
            raise ValueError(f"quantiles must lie in (0, 1), got {self.quantiles}")

    @property
    def look_back_days(self) -> int:
        """Days of history the features of one forecast need: the longest rolling window on the
        longest lag it is taken on (the mean model's 28 days, the quantile models' horizon)."""
        return LONGEST_WINDOW + max(28, self.horizon)


@contextmanager
def _young_series_expected() -> Iterator[None]:
    """Silence mlforecast's notes on series younger than the longest lag (new listings): their
    missing lags are NaN, which LightGBM handles; a warning per horizon day would bury the log."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Found null values in", category=UserWarning)
        warnings.filterwarnings("ignore", message="The following series were dropped completely", category=UserWarning)
        yield


def quantile_name(level: float) -> str:
    return f"p{round(level * 100):02d}"


class GlobalDemandForecaster:
    """Fit on a panel's history, forecast its next ``config.horizon`` days (mean and quantiles)."""

    def __init__(self, config: GlobalModelConfig | None = None):
        self.config = config or GlobalModelConfig()
        self._mean = None
        self._quantiles = None
        self._static: pd.DataFrame | None = None
        self._static_columns: list[str] = []
        self._exogenous: list[str] = []

    def _pipeline(self, models: dict, lags: list[int], lag_transforms: dict):
        from mlforecast import MLForecast

        return MLForecast(models=models, freq="D", lags=lags, lag_transforms=lag_transforms, date_features=["day_of_week", "day", "month", "day_of_year"])

    def _mean_pipeline(self):
        from lightgbm import LGBMRegressor
        from mlforecast.lag_transforms import RollingMean, SeasonalRollingMean

        model = LGBMRegressor(objective="tweedie", tweedie_variance_power=self.config.tweedie_variance_power, **self.config.lightgbm)
        return self._pipeline(
            {"mean": model},
            lags=[1, 2, 3, 4, 5, 6, 7, 14, 21, 28],
            lag_transforms={
                1: [RollingMean(window_size=7), RollingMean(window_size=28)],
                7: [RollingMean(window_size=7), RollingMean(window_size=28), SeasonalRollingMean(season_length=7, window_size=4)],
                28: [RollingMean(window_size=28), RollingMean(window_size=LONGEST_WINDOW)],
            },
        )

    def _quantile_pipeline(self):
        from lightgbm import LGBMRegressor
        from mlforecast.lag_transforms import RollingMean, RollingStd, SeasonalRollingMean

        h = self.config.horizon
        models = {quantile_name(q): LGBMRegressor(objective="quantile", alpha=q, **self.config.lightgbm) for q in self.config.quantiles}
        return self._pipeline(
            models,
            lags=[h, h + 7, h + 14, h + 21, h + 28],
            lag_transforms={
                h: [
                    *(RollingMean(window_size=w) for w in (7, 14, 28, 56, LONGEST_WINDOW)),
                    RollingStd(window_size=28),
                    SeasonalRollingMean(season_length=7, window_size=4),
                ]
            },
        )

    def fit(self, history: pd.DataFrame, static: pd.DataFrame | None = None) -> GlobalDemandForecaster:
        """Learn from ``history`` (see the module docstring); returns self."""
        _require(history, [ID, TIME, TARGET], "history")
        if (history[TARGET] < 0).any():  # not FrameSchema's message: this one says where returns go
            raise ValueError("history has negative demand: returns belong in their own series, not in y")
        self._exogenous = [c for c in history.columns if c not in (ID, TIME, TARGET)]
        if static is not None:
            _require(static, [ID], "static")
            self._static_columns = [c for c in static.columns if c != ID]
            self._static = _categorical(static)
        frame = self._with_static(self._recent(history))
        with _young_series_expected():
            self._mean = self._fit_pipeline(self._mean_pipeline(), frame, "mean")
            if self.config.quantiles:
                self._quantiles = self._fit_pipeline(self._quantile_pipeline(), frame, "quantile")
        return self

    def _fit_pipeline(self, pipeline, frame: pd.DataFrame, name: str):
        """mlforecast's fit in its two steps, so that an empty training set is explained here
        rather than by LightGBM ("Input data must be 2 dimensional and non empty")."""
        X, y = pipeline.preprocess(frame, static_features=self._static_columns, dropna=not self.config.young_rows, return_X_y=True)
        if len(y) == 0:
            days = frame[TIME].nunique()
            raise ValueError(
                f"the {name} model has no training rows: {frame[ID].nunique()} series over {days} days, and without young_rows only days "
                f"after the features' look-back ({self.config.look_back_days} days) are kept. Set young_rows=True for histories this short "
                "(ml.forecasting.adaptation.adapt_to_history does) or give the model more history."
            )
        pipeline._cs_df = None  # what fit sets: no conformal intervals (read by predict with levels and by save)
        return pipeline.fit_models(X, y)

    def _recent(self, history: pd.DataFrame) -> pd.DataFrame:
        if self.config.history_days is None:
            return history
        return history[history[TIME] > history[TIME].max() - pd.Timedelta(days=self.config.history_days)]

    def _with_static(self, history: pd.DataFrame, static: pd.DataFrame | None = None) -> pd.DataFrame:
        if self._static is None:
            return history
        return history.merge(self._static if static is None else self._encoded(static), on=ID, how="left", validate="many_to_one")

    def _encoded(self, static: pd.DataFrame) -> pd.DataFrame:
        """Newer static attributes with the categories the model was fitted with first, so that
        their codes match; a value it never saw is appended as a new category, which LightGBM
        treats as missing."""
        _require(static, [ID, *self._static_columns], "static")
        encoded = static[[ID, *self._static_columns]].copy()
        for column in self._static_columns:
            if isinstance(self._static[column].dtype, pd.CategoricalDtype):
                known = list(self._static[column].cat.categories)
                values = _known(encoded[column])
                unseen = sorted(set(values) - set(known))
                encoded[column] = pd.Categorical(values, categories=known + unseen)
        return encoded

    def predict(self, future: pd.DataFrame, history: pd.DataFrame | None = None, static: pd.DataFrame | None = None) -> pd.DataFrame:
        """Forecast the horizon: ``unique_id``, ``ds``, ``mean`` and one column per quantile
        (units, clipped at zero, quantiles made non-decreasing).

        Without ``history`` the horizon follows the history the model was fitted on. With it (the
        same columns as at fit, through a later day) the fitted model forecasts the days after
        that history: the daily refresh, between two trainings. ``static`` (with ``history``) gives
        the series' current attributes, so that a series first sold after the training is
        forecast with its family, location and class rather than none.
        """
        if self._mean is None:
            raise RuntimeError("fit the forecaster before predicting")
        _require(future, [ID, TIME, *self._exogenous], "future")
        inputs = future[[ID, TIME, *self._exogenous]]
        recent = None
        if history is not None:
            _require(history, [ID, TIME, TARGET, *self._exogenous], "history")
            start = history[TIME].max() - pd.Timedelta(days=self.config.look_back_days + 7)  # a week of margin
            recent = self._with_static(history[history[TIME] > start], static)
        levels = [quantile_name(q) for q in sorted(self.config.quantiles)]
        with _young_series_expected():
            forecast = self._mean.predict(h=self.config.horizon, X_df=inputs, new_df=recent)
            if levels:
                quantiles = self._quantiles.predict(h=self.config.horizon, X_df=inputs, new_df=recent)
                forecast = forecast.merge(quantiles, on=[ID, TIME], how="left", validate="one_to_one")
        columns = ["mean", *levels]
        values = np.clip(forecast[columns].to_numpy(), 0, None)
        if levels:  # quantile models fitted apart can cross: a P90 below the P50 would be absurd
            values[:, 1:] = np.maximum.accumulate(values[:, 1:], axis=1)
        forecast[columns] = values
        return forecast[[ID, TIME, *columns]]

    def feature_importance(self) -> pd.Series:
        """Gain of each feature in the mean model, largest first."""
        booster = self._mean.models_["mean"].booster_
        return pd.Series(booster.feature_importance("gain"), index=booster.feature_name()).sort_values(ascending=False)


def _require(frame: pd.DataFrame, columns: Sequence[str], name: str) -> None:
    FrameSchema(dict.fromkeys(columns, "any")).require_columns(frame, name)


# A static attribute the data leaves empty (a store without region) is a category of its own: a
# missing value would look to mlforecast like an attribute that changes over time.
UNKNOWN_CATEGORY = "(none)"


def _known(values: pd.Series) -> pd.Series:
    return values.astype(object).where(values.notna(), UNKNOWN_CATEGORY)


def _categorical(static: pd.DataFrame) -> pd.DataFrame:
    """Static attributes as pandas categoricals, which LightGBM splits on natively."""
    return static.assign(**{c: _known(static[c]).astype("category") for c in static.columns if c != ID and not pd.api.types.is_numeric_dtype(static[c])})
