"""Each KPI of SPEC section 8 on hand-computed tiny data (tests/kpi_fixture.py): dbt builds the
KPI models and their data tests over a hand-made warehouse, and every figure is checked against
the arithmetic written next to it. January 2026; the history ends on 31 January."""

import re
import shutil
from collections import Counter
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import yaml

from ml.inventory.replenishment_plan import why_no_stock
from orchestration.dbt_project import DBT_PROJECT_DIR
from reporting.kpi_latest import latest_values
from tests.kpi_fixture import WAREHOUSE, dbt_build, write_tiny_warehouse

JANUARY = "2026-01-01"


def build(warehouse: str, folder: Path, select: str) -> None:
    """dbt builds ``select`` over ``warehouse``, a copy of the KPI warehouse in ``folder``."""
    assert Path(warehouse) == Path(folder) / WAREHOUSE
    dbt_build(folder, select)


@pytest.fixture(scope="module")
def kpi_warehouse(tmp_path_factory) -> str:
    """The hand-made warehouse with every KPI model and the order lines' exceptions built (one dbt
    process for the tests that read them; the tests that change rows build a copy)."""
    folder = tmp_path_factory.mktemp("kpi")
    warehouse = str(folder / WAREHOUSE)
    write_tiny_warehouse(warehouse)
    # with the views of the company configuration that maps the fixture's codes (the demo company's) to the roles the models select by
    build(warehouse, folder, "stg_company__channels stg_company__location_types stg_company__code_systems path:models/marts/kpi exc_order_lines")
    return warehouse


@pytest.fixture(scope="module")
def kpis(kpi_warehouse):
    con = duckdb.connect(kpi_warehouse, read_only=True)
    yield lambda sql: con.execute(sql).fetchall()
    con.close()


def one(kpis, sql: str):
    rows = kpis(sql)
    assert len(rows) == 1, rows
    return rows[0][0] if len(rows[0]) == 1 else rows[0]


def test_otif_counts_lines_on_time_and_in_full_by_channel_and_segment(kpis):
    # due in January: O1/1 on time in full, O1/2 short (8 of 10), O2/1 late, W1/1 on time, O4 cancelled; O3 not due
    def rate(channel, segment):
        sql = f"SELECT otif_rate FROM kpi.kpi_otif WHERE month = '{JANUARY}' AND channel_id = '{channel}' AND customer_segment = '{segment}'"
        return one(kpis, sql)

    assert rate("ALL", "ALL") == pytest.approx(2 / 5)
    assert rate("B2B", "ALL") == pytest.approx(1 / 4)
    assert rate("B2B", "KEY_ACCOUNT") == pytest.approx(1 / 3)
    assert rate("B2B", "STANDARD") == 0
    assert rate("WEB", "CONSUMER") == 1  # consumers' lines have the segment CONSUMER


def test_unit_fill_rate_is_units_on_time_over_units_ordered(kpis):
    # 10 + 8 + 0 (late) + 2 + 0 (cancelled) on time of 10 + 10 + 5 + 2 + 4 ordered
    assert one(kpis, f"SELECT unit_fill_rate FROM kpi.kpi_unit_fill_rate WHERE month = '{JANUARY}' AND channel_id = 'ALL'") == pytest.approx(20 / 31)
    assert one(
        kpis, f"SELECT unit_fill_rate FROM kpi.kpi_unit_fill_rate WHERE month = '{JANUARY}' AND channel_id = 'B2B' AND customer_segment = 'ALL'"
    ) == pytest.approx(18 / 29)


def test_turnover_of_the_month_in_progress_is_annualized_over_its_days_so_far(kpi_warehouse, tmp_path):
    copy = str(tmp_path / "warehouse.duckdb")
    shutil.copy(kpi_warehouse, copy)
    with duckdb.connect(copy) as con:  # history now ends on 15 January
        con.execute("DELETE FROM marts.fct_daily_demand WHERE demand_date > DATE '2026-01-15'")
        con.execute("DELETE FROM marts.fct_inventory_snapshots WHERE snapshot_date > DATE '2026-01-15'")
    build(copy, tmp_path, "kpi_inventory_turnover")
    with duckdb.connect(copy, read_only=True) as con:
        sql = f"SELECT days_of_history, inventory_turnover FROM kpi.kpi_inventory_turnover WHERE month = '{JANUARY}' AND location_id = 'DC01'"
        days, turnover = con.execute(sql).fetchall()[0]
    assert (days, turnover) == (15, pytest.approx(212 * 365 / 15 / 212))  # 100 x 2 + 3 x 4 sold by the 15th; one count (212)


def test_late_or_short_lines_get_the_supply_sides_reason(kpis):
    rows = kpis("SELECT reference, exception_type, reason_code, units, value, reason_detail FROM exceptions.exc_order_lines ORDER BY 1")
    assert [row[:5] for row in rows] == [
        ("O1/2", "short_line", "allocation", 2, 6),  # 100 in stock the eve: it went to other orders
        ("O2/1", "late_line", "lead_time", 5, 15),  # in stock, delivered 2 days late: dispatch and delivery
        ("O4/1", "short_line", "supplier", 4, 12),  # DC01 empty since the 10th; PO1 due the 8th came on the 20th
    ]
    assert "purchase order PO1 from SUP1 due 2026-01-08 received 2026-01-20" in rows[2][5]


def test_daily_stock_carries_each_count_forward_with_the_movements(kpis):
    stock = dict(kpis("SELECT date_day::VARCHAR, closing_units FROM kpi.fct_daily_stock WHERE sku_id = 'S1' AND location_id = 'DC01'"))
    assert (stock["2026-01-09"], stock["2026-01-10"], stock["2026-01-19"], stock["2026-01-20"], stock["2026-01-31"]) == (100, 0, 0, 50, 50)
    store = dict(kpis("SELECT date_day::VARCHAR, closing_units FROM kpi.fct_daily_stock WHERE sku_id = 'S1' AND location_id = 'ST01'"))
    assert (store["2026-01-05"], store["2026-01-06"]) == (5, 0)  # the store sale of the 6th


def test_stockout_rate_per_channel_counts_listed_sku_location_days_without_stock(kpis):
    rate = dict(kpis(f"SELECT channel_id, stockout_rate FROM kpi.kpi_stockout_rate WHERE month = '{JANUARY}' AND location_id = 'ALL'"))
    # 4-31 January: 28 days. Store: S1 at ST01 empty from the 6th (26 days).
    assert rate["STORE"] == pytest.approx(26 / 28)
    # DC01: S1 empty 10-19 January (10 of 28 days); S2 listed until its discontinuation (16 days), empty 15-19 (5)
    assert rate["B2B"] == pytest.approx(15 / 44)
    assert rate["WEB"] == pytest.approx(15 / 44)
    assert rate["MARKETPLACE"] == pytest.approx(5 / 16)  # only S2 has a marketplace code


def test_inventory_turnover_annualizes_cost_of_goods_sold_over_average_inventory(kpis):
    turnover = dict(kpis(f"SELECT location_id, inventory_turnover FROM kpi.kpi_inventory_turnover WHERE month = '{JANUARY}'"))
    # DC01: counts worth 212 and 100 (average 156); 100 x 2 + 3 x 4 + 1 x 2 = 214 of goods sold
    assert turnover["DC01"] == pytest.approx(214 * 365 / 31 / 156)  # annualized over the month's 31 days
    assert turnover["ST01"] == pytest.approx(10 * 365 / 31 / 5)
    assert turnover["ALL"] == pytest.approx(224 * 365 / 31 / 161)


def test_days_of_coverage_divide_on_hand_by_mean_daily_forecast_demand(kpis):
    coverage = {(loc, cls): days for loc, cls, days in kpis("SELECT location_id, abc_class, days_of_coverage FROM kpi.kpi_days_of_coverage")}
    assert coverage["DC01", "ALL"] == pytest.approx(50 / 10)  # the DC covers its echelon demand
    assert coverage["ST01", "ALL"] == 0
    assert coverage["ALL", "ALL"] == pytest.approx(50 / (6 + 4))  # the network against end-customer demand
    assert coverage["ALL", "A"] == pytest.approx(50 / 6)


def test_days_of_coverage_keep_each_plans_day_and_the_scorecard_takes_the_months_last(kpi_warehouse, kpis, tmp_path):
    copy = str(tmp_path / "warehouse.duckdb")
    shutil.copy(kpi_warehouse, copy)
    with duckdb.connect(copy) as con:  # a day later, the DC holds 20 more
        con.execute(
            "INSERT INTO marts.fct_daily_demand (sku_id, location_id, channel_id, demand_date, units, revenue) VALUES ('S1', 'DC01', 'WEB', DATE '2026-02-01', 1, 5)"
        )
        con.execute("UPDATE inventory.fct_stock_position SET on_hand_units = 70 WHERE location_id = 'DC01'")
    build(copy, tmp_path, "kpi_days_of_coverage kpi_scorecard")
    with duckdb.connect(copy, read_only=True) as con:
        days = con.execute(
            "SELECT as_of_date::VARCHAR, days_of_coverage FROM kpi.kpi_days_of_coverage WHERE location_id = 'DC01' AND abc_class = 'ALL' ORDER BY 1"
        ).fetchall()
        months = con.execute(
            "SELECT month::VARCHAR, value FROM kpi.kpi_scorecard WHERE kpi = 'days_of_coverage' AND cut_type = 'location' AND cut_value = 'DC01' ORDER BY 1"
        ).fetchall()
    assert days == [("2026-01-31", 5.0), ("2026-02-01", 7.0)]  # the first plan's day is kept
    assert months == [("2026-01-01", 5.0), ("2026-02-01", 7.0)]


def test_the_plan_starts_from_a_count_taken_the_day_after_the_last_day_of_history(kpi_warehouse, tmp_path):
    """A company that counts its stock on the export day (or whose last day has no sale) sends a
    count dated the plan's first day, 1 February here: the plan starts from it. A count dated
    later is not used, and the plan that has none says so instead of blaming the company."""
    copy = str(tmp_path / "warehouse.duckdb")
    shutil.copy(kpi_warehouse, copy)
    with duckdb.connect(copy) as con:  # the history ends on 31 January
        con.execute(
            "INSERT INTO marts.fct_inventory_snapshots (snapshot_date, location_id, sku_id, erp_quantity, wms_quantity, unit_cost, wms_value) VALUES "
            "(DATE '2026-02-01', 'DC01', 'S1', 60, 60, 2, 120), (DATE '2026-02-01', 'DC01', 'S2', 1, 1, 4, 4), "
            "(DATE '2026-02-02', 'ST01', 'S1', 9, 9, 2, 18)"  # after the plan's first day
        )
    build(copy, tmp_path, "fct_stock_position")
    with duckdb.connect(copy) as con:
        positions = con.execute(
            "SELECT location_id, sku_id, counted_on::VARCHAR, on_hand_units, as_of_date::VARCHAR, plan_start_date::VARCHAR "
            "FROM inventory.fct_stock_position ORDER BY 1, 2"
        ).fetchall()
        con.execute("DELETE FROM marts.fct_inventory_snapshots WHERE snapshot_date <= DATE '2026-02-01'")
    build(copy, tmp_path, "fct_stock_count_days")
    with duckdb.connect(copy, read_only=True) as con:
        count_days = con.execute("SELECT * FROM inventory.fct_stock_count_days").df()
    assert positions == [
        ("DC01", "S1", "2026-02-01", 60.0, "2026-01-31", "2026-02-01"),  # not the 25 January count (50)
        ("DC01", "S2", "2026-02-01", 1.0, "2026-01-31", "2026-02-01"),
        ("ST01", "S1", "2026-01-25", 0.0, "2026-01-31", "2026-02-01"),  # the 2 February count is not used
    ]
    # only the 2 February count left: no stock position, and the plan says why
    assert why_no_stock(count_days, pd.Timestamp("2026-02-01")) == "1 stock count dated after 2026-02-01, the plan's first day (from 2026-02-02), is not used"


def test_forecast_accuracy_gives_wape_and_bias_by_each_cut(kpis):
    accuracy = {
        (cut, value): (wape, bias)
        for cut, value, wape, bias in kpis(f"SELECT cut_type, cut_value, wape, bias FROM kpi.kpi_forecast_accuracy WHERE month = '{JANUARY}'")
    }
    assert accuracy["all", "ALL"] == pytest.approx((4 / 15, 0))  # forecasts 12 and 3 against 10 and 5
    assert accuracy["location", "DC01"] == pytest.approx((0.2, 0.2))
    assert accuracy["channel", "STORE"] == pytest.approx((0.4, -0.4))
    assert accuracy["abc_class", "A"] == pytest.approx((0.2, 0.2))
    assert accuracy["family", "F1"] == pytest.approx((4 / 15, 0))


def test_inventory_value_by_location_and_class_at_the_months_last_count(kpis):
    value = {(loc, cls): v for loc, cls, v in kpis(f"SELECT location_id, abc_class, inventory_value FROM kpi.kpi_inventory_value WHERE month = '{JANUARY}'")}
    assert value["ALL", "ALL"] == 100  # 25 January: 50 x 2 at DC01, nothing else
    assert value["DC01", "A"] == 100
    assert value["DC01", "UNCLASSIFIED"] == 0
    assert value["ST01", "B"] == 0


def test_cash_to_cash_is_dio_plus_dso_minus_dpo_from_payment_terms(kpis):
    dio, dso, dpo, c2c = one(
        kpis,
        f"SELECT days_inventory_outstanding, days_sales_outstanding, days_payables_outstanding, cash_to_cash_days FROM kpi.kpi_cash_to_cash WHERE month = '{JANUARY}'",
    )
    assert dio == pytest.approx(161 * 31 / 224)
    # B2B: 30 + 24 on 30 days, 15 on 60 days; consumers pay at once (15 + 12 + 5)
    assert dso == pytest.approx((54 * 30 + 15 * 60) / 101)
    assert dpo == pytest.approx(100 * 45 / 224)  # 50 units at cost 2 on 45 days
    assert c2c == pytest.approx(dio + dso - dpo)


def test_oee_multiplies_availability_performance_and_quality_per_line(kpis):
    availability, performance, quality, oee, unconfirmed = one(
        kpis, f"SELECT availability, performance, quality, oee, unconfirmed_orders FROM kpi.kpi_oee WHERE month = '{JANUARY}' AND production_line_id = 'L1'"
    )
    assert availability == pytest.approx(12.5 / 15)  # 12.5 h run, 2.5 h down
    assert performance == pytest.approx(10 / 12.5)  # 1000 units at 100 an hour
    assert quality == pytest.approx(0.95)
    assert oee == pytest.approx(12.5 / 15 * 0.8 * 0.95)
    assert unconfirmed == 1  # MO3 has no confirmation hours


def test_plan_adherence_wants_the_planned_quantity_within_5_percent_in_the_planned_week(kpis):
    # MO1: 950 of 1000 a day late in the same week (adherent); MO2 never completed; MO3 90 of 100; MO4 not due
    assert one(kpis, f"SELECT plan_adherence FROM kpi.kpi_plan_adherence WHERE month = '{JANUARY}' AND production_line_id = 'L1'") == pytest.approx(1 / 3)


def test_inventory_discrepancy_weighs_book_against_physical_at_cost(kpis):
    discrepancy = dict(kpis(f"SELECT location_id, inventory_discrepancy FROM kpi.kpi_inventory_discrepancy WHERE month = '{JANUARY}'"))
    assert discrepancy["DC01"] == pytest.approx(2 * 2 / 100)  # book 48 against 50 counted
    assert discrepancy["ST01"] is None  # nothing in stock: no ratio


def test_sync_latency_reports_p50_and_p95_per_event_stream(kpis):
    latency = {
        source: (p50, p95, over)
        for source, p50, p95, over in kpis(
            f"SELECT source_system, latency_p50_seconds, latency_p95_seconds, events_over_5_minutes FROM kpi.kpi_sync_latency WHERE month = '{JANUARY}'"
        )
    }
    assert latency["WMS"] == pytest.approx((25, 30 + 0.85 * 370, 1))  # 10, 20, 30, 400 s
    assert latency["OMS"] == pytest.approx((60, 60, 0))
    assert latency["ALL"] == pytest.approx((30, 60 + 0.8 * 340, 1))


def test_returns_reintegrated_within_24_hours(kpis):
    # restockable online returns: 10 h (on time), 30 h, never restocked; the return of 31 January 10:00 is still in time
    assert one(kpis, f"SELECT returns_reintegrated_24h FROM kpi.kpi_returns_reintegration WHERE month = '{JANUARY}' AND location_id = 'DC01'") == pytest.approx(
        1 / 3
    )


def test_the_scorecard_holds_every_kpi_with_its_target(kpis):
    import pandas as pd

    rows = kpis("SELECT kpi, month, cut_type, cut_value, value, target, direction FROM kpi.kpi_scorecard")
    scorecard = pd.DataFrame(rows, columns=["kpi", "month", "cut_type", "cut_value", "value", "target", "direction"])
    defined = {kpi for (kpi,) in kpis("SELECT kpi FROM kpi.kpi_definitions")}
    assert set(scorecard.kpi) == defined, f"KPIs defined without figures: add their lines to kpi_scorecard.sql ({sorted(defined - set(scorecard.kpi))})"
    headline = latest_values(scorecard).query("cut_type == 'all'").set_index("kpi")
    assert headline.loc["otif_rate", "value"] == pytest.approx(2 / 5)
    # each listed SKU x location x day once, whichever channels it serves: S1 at ST01 and DC01, S2 at DC01
    assert headline.loc["stockout_rate", "value"] == pytest.approx((26 + 10 + 5) / (28 + 28 + 16))
    assert (headline.loc["stockout_rate", "target"], headline.loc["stockout_rate", "direction"]) == (0.02, "lower")
    assert headline.loc["returns_reintegrated_24h", "target"] == 0.85


def defined_in_yaml() -> dict[str, dict]:
    """Each KPI's definition as the models' YAML give it (config: meta: kpi:), by KPI."""
    definitions = {}
    for path in sorted((DBT_PROJECT_DIR / "models").rglob("*.yml")):
        for model in (yaml.safe_load(path.read_text()) or {}).get("models") or []:
            for definition in ((model.get("config") or {}).get("meta") or {}).get("kpi") or []:
                assert definition["kpi"] not in definitions, f"KPI {definition['kpi']} defined twice ({path})"
                definitions[definition["kpi"]] = definition
    return definitions


def test_every_kpi_defined_in_a_models_yaml_has_its_lines_in_the_scorecards_union():
    """dbt needs each KPI model's ref when it parses, so kpi_scorecard.sql's union names every
    KPI by hand: a KPI defined without its lines would have no figure (or, computed, no row at
    all), and a line without a definition would be dropped by the scorecard's join."""
    scorecard = (DBT_PROJECT_DIR / "models/marts/kpi/kpi_scorecard.sql").read_text()
    measures = scorecard[scorecard.index("measures as (") :]
    in_union = set(re.findall(r"select\s+'([a-z0-9_]+)'", measures))
    defined = set(defined_in_yaml())
    assert len(defined) >= 15 and in_union, (defined, in_union)  # the parsing found both sides
    assert not defined - in_union, f"KPIs defined (config: meta: kpi:) without lines in kpi_scorecard.sql's measures: {sorted(defined - in_union)}"
    assert not in_union - defined, f"kpi_scorecard.sql's measures name KPIs no model's YAML defines (config: meta: kpi:): {sorted(in_union - defined)}"


def test_kpi_definitions_hold_each_models_yaml_definitions_typed(kpis):
    rows = kpis("SELECT kpi, label, unit, direction, target, target_source FROM kpi.kpi_definitions")
    built = {row[0]: dict(zip(["kpi", "label", "unit", "direction", "target", "target_source"], row, strict=True)) for row in rows}
    assert built == {kpi: {"target": None, "target_source": None, **definition} for kpi, definition in defined_in_yaml().items()}
    # one model may define several KPIs; a KPI without a target has none, not 0
    assert (built["forecast_wape"]["target"], built["forecast_bias"]["direction"]) == (1.0, "zero")
    assert (built["inventory_value"]["target"], built["inventory_value"]["target_source"]) == (None, None)
    assert built["inventory_turnover"]["target"] == 12.0 and isinstance(built["inventory_turnover"]["target"], float)


def test_a_kpi_without_a_requirement_in_kpi_availability_is_computed(kpi_warehouse, tmp_path):
    """A new KPI's model and definition are enough: kpi_availability lists only the inputs a KPI
    needs, and a KPI it lists nothing for is computed."""
    copy = str(tmp_path / "warehouse.duckdb")
    shutil.copy(kpi_warehouse, copy)
    with duckdb.connect(copy) as con:  # as if a model's YAML had defined it
        con.execute("INSERT INTO kpi.kpi_definitions VALUES ('new_kpi', 'New KPI', 'percent', 'higher', 0.5, 'company')")
    build(copy, tmp_path, "kpi_availability")
    with duckdb.connect(copy, read_only=True) as con:
        assert con.execute("SELECT is_computed, reason, missing_inputs FROM kpi.kpi_availability WHERE kpi = 'new_kpi'").fetchall() == [(True, None, None)]


# another company's codes for the same channels and location types: the models know them only by
# their roles (the company's configuration, tables company.channels and company.location_types)
OTHER_CHANNELS = {"STORE": "TILL", "WEB": "ESHOP", "MARKETPLACE": "MP", "B2B": "TRADE"}
OTHER_LOCATION_TYPES = {"DC": "WAREHOUSE", "STORE": "SHOP", "WEB": "ONLINE"}


def _rename(con, table: str, column: str, codes: dict[str, str]) -> None:
    if not codes:
        return
    cases = " ".join(f"WHEN '{old}' THEN '{new}'" for old, new in codes.items())
    con.execute(f"UPDATE {table} SET {column} = CASE {column} {cases} ELSE {column} END")


def test_kpis_follow_the_roles_of_another_companys_codes(kpi_warehouse, tmp_path):
    copy = str(tmp_path / "warehouse.duckdb")
    shutil.copy(kpi_warehouse, copy)
    with duckdb.connect(copy) as con:
        for table in ("company.channels", "marts.fct_daily_demand", "marts.fct_order_lines", "marts.fct_returns", "forecasting.backtest_forecasts"):
            _rename(con, table, "channel_id", OTHER_CHANNELS)
        for table in ("company.location_types", "marts.dim_location"):
            _rename(con, table, "location_type", OTHER_LOCATION_TYPES)
    build(copy, tmp_path, "path:models/marts/kpi")  # the models only: the configuration keeps the other codes
    query = "SELECT kpi, CAST(month AS VARCHAR), cut_type, cut_value, round(value, 9) FROM kpi.kpi_scorecard ORDER BY ALL"
    with duckdb.connect(copy, read_only=True) as con:
        renamed = con.execute(query).fetchall()
    with duckdb.connect(kpi_warehouse, read_only=True) as con:
        original = con.execute(query).fetchall()
    back = {new: old for old, new in OTHER_CHANNELS.items()}
    assert Counter((kpi, month, cut, back.get(value, value) if cut == "channel" else value, v) for kpi, month, cut, value, v in renamed) == Counter(original)
    assert {value for _, _, cut, value, _ in renamed if cut == "channel"} >= {"TILL", "ESHOP", "MP", "TRADE"}


@pytest.mark.parametrize(
    ("code_systems", "channels"),
    [({}, {}), ({"POS": "TILLS", "ERP": "ITEMS", "MKT": "MARKET"}, OTHER_CHANNELS)],
    ids=["demo_codes", "other_codes"],
)
def test_a_quarantined_demand_row_is_dated_by_its_receipt_and_names_the_sku_its_code_maps_to(kpi_warehouse, tmp_path, code_systems, channels):
    """The row's own date may be what is wrong (2056, a 2-digit year): the exception takes the day
    the row was received (at the latest the history's last day), and the SKU of its code when the
    cross-reference knows it; the code systems and channels are known by their roles, whatever
    the company calls them."""
    from data_contracts.validate import ensure_governance_schema

    copy = str(tmp_path / "warehouse.duckdb")
    shutil.copy(kpi_warehouse, copy)
    with duckdb.connect(copy) as con:
        ensure_governance_schema(con)
        con.execute("CREATE SCHEMA IF NOT EXISTS raw")
        con.execute("CREATE TABLE inventory.inventory_policies (sku_id VARCHAR, location_id VARCHAR)")  # dbt source plan
        common = "_source_file VARCHAR, _row_number BIGINT, _loaded_at TIMESTAMP, _partition_date DATE"
        con.execute(f"CREATE TABLE raw.pos_sales (store VARCHAR, business_date VARCHAR, ean VARCHAR, qty VARCHAR, {common})")
        con.execute(
            "INSERT INTO raw.pos_sales VALUES ('ST01', '20560120', 'EAN1', '4', 'pos/ST01/sales_ST01_20260120.csv', 1, '2026-01-21 06:00', '2056-01-20'), "
            # loaded after the history's last day (31 January): a replay as of an earlier day
            "('ST01', '2026013', 'EAN1', '6', 'pos/ST01/sales_ST01_20260131.csv', 2, '2026-03-02 06:00', '2026-01-31')"
        )
        con.execute(f"CREATE TABLE raw.erp_sales_orders (item_code VARCHAR, ship_from VARCHAR, order_date VARCHAR, quantity VARCHAR, {common})")
        con.execute(
            "INSERT INTO raw.erp_sales_orders VALUES ('S2', 'DC01', '12/01/26', '7', 'erp/sales_orders_2026-01.csv', 3, '2026-01-13 05:00', '0026-01-12')"
        )
        con.execute(f"CREATE TABLE raw.oms_events (channel VARCHAR, item VARCHAR, ship_from VARCHAR, event_time VARCHAR, qty VARCHAR, {common})")
        con.execute(
            "INSERT INTO raw.oms_events VALUES ('MARKETPLACE', 'M9', 'DC01', '2026-01-14T20:00:00Z', '2', 'oms/events_20260115.jsonl', 2, '2026-01-15 04:00', '2026-01-14')"
        )
        con.execute(
            "CREATE TABLE intermediate.int_item_codes AS SELECT * FROM (VALUES ('POS', 'EAN1', 'S1'), ('ERP', 'S1', 'S1'), ('ERP', 'S2', 'S2'), "
            "('MKT', 'M2', 'S2')) t(source_system, external_code, sku_id)"
        )
        _rename(con, "intermediate.int_item_codes", "source_system", code_systems)
        _rename(con, "company.code_systems", "code_system", code_systems)
        _rename(con, "company.channels", "channel_id", channels)
        _rename(con, "raw.oms_events", "channel", channels)
        con.execute(
            "INSERT INTO governance.quarantine VALUES "
            "('pos_sales', 'pos/ST01/sales_ST01_20260120.csv', 1, 'future_date', '_future_business_date', '20560120', 'in the future', now()), "
            "('pos_sales', 'pos/ST01/sales_ST01_20260131.csv', 2, 'date_format', '_bad_business_date', '2026013', 'not a date', now()), "
            "('erp_sales_orders', 'erp/sales_orders_2026-01.csv', 3, 'date_format', '_bad_order_date', '12/01/26', 'not a date', now()), "
            "('oms_events', 'oms/events_20260115.jsonl', 2, 'unmapped_code', 'item', 'M9', 'not mapped', now())"
        )
    build(copy, tmp_path, "exc_unplanned_demand")
    with duckdb.connect(copy, read_only=True) as con:
        rows = con.execute(
            "SELECT reference, sku_id, location_id, channel_id, CAST(exception_date AS VARCHAR), units, reason_detail "
            "FROM exceptions.exc_unplanned_demand WHERE reference IS NOT NULL ORDER BY reference"
        ).fetchall()
    channel = {code: channels.get(code, code) for code in ("B2B", "MARKETPLACE", "STORE")}
    assert [row[:6] for row in rows] == [
        ("erp/sales_orders_2026-01.csv:3", "S2", "DC01", channel["B2B"], "2026-01-13", 7),
        ("oms/events_20260115.jsonl:2", None, "DC01", channel["MARKETPLACE"], "2026-01-15", 2),  # M9 maps to nothing
        ("pos/ST01/sales_ST01_20260120.csv:1", "S1", "ST01", channel["STORE"], "2026-01-21", 4),
        ("pos/ST01/sales_ST01_20260131.csv:2", "S1", "ST01", channel["STORE"], "2026-01-31", 6),  # never after the history's end
    ]
    assert "dated 20560120" in rows[2][6] and "received on 2026-01-21" in rows[2][6]
