"""A second company, made by hand, planned end to end (issue 16 point 7).

Nordic Tools sells hardware in two shops replenished by one central warehouse. It brings the
minimal input plus stock, in its own format and codes: comma CSV with ISO dates, families TOOLS,
GARDEN and PAINT, the unit PCE, the channel BUTIK, locations CW1 (warehouse), OSL and BGN (shops).
No WMS, no orders, no suppliers, no costs; prices on some sales only. Everything runs: the data
layer, the weekly training (backtest, champion gate), the forecast and consensus, the inventory
plan, the KPIs, the exceptions, the cockpit and the monthly S&OP cycle; and what the data cannot
give (values without cost, the warehouse's supplier) is said, not invented.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pytest
import yaml

from tests.conftest import duckdb_path, running_home
from tests.e2e.test_forecasting_pipeline import TINY_TRAINING

pytestmark = pytest.mark.e2e

AS_OF = date(2026, 6, 30)
DAYS = 120
HORIZON = 7
ITEMS = {"HAM-01": "TOOLS", "SAW-02": "TOOLS", "RAKE-03": "GARDEN", "HOSE-04": "GARDEN", "PNT-05": "PAINT", "BRU-06": "PAINT"}
SHOPS = {"OSL": "Oslo", "BGN": "Bergen"}
LEAD_TIME_DAYS = 10  # company.yaml planning.default_lead_time_days: the warehouse's supplier is not in the data


def write_company(home: Path) -> None:
    """company.yaml, four mappings and their files (home/company, home/landing)."""
    company = home / "company"
    (company / "sources").mkdir(parents=True)
    (company / "company.yaml").write_text(
        yaml.safe_dump(
            {
                "name": "Nordic Tools",
                "business_timezone": "Europe/Oslo",
                "as_of": AS_OF.isoformat(),
                "calendar": {"start": "2025-01-01", "end": "2028-12-31"},
                "planning": {"forecast_horizon_days": HORIZON, "default_lead_time_days": LEAD_TIME_DAYS},
                "channels": [{"code": "BUTIK", "name": "Shops", "role": "store"}],
                "location_types": [{"code": "LAGER", "role": "warehouse"}, {"code": "BUTIKK", "role": "store"}],
                "units": [{"code": "PCE", "role": "base"}],
                "families": sorted(set(ITEMS.values())),
            }
        )
    )
    mappings = {
        "items": {"table": "erp_items", "files": "items/*.csv", "columns": {"item_code": "article", "family": "group", "description": "name"}},
        "locations": {
            "table": "erp_locations",
            "files": "sites/*.csv",
            "columns": {"location_code": "site", "name": "name", "location_type": "kind", "parent_code": "supplied_by", "region": "region"},
        },
        "sales": {
            "table": "sales_history",
            "files": "sales/*.csv",
            "columns": {"item_code": "article", "location_code": "site", "sale_date": "day", "quantity": "qty", "unit_price": "price"},
        },
        "stock": {
            "table": "erp_inventory",
            "files": "stock/*.csv",
            "columns": {"snapshot_date": "day", "location_code": "site", "item_code": "article", "quantity": "on_hand"},
            "constants": {"unit": "PCE"},
        },
    }
    for name, mapping in mappings.items():
        (company / "sources" / f"{name}.yaml").write_text(yaml.safe_dump(mapping))

    landing = home / "landing"
    for folder in ("items", "sites", "sales", "stock"):
        (landing / folder).mkdir(parents=True)
    (landing / "items" / "articles.csv").write_text("article,group,name\n" + "".join(f"{a},{g},{a.title()}\n" for a, g in ITEMS.items()))
    sites = ["site,name,kind,supplied_by,region", "CW1,Central warehouse,LAGER,,EAST"]
    sites += [f"{code},{name},BUTIKK,CW1,{'EAST' if code == 'OSL' else 'WEST'}" for code, name in SHOPS.items()]
    (landing / "sites" / "sites.csv").write_text("\n".join(sites) + "\n")
    rng = np.random.default_rng(16)
    first = AS_OF - timedelta(days=DAYS - 1)
    weekday = np.array([0.8, 0.9, 1.0, 1.0, 1.3, 1.6, 0.4])
    lines = ["article,site,day,qty,price"]
    for i, article in enumerate(ITEMS):
        for s, shop in enumerate(SHOPS):
            days = [first + timedelta(days=d) for d in range(DAYS)]
            sold = rng.poisson((1 + 3 * i % 7 + s) * weekday[[d.weekday() for d in days]])
            price = f"{19.9 + 10 * i:.2f}" if article.startswith(("HAM", "RAKE")) else ""  # a price on some items' sales only
            lines += [f"{article},{shop},{day.isoformat()},{q},{price}" for day, q in zip(days, sold)]
    (landing / "sales" / "sales_2026.csv").write_text("\n".join(lines) + "\n")
    stock = ["day,site,article,on_hand"]
    stock += [f"{AS_OF.isoformat()},{site},{article},{40 if site == 'CW1' else 6}" for site in ("CW1", *SHOPS) for article in ITEMS]
    (landing / "stock" / "stock.csv").write_text("\n".join(stock) + "\n")


@pytest.fixture(scope="module")
def nordic(tmp_path_factory):
    """The company through the main job: data layer, training, forecast and plan, S&OP."""
    import dagster as dg

    from orchestration.partitions import all_days_tags

    home = tmp_path_factory.mktemp("nordic_tools")
    write_company(home)
    with running_home(home) as (instance, _):
        from orchestration.definitions import defs as planline

        defs = planline()

        runs = {"data_foundation": defs.resolve_job_def("data_foundation").execute_in_process(instance=instance, tags=all_days_tags(), raise_on_error=False)}
        training = defs.resolve_job_def("demand_forecast_training")
        runs["training"] = training.execute_in_process(
            instance=instance, run_config=dg.RunConfig(ops={"demand_model": {"config": TINY_TRAINING}}), raise_on_error=False
        )
        runs["sop"] = defs.resolve_job_def("sop_monthly").execute_in_process(instance=instance, raise_on_error=False)
    return home, runs


@pytest.fixture(scope="module")
def warehouse(nordic):
    with duckdb.connect(duckdb_path(nordic[0]), read_only=True) as con:
        yield con


def test_every_job_of_the_main_chain_succeeds(nordic):
    _, runs = nordic
    failed = {job: [e.step_key for e in run.get_step_failure_events()] for job, run in runs.items() if not run.success}
    assert not failed


def test_its_files_load_whole_in_its_own_codes(warehouse):
    assert warehouse.execute("SELECT count(*) FROM governance.quarantine").fetchone()[0] == 0
    assert warehouse.execute("SELECT sum(units) FROM marts.fct_daily_demand").fetchone()[0] > 0
    assert {r[0] for r in warehouse.execute("SELECT DISTINCT channel_id FROM marts.fct_daily_demand").fetchall()} == {"BUTIK"}
    assert dict(warehouse.execute("SELECT sku_id, family FROM marts.dim_sku").fetchall()) == ITEMS
    parents = dict(warehouse.execute("SELECT location_id, parent_location_id FROM marts.dim_location").fetchall())
    assert parents == {"CW1": None, "OSL": "CW1", "BGN": "CW1"}
    stock = dict(warehouse.execute("SELECT location_id, sum(on_hand_units) FROM inventory.fct_stock_position GROUP BY 1").fetchall())
    assert stock == {"CW1": 40.0 * len(ITEMS), "OSL": 6.0 * len(ITEMS), "BGN": 6.0 * len(ITEMS)}


def test_shops_are_replenished_from_the_warehouse_which_buys_on_the_configured_lead_time(warehouse):
    lanes = warehouse.execute("SELECT location_id, supply_type, source_id, lead_time_days, lead_time_source FROM inventory.fct_replenishment_lanes").df()
    assert len(lanes) == len(ITEMS) * 3
    shops = lanes[lanes.location_id != "CW1"]
    assert set(shops.supply_type) == {"TRANSFER"} and set(shops.source_id) == {"CW1"}
    warehouse_lanes = lanes[lanes.location_id == "CW1"]
    assert set(warehouse_lanes.supply_type) == {"PURCHASE"} and warehouse_lanes.source_id.isna().all()  # no supplier in the data
    assert set(warehouse_lanes.lead_time_days) == {LEAD_TIME_DAYS} and set(warehouse_lanes.lead_time_source) == {"default"}


def test_the_plan_is_made_with_quantities_and_says_the_values_it_cannot_know(warehouse):
    policies = warehouse.execute("SELECT sku_id, location_id, order_up_to_units, safety_stock_value FROM inventory.inventory_policies").df()
    assert len(policies) == len(ITEMS) * 3 and (policies.order_up_to_units > 0).all()
    assert policies.safety_stock_value.isna().all()  # no unit cost: unknown, not 0
    # ABC ranks by units without costs: the company's best sellers are A, not everything C
    assert warehouse.execute("SELECT count(DISTINCT abc_class), any_value(abc_basis) FROM inventory.fct_inventory_classes").fetchone() == (3, "units")
    orders = warehouse.execute("SELECT order_type, count(*) FROM inventory.planned_orders GROUP BY 1").df().set_index("order_type")["count_star()"]
    assert orders.get("TRANSFER_ORDER", 0) > 0 and orders.get("PURCHASE_ORDER", 0) > 0
    consensus = warehouse.execute("SELECT count(DISTINCT sku_id || location_id), min(forecast_date) FROM forecasting.fct_consensus_forecast").fetchone()
    assert consensus[0] == len(ITEMS) * len(SHOPS) and consensus[1] == AS_OF + timedelta(days=1)


def test_without_wms_or_costs_the_stock_kpis_it_can_give_are_computed_and_the_others_say_why(warehouse):
    # the ERP's book is the count without a WMS: nothing to compare it with, no row flagged as uncounted
    assert warehouse.execute("SELECT count(*) FROM governance_marts.gov_inventory_discrepancies").fetchone()[0] == 0
    availability = warehouse.execute("SELECT kpi, is_computed, reason FROM kpi.kpi_availability").df().set_index("kpi")
    assert availability.loc[["days_of_coverage", "stockout_rate", "forecast_wape"], "is_computed"].all()
    assert "wms_stock" in availability.loc["inventory_discrepancy", "reason"]
    assert "unit cost" in availability.loc["inventory_value", "reason"] and "unit cost" in availability.loc["inventory_turnover", "reason"]
    coverage = warehouse.execute("SELECT value FROM kpi.kpi_scorecard WHERE kpi = 'days_of_coverage' AND cut_type = 'all' AND status = 'computed'").fetchall()
    assert coverage and all(value is not None and value > 0 for (value,) in coverage)  # its stock covers its forecast


def test_the_cockpit_and_the_sop_cycle_speak_the_companys_language(nordic, warehouse):
    home, _ = nordic
    page = (home / "exports" / "cockpit" / "cockpit.html").read_text()
    assert "Nordic Tools" in page and AS_OF.isoformat() in page
    for demo_code in ("BEVERAGES", "DC01", "ST01", "PK6", "LINE-1"):
        assert demo_code not in page
    families = {r[0] for r in warehouse.execute("SELECT DISTINCT family FROM sop.scenario_plans").fetchall()}
    assert families == set(ITEMS.values())
    assert warehouse.execute("SELECT count(*) FROM sop.consensus_plan WHERE status = 'proposed'").fetchone()[0] > 0
