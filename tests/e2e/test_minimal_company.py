"""The minimal input (issue 16 point 3): a company that brings only items, locations and a sales
history runs the data layer, and its sales become the daily demand the forecast reads; then the
weekly training (forecast, inventory plan, KPIs, cockpit) on the same warehouse: what its data
cannot give (stock, order, production and event-stream KPIs) says why, never a 0.

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
DAYS = 100  # the weekly training needs 84 days at least: a 56-day window and a 28-day backtest
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
    from orchestration.partitions import all_days_tags

    with running_home(home, PLANLINE_AS_OF=AS_OF.isoformat()) as (instance, _):
        from orchestration.definitions import defs as planline

        defs = planline()

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


@pytest.fixture(scope="module")
def minimal_plan(minimal_home) -> dict:
    """The weekly training on the minimal company's data layer: forecast, plan, KPIs, cockpit."""
    import dagster as dg

    from tests.e2e.test_forecasting_pipeline import TINY_TRAINING

    with running_home(minimal_home, PLANLINE_AS_OF=AS_OF.isoformat()) as (instance, _):
        from orchestration.definitions import defs as planline

        defs = planline()

        training = defs.resolve_job_def("demand_forecast_training")
        result = training.execute_in_process(instance=instance, run_config=dg.RunConfig(ops={"demand_model": {"config": TINY_TRAINING}}), raise_on_error=False)
        failed = [e.step_key for e in result.get_step_failure_events()]
        assert result.success, f"failed steps: {failed}"
        from orchestration.defs.reporting.kpi import KPI_LATEST

        kpi_metadata = instance.get_latest_materialization_event(KPI_LATEST).asset_materialization.metadata
    return {"home": minimal_home, "kpi_metadata": kpi_metadata}


# the KPIs a company of items, locations and sales cannot have, and the table each reason names
NOT_COMPUTED = {
    "days_of_coverage": "erp_inventory",
    "stockout_rate": "erp_inventory",
    "inventory_value": "erp_inventory",
    "inventory_turnover": "erp_inventory",
    "cash_to_cash_days": "erp_inventory",
    "inventory_discrepancy": "wms_stock",
    "otif_rate": "erp_sales_orders",
    "unit_fill_rate": "erp_sales_orders",
    "oee": "erp_production_orders",
    "plan_adherence": "erp_production_orders",
    "sync_latency_p50_seconds": "wms_events",
    "sync_latency_p95_seconds": "wms_events",
    "returns_reintegrated_24h": "wms_events",
}


def test_the_kpis_its_data_cannot_give_say_why_instead_of_a_figure(minimal_plan):
    with duckdb.connect(duckdb_path(minimal_plan["home"]), read_only=True) as con:
        scorecard = con.execute("SELECT kpi, month, cut_type, value, status, reason FROM kpi.kpi_scorecard").df()
        availability = con.execute("SELECT kpi, is_computed, reason FROM kpi.kpi_availability").df().set_index("kpi")
        # no stock at all: nothing to compare, no ERP row flagged as uncounted
        assert con.execute("SELECT count(*) FROM governance_marts.gov_inventory_discrepancies").fetchone()[0] == 0
    skipped = scorecard[scorecard.status == "not_computed"]
    assert set(skipped.kpi) == set(NOT_COMPUTED)
    for kpi, table in NOT_COMPUTED.items():
        rows = scorecard[scorecard.kpi == kpi]
        assert len(rows) == 1 and rows.value.isna().all(), rows  # one row, no figure: not 0.0 days, not 0 %
        assert table in rows.reason.iloc[0] and rows.reason.iloc[0] == availability.loc[kpi, "reason"]
        assert rows.month.iloc[0].date() == AS_OF.replace(day=1) and rows.cut_type.iloc[0] == "all"
    # the forecast's accuracy needs nothing but the sales: computed from the backtest
    computed = scorecard[scorecard.status == "computed"]
    assert set(computed.kpi) == {"forecast_wape", "forecast_bias"} and computed.reason.isna().all()
    assert computed[computed.cut_type == "all"].value.notna().any()
    # the KPI asset's metadata says the same
    metadata = minimal_plan["kpi_metadata"]
    assert metadata["days_of_coverage_not_computed"].value == "Not computed: " + availability.loc["days_of_coverage", "reason"]
    assert "days_of_coverage" not in metadata and "forecast_wape" in metadata


def test_the_cockpit_shows_not_computed_with_the_reason_and_no_made_up_figure(minimal_plan):
    from tests.unit.test_cockpit import dom

    page = dom((minimal_plan["home"] / "exports" / "cockpit" / "cockpit.html").read_text(encoding="utf-8"))
    tiles = {t.attrs["data-kpi"]: t for t in page.find_all("div", data_kpi=True) if t.has_class("tile")}
    for kpi, table in NOT_COMPUTED.items():
        tile = tiles[kpi]
        assert tile.attrs["data-status"] == "not_computed" and tile.one(class_="tile-value").text == "Not computed", kpi
        assert table in tile.one("span", data_field="reason").text
    assert tiles["forecast_wape"].attrs["data-status"] != "not_computed"
    assert not any(t.has_class("bad") for kpi, t in tiles.items() if kpi in NOT_COMPUTED)  # never red for what is not measured
    assert "0.0 d" not in page.text


def test_shortages_projected_from_an_unknown_stock_say_the_stock_is_unknown(minimal_plan):
    with duckdb.connect(duckdb_path(minimal_plan["home"]), read_only=True) as con:
        shortages = con.execute("SELECT reason_code, reason_detail FROM exceptions.fct_exceptions WHERE exception_type = 'projected_shortage'").df()
    # the plan starts from zero stock: its shortages are what the data does not say, not the lead time's
    assert len(shortages) and set(shortages.reason_code) == {"data_quality"}
    assert shortages.reason_detail.str.contains("stock on hand unknown: the company sends none").all()


def test_history_rows_without_channel_are_the_channel_all_when_the_company_has_no_store_channel(tmp_path_factory):
    home = _minimal_home(tmp_path_factory, [{"code": "WEB", "role": "online"}])
    with duckdb.connect(duckdb_path(home), read_only=True) as con:
        channels = dict(con.execute("SELECT location_id, string_agg(DISTINCT channel_id) FROM marts.fct_daily_demand GROUP BY 1").fetchall())
        assert channels == {"S1": "ALL", "S2": "WEB"}  # S2's rows name the web shop, S1's nothing
        assert sorted(r[0] for r in con.execute("SELECT channel_id FROM marts.dim_channel").fetchall()) == ["ALL", "WEB"]
        assert con.execute("SELECT count(DISTINCT channel_id) FROM forecasting.fct_demand_panel").fetchone()[0] == 2
