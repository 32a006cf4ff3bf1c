"""The demand review's monthly statistical forecast on hand-made monthly histories."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ml.sop.demand_review import monthly_statistical_forecast


def _history(units, family="SNACKS", region="NORTH", start="2023-10-01") -> pd.DataFrame:
    months = pd.date_range(start, periods=len(units), freq="MS")
    return pd.DataFrame({"month": months, "family": family, "region": region, "units": units})


def test_a_seasonal_series_is_forecast_with_its_yearly_season():
    season = np.array([80, 70, 90, 100, 120, 150, 170, 160, 130, 110, 90, 85], dtype=float)
    forecast = monthly_statistical_forecast(_history(np.tile(season, 3)), horizon_months=18)
    assert len(forecast) == 18 and (forecast.model == "AutoETS yearly season").all()
    assert str(forecast.month.iloc[0]) == "2026-10-01" and str(forecast.month.iloc[-1]) == "2028-03-01"
    # three identical years: the season comes back, month by month
    assert forecast.statistical_units.to_numpy()[:12] == pytest.approx(season, rel=0.05)


def test_series_too_short_for_a_season_or_a_trend_fall_back():
    history = pd.concat([_history([100.0] * 10, family="A", start="2025-12-01"), _history([30.0, 50.0, 40.0], family="B", start="2026-07-01")])
    forecast = monthly_statistical_forecast(history, horizon_months=6)
    models = forecast.groupby("family").model.first()
    assert models["A"] == "AutoETS" and models["B"] == "mean (fewer than 6 months)"
    assert forecast[forecast.family == "B"].statistical_units.to_numpy() == pytest.approx([40.0] * 6)
    assert forecast[forecast.family == "A"].statistical_units.to_numpy() == pytest.approx([100.0] * 6, rel=1e-6)
    assert set(forecast.month.astype(str)) == {f"2026-{m:02d}-01" for m in range(10, 13)} | {f"2027-{m:02d}-01" for m in range(1, 4)}


def test_a_month_without_rows_counts_as_no_demand():
    history = _history([60.0, 60.0, 60.0, 60.0, 60.0], start="2026-05-01")
    gap = history.drop(index=2)  # July 2026 had no demand at all
    short = monthly_statistical_forecast(gap, horizon_months=1)
    assert short.statistical_units.iloc[0] == pytest.approx(48.0)  # mean of 60, 60, 0, 60, 60


def test_bad_histories_are_refused_naming_the_problem():
    with pytest.raises(ValueError, match="units"):
        monthly_statistical_forecast(_history([1.0, -2.0]))
    with pytest.raises(ValueError, match="columns"):
        monthly_statistical_forecast(_history([1.0]).drop(columns="region"))
    with pytest.raises(ValueError, match="several rows"):
        monthly_statistical_forecast(pd.concat([_history([1.0]), _history([2.0])]))
    with pytest.raises(ValueError, match="horizon_months"):
        monthly_statistical_forecast(_history([1.0]), horizon_months=0)
