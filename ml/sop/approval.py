"""Approval of the S&OP consensus plan (SPEC section 7.6): versioned, approved, published.

A consensus plan version moves ``proposed`` -> ``approved``; approving one version supersedes the
version approved before it (one approved plan at a time). :func:`decide_approval` takes the
decision of the S&OP executive meeting (which version, who approves) against the recorded
statuses and says what changes and what is recorded. The approved plan is published as a
CSV file whose bytes depend on the plan only (sorted rows, fixed number format), so publishing the
same version twice gives the same file.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

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


@dataclass(frozen=True)
class Approval:
    """An approval decided: ``statuses``, the new status of every recorded version (index: the
    version), ``superseded``, the versions it supersedes; the rest is the record of
    sop.plan_approvals and of the published plan's manifest."""

    plan_version: str
    approved_by: str
    approved_at: dt.datetime
    comment: str
    statuses: pd.Series
    superseded: list[str]

    def record(self) -> dict[str, str | dt.datetime]:
        """The row of sop.plan_approvals: plan_version, approved_by, approved_at, comment."""
        return {"plan_version": self.plan_version, "approved_by": self.approved_by, "approved_at": self.approved_at, "comment": self.comment}


def decide_approval(statuses: pd.Series, plan_version: str, approved_by: str, comment: str, approved_at: dt.datetime) -> Approval:
    """``plan_version`` approved by ``approved_by`` at ``approved_at`` (naive UTC), given the
    recorded ``statuses`` (one per version, index: the version; empty before the first S&OP
    cycle). ValueError, before anything is written, when nobody is named, when the version does
    not read like one or is not recorded (the known ones named)."""
    approver = approved_by.strip()
    if not approver:
        raise ValueError("approved_by is empty: say who approves the plan.")
    version = check_sop_plan_version(plan_version.strip())
    updated = approval_statuses(statuses, version)
    superseded = sorted(updated.index[(updated == "superseded") & (statuses == "approved")])
    return Approval(version, approver, approved_at, comment, updated, superseded)


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
