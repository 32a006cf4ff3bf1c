"""The cockpit's input: a few frames read from the marts, validated at the edge.

Every frame must carry its columns (extra columns are ignored; an optional column, ``OPTIONAL``,
is added empty when absent), checked by :class:`ml.schema.FrameSchema`; a frame may be empty (no rows, or a
bare ``pd.DataFrame()``), the page then says so. Numbers are coerced to floats (NaN where missing), months and dates to timestamps, text
columns to strings. The frames kept on the instance are normalized copies: the caller's frames are
never changed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields

import pandas as pd

from ml.schema import FrameSchema

KPI_UNITS = ("percent", "ratio", "currency", "days", "seconds", "turns", "units")
DIRECTIONS = ("higher", "lower", "zero")  # zero: closer to zero is better (a bias), target the largest distance
REASON_CODES = ("capacity", "lead_time", "supplier", "allocation", "data_quality")
ACCURACY_CUTS = ("family", "location", "channel", "abc_class")

COLUMNS: dict[str, tuple[str, ...]] = {
    "kpis": ("kpi", "label", "unit", "direction", "month", "value", "target"),
    "kpi_cuts": ("kpi", "label", "unit", "direction", "cut_type", "cut_value", "value", "target"),
    "resource_months": ("scenario", "resource_id", "source_type", "unit", "month", "used", "capacity", "utilisation", "binding_constraint"),
    "gap_report": ("scenario", "month", "family", "demand", "constrained_supply", "unmet_units", "binding_constraint"),
    "scenarios": (
        "scenario",
        "total_cost",
        "production_cost",
        "purchase_cost",
        "regular_labour_cost",
        "overtime_cost",
        "holding_cost",
        "backlog_cost",
        "lost_sales_cost",
        "demand_units",
        "lost_units",
        "service_level",
        "busiest_resource",
        "busiest_month",
        "busiest_utilisation",
    ),
    "forecast_accuracy": ("cut_type", "cut_value", "wape", "bias", "actual_units", "source"),
    "exceptions": ("exception_type", "reason_code", "sku_id", "location_id", "channel_id", "exception_date", "units", "value", "detail"),
    "exception_counts": ("exception_type", "reason_code", "exceptions", "units", "value"),
    # planner overrides the data contract refused, with the reason, for their author to correct
    "refused_overrides": ("override_id", "author", "item_or_family", "location_or_customer", "submitted_at", "source_file", "row_number", "reason"),
}
# columns a frame may leave out: filled with '' (text). A KPI's ``reason``, when not empty, says why
# the company's data cannot give it (kpi.kpi_availability): the page shows it instead of a value.
OPTIONAL: dict[str, tuple[str, ...]] = {
    "kpis": ("reason",),
    "kpi_cuts": ("reason",),
    # the S&OP balancing's costs are partly in units (no unit cost nor list price): what the page says beside them
    "scenarios": ("cost_note",),
}
NUMBERS: dict[str, tuple[str, ...]] = {
    "kpis": ("value", "target"),
    "kpi_cuts": ("value", "target"),
    "resource_months": ("used", "capacity", "utilisation"),
    "gap_report": ("demand", "constrained_supply", "unmet_units"),
    "scenarios": COLUMNS["scenarios"][1:12] + ("busiest_utilisation",),
    "forecast_accuracy": ("wape", "bias", "actual_units"),
    "exceptions": ("units", "value"),
    "exception_counts": ("exceptions", "units", "value"),
    "refused_overrides": ("row_number",),
}
DATES: dict[str, tuple[str, ...]] = {
    "kpis": ("month",),
    "resource_months": ("month",),
    "gap_report": ("month",),
    "exceptions": ("exception_date",),
}
# the value sets that drive formatting and the status colours: anything else is refused
CHOICES: dict[str, dict[str, tuple[str, ...]]] = {
    "kpis": {"unit": KPI_UNITS, "direction": DIRECTIONS},
    "kpi_cuts": {"unit": KPI_UNITS, "direction": DIRECTIONS},
}


@dataclass(frozen=True, eq=False)
class CockpitData:
    """Everything the cockpit shows (see the module docstring of :mod:`reporting.cockpit`).

    ``scenario`` is the scenario whose capacity and gap report are drawn; ``company`` is an
    optional name for the header.
    """

    as_of: dt.date
    plan_version: str
    sop_plan_version: str | None
    sop_status: str | None
    generated_at: dt.datetime
    kpis: pd.DataFrame
    kpi_cuts: pd.DataFrame
    resource_months: pd.DataFrame
    gap_report: pd.DataFrame
    scenarios: pd.DataFrame
    forecast_accuracy: pd.DataFrame
    exceptions: pd.DataFrame
    exception_counts: pd.DataFrame
    scenario: str = "base"
    company: str | None = None
    refused_overrides: pd.DataFrame = field(default_factory=pd.DataFrame)

    def __post_init__(self) -> None:
        if not isinstance(self.as_of, dt.date):
            raise TypeError(f"as_of must be a date, got {type(self.as_of).__name__}")
        if not isinstance(self.generated_at, dt.datetime):
            raise TypeError(f"generated_at must be a datetime, got {type(self.generated_at).__name__}")
        for name in ("plan_version", "scenario"):
            if not isinstance(getattr(self, name), str):
                raise TypeError(f"{name} must be a string, got {type(getattr(self, name)).__name__}")
        for name in ("sop_plan_version", "sop_status", "company"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, str):
                raise TypeError(f"{name} must be a string or None, got {type(value).__name__}")
        for frame in fields(self):
            if frame.name in COLUMNS:
                object.__setattr__(self, frame.name, normalize_frame(frame.name, getattr(self, frame.name)))


def _schema(name: str) -> FrameSchema:
    """The contract of the frame ``name``: any value may be missing except the value sets that
    drive formatting and colours; numbers may be infinite (a capacity without limit)."""
    columns = COLUMNS[name] + OPTIONAL.get(name, ())
    numbers, dates, choices = NUMBERS.get(name, ()), DATES.get(name, ()), CHOICES.get(name, {})
    kinds = {column: "number" if column in numbers else "date" if column in dates else "any" for column in columns}
    return FrameSchema(kinds, nullable=[c for c in columns if c not in choices], infinite=numbers, choices=choices)


def normalize_frame(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of the frame ``name`` with its contract's columns only, typed; ValueError naming the
    frame, the column and the first bad row when columns are missing or hold values of the wrong
    kind."""
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"{name} must be a pandas DataFrame, got {type(frame).__name__}")
    columns = COLUMNS[name] + OPTIONAL.get(name, ())
    if frame.shape == (0, 0):  # "nothing yet" given as a bare pd.DataFrame()
        frame = pd.DataFrame(columns=list(columns))
    frame = frame.assign(**{column: "" for column in OPTIONAL.get(name, ()) if column not in frame.columns})
    out = _schema(name).validate(frame, name).loc[:, list(columns)].reset_index(drop=True)
    for column in columns:
        if column in DATES.get(name, ()):
            out[column] = out[column].dt.normalize()
        elif column not in NUMBERS.get(name, ()):
            out[column] = out[column].map(_text).astype(object)
    return out


def _text(value) -> str:
    """Text cells as strings ('' for a missing one); a timestamp as its ISO date."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, pd.Timestamp | dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def kpi_frames(scorecard: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The KPI scorecard's rows (``kpi.kpi_scorecard``: kpi, month, cut_type, cut_value, ...) as
    the page's two KPI frames, in the scorecard's order: ``kpis``, the headline rows (cut_type
    ``all``) of every month, for the tiles and their sparklines; ``kpi_cuts``, the other cuts of
    each KPI's latest month (the latest of any of its rows)."""
    FrameSchema(dict.fromkeys(("kpi", "month", "cut_type", "cut_value"), "any")).require_columns(scorecard, "kpi scorecard")
    latest_month = scorecard.groupby("kpi").month.transform("max")
    cuts = scorecard[(scorecard.cut_type != "all") & (scorecard.month == latest_month)]
    return scorecard[scorecard.cut_type == "all"].drop(columns=["cut_type", "cut_value"]), cuts.drop(columns=["month"])
