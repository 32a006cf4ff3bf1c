"""What an input frame must hold, stated once: the shared check of the planning functions' frames.

A :class:`FrameSchema` names the columns a frame needs and their kind, which may be missing, which
must be >= 0, > 0, whole or strictly between 0 and 1, the values a column may take and the key that identifies a row.
``schema.validate(frame, "positions")`` returns a typed copy (numbers as floats, dates as naive
``datetime64[ns]``) or raises ValueError naming the frame, the column, the bad value and the first
row that holds it: ``positions.on_hand must be >= 0, got -2 at sku_id='A', location_id='DC01'``.

Checks that span rows or frames (a tree's cycles, one plan version per file) stay with the
function that needs them; this is only what a row's values must be.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

KINDS = ("any", "text", "number", "date", "day")  # day: a date without time of day


@dataclass(frozen=True)
class FrameSchema:
    """``columns``: each required column and its kind (:data:`KINDS`). Every column must be filled
    except those in ``nullable``; numbers must be finite except in ``infinite``. ``non_negative``,
    ``positive``, ``whole`` and ``probabilities`` (strictly between 0 and 1: a service target
    of 0 or 100 % has no finite answer) are number columns; ``choices`` the values a column may take;
    ``unique`` the columns that identify a row (at most one row per combination). A bad row is
    named by ``row_name`` (e.g. ``lambda row: f"tree {row.tree_id!r}"``), else by its ``unique``
    columns, else by its index label."""

    columns: Mapping[str, str]
    nullable: Collection[str] = ()
    infinite: Collection[str] = ()
    non_negative: Collection[str] = ()
    positive: Collection[str] = ()
    whole: Collection[str] = ()
    probabilities: Collection[str] = ()
    choices: Mapping[str, Collection] = field(default_factory=dict)
    unique: Sequence[str] = ()
    row_name: Callable[[pd.Series], str] | None = None

    def __post_init__(self) -> None:
        wrong = {column: kind for column, kind in self.columns.items() if kind not in KINDS}
        if wrong:
            raise ValueError(f"unknown column kinds {wrong}: choose among {KINDS}")
        numeric = {*self.non_negative, *self.positive, *self.whole, *self.probabilities, *self.infinite}
        not_numbers = sorted(c for c in numeric if self.columns.get(c) != "number")
        named = {*self.nullable, *self.choices, *self.unique}
        unknown = sorted(c for c in named if c not in self.columns)
        if not_numbers or unknown:
            raise ValueError(f"schema: {not_numbers or unknown} are not number columns of the schema")

    def require_columns(self, frame: pd.DataFrame, name: str) -> None:
        """``frame`` is a DataFrame with every column of the schema (TypeError, ValueError naming
        the missing columns)."""
        if not isinstance(frame, pd.DataFrame):
            raise TypeError(f"{name} must be a pandas DataFrame, got {type(frame).__name__}")
        missing = [column for column in self.columns if column not in frame.columns]
        if missing:
            raise ValueError(f"{name} lacks the columns {missing} (needs {list(self.columns)})")

    def validate(self, frame: pd.DataFrame, name: str) -> pd.DataFrame:
        """A copy of ``frame`` (every column kept) with number columns as floats and date columns
        as naive ``datetime64[ns]``; ValueError naming ``name``, the column and the first bad row."""
        self.require_columns(frame, name)
        out = frame.copy()
        for column, kind in self.columns.items():
            if kind == "number":
                out[column] = self._number(frame, name, column)
            elif kind in ("date", "day"):
                out[column] = self._dates(frame, name, column, whole_days=kind == "day")
            self._check(frame, name, column, out[column])
        if self.unique:
            repeated = frame.duplicated(list(self.unique), keep=False).to_numpy()
            if repeated.any():
                raise ValueError(f"{name} has several rows for the key ({', '.join(self.unique)}), e.g. {self._where(frame, repeated)}")
        return out

    # -- one column -------------------------------------------------------------------------------
    def _number(self, frame: pd.DataFrame, name: str, column: str) -> pd.Series:
        raw = frame[column]
        values = pd.to_numeric(raw, errors="coerce").astype("float64")
        not_numeric = (values.isna() & raw.notna()).to_numpy()
        if not_numeric.any():
            raise ValueError(f"{name}.{column} must be numeric, got {raw[not_numeric].iloc[0]!r} at {self._where(frame, not_numeric)}")
        return values

    def _dates(self, frame: pd.DataFrame, name: str, column: str, *, whole_days: bool) -> pd.Series:
        raw = frame[column]
        values = pd.to_datetime(raw, errors="coerce")
        not_dates = (values.isna() & raw.notna()).to_numpy()
        if not_dates.any():
            raise ValueError(f"{name}.{column} must hold dates, got {raw[not_dates].iloc[0]!r} at {self._where(frame, not_dates)}")
        if isinstance(values.dtype, pd.DatetimeTZDtype):
            raise ValueError(f"{name}.{column} must hold naive dates (no time zone)")
        values = values.astype("datetime64[ns]")
        timed = (values.notna() & values.ne(values.dt.normalize())).to_numpy()
        if whole_days and timed.any():
            raise ValueError(f"{name}.{column} must hold whole days (no time of day), e.g. at {self._where(frame, timed)}")
        return values

    def _check(self, frame: pd.DataFrame, name: str, column: str, values: pd.Series) -> None:
        empty = values.isna().to_numpy()
        if column not in self.nullable and empty.any():
            raise ValueError(f"{name}.{column} has missing values, e.g. at {self._where(frame, empty)}")
        if column in self.choices:
            allowed = list(self.choices[column])
            wrong = (~values.isin(allowed) & ~empty).to_numpy()
            if wrong.any():
                shown = ", ".join(map(str, allowed))
                raise ValueError(f"{name}.{column} must be one of {shown}, got {values[wrong].iloc[0]!r} at {self._where(frame, wrong)}")
        if self.columns[column] != "number":
            return
        numbers = values.to_numpy(dtype=float)
        checks = []
        if column not in self.infinite:
            checks.append((np.isinf(numbers), "must be a finite number"))
        if column in self.non_negative:
            checks.append((numbers < 0, "must be >= 0"))
        if column in self.positive:
            checks.append((numbers <= 0, "must be > 0"))
        if column in self.whole:
            checks.append((np.isfinite(numbers) & (numbers != np.round(numbers)), "must be a whole number"))
        if column in self.probabilities:
            checks.append(((numbers <= 0) | (numbers >= 1), "must lie strictly between 0 and 1"))
        for bad, message in checks:
            if bad.any():
                raise ValueError(f"{name}.{column} {message}, got {numbers[bad][0]:g} at {self._where(frame, bad)}")

    def _where(self, frame: pd.DataFrame, bad: np.ndarray) -> str:
        """The first bad row, as its name, its key or its index label."""
        first = int(np.flatnonzero(bad)[0])
        row = frame.iloc[first]
        if self.row_name is not None:
            return self.row_name(row)
        if self.unique:
            return ", ".join(f"{key}={_shown(row[key])}" for key in self.unique)
        return f"row {_shown(frame.index[first])}"


def _shown(value) -> str:
    """A key value as a planner reads it: 'A' for text, 2026-10-01 for a day, 3 for a number."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, pd.Timestamp):
        return f"{value:%Y-%m-%d}" if value == value.normalize() else value.isoformat()
    return repr(value) if isinstance(value, str) else str(value)
