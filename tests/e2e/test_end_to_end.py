"""One materialization of the data layer on tiny data (the session's reference run, see
tests/reference_home.py), checked against the generator's manifest.

Governance must catch every injected defect, kind by kind, with exact counts and nothing more;
every row read is harmonized or quarantined; the marts agree with figures computed directly from
the landing files; and a second run over the same files, rebuilding everything from scratch,
changes nothing.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from demo_company.generate import MANIFEST_NAME
from orchestration.partitions import all_days_tags
from orchestration.warehouse_snapshot import published_path
from tests.assets.test_warehouse_readers import held_reader
from tests.conftest import duckdb_path, marts_digest, running_home
from tests.reference_home import copy_home

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
def warehouse(reference):
    con = duckdb.connect(duckdb_path(reference["home"]), read_only=True)
    yield con
    con.close()


def _entries(manifest: dict, kinds) -> list[dict]:
    return [e for e in manifest["entries"] if e["kind"] in kinds]


def test_the_whole_graph_materializes_and_its_error_checks_pass(reference):
    assert reference["success"], reference["step_failures"]
    assert reference["check_evaluations"] and not reference["failed_error_checks"]


def test_every_injected_defect_is_in_quarantine_with_its_rule(reference, warehouse):
    manifest = reference["manifest"]
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


def test_findings_that_flow_on_are_reported_exactly(reference, warehouse):
    manifest = reference["manifest"]
    late = warehouse.execute("SELECT source, source_file, source_row_number FROM governance_marts.gov_late_events").fetchall()
    assert {(s, f, int(r)) for s, f, r in late} == {(e["source"], e["file"], e["row_number"]) for e in _entries(manifest, ["late_event"])}
    discrepancies = warehouse.execute("SELECT count(*) FROM governance_marts.gov_inventory_discrepancies").fetchone()[0]
    assert discrepancies == manifest["counts"]["stock_discrepancy"]
    # late events are applied to their own day, not to the day they arrived
    applied = warehouse.execute("SELECT count(*) FROM marts.fct_stock_movements WHERE is_late AND event_date < cast(exported_at AS date)").fetchone()[0]
    assert applied == sum(1 for e in _entries(manifest, ["late_event"]) if e["source"] == "wms_events")


def test_unparseable_files_are_rejected_and_kept(reference, warehouse):
    manifest, home = reference["manifest"], reference["home"]
    rejected = warehouse.execute("SELECT source, source_file, error FROM raw._rejected_files ORDER BY source").fetchall()
    assert {(s, f) for s, f, _ in rejected} == {(r["source"], r["file"]) for r in manifest["rejected_files"]}
    for _, file, error in rejected:
        assert (home / "rejected" / file).exists() and "line" in error


def test_rows_read_are_harmonized_or_quarantined(reference, warehouse):
    conservation = warehouse.execute("SELECT source, rows_read, rows_unaccounted, rows_quarantined FROM governance_marts.gov_row_conservation").fetchall()
    assert {s: u for s, _, u, _ in conservation} == {s: 0 for s in reference["manifest"]["rows_per_source"]}
    assert {s: r for s, r, _, _ in conservation} == reference["manifest"]["rows_per_source"]
    # the UI shows the same per-source counts on the quarantine asset
    shown = {k.split("/", 1)[1]: v for k, v in reference["quarantine_metadata"].items()}
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


def test_marts_agree_with_the_landing_files(reference, warehouse):
    manifest, landing = reference["manifest"], reference["home"] / "processed"  # loaded files end there
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


def test_every_sku_has_the_erp_unit_of_each_order_type_with_its_factor(warehouse):
    # seed erp_order_units: purchases in the purchase unit, transfers in WMS packs, manufacturing in the base unit
    units = warehouse.execute(
        "SELECT u.*, s.purchase_unit, s.case_size, s.pack_size FROM marts.dim_sku_order_units AS u JOIN marts.dim_sku AS s USING (sku_id)"
    ).df()
    assert len(units) == 3 * warehouse.execute("SELECT count(*) FROM marts.dim_sku").fetchone()[0]
    by_type = {order_type: frame for order_type, frame in units.groupby("order_type")}
    purchase, transfer, manufacturing = by_type["PURCHASE_ORDER"], by_type["TRANSFER_ORDER"], by_type["MANUFACTURING_ORDER"]
    assert (purchase.unit == purchase.purchase_unit).all() and (purchase.factor_to_base == purchase.case_size).all()
    assert (transfer.unit == "PK6").all() and transfer.factor_to_base.fillna(-1).equals(transfer.pack_size.fillna(-1))
    assert (manufacturing.unit == manufacturing.base_unit).all() and (manufacturing.factor_to_base == 1).all()


def test_a_second_run_over_the_same_files_from_scratch_changes_nothing(reference, warehouse, tmp_path):
    """Every file delivered again, then the full-refresh job (every raw row validated again, the
    incremental models rebuilt): nothing is loaded twice and the marts are the same, while a
    person reads the published copy through the whole run."""
    home = copy_home(reference["home"], tmp_path / "home")
    before = marts_digest(warehouse)
    raw_before = warehouse.execute("SELECT count(*) FROM raw.pos_sales").fetchone()[0]
    shutil.copytree(home / "processed", home / "landing", dirs_exist_ok=True)  # every file delivered again
    with running_home(home, PLANLINE_AS_OF=reference["manifest"]["end_date"]) as (instance, _):
        from orchestration.definitions import defs as planline

        defs = planline()

        # a person reading (another process, on what readers are told to open) through the whole run
        with held_reader(published_path(home / "warehouse.duckdb")) as reader:
            read_before = reader("SELECT count(*) FROM raw.pos_sales")
            job = defs.resolve_job_def("data_foundation_full_refresh")
            again = job.execute_in_process(instance=instance, raise_on_error=False, tags=all_days_tags())
            assert reader("SELECT count(*) FROM raw.pos_sales") == read_before == f"[({raw_before},)]"
    assert again.success, [e.message for e in again.get_step_failure_events()]
    assert not [p for p in (home / "landing").rglob("*") if p.is_file() and p.name != MANIFEST_NAME], "re-delivered files are archived"
    with duckdb.connect(duckdb_path(home), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM raw.pos_sales").fetchone()[0] == raw_before
        assert marts_digest(con) == before
