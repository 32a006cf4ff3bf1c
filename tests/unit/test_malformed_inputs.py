"""Malformed inputs end in a clear error or a quarantine entry, and nothing is lost.

Each case of ``tests/malformed_corpus.py`` is delivered to a fresh landing folder and loaded and
validated, like a run does, on a copy of a warehouse holding the tiny company's master data.
"""

from __future__ import annotations

import csv
import io
import shutil
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from data_contracts import CONTRACTS, contract_for
from data_contracts.row_problems import PARSE_RULE
from data_contracts.sources.erp import PRODUCTION_CONFIRMATION_COLUMNS
from data_contracts.validate import validate_source, write_quarantine
from orchestration.ingestion.loader import LoadReport
from tests.demo_sources import DEMO_MAPPINGS, load_demo_source
from tests.malformed_corpus import CASES, TOLERATED, Case, LoadsAsClean, Quarantined, Rejected, Template, clean, load_templates
from tests.unit.test_contracts import assert_same_quarantine

AS_OF = datetime(2026, 9, 30, 23, 59, 59)
DELIVERED_AT = datetime(2026, 10, 1, 6, 0)  # the cases' files arrive after the master data
MASTER_DATA = [name for name, contract in CONTRACTS.items() if not contract.partitioned and name != "planning_overrides"]
# Orders the WMS receipts name (a receipt needs its order exported).
ORDERS = ["erp_purchase_orders", "erp_production_orders"]


@pytest.fixture(scope="module")
def templates(tiny_landing) -> dict[str, Template]:
    landing, manifest = tiny_landing
    return load_templates(landing, manifest)


@pytest.fixture(scope="module")
def master_data_warehouse(tmp_path_factory, tiny_landing) -> Path:
    """A warehouse with the tiny company's master data loaded and validated (lookups need it)."""
    landing, _ = tiny_landing
    folder = tmp_path_factory.mktemp("master_data")
    path = folder / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        for source in MASTER_DATA + ORDERS:
            load_demo_source(con, contract_for(source), landing, folder / "rejected", AS_OF)
            write_quarantine(con, validate_source(con, source, AS_OF))
    return path


@dataclass
class Delivery:
    """What loading and validating one case's files gave."""

    files: dict[str, bytes]
    report: LoadReport
    quarantine: pd.DataFrame
    raw: pd.DataFrame  # the source's raw rows of the delivered files
    folder: Path


def deliver(case: Case, templates, warehouse: Path, folder: Path) -> Delivery:
    files = case.files(templates)
    for relative, content in files.items():
        (folder / "landing" / relative).parent.mkdir(parents=True, exist_ok=True)
        (folder / "landing" / relative).write_bytes(content)
    shutil.copy(warehouse, folder / "warehouse.duckdb")
    with duckdb.connect(str(folder / "warehouse.duckdb")) as con:
        report = load_demo_source(con, contract_for(case.source), folder / "landing", folder / "rejected", DELIVERED_AT, processed_dir=folder / "processed")
        outcome = validate_source(con, case.source, AS_OF)  # whole, as master data and a full refresh are
        # a daily run checks the same delivery incrementally: it must find the same entries
        assert_same_quarantine(outcome, validate_source(con, case.source, AS_OF, scope_files=list(files)))
        write_quarantine(con, outcome)
        quarantine = con.execute("SELECT * FROM governance.quarantine WHERE source = ? AND list_contains(?, source_file)", [case.source, list(files)]).df()
        raw = con.execute(f"SELECT * FROM raw.{case.source} WHERE list_contains(?, _source_file) ORDER BY _source_file, _row_number", [list(files)]).df()
    return Delivery(files, report, quarantine, raw, folder)


@pytest.fixture(scope="module")
def clean_deliveries(templates, master_data_warehouse, tmp_path_factory) -> dict[str, Delivery]:
    """Each source's clean file delivered once: what its cases' variants must load exactly like."""
    folder = tmp_path_factory.mktemp("clean")
    return {source: deliver(clean(source), templates, master_data_warehouse, folder / source) for source in templates}


def data_rows(content: bytes, template: Template) -> int:
    text = content.decode("utf-8-sig")
    if template.header is not None:  # CSV records: a quoted value may hold a line break
        records = [r for r in csv.reader(io.StringIO(text, newline=""), delimiter=template.separator) if any(f.strip() for f in r)]
        return len(records) - 1
    return len([line for line in text.splitlines() if line.strip()])


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_a_malformed_input_ends_in_a_clear_error_or_a_quarantine_entry_and_nothing_is_lost(case, templates, master_data_warehouse, tmp_path):
    delivery = deliver(case, templates, master_data_warehouse, tmp_path)
    expect, template = case.expect, templates[case.source]
    if isinstance(expect, Rejected):
        [rejected] = delivery.report.rejected
        assert rejected.file == template.path and rejected.error.startswith(f"{template.path}: ")
        assert expect.says in rejected.error, rejected.error
        assert Path(rejected.kept_at).read_bytes() == delivery.files[template.path]  # kept as delivered
        assert expect.says in Path(rejected.kept_at + ".error.txt").read_text()
        assert not (tmp_path / "landing" / template.path).exists()
        assert not (delivery.raw._loaded_at == DELIVERED_AT).any()  # no row of it (a master-data file keeps its earlier rows)
    else:
        assert isinstance(expect, Quarantined)
        assert not delivery.report.rejected
        for file, content in delivery.files.items():  # every row is in raw, valid or not
            assert (delivery.raw._source_file == file).sum() == data_rows(content, template)
            assert (tmp_path / "processed" / file).read_bytes() == content
        file = expect.file or template.path
        flagged = delivery.quarantine[(delivery.quarantine.source_file == file) & (delivery.quarantine.row_number == expect.row)]
        assert expect.rule in set(flagged.rule), delivery.quarantine[["row_number", "rule", "reason"]].to_string()
        assert set(delivery.quarantine.row_number) == {expect.row} and set(delivery.quarantine.source_file) == {file}
        reasons = list(flagged[flagged.rule == expect.rule].reason)  # a rule may hold a row back for two columns
        assert expect.value is None or any(expect.value in reason for reason in reasons), reasons
        if expect.rule == PARSE_RULE:  # a malformed row is one entry, not one per field it breaks
            assert len(flagged) == 1, flagged[["rule", "reason"]].to_string()


@pytest.mark.parametrize("case", TOLERATED, ids=lambda c: c.name)
def test_a_harmless_variant_loads_exactly_like_the_clean_file(case, templates, master_data_warehouse, clean_deliveries, tmp_path):
    assert isinstance(case.expect, LoadsAsClean)
    template = templates[case.source]
    expected = clean_deliveries[case.source]
    delivery = deliver(case, templates, master_data_warehouse, tmp_path)
    columns = list(contract_for(case.source).columns)
    assert not delivery.report.rejected and delivery.quarantine.empty and expected.quarantine.empty
    assert len(delivery.raw) == len(template.rows)
    assert delivery.raw[columns].equals(expected.raw[columns])


def test_the_clean_templates_pass_their_contracts(templates, clean_deliveries):
    """Each case changes one thing in a clean file: the quarantine it gets is that thing's."""
    assert set(clean_deliveries) == set(templates)
    for source, template in templates.items():
        delivery = clean_deliveries[source]
        assert delivery.quarantine.empty and len(delivery.raw) == len(template.rows), source


def test_a_header_only_file_loads_no_rows_and_is_logged(templates, master_data_warehouse, tmp_path):
    template = templates["pos_sales"]
    case = Case("no_sales_that_day", "pos_sales", lambda t: {template.path: template.with_rows().data()}, LoadsAsClean())
    delivery = deliver(case, templates, master_data_warehouse, tmp_path)
    assert delivery.report.files_loaded == [template.path] and delivery.raw.empty
    assert (tmp_path / "processed" / template.path).exists()  # known, so a re-delivery is recognized


def test_a_late_event_lands_on_its_own_day(templates, master_data_warehouse, tmp_path):
    template = templates["wms_events"]
    late = template.with_value(2, "event_time", "2026-09-03T10:00:00Z")  # exported days after it happened
    delivery = deliver(Case("late", "wms_events", lambda t: {template.path: late.data()}, LoadsAsClean()), templates, master_data_warehouse, tmp_path)
    assert delivery.quarantine.empty
    assert delivery.raw.set_index("_row_number").loc[2, "_partition_date"] == pd.Timestamp(date(2026, 9, 3))


def test_a_production_order_export_older_than_the_confirmation_fields_loads_with_them_null(templates, master_data_warehouse, clean_deliveries, tmp_path):
    template = templates["erp_production_orders"]
    older = template
    for column in PRODUCTION_CONFIRMATION_COLUMNS:
        older = older.without_column(column)
    assert older.header.endswith(";status")
    expected = clean_deliveries["erp_production_orders"]
    delivery = deliver(
        Case("older_export", "erp_production_orders", lambda t: {template.path: older.data()}, LoadsAsClean()),
        templates,
        master_data_warehouse,
        tmp_path,
    )
    assert not delivery.report.rejected and delivery.quarantine.empty and len(delivery.raw) == len(template.rows)
    assert delivery.raw[list(PRODUCTION_CONFIRMATION_COLUMNS)].isna().all().all()
    assert expected.raw[list(PRODUCTION_CONFIRMATION_COLUMNS)].notna().all().all()  # the current export carries them
    others = [c for c in contract_for("erp_production_orders").columns if c not in PRODUCTION_CONFIRMATION_COLUMNS]
    assert delivery.raw[others].equals(expected.raw[others])


def test_a_warehouse_loaded_before_the_confirmation_fields_gets_their_columns(templates, master_data_warehouse, tmp_path):
    """A raw table created from the contract without its newer optional columns gains them at the next load."""
    from dataclasses import replace

    template = templates["erp_production_orders"]
    current = contract_for("erp_production_orders")
    before = replace(current, columns=tuple(c for c in current.columns if c not in PRODUCTION_CONFIRMATION_COLUMNS))
    older = template
    for column in PRODUCTION_CONFIRMATION_COLUMNS:
        older = older.without_column(column)
    (tmp_path / "old" / template.path).parent.mkdir(parents=True)
    (tmp_path / "old" / template.path).write_bytes(older.data())
    shutil.copy(master_data_warehouse, tmp_path / "warehouse.duckdb")
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        # the shared warehouse holds the current export's orders: start from none
        con.execute("DROP TABLE raw.erp_production_orders")
        con.execute("DELETE FROM raw._load_log WHERE source = 'erp_production_orders'")
        older_mapping = DEMO_MAPPINGS["erp_production_orders"].model_copy(update={"columns": {c: c for c in before.columns}})
        load_demo_source(con, before, tmp_path / "old", tmp_path / "rejected", AS_OF, mapping=older_mapping)
        (tmp_path / "new" / template.path).parent.mkdir(parents=True)
        (tmp_path / "new" / template.path).write_bytes(template.with_rows(template.rows[0]).data())
        report = load_demo_source(con, current, tmp_path / "new", tmp_path / "rejected", DELIVERED_AT)
        rows = con.execute(
            "SELECT _row_number, run_hours, downtime_hours, scrap_quantity FROM raw.erp_production_orders ORDER BY _loaded_at, _row_number"
        ).fetchall()
    assert report.files_replaced == [template.path] and not report.rejected
    assert len(rows) == 1 and all(value is not None for value in rows[0][1:])
