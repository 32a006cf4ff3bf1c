"""The demo company generator: determinism, formats, dirt manifest, scales."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from ml.demo_company import generate, resolve_scale
from ml.demo_company.dirt import FILE_KINDS, FINDING_KINDS, QUARANTINE_KINDS
from ml.demo_company.master_data import ean13


def _tree_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(folder).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


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
