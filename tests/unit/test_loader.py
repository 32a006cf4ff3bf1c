"""Raw ingestion on a temporary DuckDB: idempotent, traceable, rejects whole files."""

from __future__ import annotations

import os
import shutil
from datetime import date, datetime

import duckdb
import pytest

from data_contracts import contract_for
from orchestration.ingestion.landing import day_ranges
from orchestration.ingestion.loader import PartitionWindow
from tests.demo_sources import DEMO_MAPPINGS, load_demo_source

NOW = datetime(2026, 10, 1, 6, 0)


@pytest.fixture
def landing(tmp_path, tiny_landing):
    source, _ = tiny_landing
    target = tmp_path / "landing"
    shutil.copytree(source, target)
    return target


@pytest.fixture
def con(tmp_path):
    connection = duckdb.connect(str(tmp_path / "w.duckdb"))
    yield connection
    connection.close()


def test_rows_keep_file_row_number_and_load_time(con, landing, tmp_path):
    load_demo_source(con, contract_for("erp_items"), landing, tmp_path / "rejected", NOW)
    file, row, loaded_at, code = con.execute(
        "SELECT _source_file, _row_number, _loaded_at, item_code FROM raw.erp_items ORDER BY _row_number LIMIT 1"
    ).fetchone()
    first_line = (landing / "erp" / "items.csv").read_text().splitlines()[1]
    assert (file, row, loaded_at) == ("erp/items.csv", 1, NOW)
    assert first_line.startswith(code + ";")


def test_loading_the_same_files_again_changes_nothing(con, landing, tmp_path):
    contract = contract_for("pos_sales")
    first = load_demo_source(con, contract, landing, tmp_path / "rejected", NOW)
    before = con.execute("SELECT count(*), sum(hash(_source_file, _row_number, qty)) FROM raw.pos_sales").fetchone()
    second = load_demo_source(con, contract, landing, tmp_path / "rejected", datetime(2026, 10, 2))
    assert first.rows_loaded > 0 and second.rows_loaded == 0
    assert second.files_unchanged == first.files_seen - len(first.rejected)
    assert con.execute("SELECT count(*), sum(hash(_source_file, _row_number, qty)) FROM raw.pos_sales").fetchone() == before


def test_a_corrected_re_export_replaces_the_file_rows(con, landing, tmp_path):
    contract = contract_for("erp_suppliers")
    load_demo_source(con, contract, landing, tmp_path / "rejected", NOW)
    path = landing / "erp" / "suppliers.csv"
    lines = path.read_text().splitlines()
    path.write_text("\n".join(lines[:-1]) + "\n")  # one supplier fewer
    report = load_demo_source(con, contract, landing, tmp_path / "rejected", NOW)
    assert report.files_replaced == ["erp/suppliers.csv"]
    assert con.execute("SELECT count(*) FROM raw.erp_suppliers").fetchone()[0] == len(lines) - 2


def test_unparseable_file_is_rejected_whole_kept_and_reported(con, landing, tmp_path, tiny_landing):
    _, manifest = tiny_landing
    truncated = next(f["file"] for f in manifest["rejected_files"] if f["source"] == "wms_events")
    rejected_dir = tmp_path / "rejected"
    report = load_demo_source(con, contract_for("wms_events"), landing, rejected_dir, NOW)
    assert [r.file for r in report.rejected] == [truncated]
    assert (rejected_dir / truncated).exists() and not (landing / truncated).exists()
    assert "invalid JSON" in (rejected_dir / (truncated + ".error.txt")).read_text()
    assert con.execute("SELECT count(*) FROM raw.wms_events WHERE _source_file = ?", [truncated]).fetchone()[0] == 0
    assert report.files_loaded  # the other files still load
    recorded = con.execute("SELECT source_file, error FROM raw._rejected_files").fetchall()
    assert recorded[0][0] == truncated and "line" in recorded[0][1]


SUPPLIERS = b"supplier_code;name;lead_time_days;lead_time_sd_days;payment_terms_days\nX;Y;1;1;1\n"


def _pos_file(day: str) -> bytes:
    columns = contract_for("pos_sales").columns
    return (",".join(columns) + "\n" + ",".join(day if c == "business_date" else "1" for c in columns) + "\n").encode()


def _rejections(con) -> dict[str, tuple[str, str]]:
    return {f: (source, error) for source, f, error in con.execute("SELECT source, source_file, error FROM raw._rejected_files").fetchall()}


def test_a_link_to_a_file_outside_the_landing_folder_is_refused_as_the_link_it_is(con, tmp_path):
    landing, rejected = tmp_path / "landing", tmp_path / "rejected"
    outside = tmp_path / "secret.csv"
    outside.write_bytes(SUPPLIERS)  # a valid file: followed, it would load
    (landing / "erp").mkdir(parents=True)
    (landing / "erp" / "suppliers.csv").symlink_to(outside)
    report = load_demo_source(con, contract_for("erp_suppliers"), landing, rejected, NOW, processed_dir=tmp_path / "processed")
    [refused] = report.rejected
    assert refused.file == "erp/suppliers.csv" and "symbolic link: not followed" in refused.error
    assert report.rows_in_table == 0 and not report.files_loaded
    kept = rejected / "erp" / "suppliers.csv"
    assert kept.is_symlink() and not os.path.lexists(landing / "erp" / "suppliers.csv")  # the link moved, not its target
    assert outside.read_bytes() == SUPPLIERS
    assert _rejections(con)["erp/suppliers.csv"][0] == "erp_suppliers"


def test_a_link_to_another_landed_file_does_not_load_it_twice_nor_crash_the_move(con, tmp_path):
    landing, processed = tmp_path / "landing", tmp_path / "processed"
    (landing / "pos" / "ST01").mkdir(parents=True)
    (landing / "pos" / "ST01" / "sales_ST01_20260929.csv").write_bytes(_pos_file("20260929"))
    (landing / "pos" / "ST01" / "sales_ST01_20260930.csv").symlink_to(landing / "pos" / "ST01" / "sales_ST01_20260929.csv")
    report = load_demo_source(con, contract_for("pos_sales"), landing, tmp_path / "rejected", NOW, processed_dir=processed)
    assert report.files_loaded == ["pos/ST01/sales_ST01_20260929.csv"] and report.rows_loaded == 1
    assert [r.file for r in report.rejected] == ["pos/ST01/sales_ST01_20260930.csv"]
    assert (processed / "pos" / "ST01" / "sales_ST01_20260929.csv").read_bytes() == _pos_file("20260929")
    assert not report.not_archived


def test_a_folder_link_leaving_the_landing_folder_is_refused_and_nothing_in_it_is_read(con, tmp_path):
    landing, outside = tmp_path / "landing", tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "sales_ST09_20260930.csv").write_bytes(_pos_file("20260930"))
    (landing / "pos").mkdir(parents=True)
    (landing / "pos" / "ST09").symlink_to(outside, target_is_directory=True)
    report = load_demo_source(con, contract_for("pos_sales"), landing, tmp_path / "rejected", NOW, processed_dir=tmp_path / "processed")
    assert [r.file for r in report.rejected] == ["pos/ST09"] and "symbolic link" in report.rejected[0].error
    assert report.rows_in_table == 0 and (outside / "sales_ST09_20260930.csv").exists()
    assert (tmp_path / "rejected" / "pos" / "ST09").is_symlink()


def test_an_upper_case_extension_loads_and_what_no_source_claims_is_rejected_and_reported(con, tmp_path):
    from orchestration.ingestion.listing import NO_SOURCE_NAME
    from orchestration.ingestion.loader import reject_strays

    landing, rejected = tmp_path / "landing", tmp_path / "rejected"
    (landing / "erp").mkdir(parents=True)
    (landing / "erp" / "suppliers.CSV").write_bytes(SUPPLIERS)
    (landing / "erp" / "supplier.csv").write_bytes(SUPPLIERS)  # a typo in the name
    (landing / "erp" / "old.lnk").symlink_to(tmp_path / "nowhere")  # a dangling link no source claims
    (landing / ".upload").write_bytes(b"in progress")  # hidden, or a transfer tool's suffix: uploads in progress, left alone
    (landing / "erp" / "suppliers.csv.filepart").write_bytes(b"in progress")
    report = load_demo_source(con, contract_for("erp_suppliers"), landing, rejected, NOW, processed_dir=tmp_path / "processed")
    assert report.files_loaded == ["erp/suppliers.CSV"] and report.rows_in_table == 1
    strays = reject_strays(con, list(DEMO_MAPPINGS.values()), landing, rejected, NOW)
    assert {r.file: r.error for r in strays} == {
        "erp/old.lnk": "erp/old.lnk: symbolic link: not followed (a link is never read, wherever it points): deliver the file itself",
        "erp/supplier.csv": "erp/supplier.csv: no source matches this file name",
    }
    assert {f: s for f, (s, _) in _rejections(con).items()} == {"erp/old.lnk": NO_SOURCE_NAME, "erp/supplier.csv": NO_SOURCE_NAME}
    assert (rejected / "erp" / "supplier.csv.error.txt").exists() and (rejected / "erp" / "old.lnk").is_symlink()
    assert sorted(p.name for p in landing.rglob("*")) == [".upload", "erp", "suppliers.csv.filepart"]


def test_rejection_is_resolved_when_the_file_is_delivered_intact(con, landing, tmp_path):
    from orchestration.ingestion.loader import outstanding_rejections

    contract = contract_for("erp_suppliers")
    path = landing / "erp" / "suppliers.csv"
    good = path.read_bytes()
    load_demo_source(con, contract, landing, tmp_path / "rejected", NOW)
    path.write_bytes(good[:40] + b"\x00\x00")  # a corrupt re-delivery is rejected, earlier rows stay
    load_demo_source(con, contract, landing, tmp_path / "rejected", NOW)
    assert [f for f, _ in outstanding_rejections(con, "erp_suppliers")] == ["erp/suppliers.csv"]
    assert con.execute("SELECT count(*) FROM raw.erp_suppliers").fetchone()[0] > 0
    path.write_bytes(good)  # the original comes back
    load_demo_source(con, contract, landing, tmp_path / "rejected", NOW)
    assert outstanding_rejections(con, "erp_suppliers") == []


def test_a_second_corrupt_delivery_does_not_overwrite_the_first_kept_copy(con, landing, tmp_path):
    contract = contract_for("erp_suppliers")
    path = landing / "erp" / "suppliers.csv"
    kept = []
    for garbage in (b"\x00first", b"\x00second"):
        path.write_bytes(garbage)
        kept += [r.kept_at for r in load_demo_source(con, contract, landing, tmp_path / "rejected", NOW).rejected]
    assert len(set(kept)) == 2
    assert {open(k, "rb").read() for k in kept} == {b"\x00first", b"\x00second"}


def test_a_partition_window_loads_only_the_files_with_rows_of_its_days_and_archives_them(con, landing, tmp_path):
    contract = contract_for("pos_sales")
    processed = tmp_path / "processed"
    window = PartitionWindow(start=date(2026, 9, 30), end=date(2026, 10, 1), first=date(2026, 9, 1), last=date(2026, 9, 30))
    report = load_demo_source(con, contract, landing, tmp_path / "rejected", NOW, processed_dir=processed, window=window)
    assert {f for f in report.files_loaded if f.endswith("_20260930.csv")} == {f"pos/ST0{n}/sales_ST0{n}_20260930.csv" for n in range(1, 5)}
    # other files load only for a row of that day or later (future-dated dirt belongs to the last day)
    latest = dict(con.execute("SELECT _source_file, max(_partition_date) FROM raw.pos_sales GROUP BY 1").fetchall())
    assert set(latest) == set(report.files_loaded) and min(latest.values()) >= date(2026, 9, 30)
    assert all((processed / f).exists() and not (landing / f).exists() for f in report.files_loaded)
    assert report.files_outside_window and all((landing / f).exists() for f in report.files_outside_window)


def test_days_before_the_first_partition_belong_to_it_and_ranges_are_contiguous():
    window = PartitionWindow(start=date(2026, 9, 1), end=date(2026, 9, 2), first=date(2026, 9, 1), last=date(2026, 9, 30))
    assert window.contains(date(2025, 1, 1)) and not window.contains(date(2026, 9, 2))
    assert day_ranges({date(2026, 9, 1), date(2026, 9, 2), date(2026, 9, 5)}) == [(date(2026, 9, 1), date(2026, 9, 2)), (date(2026, 9, 5), date(2026, 9, 5))]


def test_files_loaded_by_a_run_that_stopped_before_validating_are_validated_by_the_next(con, landing, tmp_path):
    from orchestration.ingestion.loader import mark_validated, unvalidated_files

    contract = contract_for("pos_sales")
    report = load_demo_source(con, contract, landing, tmp_path / "rejected", NOW, processed_dir=tmp_path / "processed")
    # the run is killed here: files loaded and archived, no validation recorded
    again = load_demo_source(con, contract, landing, tmp_path / "rejected", NOW, processed_dir=tmp_path / "processed")
    assert again.files_new == [] and unvalidated_files(con, "pos_sales") == sorted(report.files_loaded)
    mark_validated(con, "pos_sales", unvalidated_files(con, "pos_sales"), NOW)
    assert unvalidated_files(con, "pos_sales") == []
    corrected = tmp_path / "processed" / report.files_loaded[0]
    (landing / report.files_loaded[0]).parent.mkdir(parents=True, exist_ok=True)
    (landing / report.files_loaded[0]).write_bytes(corrected.read_bytes() + corrected.read_bytes().splitlines(keepends=True)[-1])
    load_demo_source(con, contract, landing, tmp_path / "rejected", NOW, processed_dir=tmp_path / "processed")
    assert unvalidated_files(con, "pos_sales") == [report.files_loaded[0]]  # a re-export is validated again


def _pos_day(store: str, day: str, quantities: list[str]) -> bytes:
    lines = [f"{store},{day},200000000000{i},SALE,{q},1.50,{q}.00," for i, q in enumerate(quantities)]
    return ("store,business_date,ean,line_type,qty,unit_price,net_amount,promo_id\n" + "\n".join(lines) + "\n").encode()


def test_files_mapped_in_one_batch_keep_their_own_rows_order_and_path_and_a_broken_one_is_rejected_alone(con, tmp_path):
    """The files of a source are mapped together: each keeps its rows in its order, numbered from
    1, its own path's store (a row of another store named against its file); an unparseable file
    between them is rejected naming its line, and the files before and after it load."""
    landing = tmp_path / "landing"
    files = {
        "pos/ST01/sales_ST01_20260901.csv": _pos_day("ST01", "20260901", ["3", "1"]),
        "pos/ST01/sales_ST01_20260902.csv": _pos_day("ST01", "20260902", ["1", "x"]) + b"ST01,20260902,2000,SALE,1,1.5\n",  # line 4 is cut
        "pos/ST02/sales_ST02_20260901.csv": _pos_day("ST01", "20260901", ["5", "6", "7"]),  # rows of ST01 in ST02's file
        "pos/ST03/sales_ST03_20260901.csv": _pos_day("ST03", "20260901", []),  # a header only
    }
    for relative, data in files.items():
        (landing / relative).parent.mkdir(parents=True, exist_ok=True)
        (landing / relative).write_bytes(data)
    report = load_demo_source(con, contract_for("pos_sales"), landing, tmp_path / "rejected", NOW, processed_dir=tmp_path / "processed")
    [rejected] = report.rejected
    assert rejected.file == "pos/ST01/sales_ST01_20260902.csv" and "line 4" in rejected.error
    assert report.files_loaded == ["pos/ST01/sales_ST01_20260901.csv", "pos/ST02/sales_ST02_20260901.csv", "pos/ST03/sales_ST03_20260901.csv"]
    assert report.rows_per_file == {"pos/ST01/sales_ST01_20260901.csv": 2, "pos/ST02/sales_ST02_20260901.csv": 3, "pos/ST03/sales_ST03_20260901.csv": 0}
    rows = con.execute("SELECT _source_file, _row_number, qty, business_date, _path_problem FROM raw.pos_sales ORDER BY _source_file, _row_number").fetchall()
    assert rows == [
        ("pos/ST01/sales_ST01_20260901.csv", 1, "3", "2026-09-01", None),
        ("pos/ST01/sales_ST01_20260901.csv", 2, "1", "2026-09-01", None),
        *[("pos/ST02/sales_ST02_20260901.csv", n, q, "2026-09-01", "store ST01 in the file of ST02") for n, q in [(1, "5"), (2, "6"), (3, "7")]],
    ]


def test_a_file_whose_mapping_query_fails_is_rejected_alone_named_and_the_batch_loads(con, tmp_path, monkeypatch):
    """A failure of the batch's mapping query maps its files one by one: only the file the query
    cannot take is rejected (named, with the query's error), in its place among the rejections."""
    from data_contracts.company import apply
    from orchestration.ingestion import mapped_files

    batched = apply.apply_mapping_batch

    def failing_on_poison(parsed, *args, **kwargs):
        if any("99" in (table["qty"].to_pylist()) for table in parsed):
            raise ValueError("a value the query cannot take")
        return batched(parsed, *args, **kwargs)

    monkeypatch.setattr(apply, "apply_mapping_batch", failing_on_poison)
    monkeypatch.setattr(mapped_files, "apply_mapping_batch", failing_on_poison)
    landing = tmp_path / "landing"
    for day, quantities in [("20260901", ["1"]), ("20260902", ["99"]), ("20260903", ["2", "3"])]:
        (landing / "pos" / "ST01").mkdir(parents=True, exist_ok=True)
        (landing / "pos" / "ST01" / f"sales_ST01_{day}.csv").write_bytes(_pos_day("ST01", day, quantities))
    (landing / "pos" / "ST01" / "sales_ST01_20260904.csv").write_bytes(b"\x00")  # unparseable, after the poisoned one
    report = load_demo_source(con, contract_for("pos_sales"), landing, tmp_path / "rejected", NOW)
    assert [(r.file, r.error) for r in report.rejected] == [
        ("pos/ST01/sales_ST01_20260902.csv", "pos/ST01/sales_ST01_20260902.csv: could not be read as CSV (ValueError: a value the query cannot take)"),
        (
            "pos/ST01/sales_ST01_20260904.csv",
            "pos/ST01/sales_ST01_20260904.csv: NUL bytes at line 1 (byte 0): the file is corrupt, probably a failed transfer; ask for a re-export",
        ),
    ]
    assert report.rows_per_file == {"pos/ST01/sales_ST01_20260901.csv": 1, "pos/ST01/sales_ST01_20260903.csv": 2}
