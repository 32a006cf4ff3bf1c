"""What the asset ``kpi/kpi_latest`` publishes of the KPI scorecard (``kpi.kpi_scorecard``): each
KPI's latest value, the KPIs the company's data cannot give with their reason, and those without
a value yet. No Dagster here: the asset turns this into the UI's metadata."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ml.schema import FrameSchema

SCORECARD_SCHEMA = FrameSchema(dict.fromkeys(("kpi", "month", "cut_type", "cut_value", "value"), "any"))


def latest_values(scorecard: pd.DataFrame) -> pd.DataFrame:
    """Each KPI's and cut's value in the latest month that KPI has a value for.

    ``scorecard``: kpi_scorecard rows (kpi, month, cut_type, cut_value, value, ...). A KPI whose
    newest month has no value for a cut keeps that cut out rather than show an older month as new.
    """
    measured = scorecard.dropna(subset=["value"])
    latest_month = measured.groupby("kpi").month.transform("max")
    return measured[measured.month == latest_month].sort_values(["kpi", "cut_type", "cut_value"])


def not_computed(scorecard: pd.DataFrame) -> dict[str, str]:
    """KPI -> the reason the company's data cannot give it (scorecard rows of status not_computed)."""
    if "status" not in scorecard.columns:
        return {}
    rows = scorecard[scorecard.status == "not_computed"].sort_values("kpi")
    return {row.kpi: str(row.reason) for row in rows.itertuples()}


@dataclass(frozen=True)
class LatestKpis:
    """``values``: :func:`latest_values`; ``not_computed``: :func:`not_computed`; ``without_value``:
    the other KPIs with no headline value in any month, sorted."""

    values: pd.DataFrame
    not_computed: dict[str, str]
    without_value: list[str]


def latest_kpis(scorecard: pd.DataFrame) -> LatestKpis:
    """The scorecard's latest figures and the KPIs it has none for (ValueError naming a missing column)."""
    SCORECARD_SCHEMA.require_columns(scorecard, "kpi scorecard")
    values = latest_values(scorecard)
    reasons = not_computed(scorecard)
    headline = set(values[values.cut_type == "all"].kpi)
    return LatestKpis(values, reasons, sorted(set(scorecard.kpi) - headline - set(reasons)))
