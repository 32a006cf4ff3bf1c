"""Demand review (SPEC section 7): the monthly statistical forecast by family x region.

A monthly model over the S&OP horizon (18 months), fitted on complete months of history: AutoETS
(statsforecast) with a yearly season where a series has two full years, without one where it has
less, and the mean of its months where it has fewer than ``MIN_MONTHS`` (too short for a trend).
The daily consensus forecast replaces it where the horizons overlap and the planners' overrides
are added (dbt ``fct_demand_plan``).

Units: base units per calendar month; months are ``datetime64`` month starts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from statsforecast import StatsForecast
from statsforecast.models import AutoETS

from ml.schema import FrameSchema

SEASON_MONTHS = 12
MIN_MONTHS = 6  # below it a series' forecast is the mean of its months
# one row per month x family x region (checked on the months: two days of a month are one month)
HISTORY = FrameSchema({"month": "date", "family": "any", "region": "any", "units": "number"}, nullable=("family", "region"), non_negative=("units",))


def _series_frame(history: pd.DataFrame) -> pd.DataFrame:
    history = HISTORY.validate(history, "monthly history")
    frame = history.assign(
        unique_id=history["family"].astype(str) + "|" + history["region"].astype(str),
        ds=history["month"].dt.to_period("M").dt.to_timestamp(),
        y=history["units"],
    )
    if frame.duplicated(["unique_id", "ds"]).any():  # two days of one month count as one month
        row = frame.index[frame.duplicated(["unique_id", "ds"], keep=False)][0]
        raise ValueError(f"monthly history has several rows for the key (month, family, region), e.g. row {row}")
    # a month without a row had no demand: every series runs from its first month to the last one
    ordinal = frame["ds"].dt.to_period("M").astype("int64")  # months since 1970-01
    first = ordinal.groupby(frame["unique_id"]).min()
    counts = (ordinal.max() - first + 1).to_numpy()
    offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    months = pd.PeriodIndex.from_ordinals(np.repeat(first.to_numpy(), counts) + offsets, freq="M").to_timestamp()
    grid = pd.DataFrame({"unique_id": np.repeat(first.index.to_numpy(), counts), "ds": months})
    return grid.merge(frame[["unique_id", "ds", "y"]], on=["unique_id", "ds"], how="left").fillna({"y": 0.0})


def _forecast(frame: pd.DataFrame, season_length: int, horizon: int) -> pd.DataFrame:
    if frame.empty:
        return pd.DataFrame(columns=["unique_id", "ds", "statistical_units"])
    model = AutoETS(season_length=season_length)
    forecast = StatsForecast(models=[model], freq="MS", n_jobs=1).forecast(df=frame, h=horizon)
    return forecast.rename(columns={"AutoETS": "statistical_units"})[["unique_id", "ds", "statistical_units"]]


def monthly_statistical_forecast(history: pd.DataFrame, horizon_months: int = 18) -> pd.DataFrame:
    """Forecast ``horizon_months`` months after the last month of ``history`` (complete months:
    ``month``, ``family``, ``region``, ``units``) for every family x region. Returns ``month``,
    ``family``, ``region``, ``statistical_units`` (>= 0) and ``model``."""
    if horizon_months < 1:
        raise ValueError(f"horizon_months must be >= 1, got {horizon_months}")
    frame = _series_frame(history)
    length = frame.groupby("unique_id")["ds"].transform("size")
    seasonal = frame[length >= 2 * SEASON_MONTHS]
    plain = frame[(length >= MIN_MONTHS) & (length < 2 * SEASON_MONTHS)]
    short = frame[length < MIN_MONTHS]
    parts = [
        _forecast(seasonal, SEASON_MONTHS, horizon_months).assign(model="AutoETS yearly season"),
        _forecast(plain, 1, horizon_months).assign(model="AutoETS"),
    ]
    if not short.empty:
        means = short.groupby("unique_id")["y"].mean()
        months = pd.date_range(frame["ds"].max() + pd.offsets.MonthBegin(1), periods=horizon_months, freq="MS")
        parts.append(
            pd.DataFrame(
                {
                    "unique_id": np.repeat(means.index.to_numpy(), horizon_months),
                    "ds": np.tile(months.to_numpy(), len(means)),
                    "statistical_units": np.repeat(means.to_numpy(), horizon_months),
                    "model": f"mean (fewer than {MIN_MONTHS} months)",
                }
            )
        )
    forecast = pd.concat([p for p in parts if not p.empty], ignore_index=True)
    keys = forecast["unique_id"].str.split("|", n=1, expand=True)
    return pd.DataFrame(
        {
            "month": pd.to_datetime(forecast["ds"]).dt.date,
            "family": keys[0],
            "region": keys[1],
            "statistical_units": forecast["statistical_units"].astype(float).clip(lower=0.0),
            "model": forecast["model"],
        }
    ).sort_values(["family", "region", "month"], ignore_index=True)
