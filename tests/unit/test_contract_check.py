"""The raw assets' ``contract`` check: a systemic problem blocks, a few bad rows or a planner's typo do not."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from data_contracts import contract_for
from data_contracts.verdict import contract_verdict
from orchestration.defs.ingestion.raw import build_raw_asset

SALES = contract_for("erp_sales_orders")  # a system source: 10 % at most, judged from 200 rows
ITEMS = contract_for("erp_items")  # master data: no row may be quarantined
OVERRIDES = contract_for("planning_overrides")


@pytest.mark.parametrize(
    ("contract", "table", "delivery", "passed"),
    [
        (SALES, (1, 8), (1, 8), True),  # 12.5 % of 8 rows: nothing systemic
        (SALES, (19, 199), (19, 199), True),  # still too few rows to judge
        (SALES, (30, 200), (30, 200), False),  # 15 % of enough rows
        (SALES, (30, 10_000), (30, 250), False),  # a bad delivery is not diluted by the history
        (SALES, (30, 10_000), (30, 150), True),  # a small bad file inside a large table
        (ITEMS, (1, 5), (1, 5), False),  # master data is strict on any number of rows
    ],
)
def test_a_share_is_judged_only_over_enough_rows(contract, table, delivery, passed):
    assert contract_verdict(contract, table, delivery, schema_ok=True)[0] is passed


def test_a_large_bad_file_is_not_diluted_by_the_good_files_delivered_with_it():
    files = {"a.csv": (60, 300), "b.csv": (0, 5_000), "c.csv": (3, 20)}
    passed, judged = contract_verdict(SALES, (63, 50_000), (63, 5_320), schema_ok=True, files=files)
    assert not passed and "a.csv share 20.0%" in judged and "c.csv" not in judged  # c.csv: too few rows to judge


def test_a_planners_typo_warns_and_never_blocks_the_run():
    """One unknown item in a 2-row override file (1 of 8 override rows) must not stop master data."""
    assert not OVERRIDES.blocking
    [check] = [spec for spec in build_raw_asset(OVERRIDES).check_specs if spec.name == "contract"]
    assert not check.blocking
    passed, judged = contract_verdict(OVERRIDES, (1, 8), (1, 2), schema_ok=True)
    assert not passed and "never blocks" in judged  # a warning the planner sees
    assert contract_verdict(OVERRIDES, (0, 8), (0, 2), schema_ok=True)[0]


def test_a_source_file_with_a_wrong_schema_fails_whatever_its_size():
    assert not contract_verdict(replace(SALES, min_rows_for_share=200), (0, 3), (0, 3), schema_ok=False)[0]


@pytest.mark.parametrize(
    ("table", "delivery", "files", "named"),
    [
        ((9, 8), (0, 0), None, "table: 9 quarantined rows out of 8"),
        ((0, 8), (-1, 2), None, "delivery: -1 quarantined rows"),
        ((0, 8), (0, 2), {"a.csv": (3, 2)}, "file a.csv: 3 quarantined rows out of 2"),
        ((0, 8), (0,), None, "delivery: expected (quarantined rows, rows)"),
    ],
)
def test_counts_that_cannot_be_row_counts_are_refused_naming_the_part(table, delivery, files, named):
    with pytest.raises(ValueError, match=re.escape(named)):
        contract_verdict(SALES, table, delivery, schema_ok=True, files=files)
