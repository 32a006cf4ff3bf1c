"""The demo company generator: determinism, formats, dirt manifest, scales."""

from __future__ import annotations

import csv
import hashlib
import importlib
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from demo_company import generate, resolve_scale
from demo_company.company_config import company_document
from demo_company.dirt import FILE_KINDS, FINDING_KINDS, QUARANTINE_KINDS
from demo_company.master_data import ean13

REPO = Path(__file__).resolve().parents[2]


def _tree_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(folder).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def test_the_command_line_writes_what_generate_writes(tmp_path, tiny_landing):
    landing, manifest = tiny_landing
    out = tmp_path / "landing"
    command = [sys.executable, "-m", "demo_company", "--scale", "tiny", "--seed", "7", "--out", str(out)]
    run = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout[run.stdout.index("{") :]) == manifest["counts"]  # what it prints last
    assert _tree_digest(out) == _tree_digest(landing)


def test_no_planning_reporting_or_publication_code_names_a_demo_code():
    """The demo company stays in demo_company/: the planning logic, the cockpit and the ERP files
    never name one of its channels, location types, units, segments, families or holidays."""
    demo = company_document(resolve_scale("tiny"))
    codes = {
        *(c["code"] for key in ("channels", "location_types", "units", "segments") for c in demo[key]),
        *demo["families"],
        *(h["name"] for h in demo["holidays"]),
    }
    literal = re.compile(r"""(["'])([^"'\n]+)\1""")
    found = [
        (path.relative_to(REPO).as_posix(), number, text)
        for folder in ("ml", "reporting", "publication")
        for path in sorted((REPO / folder).rglob("*"))
        if path.suffix in (".py", ".j2")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        for _, text in literal.findall(line)
        if text in codes
    ]
    assert codes and not found, found


def test_same_seed_gives_identical_files(tmp_path, tiny_landing):
    landing, _ = tiny_landing
    again = tmp_path / "again"
    generate(again, "tiny", seed=7)
    assert _tree_digest(again) == _tree_digest(landing)


def test_other_seed_gives_other_data(tmp_path, tiny_landing):
    other = tmp_path / "other"
    generate(other, "tiny", seed=8)
    assert _tree_digest(other) != _tree_digest(tiny_landing[0])


def test_manifest_counts_every_kind_of_dirt(tiny_landing):
    _, manifest = tiny_landing
    for kind in (*QUARANTINE_KINDS, *FINDING_KINDS, *FILE_KINDS):
        assert manifest["counts"][kind] > 0, f"no {kind} injected"
    assert manifest["counts"]["unparseable_file"] == 2
    by_kind = {}
    for entry in manifest["entries"]:
        by_kind[entry["kind"]] = by_kind.get(entry["kind"], 0) + 1
    assert {k: v for k, v in manifest["counts"].items() if k != "unparseable_file"} == by_kind


def test_each_system_writes_its_own_format(tiny_landing):
    landing, _ = tiny_landing
    erp = (landing / "erp" / "items.csv").read_text().splitlines()
    assert erp[0].startswith("item_code;description;family")
    row = dict(zip(erp[0].split(";"), erp[1].split(";")))
    assert "," in row["unit_cost"] and "." not in row["unit_cost"]  # French decimals
    so_file = sorted((landing / "erp").glob("sales_orders_*.csv"))[0]
    first = next(csv.DictReader(so_file.open(), delimiter=";"))
    assert len(first["order_date"]) == 10 and first["order_date"][2] == "/"  # DD/MM/YYYY
    pos_files = sorted((landing / "pos").glob("*/sales_*.csv"))
    assert pos_files and all(p.parent.name in p.name for p in pos_files)  # one file per store and day
    event = json.loads(sorted((landing / "wms").glob("events_*.jsonl"))[0].read_text().splitlines()[0])
    assert event["event_time"].endswith("Z") and "exported_at" in event


def test_manifest_rows_point_at_the_injected_values(tiny_landing):
    landing, manifest = tiny_landing
    negative_pos = [e for e in manifest["entries"] if e["kind"] == "negative_quantity" and e["source"] == "pos_sales"]
    for entry in negative_pos:
        rows = list(csv.DictReader((landing / entry["file"]).open()))
        row = rows[entry["row_number"] - 1]
        assert row["line_type"] == "SALE" and int(row["qty"]) < 0


def test_eans_have_valid_check_digits():
    codes = ean13(np.array([400638133393, 200000000001]))
    assert codes[0] == "4006381333931"  # a published EAN-13
    assert all(len(c) == 13 for c in codes)


def test_scales_resolve_and_reject_nonsense():
    assert resolve_scale("tiny").n_skus == 24
    assert resolve_scale("10x").n_skus == 10 * resolve_scale("demo").n_skus
    assert resolve_scale("tiny:2x").n_skus == 48
    with pytest.raises(ValueError, match="unknown scale"):
        resolve_scale("huge")


def _production_orders(landing: Path):
    import pandas as pd

    files = sorted((landing / "erp").glob("production_orders_*.csv"))
    return pd.concat([pd.read_csv(f, sep=";", dtype=str, keep_default_na=False) for f in files], ignore_index=True)


def test_completed_production_orders_carry_a_consistent_confirmation(tiny_landing):
    landing, _ = tiny_landing
    orders = _production_orders(landing)
    with (landing / "erp" / "production_lines.csv").open() as file:
        lines = list(csv.DictReader(file, delimiter=";"))
    rate = {line["line_code"]: float(line["run_rate_per_hour"].replace(",", ".")) for line in lines}
    confirmation = ["run_hours", "downtime_hours", "scrap_quantity"]
    open_orders = orders[orders.status != "COMPLETED"]
    assert (open_orders[confirmation] == "").all().all()  # like completed_quantity: only on completion
    done = orders[orders.status == "COMPLETED"]
    assert len(done) > 20 and (done[confirmation] != "").all().all()

    def number(column):
        return done[column].str.replace(",", ".").astype(float)

    run, downtime, good = number("run_hours"), number("downtime_hours"), number("completed_quantity")
    scrap = done.scrap_quantity.astype(int)  # whole units
    availability = run / (run + downtime)
    performance = (good + scrap) / (run * done.line_code.map(rate))
    quality = good / (good + scrap)
    for factor in (availability, performance, quality):
        assert ((factor > 0) & (factor <= 1)).all()
    assert 0.005 < scrap.sum() / (good + scrap).sum() < 0.03 and performance.median() > 0.85  # small orders round scrap up or down
    by_line = availability.groupby(done.line_code).mean()
    assert set(by_line.index) == {"LINE-1", "LINE-2"} and abs(by_line["LINE-1"] - by_line["LINE-2"]) > 0.02


def test_production_confirmations_leave_every_other_generated_value_as_it_was(tmp_path, tiny_landing, monkeypatch):
    """The confirmations draw from a stream of their own: without them, every other file is the same."""
    generate_module = importlib.import_module("demo_company.generate")  # the package exports the function under this name

    def unconfirmed(orders, lines, rng):
        return orders.assign(run_hours=0.0, downtime_hours=0.0, scrap_qty=0)

    monkeypatch.setattr(generate_module, "confirm_production", unconfirmed)
    landing, _ = tiny_landing
    other = tmp_path / "unconfirmed"
    generate(other, "tiny", seed=7)
    files = sorted(p.relative_to(landing) for p in landing.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(other) for p in other.rglob("*") if p.is_file())
    for relative in files:
        if not relative.name.startswith("production_orders_"):
            assert (landing / relative).read_bytes() == (other / relative).read_bytes(), relative
    confirmation = ["run_hours", "downtime_hours", "scrap_quantity"]
    with_them, without = _production_orders(landing), _production_orders(other)
    assert with_them.drop(columns=confirmation).equals(without.drop(columns=confirmation))
