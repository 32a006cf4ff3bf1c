"""A home the live service runs on, made by hand in well under a second (no Dagster run).

``build_home(home)`` writes what ``service.config.load_service_settings`` and
``service.state.LiveState`` read:

- the company folder ``home/company``: ``company.yaml`` and one mapping per event source
  (``sources/wms_events.yaml``, ``oms_events.yaml``, ``pos_sales.yaml``);
- the live warehouse ``home/warehouse.duckdb`` and its published copy (``published/warehouse.duckdb``
  and the ``.json`` manifest), holding the master data the door checks events against (raw tables
  as the loader writes them: canonical text) and the plan the availability book answers from.

The world (the same codes in the master data and the plan), business time zone Europe/Paris,
as-of the end of 2026-09-30 there (2026-09-30 22:00 UTC):

- items SKU1 (WMS code ``W-1``, barcode ``3000000000017``; a pack ``SIX`` of 6 eaches) and SKU2;
- locations DC01 (a warehouse) and ST01 (a store); channels WHS (wholesale), WEB (online),
  SHOP (store); customers KA1 (key account) and ST1 (standard), shipped from DC01;
- a plan of 7 days from 2026-09-30 (``PLAN``): SKU1 at DC01 has 100 on hand, a receipt of 50 on
  day 4 and committed lines of 30 (KA1, day 2) and 20 (ST1, day 5): projected balance
  100 100 70 70 120 100 100, ATP 70 70 70 70 100 100 100; SKU1 at ST01 10 every day; SKU2 at DC01
  0 until 40 arrive on day 3;
- the warehouse already holds one WMS event, ``OLD1`` (a receipt of SKU1 at DC01).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import httpx
import pandas as pd
import pytest
import yaml

from data_contracts.company.config import Company
from data_contracts.company.export import write_company_tables
from data_contracts.registry import contract_for
from data_contracts.validate import ensure_governance_schema
from ml.inventory.availability import available_to_promise
from orchestration.ingestion.loader import ensure_raw_tables
from orchestration.settings import home_environment
from orchestration.warehouse_snapshot import published_path

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "service-test-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
TZ = "Europe/Paris"
AS_OF = "2026-09-30T22:00:00Z"  # the end of 2026-09-30 in Paris
FIRST = date(2026, 9, 30)  # the plan's first day
LOADED = datetime(2026, 9, 29, 23, 0)  # when the warehouse's rows were loaded (naive UTC)
EVENT_TIME = "2026-09-30T08:00:00Z"  # 10:00 on the plan's first day in Paris

COMPANY = Company(
    name="Service test company",
    business_timezone=TZ,
    channels=[{"code": "WHS", "role": "wholesale"}, {"code": "WEB", "role": "online"}, {"code": "SHOP", "role": "store"}],
    location_types=[{"code": "WH", "role": "warehouse"}, {"code": "STORE", "role": "store"}],
    units=[{"code": "EACH", "role": "base"}, {"code": "SIX", "role": "store_pack"}],
    code_systems=[{"code": "ITEMS", "role": "item_master"}, {"code": "WMS", "role": "warehouse"}, {"code": "TILL", "role": "point_of_sale"}],
    segments=[
        {"code": "KEY_ACCOUNT", "allocation_priority": 1, "cycle_service_level": 0.98, "fill_rate": 0.99},
        {"code": "STANDARD", "allocation_priority": 3, "cycle_service_level": 0.9, "fill_rate": 0.95},
    ],
)
# Each event source's mapping: the files its exports land as (a fold writes the same) and its columns.
SOURCES = {"wms_events": "wms/*.jsonl", "oms_events": "oms/*.jsonl", "pos_sales": "pos/*.csv"}
MASTER = {  # raw tables as the loader writes them (canonical text)
    "erp_items": [{"item_code": "SKU1", "base_unit": "EACH"}, {"item_code": "SKU2", "base_unit": "EACH"}],
    "erp_locations": [
        {"location_code": "DC01", "location_type": "WH", "wms_receiving_unit": "SIX"},
        {"location_code": "ST01", "location_type": "STORE"},
    ],
    "erp_item_xref": [
        {"system": "WMS", "external_code": "W-1", "item_code": "SKU1", "valid_from": "2020-01-01"},
        {"system": "TILL", "external_code": "3000000000017", "item_code": "SKU1", "valid_from": "2020-01-01"},
    ],
    "erp_unit_conversions": [
        {"item_code": "SKU1", "unit": "EACH", "factor_to_base": "1"},
        {"item_code": "SKU1", "unit": "SIX", "factor_to_base": "6"},
        {"item_code": "SKU2", "unit": "EACH", "factor_to_base": "1"},
    ],
    "erp_purchase_orders": [{"po_number": "PO7", "po_line": "1", "item_code": "SKU1", "location_code": "DC01", "_partition_date": date(2026, 9, 1)}],
    "erp_production_orders": [],
    "wms_events": [
        {
            "event_id": "OLD1",
            "event_type": "RECEIPT",
            "event_time": "2026-09-20T08:00:00Z",
            "exported_at": "2026-09-20T08:01:00Z",
            "site": "DC01",
            "sku": "W-1",
            "qty": "1",
            "uom": "SIX",
            "reference": "PO7/1",
            "_partition_date": date(2026, 9, 20),
        }
    ],
}
PLAN = [  # sku, location, on hand, {day: receipts}, {day: committed}
    ("SKU1", "DC01", 100, {4: 50}, {2: 30, 5: 20}),
    ("SKU1", "ST01", 10, {}, {}),
    ("SKU2", "DC01", 0, {3: 40}, {}),
]
PLAN_DAYS = 7
SKU1_DC01_ATP = [70.0, 70.0, 70.0, 70.0, 100.0, 100.0, 100.0]


def wms(event_id: str, **changes) -> dict:
    """A WMS event as the WMS's export writes it: by default a SHIP of 1 each of SKU1 at DC01."""
    event = {
        "event_id": event_id,
        "event_type": "SHIP",
        "event_time": EVENT_TIME,
        "exported_at": EVENT_TIME,
        "site": "DC01",
        "sku": "W-1",
        "qty": "1",
        "uom": "EACH",
        "reference": None,
    }
    return {**event, **changes}


# -- the home --------------------------------------------------------------------------------------


def _write_company(folder: Path) -> None:
    sources = folder / "sources"
    sources.mkdir(parents=True, exist_ok=True)
    (folder / "company.yaml").write_text(yaml.safe_dump(COMPANY.model_dump(mode="json", exclude_defaults=True), sort_keys=False))
    for source, files in SOURCES.items():
        kind = files.rsplit(".", 1)[1]
        document = {"table": source, "files": files, "format": {"type": kind, "header": "by_name"}, "columns": {c: c for c in contract_for(source).columns}}
        (sources / f"{source}.yaml").write_text(yaml.safe_dump(document, sort_keys=False))


def _atp_table() -> pd.DataFrame:
    rows = [
        (sku, loc, pd.Timestamp(FIRST) + pd.Timedelta(days=d), on_hand, receipts.get(d, 0), committed.get(d, 0))
        for sku, loc, on_hand, receipts, committed in PLAN
        for d in range(PLAN_DAYS)
    ]
    atp = available_to_promise(pd.DataFrame(rows, columns=["sku_id", "location_id", "date", "on_hand", "receipts", "committed"]))
    return atp.assign(date=atp["date"].dt.date)


def _plan_tables() -> dict[str, pd.DataFrame]:
    day = lambda d: FIRST + timedelta(days=d)  # noqa: E731
    return {
        "inventory.available_to_promise": _atp_table(),
        "inventory.available_to_sell": pd.DataFrame(
            [
                ("SKU1", "DC01", FIRST, "WHS", 0.0),
                ("SKU1", "DC01", FIRST, "WEB", 10.0),
                ("SKU1", "ST01", FIRST, "SHOP", 0.0),
                ("SKU2", "DC01", FIRST, "WHS", 0.0),
            ],
            columns=["sku_id", "location_id", "date", "channel_id", "buffer_units"],
        ),
        "intermediate.int_item_codes": pd.DataFrame(
            [
                ("ERP", "SKU1", "SKU1", None, None),
                ("WMS", "W-1", "SKU1", date(2020, 1, 1), None),
                ("POS", "3000000000017", "SKU1", date(2020, 1, 1), None),
                ("ERP", "SKU2", "SKU2", None, None),
            ],
            columns=["source_system", "external_code", "sku_id", "valid_from", "valid_to"],
        ),
        "marts.dim_sku": pd.DataFrame({"sku_id": ["SKU1", "SKU2"]}),
        "marts.dim_location": pd.DataFrame([("DC01", "WH", "SOUTH"), ("ST01", "STORE", "NORTH")], columns=["location_id", "location_type", "region"]),
        "marts.dim_customer": pd.DataFrame(
            [("KA1", "KEY_ACCOUNT", "SOUTH", "DC01", 0.0), ("ST1", "STANDARD", "SOUTH", "DC01", 0.0)],
            columns=["customer_id", "segment", "region", "ship_from_location_id", "reserved_buffer_pct"],
        ),
        "inventory.fct_committed_orders": pd.DataFrame(
            [("SKU1", "DC01", "KA1", 1, day(2), 30.0, False), ("SKU1", "DC01", "ST1", 3, day(5), 20.0, False)],
            columns=["sku_id", "location_id", "customer_id", "allocation_priority", "due_date", "open_quantity", "is_stale"],
        ),
        "inventory.dim_shipping_lanes": pd.DataFrame(
            [("DC01", "NORTH", 1.4), ("DC01", "SOUTH", 0.9), ("ST01", "NORTH", 1.1)], columns=["location_id", "region", "cost_per_unit"]
        ),
        "inventory.fct_online_picking_load": pd.DataFrame([("DC01", 0, 100), ("ST01", 0, 10)], columns=["location_id", "open_lines", "capacity_lines"]),
    }


def write_warehouse(path: Path, plan: bool = True, watermark: bool = False) -> Path:
    """A warehouse file with the company tables, the master data and (``plan``) the plan's tables;
    ``watermark``: with ``inventory.plan_watermark`` (computed at the start of the plan's first day,
    from the loads up to ``LOADED``) as the ATP asset writes it; without, the book takes the start of
    the plan's first day as its watermark and counts every logged event."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    with duckdb.connect(str(path)) as con:
        write_company_tables(con, COMPANY)
        ensure_governance_schema(con)
        for source, rows in MASTER.items():
            contract = contract_for(source)
            ensure_raw_tables(con, contract)
            for number, row in enumerate(rows, start=1):
                values = {**row, "_source_file": f"{source}.csv", "_row_number": number, "_loaded_at": LOADED}
                names = ", ".join(f'"{name}"' for name in values)
                con.execute(f"INSERT INTO {contract.table} ({names}) VALUES ({', '.join('?' for _ in values)})", list(values.values()))
        if plan:
            for schema in ("inventory", "marts", "intermediate"):
                con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
            for table, frame in _plan_tables().items():
                con.register("frame", frame)
                con.execute(f"CREATE TABLE {table} AS SELECT * FROM frame")
                con.unregister("frame")
            if watermark:
                con.execute(
                    "CREATE TABLE inventory.plan_watermark AS SELECT TIMESTAMP '2026-09-29 22:00:00' AS computed_at, ?::TIMESTAMP AS raw_loaded_through",
                    [LOADED],
                )
    return path


def publish(home: Path, run_id: str = "run-1") -> Path:
    """Publish the live warehouse as a run does: the readers' copy, then its manifest."""
    live = home / "warehouse.duckdb"
    target = published_path(live)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(live, target)
    stat = live.stat()
    manifest = {"source": {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns}, "published_at": "2026-09-30T03:00:00+00:00", "run_id": run_id}
    target.with_name(f"{target.name}.json").write_text(json.dumps(manifest))
    return target


def service_env(home: Path, **variables: str) -> dict[str, str]:
    """The service's environment on ``home`` (PLANLINE_* only; a subprocess adds the rest)."""
    return {
        **home_environment(home),
        "PLANLINE_AS_OF": AS_OF,
        "PLANLINE_BUSINESS_TIMEZONE": TZ,
        "PLANLINE_SERVICE_TOKEN": TOKEN,
        **variables,
    }


def build_home(home: Path, published: bool = True, plan: bool = True, watermark: bool = False) -> Path:
    """The company folder, the live warehouse (``plan``, ``watermark``: see ``write_warehouse``) and
    (``published``) its readers' copy under ``home``."""
    _write_company(home / "company")
    for folder in ("landing", "rejected", "processed", "exports"):
        (home / folder).mkdir(parents=True, exist_ok=True)
    write_warehouse(home / "warehouse.duckdb", plan=plan, watermark=watermark)
    if published:
        publish(home)
    return home


# -- the app in-process ----------------------------------------------------------------------------


@pytest.fixture
def home(tmp_path) -> Path:
    return build_home(tmp_path / "home")


@pytest.fixture
def make_client(monkeypatch):
    """``make_client(home, **variables)``: a TestClient on the app over ``home`` (its lifespan run:
    the intake log opened, the published copy loaded; no background thread: tests call
    ``client.app.state.live.tick()``). Closed at the end of the test."""
    from fastapi.testclient import TestClient

    from service.app import create_app
    from service.config import load_service_settings

    clients = []

    def make(home: Path, **variables: str):
        env = service_env(home, **variables)
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        client = TestClient(create_app(load_service_settings(env), start_background=False))
        client.__enter__()
        clients.append(client)
        return client

    def close(client) -> None:
        """Stop a client's app (its lifespan's end: the intake log closed, its lock released)."""
        clients.remove(client)
        client.__exit__(None, None, None)

    make.close = close
    yield make
    for client in reversed(clients):
        client.__exit__(None, None, None)


@pytest.fixture
def client(home, make_client):
    return make_client(home)


# -- the service as a process ----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Service:
    process: subprocess.Popen
    url: str
    stderr: Path

    def kill(self) -> None:
        """SIGKILL, as a crash or the OOM killer does: no shutdown code runs."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


def start_service(home: Path, log_name: str = "service", timeout: float = 60.0, **variables: str) -> Service:
    """``python -m service`` on ``home`` (a free port), once /ready answers 200."""
    port = free_port()
    env = {**os.environ, **service_env(home, PLANLINE_SERVICE_PORT=str(port), **variables)}
    stderr = home / f"{log_name}.stderr"
    with stderr.open("wb") as err:
        process = subprocess.Popen([sys.executable, "-m", "service"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=err)
    service = Service(process, f"http://127.0.0.1:{port}", stderr)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"python -m service exited with {process.returncode}: {stderr.read_text()[-2000:]}")
        try:
            if httpx.get(f"{service.url}/ready", timeout=1).status_code == 200:
                return service
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    service.stop()
    raise AssertionError(f"python -m service not ready after {timeout} s: {stderr.read_text()[-2000:]}")


@pytest.fixture
def services() -> Iterator[list[Service]]:
    """Services a test starts (append them): stopped at its end, whatever happens."""
    started: list[Service] = []
    yield started
    for service in started:
        service.stop()
