"""A plan version: the name under which the planner keeps one plan's orders and projection.

``PLAN-<as-of day>-<hash of the orders>``: computed when the plan is made (the projection and the
planned orders carry it), checked wherever a version names a folder (the ERP files of a version).
"""

from __future__ import annotations

import hashlib
import re

import pandas as pd

VERSION_PATTERN = re.compile(r"^PLAN-\d{8}-[0-9a-f]{8}$")


def plan_version(as_of, orders: pd.DataFrame) -> str:
    """``PLAN-<as-of day>-<hash of every column of the orders>``: the same version always holds the
    same orders, reasons included, so its published files never change."""
    # rounded: parallel sums upstream differ in their last bits from run to run
    numbers = orders.select_dtypes("number").columns
    content = orders.round(dict.fromkeys(numbers, 6)).sort_values(list(orders.columns)).to_csv(index=False)
    return f"PLAN-{as_of:%Y%m%d}-{hashlib.sha256(content.encode()).hexdigest()[:8]}"


def check_plan_version(version: str) -> str:
    """A plan version names a folder: only the form ``PLAN-YYYYMMDD-<8 hex digits>`` is accepted."""
    if not VERSION_PATTERN.match(version or ""):
        raise ValueError(f"plan version must look like PLAN-20260930-1a2b3c4d, got {version!r}")
    return version
