"""From the warehouse's forecasting panel (``forecasting.fct_demand_panel``) to model inputs.

The panel has one row per SKU x location x channel and day; a series is named
``<sku>|<location>|<channel>``. It splits into the model's three frames (see
``global_model``): the history (``y`` = units), the future rows' known-future inputs, and the
series' static attributes.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ml.schema import FrameSchema

SERIES_KEY = ["sku_id", "location_id", "channel_id"]
KNOWN_FUTURE = ["relative_price", "is_promotion", "discount_pct", "is_holiday", "is_closed", "event_code", "local_event_code"]
STATIC = ["sku_id", "family", "location_id", "location_type", "region", "channel_id", "abc_class"]
REQUIRED = [*SERIES_KEY, "demand_date", "is_future", "units", *KNOWN_FUTURE, *STATIC]


@dataclass(frozen=True)
class ModelInputs:
    """The panel as the forecaster takes it.

    Attributes:
        history: unique_id, ds, y and the known-future columns, up to the end of history.
        future: unique_id, ds and the known-future columns over the horizon.
        static: unique_id and the static attributes, one row per series.
    """

    history: pd.DataFrame
    future: pd.DataFrame
    static: pd.DataFrame


def series_id(frame: pd.DataFrame) -> pd.Series:
    return frame["sku_id"].astype(str) + "|" + frame["location_id"].astype(str) + "|" + frame["channel_id"].astype(str)


def model_inputs(panel: pd.DataFrame) -> ModelInputs:
    """Split ``panel`` (the mart's columns) into history, future and static frames."""
    FrameSchema(dict.fromkeys(REQUIRED, "any")).require_columns(panel, "the demand panel")
    frame = pd.DataFrame(
        {
            "unique_id": series_id(panel),
            "ds": pd.to_datetime(panel["demand_date"]),
            "y": pd.to_numeric(panel["units"]).astype(float),
            **{c: panel[c].astype(float) for c in KNOWN_FUTURE},
        }
    )
    future = panel["is_future"].astype(bool).to_numpy()
    static = panel.loc[~panel.duplicated(SERIES_KEY), STATIC].assign(unique_id=lambda s: series_id(s).to_numpy())
    return ModelInputs(
        history=frame[~future].reset_index(drop=True),
        future=frame[future].drop(columns="y").reset_index(drop=True),
        static=static[["unique_id", *STATIC]].reset_index(drop=True),
    )
