"""The minimal input (issue 16 point 3): a company that brings only items, locations and a sales
history runs the data layer, and its sales become the daily demand the forecast reads.

The company is made by hand here: item codes alone, store codes with their type, and a sales
history whose rows name a channel or not. Every other raw table is empty (the raw assets create
it), and every dbt model builds on it."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest
import yaml

from tests.conftest import duckdb_path, running_home

AS_OF = date(2026, 9, 30)
DAYS = 42
ITEMS = ("A1", "B2", "C3")
STORES = ("S1", "S2")


def _quantity(day: int, item: int, store: int) -> int:
    return (day * (item + 1) + store) % 4  # zeros included: a day without sale


def write_minimal_company(home: Path, channels: list[dict]) -> None:
    """company.yaml and three mappings in ``home/company``; their files in ``home/landing``."""
    company = home / "company"
    (company / "sources").mkdir(parents=True)
    (company / "company.yaml").write_text(
        yaml.safe_dump(
            {
                "name": "Minimal company",
                "business_timezone": "UTC",
                "as_of": AS_OF.isoformat(),
                "partitions_start": AS_OF.replace(day=1).isoformat(),
                "channels": channels,
                "location_types": [{"code": "SHOP", "role": "store"}],
            }
        )
    )
    mappings = {
        "items": {"table": "erp_items", "files": "items/*.csv", "columns": {"item_code": "sku"}},
        "stores": {"table": "erp_locations", "files": "stores/*.csv", "columns": {"location_code": "store"}, "constants": {"location_type": "SHOP"}},
        "sales": {
            "table": "sales_history",
            "files": "sales/*.csv",
            "columns": {"item_code": "sku", "location_code": "store", "channel": "channel", "sale_date": "day", "quantity": "units", "unit_price": "price"},
        },
    }
    for name, mapping in mappings.items():
        (company / "sources" / f"{name}.yaml").write_text(yaml.safe_dump(mapping))
    landing = home / "landing"
    for folder in ("items", "stores", "sales"):
        (landing / folder).mkdir(parents=True)
    (landing / "items" / "items.csv").write_text("sku\n" + "".join(f"{i}\n" for i in ITEMS))
    (landing / "stores" / "stores.csv").write_text("store\n" + "".join(f"{s}\n" for s in STORES))
    first = AS_OF - timedelta(days=DAYS - 1)
    lines = ["sku,store,channel,day,units,price"]
    for d in range(DAYS):
        day = first + timedelta(days=d)
        for i, item in enumerate(ITEMS):
            for s, store in enumerate(STORES):
                # item C3 is sold without price; store S2's rows name the channel, S1's do not
                channel = channels[0]["code"] if channels and store == "S2" else ""
                price = "" if item == "C3" else "2.50"
                lines.append(f"{item},{store},{channel},{day.isoformat()},{_quantity(d, i, s)},{price}")
    (landing / "sales" / "sales.csv").write_text("\n".join(lines) + "\n")


def run_data_layer(home: Path):
    from orchestration.jobs import all_days_tags

    with running_home(home, PLANLINE_AS_OF=AS_OF.isoformat()) as (instance, _):
        from orchestration.definitions import defs

        result = defs.resolve_job_def("data_foundation").execute_in_process(instance=instance, raise_on_error=False, tags=all_days_tags())
    return result


def _minimal_home(tmp_path_factory, channels: list[dict]) -> Path:
    home = tmp_path_factory.mktemp("minimal_company")
    write_minimal_company(home, channels)
    result = run_data_layer(home)
    failed = [e.step_key for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert result.success, f"failed steps: {failed}"
    return home


@pytest.fixture(scope="module")
def minimal_home(tmp_path_factory) -> Path:
    """The company sells in its shops: the channel of role store."""
    return _minimal_home(tmp_path_factory, [{"code": "SHOP", "role": "store"}])


def test_the_minimal_companys_sales_history_is_its_daily_demand(minimal_home):
    with duckdb.connect(duckdb_path(minimal_home), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM governance.quarantine").fetchone()[0] == 0
        demand = con.execute("SELECT sku_id, location_id, channel_id, demand_date, units, revenue FROM marts.fct_daily_demand ORDER BY ALL").df()
        expected = sum(_quantity(d, i, s) for d in range(DAYS) for i in range(len(ITEMS)) for s in range(len(STORES)))
        assert float(demand.units.sum()) == expected
        assert len(demand) == DAYS * len(ITEMS) * len(STORES)  # a zero is an observed day: kept
        # rows without channel are the store channel's, the only one the company declares
        assert set(demand.channel_id) == {"SHOP"}
        assert demand.demand_date.min().date() == AS_OF - timedelta(days=DAYS - 1) and demand.demand_date.max().date() == AS_OF
        # revenue at the row's price; C3 has none and no list price: unknown
        assert demand[demand.sku_id == "C3"].revenue.isna().all() and (demand[demand.sku_id != "C3"].revenue.notna()).all()
        skus = dict(con.execute("SELECT sku_id, description || '|' || base_unit FROM marts.dim_sku").fetchall())
        assert skus == {item: f"{item}|UNIT" for item in ITEMS}
        assert dict(con.execute("SELECT location_id, location_name FROM marts.dim_location").fetchall()) == {s: s for s in STORES}
        # the panel: each series from its first sale to the as-of date, then the horizon
        panel = con.execute(
            "SELECT count(DISTINCT (sku_id, location_id, channel_id)), count(*) FILTER (WHERE NOT is_future) FROM forecasting.fct_demand_panel"
        ).fetchone()
        first_sales = [next(d for d in range(DAYS) if _quantity(d, i, s)) for i in range(len(ITEMS)) for s in range(len(STORES))]
        assert panel == (len(ITEMS) * len(STORES), sum(DAYS - first for first in first_sales))


def test_history_rows_without_channel_are_the_channel_all_when_the_company_has_no_store_channel(tmp_path_factory):
    home = _minimal_home(tmp_path_factory, [{"code": "WEB", "role": "online"}])
    with duckdb.connect(duckdb_path(home), read_only=True) as con:
        channels = dict(con.execute("SELECT location_id, string_agg(DISTINCT channel_id) FROM marts.fct_daily_demand GROUP BY 1").fetchall())
        assert channels == {"S1": "ALL", "S2": "WEB"}  # S2's rows name the web shop, S1's nothing
        assert sorted(r[0] for r in con.execute("SELECT channel_id FROM marts.dim_channel").fetchall()) == ["ALL", "WEB"]
        assert con.execute("SELECT count(DISTINCT channel_id) FROM forecasting.fct_demand_panel").fetchone()[0] == 2
