"""The shared check of the planning functions' input frames (ml/schema.py): what it accepts, the
typed copy it returns, and errors that name the frame, the column, the value and the row."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from ml.schema import FrameSchema

POSITIONS = FrameSchema(
    {"sku_id": "any", "location_id": "any", "on_hand": "number", "pack_size": "number", "count_date": "day", "status": "any"},
    nullable=("count_date",),
    non_negative=("on_hand",),
    positive=("pack_size",),
    whole=("pack_size",),
    choices={"status": ("active", "blocked")},
    unique=("sku_id", "location_id"),
)


def positions(**changes) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "sku_id": ["A", "A", "B"],
            "location_id": ["DC01", "ST01", "DC01"],
            "on_hand": [5, "7", 0],
            "pack_size": [1, 6, 12],
            "count_date": ["2026-10-01", None, dt.date(2026, 10, 2)],
            "status": ["active", "active", "blocked"],
            "note": ["kept", None, "too"],
        }
    )
    return frame.assign(**changes)


def test_a_valid_frame_comes_back_typed_with_every_column_and_the_input_untouched():
    frame = positions()
    before = frame.copy()
    typed = POSITIONS.validate(frame, "positions")
    assert list(typed.columns) == list(frame.columns)
    pd.testing.assert_series_equal(typed["note"], frame["note"])  # a column the schema does not name: as it was
    assert typed["on_hand"].dtype == "float64" and typed["on_hand"].tolist() == [5.0, 7.0, 0.0]
    assert typed["count_date"].dtype == "datetime64[ns]" and typed["count_date"].isna().tolist() == [False, True, False]
    pd.testing.assert_frame_equal(frame, before)
    empty = POSITIONS.validate(frame.iloc[0:0], "positions")
    assert empty.empty and empty["on_hand"].dtype == "float64"


def test_missing_columns_are_all_named_with_what_the_frame_needs():
    with pytest.raises(ValueError, match=r"^positions lacks the columns \['on_hand', 'status'\] \(needs \['sku_id', 'location_id', 'on_hand', "):
        POSITIONS.validate(positions().drop(columns=["status", "on_hand"]), "positions")
    with pytest.raises(TypeError, match="positions must be a pandas DataFrame, got dict"):
        POSITIONS.validate({"sku_id": ["A"]}, "positions")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"on_hand": [5, "lots", 0]}, "positions.on_hand must be numeric, got 'lots' at sku_id='A', location_id='ST01'"),
        ({"on_hand": [5, None, 0]}, "positions.on_hand has missing values, e.g. at sku_id='A', location_id='ST01'"),
        ({"on_hand": [5, 1, -2.5]}, "positions.on_hand must be >= 0, got -2.5 at sku_id='B', location_id='DC01'"),
        ({"on_hand": [np.inf, 1, 2]}, "positions.on_hand must be a finite number, got inf at sku_id='A', location_id='DC01'"),
        ({"pack_size": [1, 0, 12]}, "positions.pack_size must be > 0, got 0 at sku_id='A', location_id='ST01'"),
        ({"pack_size": [1, 6, 2.5]}, "positions.pack_size must be a whole number, got 2.5 at sku_id='B', location_id='DC01'"),
        ({"status": ["active", "sold", "blocked"]}, "positions.status must be one of active, blocked, got 'sold' at sku_id='A', location_id='ST01'"),
        ({"status": ["active", None, "blocked"]}, "positions.status has missing values, e.g. at sku_id='A', location_id='ST01'"),
        ({"count_date": ["2026-10-01", "someday", None]}, "positions.count_date must hold dates, got 'someday' at sku_id='A', location_id='ST01'"),
        (
            {"count_date": ["2026-10-01 06:30", None, None]},
            r"positions.count_date must hold whole days \(no time of day\), e.g. at sku_id='A', location_id='DC01'",
        ),
        ({"location_id": ["DC01", "DC01", "DC01"]}, r"positions has several rows for the key \(sku_id, location_id\), e.g. sku_id='A', location_id='DC01'"),
    ],
)
def test_a_bad_value_is_named_with_its_column_its_value_and_its_row(changes, message):
    with pytest.raises(ValueError, match=f"^{message}$"):
        POSITIONS.validate(positions(**changes), "positions")


def test_without_a_key_the_row_is_its_index_label_and_a_row_name_can_say_it_in_the_domains_words():
    frame = pd.DataFrame({"tree_id": ["T", "T"], "node_id": [1, 2], "demand_sd": [1.0, -0.5]}, index=[10, 11])
    plain = FrameSchema({"demand_sd": "number"}, non_negative=("demand_sd",))
    with pytest.raises(ValueError, match=r"^nodes.demand_sd must be >= 0, got -0.5 at row 11$"):
        plain.validate(frame, "nodes")
    named = FrameSchema({"demand_sd": "number"}, non_negative=("demand_sd",), row_name=lambda row: f"tree {row.tree_id!r} node {row.node_id}")
    with pytest.raises(ValueError, match=r"^nodes.demand_sd must be >= 0, got -0.5 at tree 'T' node 2$"):
        named.validate(frame, "nodes")


def test_nullable_and_infinite_columns_accept_what_they_say():
    schema = FrameSchema({"capacity": "number", "unit_cost": "number"}, nullable=("unit_cost",), infinite=("capacity",), positive=("unit_cost",))
    typed = schema.validate(pd.DataFrame({"capacity": [np.inf, 3.0], "unit_cost": [np.nan, 2.0]}), "lines")
    assert typed["capacity"].tolist() == [np.inf, 3.0] and np.isnan(typed["unit_cost"].iloc[0])
    with pytest.raises(ValueError, match="lines.unit_cost must be > 0, got 0"):
        schema.validate(pd.DataFrame({"capacity": [1.0], "unit_cost": [0.0]}), "lines")


def test_dates_with_a_time_zone_are_refused():
    schema = FrameSchema({"date": "date"})
    with pytest.raises(ValueError, match=r"^balances.date must hold naive dates \(no time zone\)$"):
        schema.validate(pd.DataFrame({"date": pd.to_datetime(["2026-10-01"]).tz_localize("Europe/Paris")}), "balances")


def test_require_columns_checks_only_the_columns():
    schema = FrameSchema({"sku_id": "any", "units": "number"})
    schema.require_columns(pd.DataFrame({"sku_id": [None], "units": ["x"]}), "panel")  # values are not its business
    with pytest.raises(ValueError, match=r"^panel lacks the columns \['units'\]"):
        schema.require_columns(pd.DataFrame({"sku_id": ["A"]}), "panel")


def test_a_schema_that_contradicts_itself_is_refused_when_it_is_written():
    with pytest.raises(ValueError, match="unknown column kinds"):
        FrameSchema({"units": "integer"})
    with pytest.raises(ValueError, match=r"\['sku_id'\] are not number columns"):
        FrameSchema({"sku_id": "any"}, non_negative=("sku_id",))
    with pytest.raises(ValueError, match=r"\['region'\] are not"):
        FrameSchema({"sku_id": "any"}, unique=("sku_id", "region"))
