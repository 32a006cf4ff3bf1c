"""Approval of the S&OP consensus plan (SPEC section 7.6): versioned, approved, published.

A consensus plan version moves ``proposed`` -> ``approved``; approving one version supersedes the
version approved before it (one approved plan at a time). The approved plan is published as a
CSV file whose bytes depend on the plan only (sorted rows, fixed number format), so publishing the
same version twice gives the same file.
"""

from __future__ import annotations

import re

import pandas as pd

from ml.schema import FrameSchema

SOP_VERSION_PATTERN = re.compile(r"^SOP-\d{6}-[0-9a-f]{8}$")
PLAN_COLUMNS = ("month", "family", "region", "demand", "supply", "inventory", "backlog", "lost_sales")
STATUSES = ("proposed", "approved", "superseded")


def check_sop_plan_version(version: str) -> str:
    """The version if it reads like one (``SOP-YYYYMM-<8 hex>``), else ValueError: it names a folder."""
    if not SOP_VERSION_PATTERN.fullmatch(version or ""):
        raise ValueError(f"'{version}' is not an S&OP plan version (expected SOP-YYYYMM-xxxxxxxx, e.g. SOP-202610-ee6ec884)")
    return version


def approval_statuses(statuses: pd.Series, approved: str) -> pd.Series:
    """New status per plan version (index: version) once ``approved`` is approved: it becomes
    ``approved``, an earlier approved version ``superseded``, the others keep theirs."""
    if approved not in statuses.index:
        raise ValueError(f"no consensus plan version {approved}; known versions: {', '.join(sorted(statuses.index)) or 'none'}")
    unknown = set(statuses) - set(STATUSES)
    if unknown:
        raise ValueError(f"unknown plan status {sorted(unknown)}; expected one of {STATUSES}")
    updated = statuses.where(statuses != "approved", "superseded")
    updated[approved] = "approved"
    return updated


def consensus_plan_csv(plan: pd.DataFrame, version: str) -> str:
    """The approved plan as CSV: plan_version, month (ISO), family, region and the units of
    ``PLAN_COLUMNS`` rounded to whole units; rows sorted by month, family and region."""
    FrameSchema(dict.fromkeys(PLAN_COLUMNS, "any")).require_columns(plan, "consensus plan")
    rows = plan.loc[:, list(PLAN_COLUMNS)].copy()
    rows["month"] = pd.to_datetime(rows.month).dt.strftime("%Y-%m")
    units = list(PLAN_COLUMNS[3:])
    rows[units] = rows[units].astype(float).round(0).astype("int64")
    rows.insert(0, "plan_version", version)
    return rows.sort_values(["month", "family", "region"]).to_csv(index=False, lineterminator="\n")
