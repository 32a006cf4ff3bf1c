"""The M5 example company and bench.m5_company's preparation, on a tiny M5-format folder (no real data).

The example configuration (examples/m5) loads; the bench cuts the sales at day N (the product sees
no later sale; the calendar and the price list, planned ahead, come whole), lays the files out as
the mappings say, and sets the as-of to day N's date; the example's mappings read the files into
the rows the bench expects."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path, PurePosixPath

import numpy as np
import pandas as pd
import pytest
import yaml

from bench.m5_company import EXAMPLE, landing_paths, prepare
from data_contracts.company import load_company
from data_contracts.registry import CONTRACTS

ITEMS = [("FOODS_1_001", "FOODS_1", "FOODS"), ("HOBBIES_1_002", "HOBBIES_1", "HOBBIES"), ("HOUSEHOLD_2_003", "HOUSEHOLD_2", "HOUSEHOLD")]
STORES = [("CA_1", "CA"), ("TX_2", "TX")]
DAYS = 60
DAY_ONE = date(2011, 1, 29)  # M5's d_1, a Saturday: Walmart's weeks run Saturday to Friday


def _m5_folder(folder: Path) -> Path:
    """3 items x 2 stores x 60 days in the M5 layout: wide gzip sales, calendar, weekly prices."""
    folder.mkdir()
    rows = []
    for i, (item, dept, cat) in enumerate(ITEMS):
        for s, (store, state) in enumerate(STORES):
            units = {f"d_{d}": (d * (i + 1) + s) % 5 for d in range(1, DAYS + 1)}
            rows.append({"id": f"{item}_{store}_evaluation", "item_id": item, "dept_id": dept, "cat_id": cat, "store_id": store, "state_id": state, **units})
    pd.DataFrame(rows).to_csv(folder / "sales_train_tiny.csv.gz", index=False, compression="gzip")
    days = [DAY_ONE + timedelta(days=d) for d in range(DAYS + 10)]  # the calendar runs past the sales, as M5's does
    calendar = pd.DataFrame(
        {
            "date": [d.isoformat() for d in days],
            "wm_yr_wk": [11101 + d // 7 for d in range(len(days))],
            "weekday": [d.strftime("%A") for d in days],
            "wday": [(d + 1) % 7 or 7 for d in range(len(days))],
            "month": [d.month for d in days],
            "year": [d.year for d in days],
            "d": [f"d_{d + 1}" for d in range(len(days))],
            "event_name_1": "",
            "event_type_1": "",
            "event_name_2": "",
            "event_type_2": "",
            "snap_CA": [int(3 <= d < 6) for d in range(len(days))],  # SNAP days d_4..d_6 in California
            "snap_TX": 0,
            "snap_WI": 0,
        }
    )
    calendar.loc[9, ["event_name_1", "event_type_1"]] = ["SuperBowl", "Sporting"]
    calendar.loc[19, ["event_name_1", "event_type_1", "event_name_2", "event_type_2"]] = ["Easter", "Cultural", "OrthodoxEaster", "Religious"]
    calendar.to_csv(folder / "calendar.csv.gz", index=False, compression="gzip")
    weeks = sorted(set(calendar.wm_yr_wk))
    prices = [{"store_id": s, "item_id": i, "wm_yr_wk": w, "sell_price": 1.5} for i, *_ in ITEMS for s, _ in STORES for w in weeks]
    pd.DataFrame(prices).to_csv(folder / "sell_prices_tiny.csv.gz", index=False, compression="gzip")
    return folder


def test_the_example_company_loads():
    configuration = load_company(EXAMPLE)
    assert configuration.company.name.startswith("M5")
    assert configuration.mappings["erp_items"].distinct and configuration.mappings["erp_locations"].distinct
    [sales] = [mapping for mapping in configuration.mappings.values() if mapping.wide]
    assert sales.table == "sales_history" and sales.wide.key_as == "day_number" and sales.wide.origin == DAY_ONE
    assert configuration.company.as_of is None  # the bench writes day N's date into its copy


def test_the_bench_cuts_the_files_at_day_n_and_sets_the_as_of_to_its_date(tmp_path):
    data = _m5_folder(tmp_path / "m5")
    prepared = prepare(data, 40, tmp_path / "work", horizon=14)

    assert prepared.as_of == DAY_ONE + timedelta(days=39)
    company = yaml.safe_load((prepared.company / "company.yaml").read_text())
    assert company["as_of"] == prepared.as_of.isoformat()
    assert company["planning"]["forecast_horizon_days"] == 14
    assert date.fromisoformat(company["calendar"]["start"]) <= DAY_ONE
    configuration = load_company(prepared.company)  # the copy is a valid company folder
    assert str(configuration.company.as_of)[:10] == prepared.as_of.isoformat()

    # each file once, where the mappings' patterns say (every mapping reading it matches it)
    assert {m.files for m in configuration.mappings.values()} == {"sales/sales_train*.csv*", "calendar/calendar.csv*", "prices/sell_prices*.csv*"}
    assert prepared.delivered == ["calendar/calendar.csv.gz", "prices/sell_prices_tiny.csv.gz", "sales/sales_train_tiny.csv.gz"]
    sales = pd.read_csv(prepared.landing / "sales" / "sales_train_tiny.csv.gz", dtype=str)
    assert [c for c in sales.columns if c.startswith("d_")] == [f"d_{d}" for d in range(1, 41)]
    assert list(sales.columns[:6]) == ["id", "item_id", "dept_id", "cat_id", "store_id", "state_id"]
    original = pd.read_csv(data / "sales_train_tiny.csv.gz", dtype=str)
    pd.testing.assert_frame_equal(sales, original[sales.columns])


def test_the_calendar_and_prices_are_delivered_whole(tmp_path):
    """The calendar's events and the price list are planned ahead: the product gets their days
    after N too (known-future inputs), never a sale after N."""
    from bench.m5_company import truncated

    data = _m5_folder(tmp_path / "m5")
    calendar = pd.read_csv(data / "calendar.csv.gz", dtype=str, keep_default_na=False)
    pd.testing.assert_frame_equal(truncated("calendar", calendar, 40), calendar)
    prices = pd.read_csv(data / "sell_prices_tiny.csv.gz", dtype=str)
    pd.testing.assert_frame_equal(truncated("prices", prices, 40), prices)

    placed = landing_paths(
        {"a": _mapping("calendar/calendar*.csv*"), "b": _mapping("prices/sell_prices*.csv*"), "c": _mapping("sales/sales_train*.csv*")},
        {"sales": "sales_train_tiny.csv.gz", "calendar": "calendar.csv.gz", "prices": "sell_prices_tiny.csv.gz"},
    )
    assert placed == {"sales": ["sales/sales_train_tiny.csv.gz"], "calendar": ["calendar/calendar.csv.gz"], "prices": ["prices/sell_prices_tiny.csv.gz"]}


def _mapping(files: str):
    from data_contracts.company.mapping import SourceMapping

    return SourceMapping(table="erp_items", files=files)


def test_a_train_end_without_later_days_is_refused(tmp_path):
    data = _m5_folder(tmp_path / "m5")
    with pytest.raises(SystemExit, match="d_1 to d_60"):
        prepare(data, 60, tmp_path / "work")


def test_the_example_mappings_read_the_cut_files(tmp_path):
    """Each mapping turns its file into the canonical rows the bench expects: the items and stores
    once each, one sales row per item x store x day up to day N, each day's week code, the prices
    per store and week code, the calendar's events company-wide and the SNAP days per state."""
    from orchestration.ingestion.mapped_files import canonical_rows

    prepared = prepare(_m5_folder(tmp_path / "m5"), 40, tmp_path / "work")
    configuration = load_company(prepared.company)
    rows = {}
    for table, mapping in configuration.mappings.items():
        [relative] = [r for r in prepared.delivered if PurePosixPath(r).match(mapping.files)]
        rows[table] = canonical_rows((prepared.landing / relative).read_bytes(), relative, mapping, CONTRACTS[table], "UTC").to_pandas()
    assert sorted(rows["erp_items"].item_code) == [i for i, *_ in ITEMS]
    assert set(rows["erp_items"].family) == {d for _, d, _ in ITEMS}
    assert sorted(rows["erp_locations"].location_code) == [s for s, _ in STORES]
    sales = rows["sales_history"]
    assert len(sales) == len(ITEMS) * len(STORES) * 40
    assert sales.sale_date.min() == DAY_ONE.isoformat() and sales.sale_date.max() == prepared.as_of.isoformat()
    assert all(frame[UNPARSED].isna().all() for frame in rows.values())

    periods = rows["calendar_periods"]
    assert len(periods) == DAYS + 10 and periods.set_index("calendar_date").period_code[(DAY_ONE + timedelta(days=7)).isoformat()] == "11102"
    prices = rows["erp_prices"]
    assert set(prices.columns) >= {"valid_period", "location_code"} and prices.valid_from.isna().all()
    assert len(prices) == len(ITEMS) * len(STORES) * 10 and set(prices.channel) == {"STORE"} and set(prices.unit) == {"EA"}
    events = rows["calendar_events"].fillna("")
    day = {d: (DAY_ONE + timedelta(days=d - 1)).isoformat() for d in (4, 5, 6, 10, 20)}
    assert sorted(map(tuple, events[["event_date", "event_name", "event_type", "region"]].to_numpy())) == sorted(
        [
            (day[10], "SuperBowl", "Sporting", ""),
            (day[20], "Easter", "Cultural", ""),
            (day[20], "OrthodoxEaster", "Religious", ""),
            *((day[d], "SNAP", "SNAP", "CA") for d in (4, 5, 6)),
        ]
    )


UNPARSED = "_unparsed"


def test_the_policies_are_replayed_against_the_held_out_sales():
    """The bench's fill rate: the product's policies (as ml.inventory.policies computes them)
    replayed over the held-out days against actual sales; a policy sized for the demand serves
    almost all of it, one with no stock serves none, and the A items' rate is pooled by demand."""
    from bench.m5_company import fill_rates
    from ml.inventory.policies import compute_policies

    days = list(pd.date_range("2016-04-25", periods=28))
    keys = pd.MultiIndex.from_tuples([("I1", "S1"), ("I2", "S1"), ("I1", "S2")], names=["sku_id", "location_id"])
    actual = np.vstack([np.full(28, 4.0), np.full(28, 2.0), np.zeros(28)])
    parameters = pd.DataFrame(
        {
            "sku_id": ["I1", "I2", "I1"],
            "location_id": ["S1", "S1", "S2"],
            "mean_daily_demand": [4.0, 0.0, 0.0],  # I2 at S1 planned without demand: it sells 2 a day, unplanned
            "forecast_error_sd": [1.0, 0.0, 0.0],
            "lead_time_days": [2.0, 2.0, 2.0],
            "lead_time_sd_days": 0.0,
            "review_period_days": 7,
            "review_anchor_date": pd.Timestamp("2016-04-24"),
            "cycle_service_level": 0.95,
            "fill_rate_target": [0.98, 0.98, 0.94],
            "unit_cost": 1.0,
            "order_cost": 8.0,
            "annual_holding_rate": 0.25,
            "minimum_order_quantity": [np.nan, np.nan, np.nan],  # M5 has no packs: no minimum, whole units
            "order_multiple": [np.nan, np.nan, np.nan],
            "demand_pattern": "smooth",
            "lot_sizing": "none",
            "abc_class": ["A", "A", "C"],
        }
    )
    policies = compute_policies(parameters.fillna({"minimum_order_quantity": 0.0, "order_multiple": 1.0})).assign(
        minimum_order_quantity=np.nan, order_multiple=np.nan
    )
    rates = fill_rates(policies, keys, actual, days)
    served = rates["a_items_fill_rate"] * (4 * 28 + 2 * 28)  # pooled over both A rows, by demand
    assert 4 * 28 * 0.95 <= served <= 4 * 28  # the planned row serves nearly all, the unplanned one nothing
    assert rates["a_items_fill_rate_target"] == pytest.approx(0.98)
