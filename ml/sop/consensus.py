"""The S&OP consensus plan proposed for approval (SPEC section 7.6): the base scenario's balanced
plan by month x family x region, under a plan version that names its content.

The version is ``SOP-<first month YYYYMM>-<8 hex>``, the hex the start of the SHA-256 of the plan's
rows (rounded to 6 decimals): the same plan gets the same version, whenever it is balanced, and a
plan proposed again keeps the decision taken on it (an approved version stays approved).
"""

from __future__ import annotations

import hashlib

import pandas as pd

from ml.schema import FrameSchema
from ml.sop.approval import STATUSES

BASE_SCENARIO = "base"
KEY_COLUMNS = ("month", "family", "region")
UNIT_COLUMNS = ("demand", "supply", "inventory", "backlog", "lost_sales")
SCENARIO_PLAN_SCHEMA = FrameSchema({"scenario": "text", "month": "date", "family": "text", "region": "text", **dict.fromkeys(UNIT_COLUMNS, "number")})


def base_consensus_plan(scenario_plans: pd.DataFrame) -> pd.DataFrame:
    """The base scenario's plan summed by month x family x region (the planning groups of a family
    added up): ``KEY_COLUMNS`` and ``UNIT_COLUMNS``, the month as given. ValueError naming the
    column and row of a bad value, or when the plans have no base scenario."""
    SCENARIO_PLAN_SCHEMA.validate(scenario_plans, "scenario plans")  # the checks only: the copy's types would change the hash
    base = scenario_plans[scenario_plans.scenario == BASE_SCENARIO]
    if base.empty:
        scenarios = ", ".join(sorted(map(str, scenario_plans.scenario.unique()))) or "none"
        raise ValueError(f"scenario plans: no '{BASE_SCENARIO}' scenario to propose as the consensus plan (scenarios: {scenarios})")
    return base.groupby(list(KEY_COLUMNS), as_index=False)[list(UNIT_COLUMNS)].sum()


def consensus_plan_version(base: pd.DataFrame) -> str:
    """The version naming ``base`` (:func:`base_consensus_plan`'s rows, in its order):
    ``SOP-<first month YYYYMM>-<first 8 hex of the SHA-256 of the rows rounded to 6 decimals>``."""
    FrameSchema(dict.fromkeys((*KEY_COLUMNS, *UNIT_COLUMNS), "any")).require_columns(base, "consensus plan")
    if base.empty:
        raise ValueError("consensus plan: no row to name a version for")
    digest = hashlib.sha256(base.round(6).to_csv(index=False).encode()).hexdigest()[:8]
    return f"SOP-{pd.Timestamp(base.month.min()):%Y%m}-{digest}"


def proposed_consensus_plan(scenario_plans: pd.DataFrame, proposed_at: pd.Timestamp) -> pd.DataFrame:
    """The base scenario's plan (:func:`base_consensus_plan`) with its ``plan_version``, status
    ``proposed`` (:func:`status_on_proposal` says which decision a version proposed again keeps)
    and when it was proposed (``proposed_at``, naive UTC)."""
    base = base_consensus_plan(scenario_plans)
    return base.assign(plan_version=consensus_plan_version(base), status="proposed", proposed_at=pd.Timestamp(proposed_at))


def status_on_proposal(recorded: str | None) -> str:
    """The status of a version proposed now, given the status recorded for the same version
    (None when the version is new): the same plan proposed again keeps its decision."""
    if recorded is None:
        return "proposed"
    if recorded not in STATUSES:
        raise ValueError(f"consensus plan: the recorded status {recorded!r} is unknown; expected one of {STATUSES}")
    return recorded
