"""The S&OP consensus plan proposed for approval (ml/sop/consensus.py): the base scenario's plan,
its content-named version, and the decision a plan proposed again keeps."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from ml.sop.consensus import base_consensus_plan, consensus_plan_version, proposed_consensus_plan, status_on_proposal

UNITS = ["demand", "supply", "inventory", "backlog", "lost_sales"]
OCT, NOV = dt.date(2026, 10, 1), dt.date(2026, 11, 1)  # the balancing asset's months are dates


def scenario_plans() -> pd.DataFrame:
    rows = [
        # scenario, month, family, region, planning group, demand, supply, inventory, backlog, lost
        ("base", OCT, "DRINKS", "NORTH", "DRINKS / LINE-1", 150.0, 140.0, 5.0, 10.0, 0.0),
        ("base", OCT, "DRINKS", "NORTH", "DRINKS / SUP1", 50.0, 50.0, 0.0, 0.0, 0.0),
        ("base", NOV, "DRINKS", "NORTH", "DRINKS / LINE-1", 150.0, 160.0, 0.0, 0.0, 0.0),
        ("base", OCT, "FOOD", "SOUTH", "FOOD / SUP1", 40.0, 30.0, 0.0, 0.0, 10.0),
        ("high", OCT, "DRINKS", "NORTH", "DRINKS / LINE-1", 900.0, 100.0, 0.0, 800.0, 0.0),
    ]
    return pd.DataFrame(rows, columns=["scenario", "month", "family", "region", "planning_group", *UNITS])


def test_the_base_scenarios_planning_groups_add_up_by_family_and_the_other_scenarios_are_left_out():
    base = base_consensus_plan(scenario_plans()).set_index(["month", "family", "region"])
    assert list(base.columns) == UNITS
    assert base.loc[(OCT, "DRINKS", "NORTH")].tolist() == [200.0, 190.0, 5.0, 10.0, 0.0]
    assert len(base) == 3 and base.demand.sum() == 390.0  # the high scenario's 900 units are not proposed


def test_the_version_names_the_plan_first_month_and_its_content():
    plans = scenario_plans()
    version = consensus_plan_version(base_consensus_plan(plans))
    # the versions already recorded in warehouses keep their identity: the hash's recipe is fixed
    assert version == "SOP-202610-263f8a0f"
    assert consensus_plan_version(base_consensus_plan(plans.sample(frac=1, random_state=1))) == version  # row order does not matter
    assert consensus_plan_version(base_consensus_plan(plans.assign(supply=plans.supply + 1e-9))) == version  # nor noise under 1e-6
    changed = plans.copy()
    changed.loc[0, "supply"] += 1
    assert consensus_plan_version(base_consensus_plan(changed)) != version


def test_the_proposal_carries_its_version_status_and_time():
    at = pd.Timestamp("2026-10-05 08:30:00")
    proposal = proposed_consensus_plan(scenario_plans(), proposed_at=at)
    assert set(proposal.plan_version) == {"SOP-202610-263f8a0f"} and set(proposal.status) == {"proposed"}
    assert set(proposal.proposed_at) == {at} and len(proposal) == 3


def test_plans_without_a_base_scenario_are_refused_naming_the_scenarios_there_are():
    with pytest.raises(ValueError, match=r"no 'base' scenario .* \(scenarios: high\)"):
        base_consensus_plan(scenario_plans().query("scenario == 'high'"))


@pytest.mark.parametrize(("column", "value"), [("supply", np.nan), ("demand", np.inf), ("family", None)])
def test_a_missing_or_infinite_value_is_refused_naming_its_column(column, value):
    plans = scenario_plans()
    plans.loc[1, column] = value
    with pytest.raises(ValueError, match=rf"scenario plans\.{column}"):
        base_consensus_plan(plans)


def test_a_missing_column_is_named():
    with pytest.raises(ValueError, match="lost_sales"):
        base_consensus_plan(scenario_plans().drop(columns=["lost_sales"]))


@pytest.mark.parametrize(("recorded", "kept"), [(None, "proposed"), ("proposed", "proposed"), ("approved", "approved"), ("superseded", "superseded")])
def test_the_same_plan_proposed_again_keeps_its_decision(recorded, kept):
    assert status_on_proposal(recorded) == kept


def test_an_unknown_recorded_status_is_refused():
    with pytest.raises(ValueError, match="'accepted' is unknown"):
        status_on_proposal("accepted")
