"""Each source system's formatting conventions (SPEC section 2), vectorized over columns.

Day offsets take few distinct values, so dates are formatted once per distinct day and looked up.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def _format_days(days: np.ndarray, start: pd.Timestamp, fmt: str) -> np.ndarray:
    days = np.asarray(days, dtype=np.int64)
    uniq, inverse = np.unique(days, return_inverse=True)
    text = (start + pd.to_timedelta(uniq, unit="D")).strftime(fmt).to_numpy(dtype=object)
    return text[inverse.reshape(-1)]


def erp_date(days: pd.Series | np.ndarray, start: pd.Timestamp) -> np.ndarray:
    """ERP dates: DD/MM/YYYY; negative day offsets mean 'no date' (empty field)."""
    days = np.asarray(days)
    out = _format_days(np.maximum(days, 0), start, "%d/%m/%Y")
    out[days < 0] = ""
    return out


def erp_decimal(values: pd.Series | np.ndarray, decimals: int = 2) -> np.ndarray:
    """French-locale decimals: comma as decimal separator, no thousands separator."""
    return np.char.replace(np.char.mod(f"%.{decimals}f", np.asarray(values, dtype=float)), ".", ",").astype(object)


def erp_int(values: pd.Series | np.ndarray) -> np.ndarray:
    return np.asarray(values).astype(np.int64).astype(str).astype(object)


def pos_date(days: np.ndarray, start: pd.Timestamp) -> np.ndarray:
    """POS business dates: YYYYMMDD."""
    return _format_days(days, start, "%Y%m%d")


def month_of(days: np.ndarray, start: pd.Timestamp) -> np.ndarray:
    return _format_days(days, start, "%Y-%m")


# The demo company works in French local time; its systems export timestamps in UTC.
COMPANY_TIMEZONE = "Europe/Paris"


def to_utc(local: pd.Series | pd.DatetimeIndex) -> pd.DatetimeIndex:
    """Naive local times of the company -> naive UTC (DST gaps shift forward, repeated hours take winter time)."""
    local = pd.DatetimeIndex(local)
    aware = local.tz_localize(COMPANY_TIMEZONE, ambiguous=np.zeros(len(local), dtype=bool), nonexistent="shift_forward")
    return aware.tz_convert("UTC").tz_localize(None)


def iso_timestamp(local: pd.Series | pd.DatetimeIndex) -> np.ndarray:
    """WMS and OMS timestamps: local times written as ISO-8601 in UTC, second precision."""
    values = to_utc(local).to_numpy().astype("datetime64[s]")
    return np.char.add(np.datetime_as_string(values, unit="s"), "Z").astype(object)


def compact_day(ts: pd.Series | pd.DatetimeIndex) -> np.ndarray:
    """YYYYMMDD of local timestamps (file names of daily exports follow the local day)."""
    days = pd.DatetimeIndex(ts).to_numpy().astype("datetime64[D]")
    return np.char.replace(np.datetime_as_string(days, unit="D"), "-", "").astype(object)


def sequence_ids(prefix: str, n: int, width: int) -> np.ndarray:
    return np.char.add(prefix, np.char.zfill(np.arange(1, n + 1).astype(str), width)).astype(object)


def day_timestamp(start: pd.Timestamp, days: np.ndarray, seconds: np.ndarray) -> pd.DatetimeIndex:
    return start + pd.to_timedelta(np.asarray(days), unit="D") + pd.to_timedelta(np.asarray(seconds), unit="s")


def export_latency(event_time: pd.DatetimeIndex, rng: np.random.Generator) -> pd.DatetimeIndex:
    """Local time an event reached the export: seconds to a few minutes, never past its own local day.

    Only injected late events cross midnight, so a late event is always an anomaly.
    """
    lag = pd.to_timedelta(np.round(rng.lognormal(np.log(45), 0.9, len(event_time))), unit="s")
    end_of_day = event_time.normalize() + pd.Timedelta(hours=23, minutes=59, seconds=59)
    return pd.DatetimeIndex(np.minimum(event_time + lag, end_of_day))
