"""The S&OP cycle's balancing step on a tiny hand-made company: planning groups, scenarios, the
gap report by family."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from ml.sop.cycle import balance_cycle, costs_from_prices, family_gaps, group_demand, scenario_multipliers, scenario_summary, solve_scenarios

SOURCES = pd.DataFrame(
    {
        "planning_group": ["DRINKS / LINE-1", "DRINKS / SUP1", "DRINKS / LINE-1", "DRINKS / SUP1", "FOOD / SUP1"],
        "family": ["DRINKS", "DRINKS", "DRINKS", "DRINKS", "FOOD"],
        "source_type": ["production", "purchase", "production", "purchase", "purchase"],
        "resource_id": ["LINE-1", "SUP1", "LINE-1", "SUP1", "SUP1"],
        "region": ["NORTH", "NORTH", "SOUTH", "SOUTH", "NORTH"],
        "share_of_family": [0.75, 0.25, 0.5, 0.5, 1.0],
        "unit_cost": [2.0, 3.0, 2.0, 3.0, 1.0],
        "list_price": [5.0, 6.0, 5.0, 6.0, 2.0],
        "units_per_hour": [10.0, None, 10.0, None, None],
    }
)
MONTHS = pd.to_datetime(["2026-10-01", "2026-11-01"])
CAPACITIES = pd.DataFrame(
    {
        "resource_id": ["LINE-1", "LINE-1", "SUP1", "SUP1"],
        "source_type": ["production", "production", "purchase", "purchase"],
        "month": list(MONTHS) * 2,
        "regular_hours": [25.0, 25.0, None, None],
        "overtime_hours": [5.0, 5.0, None, None],
        "cost_per_hour": [10.0, 10.0, None, None],
        "overtime_cost_per_hour": [15.0, 15.0, None, None],
        "capacity_units": [None, None, 1000.0, 1000.0],
    }
)
PLAN = pd.DataFrame(
    {
        "month": list(MONTHS) * 3,
        "family": ["DRINKS"] * 4 + ["FOOD"] * 2,
        "region": ["NORTH", "NORTH", "SOUTH", "SOUTH", "NORTH", "NORTH"],
        "plan_units": [200.0, 200.0, 100.0, 100.0, 50.0, 50.0],
    }
)
COSTS = costs_from_prices(SOURCES, annual_holding_rate=0.24, backlog_share=0.1, lost_share=1.0)
OPENING = pd.DataFrame({"family": ["DRINKS / LINE-1"], "region": ["NORTH"], "units": [0.0]})


def test_a_familys_demand_splits_over_its_planning_groups_by_their_share():
    demand = group_demand(PLAN, SOURCES).set_index(["family", "region", "month"]).demand_units
    assert demand[("DRINKS / LINE-1", "NORTH", MONTHS[0])] == 150.0 and demand[("DRINKS / SUP1", "SOUTH", MONTHS[0])] == 50.0
    assert demand.sum() == pytest.approx(PLAN.plan_units.sum())
    assert COSTS.holding["FOOD / SUP1"] == pytest.approx(0.02) and COSTS.lost_sale["DRINKS / SUP1"] == 6.0


def test_scenario_rows_scale_families_resources_and_kinds_of_resources():
    rows = pd.DataFrame(
        {
            "scenario": "x",
            "target_type": ["demand", "demand", "capacity", "capacity"],
            "target": ["*", "DRINKS", "suppliers", "LINE-1"],
            "multiplier": [1.1, 2.0, 0.5, 0.8],
        }
    )
    demand, capacity = scenario_multipliers(rows, SOURCES, CAPACITIES)
    assert demand == pytest.approx({"DRINKS / LINE-1": 2.2, "DRINKS / SUP1": 2.2, "FOOD / SUP1": 1.1})
    assert capacity == pytest.approx({"LINE-1": 0.8, "SUP1": 0.5})
    with pytest.raises(ValueError, match="no family"):
        scenario_multipliers(rows.assign(target="TOYS"), SOURCES, CAPACITIES)


def test_a_scenario_that_overloads_the_line_shows_in_the_gap_report_by_family():
    scenarios = pd.DataFrame(
        {"scenario": ["base", "boom"], "description": "", "target_type": ["demand", "demand"], "target": ["*", "DRINKS"], "multiplier": [1.0, 1.4]}
    )
    results = solve_scenarios(scenarios, group_demand(PLAN, SOURCES), SOURCES, CAPACITIES, OPENING, COSTS)
    base, boom = family_gaps(results["base"], SOURCES), family_gaps(results["boom"], SOURCES)
    # LINE-1 makes 250 a month in its 25 regular hours; the base needs 200 (150 north + 50 south): slack
    assert (base.binding_constraint == "none").all() and base.unmet_units.abs().max() < 1e-6
    # the boom needs 280: regular hours full, 3 overtime hours of 5; they bind for DRINKS only
    drinks = boom[boom.family == "DRINKS"]
    assert drinks.binding_constraint.str.contains("LINE-1 regular hours").all()
    assert (boom[boom.family == "FOOD"].binding_constraint == "none").all()
    assert (boom.unmet_units == boom.demand - boom.constrained_supply).all()
    summary = scenario_summary(results).set_index("scenario")
    assert summary.loc["boom", "total_cost"] > summary.loc["base", "total_cost"]
    assert summary.loc["boom", "overtime_cost"] > 0 == summary.loc["base", "overtime_cost"]


def test_the_cycle_balances_every_scenario_and_proposes_the_base_plan_in_the_tables_the_assets_write():
    scenarios = pd.DataFrame({"scenario": ["base", "boom"], "target_type": "demand", "target": ["*", "FOOD"], "multiplier": [1.0, 30.0]})
    # FOOD's supplier sends no capacity (none known): a demand 30 times larger is met in full
    capacities = CAPACITIES.assign(capacity_units=[None, None, None, None])
    at = pd.Timestamp("2026-10-01 06:00:00")
    cycle = balance_cycle(PLAN, SOURCES, capacities, scenarios, OPENING, annual_holding_rate=0.24, backlog_share=0.1, lost_share=1.0, proposed_at=at)
    plans = cycle.plans.set_index(["scenario", "month", "planning_group", "region"])
    # months as dates (DATE in the warehouse), each planning group with its family
    assert plans.loc[("boom", dt.date(2026, 10, 1), "FOOD / SUP1", "NORTH")][["family", "demand", "lost_sales"]].tolist() == ["FOOD", 1500.0, 0.0]
    assert set(cycle.plans.family) == {"DRINKS", "FOOD"} and set(cycle.resources.scenario) == set(cycle.gaps.scenario) == {"base", "boom"}
    assert cycle.gaps.month.map(type).eq(dt.date).all() and cycle.resources.month.map(type).eq(dt.date).all()
    boom_food = cycle.gaps[(cycle.gaps.scenario == "boom") & (cycle.gaps.family == "FOOD")]
    assert (boom_food.binding_constraint == "none").all() and boom_food.unmet_units.abs().max() < 1e-6
    assert cycle.summary.set_index("scenario").loc["boom", "demand_units"] == pytest.approx(PLAN.plan_units.sum() + 29 * 100.0)
    assert (cycle.summary.cost_note == "").all() and cycle.groups_valued_in_units == 0
    # the base scenario's plan, by family, proposed under its version
    consensus = cycle.consensus
    assert set(consensus.status) == {"proposed"} and set(consensus.proposed_at) == {at}
    assert consensus.plan_version.iloc[0].startswith("SOP-202610-") and consensus.demand.sum() == pytest.approx(PLAN.plan_units.sum())
    assert sorted(consensus.family.unique()) == ["DRINKS", "FOOD"]


def test_costs_of_planning_groups_without_cost_or_price_count_a_unit_as_one_and_say_so():
    sources = SOURCES.assign(unit_cost=SOURCES.unit_cost.where(SOURCES.family != "FOOD"), list_price=SOURCES.list_price.where(SOURCES.family != "FOOD"))
    scenarios = pd.DataFrame({"scenario": ["base"], "target_type": ["demand"], "target": ["*"], "multiplier": [1.0]})
    cycle = balance_cycle(
        PLAN, sources, CAPACITIES, scenarios, OPENING, annual_holding_rate=0.24, backlog_share=0.1, lost_share=1.0, proposed_at=pd.Timestamp("2026-10-01")
    )
    assert cycle.groups_valued_in_units == 1
    assert cycle.summary.cost_note.tolist() == ["1 of 3 planning groups have neither unit cost nor list price: their costs count a unit as 1, not money"]
