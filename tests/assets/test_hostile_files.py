"""Hostile landing files against the loader, the stray sweep and the landing sensor (issue 15
point 11): a file that cannot be listed or read never stops the others; nothing is lost (each
file loads, or is rejected and reported with a reason, or is left for the next run, said so);
links are never followed, neither in the landing folder nor among the kept copies of the
rejected folder; a path from outside stays in its folder.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
from datetime import date, datetime
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from data_contracts import contract_for
from demo_company.company_config import write_company
from demo_company.config import resolve_scale
from orchestration.ingestion import loader
from orchestration.ingestion.listing import BAD_NAME
from orchestration.ingestion.loader import LEFT_IN_LANDING, PartitionWindow, outstanding_rejections, reject_strays
from orchestration.resources import LandingZone
from tests.demo_sources import DEMO_MAPPINGS, load_demo_source

NOW = datetime(2026, 10, 1, 6, 0)
GOOD = "pos/ST02/sales_ST02_20260928.csv"


def _pos(day: str, store: str = "ST02") -> bytes:
    columns = contract_for("pos_sales").columns
    values = (day if c == "business_date" else store if c == "store" else "1" for c in columns)
    return (",".join(columns) + "\n" + ",".join(values) + "\n").encode()


def _wms(event_time: str, event_id: str) -> bytes:
    record = dict.fromkeys(contract_for("wms_events").columns, "1") | {"event_id": event_id, "event_time": event_time, "exported_at": event_time}
    return (json.dumps(record) + "\n").encode()


@pytest.fixture
def home(tmp_path) -> Path:
    (tmp_path / "landing" / "pos" / "ST02").mkdir(parents=True)
    (tmp_path / "landing" / "wms").mkdir()
    (tmp_path / "landing" / "erp").mkdir()
    (tmp_path / "landing" / GOOD).write_bytes(_pos("20260928"))
    (tmp_path / "landing" / "wms" / "events_20260920.jsonl").write_bytes(_wms("2026-09-20T10:00:00Z", "GOOD"))
    write_company(tmp_path / "company", resolve_scale("tiny"))  # how the demo company's files are read
    return tmp_path


@pytest.fixture
def con(tmp_path):
    connection = duckdb.connect(str(tmp_path / "w.duckdb"))
    yield connection
    connection.close()


def _load(con, home: Path, source: str = "pos_sales", window: PartitionWindow | None = None) -> loader.LoadReport:
    return load_demo_source(con, contract_for(source), home / "landing", home / "rejected", NOW, processed_dir=home / "processed", window=window)


def _strays(con, home: Path) -> list[loader.RejectedFile]:
    return reject_strays(con, list(DEMO_MAPPINGS.values()), home / "landing", home / "rejected", NOW)


def _tick(home: Path):
    from orchestration.defs.ingestion.sensors import landing_sensor

    zone = LandingZone(
        landing_dir=str(home / "landing"), rejected_dir=str(home / "rejected"), processed_dir=str(home / "processed"), company_dir=str(home / "company")
    )
    return landing_sensor(dg.build_sensor_context(resources={"landing_zone": zone}))


class _Alarm:
    """Fail instead of hanging for ever."""

    def __init__(self, seconds: int) -> None:
        self.seconds = seconds

    def __enter__(self) -> None:
        signal.signal(signal.SIGALRM, lambda *_: (_ for _ in ()).throw(TimeoutError(f"hung for {self.seconds} s")))
        signal.alarm(self.seconds)

    def __exit__(self, *_) -> None:
        signal.alarm(0)


def test_a_file_name_that_is_not_utf8_is_refused_named_and_the_tick_and_the_others_go_on(home, con):
    folder = os.fsencode(home / "landing" / "pos" / "ST02")
    Path(os.fsdecode(folder + b"/sales_ST02_\xe9t\xe9.csv")).write_bytes(_pos("20260927"))
    Path(os.fsdecode(os.fsencode(home / "landing" / "erp") + b"/fournisseurs_\xe9.csv")).write_bytes(b"x")
    requested = {r.partition_key for r in _tick(home).run_requests if r.partition_key}
    assert {"2026-09-20", "2026-09-28"} <= requested  # the tick did not stop
    report = _load(con, home)
    assert report.files_loaded == [GOOD]
    [refused] = report.rejected
    assert refused.file == "pos/ST02/sales_ST02_\\xe9t\\xe9.csv" and refused.error == f"{refused.file}: {BAD_NAME}"
    assert Path(os.fsdecode(os.fsencode(home / "rejected" / "pos" / "ST02") + b"/sales_ST02_\xe9t\xe9.csv")).read_bytes() == _pos("20260927")
    [stray] = _strays(con, home)
    assert stray.file == "erp/fournisseurs_\\xe9.csv" and BAD_NAME in stray.error
    assert [f for f, _ in outstanding_rejections(con, "pos_sales")] == [refused.file]


def test_a_pipe_named_like_a_kept_one_never_hangs_the_loader(home, con):
    pipe = home / "landing" / "pos" / "ST02" / "sales_ST02_20260929.csv"
    os.mkfifo(pipe)
    _load(con, home)
    os.mkfifo(pipe)  # the same name again: the kept pipe is never opened to compare it
    with _Alarm(20):
        again = _load(con, home)
        pipe.write_bytes(b"\x00corrupt")  # a corrupt file of that name now
        last = _load(con, home)
    assert [r.file for r in [*again.rejected, *last.rejected]] == ["pos/ST02/sales_ST02_20260929.csv"] * 2
    assert Path(last.rejected[0].kept_at).read_bytes() == b"\x00corrupt"


def test_a_kept_folder_link_is_never_followed_by_later_rejections(home, con, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (home / "landing" / "pos" / "ST09").symlink_to(outside, target_is_directory=True)
    _load(con, home)  # the link is kept as the link it is: rejected/pos/ST09
    (home / "landing" / "pos" / "ST09").mkdir()
    (home / "landing" / "pos" / "ST09" / "sales_ST09_20260927.csv").write_bytes(b"\x00corrupt")
    [rejected] = _load(con, home).rejected
    assert list(outside.iterdir()) == []
    kept = Path(rejected.kept_at)
    assert kept.parent == home / "rejected" / "pos" and kept.read_bytes() == b"\x00corrupt"
    assert "delivered as pos/ST09/sales_ST09_20260927.csv" in Path(rejected.kept_at + ".error.txt").read_text()


def test_the_error_note_is_never_written_through_a_link_nor_over_a_kept_file(home, con, tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    (home / "landing" / "erp" / "suppliers.csv.error.txt").symlink_to(victim)
    (home / "landing" / "erp" / "items.csv.error.txt").write_text("a delivered file\n")
    assert len(_strays(con, home)) == 2
    (home / "landing" / "erp" / "suppliers.csv").write_bytes(b"\x00corrupt")
    (home / "landing" / "erp" / "items.csv").write_bytes(b"\x00corrupt")
    kept = [r.kept_at for source in ("erp_suppliers", "erp_items") for r in _load(con, home, source).rejected]
    assert victim.read_text() == "precious\n"
    assert (home / "rejected" / "erp" / "items.csv.error.txt").read_text() == "a delivered file\n"
    assert all("NUL bytes" in Path(k + ".error.txt").read_text() for k in kept)


def test_a_kept_file_of_a_folder_name_does_not_block_later_rejections(home, con):
    (home / "landing" / "pos" / "ST09").write_bytes(b"a file named like a store folder")
    _strays(con, home)
    (home / "landing" / "pos" / "ST09").mkdir()
    (home / "landing" / "pos" / "ST09" / "sales_ST09_20260927.csv").write_bytes(b"\x00corrupt")
    report = _load(con, home)
    assert report.files_loaded == [GOOD] and [r.file for r in report.rejected] == ["pos/ST09/sales_ST09_20260927.csv"]
    assert (home / "rejected" / "pos" / "ST09").read_bytes() == b"a file named like a store folder"


def test_a_long_name_rejected_twice_is_kept_under_a_name_that_fits(home, con):
    name = "sales_ST02_" + "x" * 240 + ".csv"  # 255 bytes: no suffix fits
    for garbage, day in ((b"\x00one", "20260929"), (b"\x00two", "20260927")):
        (home / "landing" / "pos" / "ST02" / name).write_bytes(garbage)
        (home / "landing" / "pos" / "ST02" / f"sales_ST02_{day}.csv").write_bytes(_pos(day))
        report = _load(con, home)
        assert f"pos/ST02/sales_ST02_{day}.csv" in report.files_loaded and len(report.rejected) == 1
        assert Path(report.rejected[0].kept_at).read_bytes() == garbage
        assert f"delivered as pos/ST02/{name}" in Path(report.rejected[0].kept_at + ".error.txt").read_text()
    assert not (home / "landing" / "pos" / "ST02" / name).exists()


def test_a_file_gone_between_the_listing_and_its_reading_or_moving_is_skipped_said_so(home, con, monkeypatch):
    gone = home / "landing" / "pos" / "ST02" / "sales_ST02_20260927.csv"
    gone.write_bytes(_pos("20260927"))
    (home / "landing" / "pos" / "ST02" / "sales_ST02_20260926.csv").symlink_to(gone)
    listed = loader.scan_landing

    def listing_then_deleting(contracts, landing):
        entries = listed(contracts, landing)
        gone.unlink(missing_ok=True)
        (home / "landing" / "pos" / "ST02" / "sales_ST02_20260926.csv").unlink(missing_ok=True)
        return entries

    monkeypatch.setattr(loader, "scan_landing", listing_then_deleting)
    report = _load(con, home)
    assert report.files_loaded == [GOOD] and not report.rejected
    assert sorted(s.split(":")[0] for s in report.skipped) == ["pos/ST02/sales_ST02_20260926.csv", "pos/ST02/sales_ST02_20260927.csv"]


def test_a_rejection_the_landing_folder_does_not_let_move_is_recorded_and_reported(home, con, monkeypatch):
    (home / "landing" / "pos" / "ST02" / "sales_ST02_20260927.csv").write_bytes(b"\x00corrupt")
    (home / "landing" / "erp" / "supplier.csv").write_bytes(b"a typo in the name")
    moved = os.replace

    def read_only_landing(source, target, **folders):
        if str(source).startswith(str(home / "landing")):
            raise PermissionError(13, "Permission denied", str(source))
        return moved(source, target, **folders)

    monkeypatch.setattr(os, "replace", read_only_landing)
    report = _load(con, home)
    strays = _strays(con, home)
    assert [r.file for r in report.rejected] == ["pos/ST02/sales_ST02_20260927.csv"] and [r.file for r in strays] == ["erp/supplier.csv"]
    assert all(r.kept_at == f"{LEFT_IN_LANDING}: it could not be moved (Permission denied)" for r in [*report.rejected, *strays])
    assert report.rows_loaded == 1 and report.not_archived  # the good file loaded, its move reported
    assert (home / "landing" / "pos" / "ST02" / "sales_ST02_20260927.csv").exists()
    assert [f for f, _ in outstanding_rejections(con, "pos_sales")] == ["pos/ST02/sales_ST02_20260927.csv"]


def test_rows_appended_while_a_file_loads_are_not_archived_unloaded(home, con, monkeypatch):
    path = home / "landing" / GOOD
    parse = loader._parse

    def parse_then_append(*args):
        table = parse(*args)
        with open(path, "ab") as file:
            file.write(_pos("20260928").splitlines(keepends=True)[1])
        return table

    monkeypatch.setattr(loader, "_parse", parse_then_append)
    first = _load(con, home)
    assert first.rows_loaded == 1 and first.not_archived and GOOD in first.not_archived[0]
    assert path.exists() and not (home / "processed" / GOOD).exists()
    monkeypatch.undo()
    second = _load(con, home)  # the next run loads it whole, as a re-export
    assert second.files_replaced == [GOOD] and second.rows_loaded == 2 and (home / "processed" / GOOD).exists()


def test_an_event_of_year_10000_in_local_time_neither_crashes_a_daily_load_nor_the_sensor(home, con):
    from orchestration.ingestion.landing import file_days

    path = home / "landing" / "wms" / "events_20260921.jsonl"
    path.write_bytes(_wms("2026-09-21T10:00:00Z", "E2") + _wms("9999-12-31T23:59:59Z", "E3"))
    first, last = date(2026, 9, 1), date(2026, 9, 30)
    assert file_days(contract_for("wms_events"), DEMO_MAPPINGS["wms_events"], path, first, last) == {date(2026, 9, 21), last}
    window = PartitionWindow(start=date(2026, 9, 21), end=date(2026, 9, 22), first=first, last=last)
    report = _load(con, home, "wms_events", window)
    assert report.files_loaded == ["wms/events_20260921.jsonl"] and report.days_loaded == {date(2026, 9, 21), last}
    days = dict(con.execute("SELECT event_id, _partition_date FROM raw.wms_events").fetchall())
    assert days == {"E2": date(2026, 9, 21), "E3": date(9999, 12, 31)}  # a future day: the contract refuses the row
    con.execute("UPDATE raw.wms_events SET _partition_date = DATE '10000-01-01' WHERE event_id = 'E3'")  # as loaded before
    loader.ensure_raw_tables(con, contract_for("wms_events"))
    assert loader.loaded_days(con, [contract_for("wms_events")], NOW) == (date(2026, 9, 21), date(9999, 12, 31))


def _unlistable(monkeypatch, folder: Path) -> None:
    """``folder`` cannot be listed (as chmod 000 for anyone but root)."""
    listing = os.scandir

    def scandir(path="."):
        if not isinstance(path, int) and os.fspath(path) == str(folder.resolve()):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return listing(path)

    monkeypatch.setattr(os, "scandir", scandir)


def test_a_folder_that_cannot_be_listed_is_reported_by_the_run_and_the_sweep(home, con, monkeypatch):
    (home / "landing" / "pos" / "ST03").mkdir()
    (home / "landing" / "pos" / "ST03" / "sales_ST03_20260927.csv").write_bytes(_pos("20260927", "ST03"))
    (home / "landing" / "misc").mkdir()
    _unlistable(monkeypatch, home / "landing" / "pos" / "ST03")
    report = _load(con, home)
    assert report.files_loaded == [GOOD] and report.unlisted == ["pos/ST03: Permission denied"]
    assert _load(con, home, "wms_events").unlisted == []  # not a folder of that source
    monkeypatch.undo()
    _unlistable(monkeypatch, home / "landing" / "misc")
    [unlisted] = _strays(con, home)
    assert unlisted.file == "misc" and "cannot be listed (Permission denied)" in unlisted.error


def test_the_raw_asset_fails_files_parsed_naming_a_folder_it_cannot_list(home, monkeypatch):
    from orchestration.defs.ingestion.raw import build_raw_asset
    from orchestration.resources import DuckDBWarehouse

    (home / "landing" / "erp" / "suppliers.csv").write_bytes(b"supplier_code;name;lead_time_days;lead_time_sd_days;payment_terms_days\nS1;A;1;1;1\n")
    _unlistable(monkeypatch, home / "landing" / "erp")
    zone = LandingZone(
        landing_dir=str(home / "landing"), rejected_dir=str(home / "rejected"), processed_dir=str(home / "processed"), company_dir=str(home / "company")
    )
    from orchestration.defs.ingestion.company import company_configuration

    result = dg.materialize(
        [company_configuration, build_raw_asset(contract_for("erp_suppliers"))],
        resources={"warehouse": DuckDBWarehouse(database=str(home / "w.duckdb")), "landing_zone": zone},
        raise_on_error=False,
    )
    [check] = [c for c in result.get_asset_check_evaluations() if c.check_name == "files_parsed"]
    assert not check.passed and check.metadata["folders_not_listed"].value == "erp: Permission denied"


def test_the_processed_folder_is_never_entered_through_a_link_and_keeps_earlier_versions(home, con, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside")
    (home / "processed" / "pos").mkdir(parents=True)
    (home / "processed" / "pos" / "ST02").symlink_to(outside, target_is_directory=True)
    report = _load(con, home)
    assert report.files_loaded == [GOOD] and not report.not_archived
    assert not list(outside.iterdir())  # nothing moved through the link
    [kept] = list((home / "processed" / "pos").glob("ST02%2F*"))  # beside it, flat, the link left as it is
    assert kept.read_bytes() == _pos("20260928")
    # a corrected re-export: the earlier version stays beside it under its hash
    (home / "processed" / "pos" / "ST02").unlink()
    (home / "processed" / "pos" / "ST02").mkdir()
    (home / "processed" / GOOD).write_bytes(b"earlier")
    (home / "landing" / GOOD).write_bytes(_pos("20260928").replace(b",1", b",2", 1))
    assert _load(con, home).files_replaced == [GOOD]
    assert sorted(p.name for p in (home / "processed" / "pos" / "ST02").iterdir()) == sorted(
        [Path(GOOD).name, f"{Path(GOOD).name}.{hashlib.sha256(b'earlier').hexdigest()[:12]}"]
    )
