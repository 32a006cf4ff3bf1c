"""Forecast accuracy metrics (SPEC section 5), vectorized over series.

Shapes: ``actual`` and ``forecast`` are ``(n_series, horizon)`` arrays of units; ``history`` is
the ``(n_series, n_days)`` training history of the same series (oldest first), from which the
scaled metrics take their scale. A series' history counts from its first non-zero sale (M5):
days before a product's launch are not demand.

- WAPE = Σ|y − ŷ| / Σ|y|; bias = Σ(ŷ − y) / Σy (aggregates over every series and day).
- MASE per series: mean |y − ŷ| / mean |y_t − y_{t−m}| over the history (m = 7 for daily).
- RMSSE per series: sqrt(mean (y − ŷ)² / mean (y_t − y_{t−1})² over the history).
- WRMSSE = Σ w_i RMSSE_i with w_i a series' share of dollar sales (M5 weights).
- Pinball loss of a quantile forecast and its empirical coverage (share of actuals at or below).

A series whose history gives no scale (fewer than two days since its first sale, or a constant
history) has a NaN scaled metric: it is left out of means, never divided by zero.
"""

from __future__ import annotations

import numpy as np


def _as_matrix(values, name: str) -> np.ndarray:
    matrix = np.asarray(values, dtype=float)
    if matrix.ndim == 1:
        matrix = matrix[np.newaxis, :]
    if matrix.ndim != 2:
        raise ValueError(f"{name} must be (n_series, n_days), got shape {matrix.shape}")
    return matrix


def _check_pair(actual, forecast) -> tuple[np.ndarray, np.ndarray]:
    y, f = _as_matrix(actual, "actual"), _as_matrix(forecast, "forecast")
    if y.shape != f.shape:
        raise ValueError(f"actual {y.shape} and forecast {f.shape} differ in shape")
    return y, f


def wape(actual, forecast) -> float:
    """Σ|y − ŷ| / Σ|y| over every series and day (NaN when there is no demand at all)."""
    y, f = _check_pair(actual, forecast)
    total = np.abs(y).sum()
    return float(np.abs(y - f).sum() / total) if total else float("nan")


def bias(actual, forecast) -> float:
    """Σ(ŷ − y) / Σy: positive when the forecast is too high (NaN without demand)."""
    y, f = _check_pair(actual, forecast)
    total = y.sum()
    return float((f - y).sum() / total) if total else float("nan")


def _since_first_sale(history) -> np.ndarray:
    """Mask (n_series, n_days): True from each series' first non-zero day on."""
    h = _as_matrix(history, "history")
    return np.maximum.accumulate(h != 0, axis=1)


def naive_scale(history, lag: int = 1, power: int = 2) -> np.ndarray:
    """Per series: mean |y_t − y_{t−lag}|^power over the history since the first sale
    ((n_series,); NaN where no pair of days exists or every difference is zero)."""
    if lag < 1:
        raise ValueError(f"lag must be at least 1, got {lag}")
    h = _as_matrix(history, "history")
    active = _since_first_sale(h)
    both = active[:, lag:] & active[:, :-lag]
    differences = np.abs(h[:, lag:] - h[:, :-lag]) ** power
    counts = both.sum(axis=1)
    totals = np.where(both, differences, 0.0).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = totals / counts
    return np.where((counts > 0) & (scale > 0), scale, np.nan)


def rmsse(actual, forecast, history) -> np.ndarray:
    """RMSSE per series (n_series,), M5's definition."""
    y, f = _check_pair(actual, forecast)
    scale = naive_scale(history, lag=1, power=2)
    _check_series(y, scale)
    return np.sqrt(np.mean((y - f) ** 2, axis=1) / scale)


def mase(actual, forecast, history, season: int = 7) -> np.ndarray:
    """MASE per series (n_series,), scaled by the seasonal naive's in-sample error (m = season)."""
    y, f = _check_pair(actual, forecast)
    scale = naive_scale(history, lag=season, power=1)
    _check_series(y, scale)
    return np.mean(np.abs(y - f), axis=1) / scale


def _check_series(y: np.ndarray, scale: np.ndarray) -> None:
    if len(scale) != len(y):
        raise ValueError(f"history has {len(scale)} series, the forecast {len(y)}")


def dollar_weights(history, prices) -> np.ndarray:
    """M5 weights (n_series,): each series' share of dollar sales (units × price) over the days
    given (pass the last 28 days of history and their prices; shapes must match)."""
    units, price = _check_pair(history, prices)
    dollars = np.nansum(units * price, axis=1)
    total = dollars.sum()
    if total <= 0:
        raise ValueError("no dollar sales over the weighting window: weights are undefined")
    return dollars / total


def wrmsse(actual, forecast, history, weights) -> float:
    """Σ w_i RMSSE_i; series without a scale drop out and the other weights are renormalized."""
    scores = rmsse(actual, forecast, history)
    w = np.asarray(weights, dtype=float)
    if w.shape != scores.shape:
        raise ValueError(f"weights {w.shape} do not match the {scores.shape[0]} series")
    usable = ~np.isnan(scores)
    return float(np.sum(w[usable] * scores[usable]) / np.sum(w[usable]))


def pinball_loss(actual, quantile_forecast, quantile: float) -> float:
    """Mean pinball (quantile) loss of the ``quantile`` forecast, in units."""
    if not 0 < quantile < 1:
        raise ValueError(f"quantile must lie in (0, 1), got {quantile}")
    y, q = _check_pair(actual, quantile_forecast)
    error = y - q
    return float(np.mean(np.maximum(quantile * error, (quantile - 1) * error)))


def coverage(actual, quantile_forecast) -> float:
    """Share of actuals at or below the quantile forecast (a P90 should cover about 0.90)."""
    y, q = _check_pair(actual, quantile_forecast)
    return float(np.mean(y <= q))
