"""The S&OP group's Python assets materialized on a temporary warehouse of small hand-made dbt
models (tests/assets/inputs.py: families F1, made on line L1, and F2, bought): the monthly
statistical forecast, the scenarios balanced, the gap report, the consensus plan proposed and its
approval, with the figures worked out beside the inputs.

The cycle runs the job ``sop_monthly``'s layer (``layers.SOP_CYCLE``: the group without the
approval, which needs the meeting's decision as config); the approval its own layer.
"""

from __future__ import annotations

import json

import dagster as dg
import pandas as pd
import pytest

from orchestration.defs.layers import SOP_APPROVAL, SOP_CYCLE
from orchestration.defs.sop.assets import MONTHLY_STATISTICAL_FORECAST
from tests.assets.group_runs import copy_home, failure_message, materialization, planning_home, run, write_tables
from tests.assets.inputs import PLAN_MONTHS, PLAN_UNITS, SOP_MONTHS, demand_plan, sop_inputs

HORIZON = {"PLANLINE_SOP_HORIZON_MONTHS": str(SOP_MONTHS)}


def _approve(home, version: str, raise_on_error: bool = True) -> dg.ExecuteInProcessResult:
    config = {"plan_version": version, "approved_by": "planner", "comment": "S&OP meeting"}
    return run(home, SOP_APPROVAL, run_config={"ops": {"sop__approved_consensus_plan": {"config": config}}}, raise_on_error=raise_on_error)


def _statuses(home) -> dict[str, str]:
    return dict(home.frame("SELECT plan_version, any_value(status) AS status FROM sop.consensus_plan GROUP BY 1").itertuples(index=False))


@pytest.fixture(scope="module")
def cycle(tmp_path_factory):
    """The S&OP cycle run once on the inputs."""
    with pytest.MonkeyPatch.context() as patch:
        home = planning_home(tmp_path_factory.mktemp("sop"), patch, **HORIZON)
        write_tables(home, sop_inputs())
        yield home, run(home, SOP_CYCLE)


def test_the_cycle_runs_every_python_asset_of_the_group_but_the_approval(cycle):
    _, result = cycle
    assert {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()} == {
        "sop/monthly_statistical_forecast",
        "sop/scenario_plans",
        "sop/gap_report",
        "sop/consensus_plan",
    }


def test_the_demand_review_forecasts_a_short_history_by_its_monthly_mean_over_the_horizon(cycle):
    home, result = cycle
    forecast = home.frame("SELECT * FROM sop.monthly_statistical_forecast ORDER BY family, month")
    assert [d.date() for d in forecast.month.unique()] == PLAN_MONTHS  # the horizon's months after the last complete one
    # F1 sold 100, 120, 140 from July; F2 30 in September, its only month
    assert forecast.groupby("family").statistical_units.unique().map(list).to_dict() == {"F1": [120.0], "F2": [30.0]}
    assert set(forecast.model) == {"mean (fewer than 6 months)"}
    assert materialization(result, "sop/monthly_statistical_forecast")["history_months"] == 3


def test_the_base_scenario_meets_the_plan_within_the_lines_regular_hours(cycle):
    home, result = cycle
    base = home.frame("SELECT * FROM sop.scenario_plans WHERE scenario = 'base'")
    assert (base.supply == base.demand).all() and base.lost_sales.sum() == 0
    hours = home.frame("SELECT month, used, regular_hours, overtime_hours FROM sop.scenario_resources WHERE scenario = 'base' AND resource_id = 'L1'")
    assert (hours.used == PLAN_UNITS["F1"] / 10).all() and (hours.overtime_hours == 0).all()  # 200 units at 10 an hour, within 25 hours
    gaps = home.frame("SELECT * FROM sop.gap_report WHERE scenario = 'base'")
    assert (gaps.binding_constraint == "none").all() and gaps.unmet_units.abs().max() < 1e-6
    # a month: F1 200 units at 2 + 20 line hours at 10, F2 50 units at 1
    assert materialization(result, "sop/scenario_plans")["base_total_cost"] == pytest.approx(SOP_MONTHS * (200 * 2 + 20 * 10 + 50 * 1))


def test_a_boom_beyond_the_lines_capacity_shows_its_unmet_units_and_the_binding_hours(cycle):
    home, _ = cycle
    gaps = home.frame("SELECT * FROM sop.gap_report WHERE scenario = 'boom' ORDER BY family, month")
    f1, f2 = gaps[gaps.family == "F1"], gaps[gaps.family == "F2"]
    # 320 wanted a month; L1 makes 300 with its 5 overtime hours: 20 short every month
    assert f1.constrained_supply.tolist() == pytest.approx([300.0] * SOP_MONTHS) and f1.unmet_units.tolist() == pytest.approx([20.0] * SOP_MONTHS)
    assert set(f1.binding_constraint) == {"L1 regular+overtime hours"}
    assert set(f2.binding_constraint) == {"none"} and f2.unmet_units.abs().max() < 1e-6  # the supplier has no known limit
    summary = home.frame("SELECT * FROM sop.scenario_summary").set_index("scenario")
    assert summary.loc["boom", "lost_units"] == pytest.approx(20.0 * SOP_MONTHS) and summary.loc["base", "service_level"] == 1.0


def test_the_base_plan_is_proposed_under_a_version_naming_its_first_month(cycle):
    home, result = cycle
    metadata = materialization(result, "sop/consensus_plan")
    plan = home.frame("SELECT * FROM sop.consensus_plan")
    assert metadata["plan_version"].startswith("SOP-202610-") and set(plan.plan_version) == {metadata["plan_version"]}
    assert set(plan.status) == {"proposed"} and metadata["status"] == "proposed"
    by_family = plan.groupby("family")[["demand", "supply"]].sum()
    assert by_family.to_dict("index") == {f: {"demand": units * SOP_MONTHS, "supply": units * SOP_MONTHS} for f, units in PLAN_UNITS.items()}


def test_an_approved_plan_stays_approved_when_proposed_again_until_a_new_plan_is_approved(cycle, tmp_path, monkeypatch):
    home = copy_home(cycle[0], tmp_path, monkeypatch)
    first = materialization(cycle[1], "sop/consensus_plan")["plan_version"]
    approval = materialization(_approve(home, first), "sop/approved_consensus_plan")
    assert (approval["plan_version"], approval["approved_by"], approval["superseded"]) == (first, "planner", "none")
    published = home.exports / "sop" / first
    assert pd.read_csv(published / "consensus_plan.csv").demand.sum() == sum(PLAN_UNITS.values()) * SOP_MONTHS
    assert json.loads((published / "manifest.json").read_text())["approved_by"] == "planner"
    assert home.frame("SELECT plan_version, approved_by, comment FROM sop.plan_approvals").values.tolist() == [[first, "planner", "S&OP meeting"]]

    again = materialization(run(home, SOP_CYCLE), "sop/consensus_plan")  # the same inputs next month: the same plan
    assert (again["plan_version"], again["status"]) == (first, "approved") and _statuses(home) == {first: "approved"}

    write_tables(home, {"sop.fct_demand_plan": demand_plan({"F1": 150.0, "F2": 50.0})})
    second = materialization(run(home, SOP_CYCLE), "sop/consensus_plan")["plan_version"]
    assert second != first and _statuses(home) == {first: "approved", second: "proposed"}  # proposed, not yet decided
    assert materialization(_approve(home, second), "sop/approved_consensus_plan")["superseded"] == first
    assert _statuses(home) == {first: "superseded", second: "approved"}


def test_approving_a_version_never_proposed_fails_naming_the_known_versions(cycle, tmp_path, monkeypatch):
    home = copy_home(cycle[0], tmp_path, monkeypatch)
    proposed = materialization(cycle[1], "sop/consensus_plan")["plan_version"]
    message = failure_message(_approve(home, "SOP-209901-00000000", raise_on_error=False))
    assert f"no consensus plan version SOP-209901-00000000; known versions: {proposed}" in message
    assert _statuses(home) == {proposed: "proposed"}


def test_the_demand_review_without_a_complete_month_of_history_fails_saying_so(tmp_path, monkeypatch):
    home = planning_home(tmp_path, monkeypatch, **HORIZON)
    write_tables(home, {"sop.fct_monthly_demand_history": sop_inputs()["sop.fct_monthly_demand_history"].iloc[0:0]})
    result = run(home, dg.AssetSelection.assets(MONTHLY_STATISTICAL_FORECAST), raise_on_error=False)
    assert "sop.fct_monthly_demand_history is empty: a complete month of history is needed" in failure_message(result)
