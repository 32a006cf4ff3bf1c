"""Statistical baselines from statsforecast, fitted per series in compiled code.

- ``seasonal_naive``: the last week repeated;
- ``ets``: exponential smoothing with additive weekly seasonality (ETS(A,N,A): the full AutoETS
  search took 52 s for 280 series of a year against 7 s for this one model); where it cannot be
  fitted (a series younger than two weeks) the seasonal naive stands in;
- ``sba``, ``tsb``, ``adida``: intermittent-demand methods (Croston with the Syntetos-Boylan
  correction, Teunter-Syntetos-Babai, aggregate-disaggregate), for the intermittent and lumpy
  classes.

Each is fitted on the last ``window`` days of history (a year by default: older demand says
little about the next four weeks, and the cost grows with the length).
"""

from __future__ import annotations

import pandas as pd

ID, TIME, TARGET = "unique_id", "ds", "y"
N_JOBS = 2  # processes: the machines have two cores
BASELINES = ("seasonal_naive", "ets", "sba", "tsb", "adida")


def _models(season_length: int) -> dict:
    from statsforecast.models import ADIDA, TSB, AutoETS, CrostonSBA, SeasonalNaive

    return {
        "seasonal_naive": SeasonalNaive(season_length=season_length),
        "ets": AutoETS(season_length=season_length, model="ANA"),
        "sba": CrostonSBA(),
        "tsb": TSB(alpha_d=0.1, alpha_p=0.1),
        "adida": ADIDA(),
    }


def baseline_forecasts(history: pd.DataFrame, horizon: int, models: tuple[str, ...] = BASELINES, season_length: int = 7, window: int = 364) -> pd.DataFrame:
    """Forecast ``horizon`` days after each series' last day: ``unique_id``, ``ds`` and one column
    per model (units, clipped at zero). ``history`` holds ``unique_id``, ``ds``, ``y``."""
    from statsforecast import StatsForecast
    from statsforecast.models import SeasonalNaive

    unknown = set(models) - set(BASELINES)
    if unknown:
        raise ValueError(f"unknown baselines {sorted(unknown)}: choose among {list(BASELINES)}")
    if horizon < 1 or window < 2 * season_length:
        raise ValueError(f"horizon must be >= 1 and window >= {2 * season_length} days, got {horizon} and {window}")
    frame = history[[ID, TIME, TARGET]]
    frame = frame[frame[TIME] > frame[TIME].max() - pd.Timedelta(days=window)]
    available = _models(season_length)
    chosen = [available[name] for name in models]
    # ETS cannot be fitted on series younger than two weeks (new listings): those get the seasonal
    # naive under the ETS column rather than failing every series' forecast
    fallback = SeasonalNaive(season_length=season_length)
    forecast = StatsForecast(models=chosen, freq="D", n_jobs=N_JOBS, fallback_model=fallback).forecast(df=frame, h=horizon)
    forecast = forecast.rename(columns={str(model): name for name, model in zip(models, chosen)})
    forecast[list(models)] = forecast[list(models)].clip(lower=0)
    return forecast[[ID, TIME, *models]].reset_index(drop=True)
