"""One materialization of the whole graph on tiny data, checked against the generator's manifest.

Governance must catch every injected defect, kind by kind, with exact counts and nothing more;
every row read is harmonized or quarantined; the marts agree with figures computed directly from
the landing files; and a second run over the same files changes nothing.
"""

from __future__ import annotations

import csv
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from ml.demo_company import generate
from orchestration.jobs import all_days_tags
from tests.conftest import duckdb_path, marts_digest, running_home

pytestmark = pytest.mark.e2e

# The contract rule each kind of injected dirt must be quarantined under.
RULE_OF_KIND = {
    "duplicate_row": "duplicate_row",
    "negative_quantity": "negative_quantity",
    "wrong_unit": "wrong_unit",
    "unmapped_code": "unmapped_code",
    "unknown_unit": "unknown_unit",
    "missing_mandatory_field": "mandatory_field",
    "future_date": "future_date",
    "malformed_number": "number_format",
    "discontinued_item_order": "discontinued_item_order",
    "zero_price": "zero_price",
}


@pytest.fixture(scope="module")
def warehouse(pipeline_home):
    con = duckdb.connect(duckdb_path(pipeline_home["home"]), read_only=True)
    yield con
    con.close()


def _entries(manifest: dict, kinds) -> list[dict]:
    return [e for e in manifest["entries"] if e["kind"] in kinds]


def test_the_whole_graph_materializes_and_its_error_checks_pass(pipeline_home):
    result = pipeline_home["result"]
    assert result.success, [e.message for e in result.get_step_failure_events()]
    evaluations = [e.event_specific_data for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"]
    failed = [(str(ev.asset_key.to_user_string()), ev.check_name) for ev in evaluations if not ev.passed and ev.severity.value == "ERROR"]
    assert evaluations and not failed


def test_every_injected_defect_is_in_quarantine_with_its_rule(pipeline_home, warehouse):
    manifest = pipeline_home["manifest"]
    quarantine = warehouse.execute("SELECT source, source_file, row_number, rule, reason FROM governance.quarantine").df()
    flagged = set(zip(quarantine.source, quarantine.source_file, quarantine.row_number, quarantine.rule))
    for kind, rule in RULE_OF_KIND.items():
        expected = {(e["source"], e["file"], e["row_number"], rule) for e in _entries(manifest, [kind])}
        assert len(expected) == manifest["counts"][kind] > 0
        assert expected <= flagged, f"{kind}: not quarantined as {rule}: {sorted(expected - flagged)[:3]}"
    # nothing else is held back: every quarantined row is an injected defect
    injected_rows = {(e["source"], e["file"], e["row_number"]) for e in _entries(manifest, RULE_OF_KIND)}
    assert set(zip(quarantine.source, quarantine.source_file, quarantine.row_number)) == injected_rows
    assert quarantine.reason.str.len().min() > 30


def test_findings_that_flow_on_are_reported_exactly(pipeline_home, warehouse):
    manifest = pipeline_home["manifest"]
    late = warehouse.execute("SELECT source, source_file, source_row_number FROM governance_marts.gov_late_events").fetchall()
    assert {(s, f, int(r)) for s, f, r in late} == {(e["source"], e["file"], e["row_number"]) for e in _entries(manifest, ["late_event"])}
    discrepancies = warehouse.execute("SELECT count(*) FROM governance_marts.gov_inventory_discrepancies").fetchone()[0]
    assert discrepancies == manifest["counts"]["stock_discrepancy"]
    # late events are applied to their own day, not to the day they arrived
    applied = warehouse.execute("SELECT count(*) FROM marts.fct_stock_movements WHERE is_late AND event_date < cast(exported_at AS date)").fetchone()[0]
    assert applied == sum(1 for e in _entries(manifest, ["late_event"]) if e["source"] == "wms_events")


def test_unparseable_files_are_rejected_and_kept(pipeline_home, warehouse):
    manifest, home = pipeline_home["manifest"], pipeline_home["home"]
    rejected = warehouse.execute("SELECT source, source_file, error FROM raw._rejected_files ORDER BY source").fetchall()
    assert {(s, f) for s, f, _ in rejected} == {(r["source"], r["file"]) for r in manifest["rejected_files"]}
    for _, file, error in rejected:
        assert (home / "rejected" / file).exists() and "line" in error


def test_rows_read_are_harmonized_or_quarantined(pipeline_home, warehouse):
    conservation = warehouse.execute("SELECT source, rows_read, rows_unaccounted, rows_quarantined FROM governance_marts.gov_row_conservation").fetchall()
    assert {s: u for s, _, u, _ in conservation} == {s: 0 for s in pipeline_home["manifest"]["rows_per_source"]}
    assert {s: r for s, r, _, _ in conservation} == pipeline_home["manifest"]["rows_per_source"]
    # the UI shows the same per-source counts on the quarantine asset
    materialization = next(
        e.event_specific_data.materialization
        for e in pipeline_home["result"].get_asset_materialization_events()
        if e.asset_key.path == ["governance", "quarantine"]
    )
    shown = {k.split("/", 1)[1]: v.value for k, v in materialization.metadata.items() if k.startswith("rows/")}
    assert shown == {s: q for s, _, _, q in conservation if q}


def _clean_rows(landing: Path, manifest: dict, pattern: str, sep: str) -> pd.DataFrame:
    dirty = {(e["file"], e["row_number"]) for e in manifest["entries"] if e["kind"] in RULE_OF_KIND}
    frames = []
    for path in sorted(landing.glob(pattern)):
        relative = path.relative_to(landing).as_posix()
        rows = list(csv.DictReader(path.open(encoding="utf-8"), delimiter=sep))
        frames.append(pd.DataFrame(rows).assign(_row=range(1, len(rows) + 1), _file=relative))
    frame = pd.concat(frames, ignore_index=True)
    return frame[[(f, r) not in dirty for f, r in zip(frame._file, frame._row)]]


def test_marts_agree_with_the_landing_files(pipeline_home, warehouse):
    manifest, landing = pipeline_home["manifest"], pipeline_home["home"] / "processed"  # loaded files end there
    pos = _clean_rows(landing, manifest, "pos/*/sales_*.csv", ",")
    store_units = pos[pos.line_type == "SALE"].qty.astype(int).sum()
    assert float(warehouse.execute("SELECT sum(units) FROM marts.fct_daily_demand WHERE channel_id = 'STORE'").fetchone()[0]) == float(store_units)

    orders = _clean_rows(landing, manifest, "erp/sales_orders_*.csv", ";")
    factors = pd.read_csv(landing / "erp" / "unit_conversions.csv", sep=";", dtype=str)
    factors["factor"] = factors.factor_to_base.str.replace(",", ".").astype(float)
    orders = orders.merge(factors, on=["item_code", "unit"])
    b2b_units = (orders.quantity.str.replace(",", ".").astype(float) * orders.factor).sum()
    assert float(warehouse.execute("SELECT sum(units) FROM marts.fct_daily_demand WHERE channel_id = 'B2B'").fetchone()[0]) == pytest.approx(b2b_units)
    assert (orders.unit == "CS").any(), "the tiny company must exercise a unit conversion"

    items = pd.read_csv(landing / "erp" / "items.csv", sep=";", dtype=str)
    assert warehouse.execute("SELECT count(*) FROM marts.dim_sku").fetchone()[0] == len(items) == manifest["n_skus"]
    channels = {c for (c,) in warehouse.execute("SELECT DISTINCT channel_id FROM marts.fct_daily_demand").fetchall()}
    assert channels == {"STORE", "WEB", "MARKETPLACE", "B2B"}


def test_lead_times_come_from_the_lanes_receipts_or_the_supplier_master(warehouse):
    lines = warehouse.execute("SELECT supplier_id, location_id, lead_time_days FROM marts.fct_purchase_order_lines").df()
    suppliers = warehouse.execute("SELECT supplier_id, lead_time_days, lead_time_sd_days FROM marts.dim_supplier").df().set_index("supplier_id")
    lanes = warehouse.execute("SELECT * FROM inventory.fct_lead_times").df().set_index(["supplier_id", "location_id"]).sort_index()
    received = lines.dropna(subset=["lead_time_days"]).groupby(["supplier_id", "location_id"]).lead_time_days
    expected = pd.DataFrame({"n": received.size(), "mean": received.mean(), "sd": received.std()}).reindex(lanes.index)
    expected["n"] = expected.n.fillna(0)
    from_history = expected.n >= 8  # var min_lead_time_observations
    assert (lanes.lead_time_source == from_history.map({True: "history", False: "master_data"})).all()
    master = suppliers.reindex(lanes.index.get_level_values("supplier_id"))
    want_mean = expected["mean"].where(from_history, master.lead_time_days.to_numpy())
    want_sd = expected["sd"].fillna(0).where(from_history, master.lead_time_sd_days.to_numpy())
    assert lanes.lead_time_days.to_numpy(dtype=float) == pytest.approx(want_mean.to_numpy(dtype=float))
    assert lanes.lead_time_sd_days.to_numpy(dtype=float) == pytest.approx(want_sd.to_numpy(dtype=float))
    assert set(lanes.index) == set(map(tuple, lines[["supplier_id", "location_id"]].drop_duplicates().to_numpy()))


def test_inventory_classes_follow_value_and_weekly_variability(warehouse):
    demand = warehouse.execute("SELECT sku_id, location_id, channel_id, demand_date, units FROM marts.fct_daily_demand").df()
    costs = warehouse.execute("SELECT sku_id, unit_cost FROM marts.dim_sku").df().set_index("sku_id").unit_cost.astype(float)
    classes = warehouse.execute("SELECT * FROM inventory.fct_inventory_classes").df().set_index(["sku_id", "location_id"]).sort_index()
    demand["units"] = demand.units.astype(float)
    last_day = pd.Timestamp(demand[demand.channel_id != "B2B"].demand_date.max())
    demand["days_before_end"] = (last_day - pd.to_datetime(demand.demand_date)).dt.days
    first = demand.groupby(["sku_id", "location_id"]).days_before_end.max()
    window = demand[(demand.days_before_end >= 0) & (demand.days_before_end < 364)]
    weekly = window.groupby(["sku_id", "location_id", window.days_before_end // 7]).units.sum()
    observed = (first // 7 + 1).clip(upper=52)
    pairs = weekly.groupby(level=[0, 1]).sum()
    pairs = pairs[pairs > 0]
    cv = {}
    for (sku, location), units in weekly.groupby(level=[0, 1]):  # a check, not a hot path: a few hundred pairs
        if (sku, location) not in pairs.index:
            continue
        series = np.zeros(int(observed[(sku, location)]))
        series[units.index.get_level_values(2).to_numpy()] = units.to_numpy()
        cv[(sku, location)] = series.std(ddof=1) / series.mean() if len(series) > 1 else 0.0
    cv = pd.Series(cv).sort_index()
    assert list(classes.index) == list(cv.index)
    assert classes.weekly_cv.to_numpy(dtype=float) == pytest.approx(cv.to_numpy())
    expected_xyz = np.select([cv <= 0.5, cv <= 1.0], ["X", "Y"], "Z")
    assert (classes.xyz_class.to_numpy() == expected_xyz).all()
    value = (pairs * costs.reindex(pairs.index.get_level_values(0)).to_numpy()).rename("value").reset_index()
    value = value.sort_values(["location_id", "value", "sku_id"], ascending=[True, False, True])
    value["share"] = value.groupby("location_id").value.cumsum() / value.groupby("location_id").value.transform("sum")
    expected_abc = pd.Series(
        np.select([value.share <= 0.8, value.share <= 0.95], ["A", "B"], "C"), index=pd.MultiIndex.from_frame(value[["sku_id", "location_id"]])
    )
    assert (classes.abc_class == expected_abc.reindex(classes.index)).all()
    targets = pd.read_csv(Path(__file__).parents[1] / "dbt_project" / "seeds" / "service_level_targets.csv").set_index(["abc_class", "xyz_class"])
    joined = targets.reindex(pd.MultiIndex.from_arrays([classes.abc_class, classes.xyz_class]))
    assert classes.cycle_service_level.to_numpy(dtype=float) == pytest.approx(joined.cycle_service_level.to_numpy())


def test_stock_position_is_the_last_count_plus_movements_minus_store_sales_since(warehouse):
    counts = warehouse.execute("SELECT snapshot_date, location_id, sku_id, wms_quantity FROM marts.fct_inventory_snapshots").df()
    moves = warehouse.execute("SELECT event_date, location_id, sku_id, available_stock_delta FROM marts.fct_stock_movements").df()
    demand = warehouse.execute("SELECT demand_date, location_id, sku_id, channel_id, units FROM marts.fct_daily_demand").df()
    position = warehouse.execute("SELECT * FROM inventory.fct_stock_position").df().set_index(["sku_id", "location_id"]).sort_index()
    last_day = demand[demand.channel_id != "B2B"].demand_date.max()
    counts = counts[counts.snapshot_date <= last_day]
    latest = counts[counts.snapshot_date == counts.groupby("location_id").snapshot_date.transform("max")].set_index(["sku_id", "location_id"])
    counted_on = latest.snapshot_date.groupby(level=1).first()

    def since_count(frame: pd.DataFrame, day: str, value: str) -> pd.Series:
        after = (frame[day] > frame.location_id.map(counted_on)) & (frame[day] <= last_day)
        return frame[after].groupby(["sku_id", "location_id"])[value].sum().astype(float)

    moved = since_count(moves, "event_date", "available_stock_delta")
    sold = since_count(demand[demand.channel_id == "STORE"], "demand_date", "units")
    stocking = warehouse.execute("SELECT location_id FROM marts.dim_location WHERE location_type IN ('DC', 'STORE')").df().location_id
    latest = latest[latest.index.get_level_values(1).isin(stocking)].sort_index()
    computed = latest.wms_quantity.astype(float) + moved.reindex(latest.index).fillna(0) - sold.reindex(latest.index).fillna(0)
    assert list(position.index) == list(latest.index)
    assert position.computed_on_hand_units.to_numpy(dtype=float) == pytest.approx(computed.to_numpy())
    assert position.on_hand_units.to_numpy(dtype=float) == pytest.approx(computed.clip(lower=0).to_numpy())


def test_open_supply_and_committed_orders_are_what_is_ordered_and_not_yet_received_or_delivered(warehouse):
    supply = warehouse.execute("SELECT * FROM inventory.fct_open_supply").df()
    purchase = warehouse.execute("SELECT * FROM marts.fct_purchase_order_lines WHERE status = 'OPEN'").df()
    assert supply[supply.supply_type == "PURCHASE"].open_quantity.sum() == pytest.approx(
        (purchase.ordered_quantity - purchase.received_quantity.fillna(0)).astype(float).sum()
    )
    assert supply[supply.supply_type == "TRANSFER"].location_id.isna().all()  # destination unknown until received
    committed = warehouse.execute("SELECT * FROM inventory.fct_committed_orders").df()
    lines = warehouse.execute("SELECT * FROM marts.fct_order_lines WHERE status = 'OPEN'").df()
    assert len(committed) == (lines.ordered_quantity > lines.delivered_quantity.fillna(0)).sum() > 0
    last_day = warehouse.execute("SELECT max(demand_date) FROM marts.fct_daily_demand WHERE channel_id <> 'B2B'").fetchall()[0][0]
    assert (committed.due_date > pd.Timestamp(last_day)).all()
    stale = committed.promised_date < pd.Timestamp(last_day) - pd.Timedelta(days=28)  # var stale_order_days
    assert (committed.is_stale == stale).all()


def test_every_active_sku_has_a_replenishment_lane_at_every_stocking_location(warehouse):
    lanes = warehouse.execute("SELECT * FROM inventory.fct_replenishment_lanes").df()
    skus = warehouse.execute("SELECT * FROM marts.dim_sku").df()
    locations = warehouse.execute("SELECT * FROM marts.dim_location WHERE location_type IN ('DC', 'STORE')").df()
    last_day = warehouse.execute("SELECT max(demand_date) FROM marts.fct_daily_demand WHERE channel_id <> 'B2B'").fetchall()[0][0]
    active = skus[skus.discontinued_date.isna() | (skus.discontinued_date > pd.Timestamp(last_day))]
    assert len(lanes) == len(active) * len(locations)
    lanes = lanes.merge(active[["sku_id", "make_or_buy", "supplier_id", "production_line_id"]], on="sku_id").merge(
        locations[["location_id", "parent_location_id"]], on="location_id"
    )
    stores, dcs = lanes[lanes.location_type == "STORE"], lanes[lanes.location_type == "DC"]
    assert (stores.supply_type == "TRANSFER").all() and (stores.source_id == stores.parent_location_id).all()
    assert (dcs.supply_type == dcs.make_or_buy.map({"BUY": "PURCHASE", "MAKE": "PRODUCTION"})).all()
    assert (dcs.source_id == np.where(dcs.make_or_buy == "BUY", dcs.supplier_id, dcs.production_line_id)).all()


def test_a_second_run_over_the_same_files_changes_nothing(pipeline_home, warehouse):
    home = pipeline_home["home"]
    before = marts_digest(warehouse)
    raw_before = warehouse.execute("SELECT count(*) FROM raw.pos_sales").fetchone()[0]
    warehouse.close()  # one writer at a time
    shutil.copytree(home / "processed", home / "landing", dirs_exist_ok=True)  # every file delivered again
    with pytest.MonkeyPatch.context() as patch:
        for key, value in pipeline_home["env"].items():
            patch.setenv(key, value)
        again = pipeline_home["job"].execute_in_process(instance=pipeline_home["instance"], raise_on_error=False, tags=all_days_tags())
    assert again.success
    assert not [p for p in (home / "landing").rglob("*") if p.is_file() and p.name != "demo_manifest.json"], "re-delivered files are archived"
    con = duckdb.connect(duckdb_path(pipeline_home["home"]), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM raw.pos_sales").fetchone()[0] == raw_before
        assert marts_digest(con) == before
    finally:
        con.close()


# A run in a child process, so that it can be killed like a crashed machine would kill it.
RUN_IN_CHILD = (
    "import dagster as dg\n"
    "from orchestration.definitions import defs\n"
    "from orchestration.jobs import all_days_tags\n"
    "defs.resolve_job_def('data_foundation').execute_in_process(instance=dg.DagsterInstance.ephemeral(), tags=all_days_tags())\n"
)


def _kill_when(home: Path, reached, log: Path, timeout_s: float = 300) -> str:
    """Start a run in a child process and SIGKILL it as soon as ``reached(home)`` holds."""
    with log.open("ab") as output:
        child = subprocess.Popen([sys.executable, "-c", RUN_IN_CHILD], stdout=output, stderr=subprocess.STDOUT, env=dict(os.environ))
        deadline = time.monotonic() + timeout_s
        while not reached(home) and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        child.send_signal(signal.SIGKILL)
        assert child.wait() == -signal.SIGKILL, f"the run ended before the point to kill it at; see {log}"
    return log.read_text()


def _some_sales_archived(home: Path) -> bool:
    return (home / "processed" / "pos").exists()


def _building_incremental_models(home: Path) -> bool:
    return any("START sql incremental model" in log.read_text(errors="replace") for log in (home / "dbt").glob("*/dbt.log"))


def test_a_run_killed_mid_way_and_run_again_ends_with_the_marts_of_an_uninterrupted_run(pipeline_home, tmp_path):
    reference = pipeline_home["home"]
    with duckdb.connect(duckdb_path(reference), read_only=True) as con:
        expected = marts_digest(con, ("intermediate", "marts", "governance_marts"))
    home = tmp_path / "home"
    generate(home / "landing", "tiny", seed=7)  # the same deliveries as the reference run's
    delivered = sorted(p.relative_to(home / "landing") for p in (home / "landing").rglob("*") if p.is_file())
    with running_home(home, PLANLINE_AS_OF=pipeline_home["manifest"]["end_date"]) as (instance, _):
        _kill_when(home, _some_sales_archived, home / "killed_runs.log")  # mid-ingestion: files half moved
        _kill_when(home, _building_incremental_models, home / "killed_runs.log")  # mid-dbt: facts half built
        from orchestration.definitions import defs
        from orchestration.jobs import all_days_tags

        again = defs.resolve_job_def("data_foundation").execute_in_process(instance=instance, tags=all_days_tags(), raise_on_error=False)
    assert again.success, [e.message for e in again.get_step_failure_events()]
    kept = sorted(p.relative_to(home / folder) for folder in ("landing", "processed", "rejected") for p in (home / folder).rglob("*") if p.is_file())
    assert [p for p in kept if not p.name.endswith(".error.txt")] == delivered  # every delivered file, once
    with duckdb.connect(duckdb_path(home), read_only=True) as con:
        assert marts_digest(con, ("intermediate", "marts", "governance_marts")) == expected
