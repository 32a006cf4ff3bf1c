"""Rolling-origin backtest: the same protocol for every model, scored by group.

For each origin (the last day of training) every forecaster gets the panel's history up to the
origin and the known-future inputs of the next ``horizon`` days, and returns its forecasts. The
forecasts are then scored against the actuals (metrics of ``metrics.py``), overall and by any
grouping of the series (family, location, channel, demand class...).

A forecaster is a function ``(history, future_inputs) -> DataFrame`` returning ``unique_id``,
``ds`` and one column per forecast it makes (``lightgbm``, ``lightgbm_p90``, ``ets``...): a column
named ``<model>_p<NN>`` is the quantile NN/100 of ``<model>``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from ml.forecasting import metrics
from ml.schema import FrameSchema

ID, TIME, TARGET = "unique_id", "ds", "y"
Forecaster = Callable[[pd.DataFrame, pd.DataFrame], pd.DataFrame]
_QUANTILE = re.compile(r"^(?P<model>.+)_p(?P<level>\d{2})$")


def is_quantile_column(name: str) -> bool:
    """Whether a forecast column holds a quantile (``<model>_pNN``) rather than a point forecast."""
    return _QUANTILE.match(name) is not None


def rolling_origins(last_day, n_origins: int, horizon: int, step: int | None = None) -> list[pd.Timestamp]:
    """``n_origins`` origins, ``step`` days apart (default ``horizon``), the last one's horizon
    ending on ``last_day``; oldest first."""
    if n_origins < 1 or horizon < 1:
        raise ValueError(f"n_origins and horizon must be at least 1, got {n_origins} and {horizon}")
    step = step or horizon
    last_origin = pd.Timestamp(last_day) - pd.Timedelta(days=horizon)
    return [last_origin - pd.Timedelta(days=step * k) for k in reversed(range(n_origins))]


def run_backtest(panel: pd.DataFrame, forecasters: dict[str, Forecaster], origins: Sequence[pd.Timestamp], horizon: int, progress=None) -> pd.DataFrame:
    """Forecasts of every forecaster at every origin next to the actuals: ``origin``,
    ``unique_id``, ``ds``, ``y`` and the forecasters' columns. ``progress(text)`` is told each step."""
    FrameSchema(dict.fromkeys((ID, TIME, TARGET), "any")).require_columns(panel, "panel")
    results = []
    for origin in origins:
        end = origin + pd.Timedelta(days=horizon)
        history = panel[panel[TIME] <= origin]
        actual = panel[(panel[TIME] > origin) & (panel[TIME] <= end)]
        if actual[TIME].nunique() < horizon:
            raise ValueError(f"origin {origin.date()}: the panel has {actual[TIME].nunique()} of the {horizon} days after it")
        frame = actual[[ID, TIME, TARGET]]
        for name, forecaster in forecasters.items():
            if progress:
                progress(f"origin {origin.date()}: {name}")
            forecast = forecaster(history, actual.drop(columns=TARGET))
            clash = set(forecast.columns) & set(frame.columns) - {ID, TIME}
            if clash:
                raise ValueError(f"forecaster {name} returned columns already taken: {sorted(clash)}")
            frame = frame.merge(forecast, on=[ID, TIME], how="left", validate="one_to_one")
        results.append(frame.assign(origin=origin))
    return pd.concat(results, ignore_index=True)


def _series_scales(panel: pd.DataFrame, origins: Sequence[pd.Timestamp], weight_column: str | None) -> pd.DataFrame:
    """Per origin and series: RMSSE and MASE scales and the M5 weight, from the history up to the origin."""
    units = panel.pivot(index=ID, columns=TIME, values=TARGET).sort_index(axis=1)
    prices = panel.pivot(index=ID, columns=TIME, values=weight_column).reindex_like(units) if weight_column else None
    rows = []
    for origin in origins:  # a few origins: each step is vectorized over every series
        history = units.loc[:, units.columns <= origin].fillna(0).to_numpy()
        last = history[:, -28:]
        price = prices.loc[:, prices.columns <= origin].to_numpy()[:, -28:] if prices is not None else None
        price = _weighting_prices(last, price)
        rows.append(
            pd.DataFrame(
                {
                    "origin": origin,
                    ID: units.index,
                    "rmsse_scale": metrics.naive_scale(history, lag=1, power=2),
                    "mase_scale": metrics.naive_scale(history, lag=7, power=1),
                    "weight": metrics.dollar_weights(last, price),
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def _weighting_prices(units: np.ndarray, prices: np.ndarray | None) -> np.ndarray:
    """The prices (n_series, n_days) that weigh the series: their own where every series sold in
    the window has one; else 1 for all (weights by units sold): a company without prices (or with
    prices for some items only) still gets every series weighed, none dropped for a missing price."""
    if prices is None:
        return np.ones_like(units)
    sold = units.sum(axis=1) > 0
    priced = (np.nan_to_num(prices) * units).sum(axis=1) > 0
    return np.nan_to_num(prices) if (priced | ~sold).all() else np.ones_like(units)


def score(backtest: pd.DataFrame, panel: pd.DataFrame, by: pd.DataFrame | None = None, weight_column: str | None = "price") -> pd.DataFrame:
    """Scores of every forecast column: WAPE, bias, MASE, RMSSE, WRMSSE (means over series and
    origins; WRMSSE's weights sum to one per origin), and for quantile columns pinball loss and
    coverage. ``by``: ``unique_id`` plus grouping columns, to score each group too (one table,
    a ``group`` and ``value`` column per grouping; ``all`` for the whole)."""
    weight_column = weight_column if weight_column in panel.columns else None
    columns = [c for c in backtest.columns if c not in (ID, TIME, TARGET, "origin")]
    scales = _series_scales(panel, sorted(backtest.origin.unique()), weight_column)
    frame = backtest.merge(scales, on=["origin", ID], how="left", validate="many_to_one")
    groupings = {"all": pd.Series("all", index=frame.index)}
    if by is not None:
        attributes = frame[[ID]].merge(by, on=ID, how="left", validate="many_to_one")
        groupings.update({c: attributes[c].set_axis(frame.index) for c in by.columns if c != ID})
    tables = []
    for column in columns:
        match = _QUANTILE.match(column)
        for grouping, labels in groupings.items():
            table = _score_column(frame, column, labels, quantile=int(match["level"]) / 100 if match else None)
            tables.append(table.assign(forecast=column, group=grouping).rename_axis("value").reset_index())
    return pd.concat(tables, ignore_index=True)[["forecast", "group", "value", *_METRICS]]


_METRICS = ["wape", "bias", "mase", "rmsse", "wrmsse", "pinball", "coverage", "series", "actual_units"]


def _score_column(frame: pd.DataFrame, column: str, labels: pd.Series, quantile: float | None) -> pd.DataFrame:
    # a series first sold after the origin has no forecast there: scored on the days forecast only
    forecast = frame[column].notna()
    frame, labels = frame[forecast], labels[forecast]
    error = frame[column] - frame[TARGET]
    per_series = pd.DataFrame(
        {
            "label": labels,
            "origin": frame.origin,
            ID: frame[ID],
            "abs_error": error.abs(),
            "error": error,
            "squared": error**2,
            "actual": frame[TARGET],
            "rmsse_scale": frame.rmsse_scale,
            "mase_scale": frame.mase_scale,
            "weight": frame.weight,
        }
    )
    if quantile is not None:
        residual = frame[TARGET] - frame[column]
        per_series["pinball"] = np.maximum(quantile * residual, (quantile - 1) * residual)
        per_series["covered"] = (frame[TARGET] <= frame[column]).astype(float)
    sums = per_series.groupby(["label", "origin", ID], observed=True).agg(
        abs_error=("abs_error", "sum"),
        error=("error", "sum"),
        mse=("squared", "mean"),
        mae=("abs_error", "mean"),
        actual=("actual", "sum"),
        rmsse_scale=("rmsse_scale", "first"),
        mase_scale=("mase_scale", "first"),
        weight=("weight", "first"),
        **({"pinball": ("pinball", "mean"), "covered": ("covered", "mean")} if quantile is not None else {}),
    )
    sums["rmsse"] = np.sqrt(sums.mse / sums.rmsse_scale)
    sums["mase"] = sums.mae / sums.mase_scale
    sums["weighted"] = np.where(sums.rmsse.notna(), sums.weight * sums.rmsse, np.nan)
    sums["usable_weight"] = np.where(sums.rmsse.notna(), sums.weight, np.nan)
    grouped = sums.groupby(level="label", observed=True)
    table = pd.DataFrame(
        {
            "wape": grouped.abs_error.sum() / grouped.actual.sum(),
            "bias": grouped.error.sum() / grouped.actual.sum(),
            "mase": grouped.mase.mean(),
            "rmsse": grouped.rmsse.mean(),
            "wrmsse": grouped.weighted.sum() / grouped.usable_weight.sum(),
            "pinball": grouped.pinball.mean() if quantile is not None else np.nan,
            "coverage": grouped.covered.mean() if quantile is not None else np.nan,
            "series": grouped.size() // sums.index.get_level_values("origin").nunique(),
            "actual_units": grouped.actual.sum(),
        }
    )
    return table.rename_axis(None)
