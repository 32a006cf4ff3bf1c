"""S&OP balancing LP (SPEC section 7) against optima computed by hand, its gap report and scenarios."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ml.sop.balancing import (
    GAP_COLUMNS,
    PLAN_COLUMNS,
    RESOURCE_COLUMNS,
    SUPPLY_COLUMNS,
    BalancingCosts,
    balance_supply_and_demand,
)
from ml.sop.scenarios import apply_scenario, compare_scenarios

MONTHS = ["2026-01", "2026-02", "2026-03"]
NO_STOCK = pd.DataFrame(columns=["family", "region", "units"])


def _demand(family: str, units: list[float], region: str = "NORTH", months: list[str] = MONTHS) -> pd.DataFrame:
    return pd.DataFrame({"month": months, "family": family, "region": region, "demand_units": units})


def _line(
    line: str = "LINE-1", months: list[str] = MONTHS, regular: float = 12.0, overtime: float = 4.0, overtime_cost: float = 60.0, labour: float = 20.0
) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "resource_id": line,
            "month": months,
            "regular_hours": regular,
            "overtime_hours": overtime,
            "overtime_cost_per_hour": overtime_cost,
            "cost_per_hour": labour,
        }
    )


def _supplier(supplier: str, capacity: float, months: list[str] = MONTHS) -> pd.DataFrame:
    return pd.DataFrame({"resource_id": supplier, "month": months, "capacity_units": capacity})


def _sources(rows: list[tuple]) -> pd.DataFrame:
    """(family, source_type, resource_id, units_per_hour, unit_cost)"""
    return pd.DataFrame(rows, columns=["family", "source_type", "resource_id", "units_per_hour", "unit_cost"])


# One family, one region, one line at 10 units an hour: 12 regular hours (120 units) and up to 4
# overtime hours (40 units) a month. Per unit: material 5, regular labour 20 / 10 = 2, overtime
# 60 / 10 = 6, so a regular unit costs 7 and an overtime unit 11. Holding 1 per unit-month,
# backlog 2 per unit-month, a lost sale 30.
BEVERAGES = _sources([("BEVERAGES", "production", "LINE-1", 10.0, 5.0)])
COSTS = BalancingCosts(holding=1.0, backlog=2.0, lost_sale=30.0)


def _month_values(frame: pd.DataFrame, column: str, **where) -> list[float]:
    rows = frame
    for key, value in where.items():
        rows = rows[rows[key] == value]
    return rows.groupby("month")[column].sum().round(9).tolist()


def test_prebuild_overtime_and_backlog_at_the_hand_computed_optimum():
    # Demand 100 / 220 / 100. Regular hours cover 100 and 120 and 100 of it; the 100 units month 2
    # lacks come from the cheapest of, per unit delivered in month 2:
    #   regular in month 1 held a month   7 + 1 =  8   (20 spare units)
    #   regular in month 3, backlogged    7 + 2 =  9   (20 spare units)
    #   overtime in month 2                     11   (40 units)
    #   overtime in month 1 held a month  11 + 1 = 12   (40 units, 20 needed)
    #   overtime in month 3, backlogged  11 + 2 = 13,  a lost sale 30: unused.
    # Cost: 320 x 7 + 20 x 8 + 20 x 9 + 40 x 11 + 20 x 12 = 2240 + 1020 = 3260.
    # Plan: make 140 / 160 / 120 (regular 12 / 12 / 12 h, overtime 2 / 4 / 0 h), hold 40 at the end
    # of month 1, owe 20 at the end of month 2.
    result = balance_supply_and_demand(_demand("BEVERAGES", [100, 220, 100]), BEVERAGES, _line(), NO_STOCK, COSTS)
    assert result.objective == pytest.approx(3260.0)
    expected = {"production": 420 * 5, "regular_labour": 36 * 20, "overtime": 6 * 60, "holding": 40 * 1, "backlog": 20 * 2, "lost_sales": 0, "total": 3260}
    assert result.cost_breakdown == pytest.approx({**expected, "purchase": 0.0, "inventory_shortfall": 0.0})
    plan = result.plan
    assert list(plan.columns) == list(PLAN_COLUMNS)
    assert plan["month"].tolist() == [pd.Period(month, "M") for month in MONTHS]
    assert plan["supply"].tolist() == pytest.approx([140, 160, 120])
    assert plan["inventory"].tolist() == pytest.approx([40, 0, 0])
    assert plan["backlog"].tolist() == pytest.approx([0, 20, 0])
    assert plan["lost_sales"].tolist() == pytest.approx([0, 0, 0])
    assert plan["served"].tolist() == pytest.approx([100, 200, 120])
    resources = result.resources
    assert list(resources.columns) == list(RESOURCE_COLUMNS)
    assert resources["regular_hours"].tolist() == pytest.approx([12, 12, 12])
    assert resources["overtime_hours"].tolist() == pytest.approx([2, 4, 0])
    # Shadow prices: a unit delivered in month 2 is worth 12 (the overtime of month 1 at the
    # margin); one more regular hour makes 10 units worth 12 - 1 (month 1, held), 12 (month 2),
    # 12 - 2 (month 3, backlogged) that cost 7 each: 40, 50, 30 per hour; one more overtime hour
    # saves (12 - 11) x 10 = 10 in month 2 only (month 1's overtime is not full, month 3's unused).
    assert resources["shadow_price"].tolist() == pytest.approx([40, 50, 30])
    assert resources["overtime_shadow_price"].tolist() == pytest.approx([0, 10, 0])
    gaps = result.gaps
    assert list(gaps.columns) == list(GAP_COLUMNS)
    assert gaps["unmet_units"].tolist() == pytest.approx([0, 20, -20])  # month 3 clears the backlog
    assert gaps["constrained_supply"].tolist() == pytest.approx([100, 200, 120])
    assert gaps["binding_constraint"].tolist() == ["LINE-1 regular hours", "LINE-1 regular+overtime hours", "LINE-1 regular hours"]
    assert gaps["production_hours"].tolist() == pytest.approx([14, 16, 12])
    assert gaps["overtime_hours"].tolist() == pytest.approx([2, 4, 0])
    assert list(result.supply.columns) == list(SUPPLY_COLUMNS)
    assert result.supply["hours"].tolist() == pytest.approx([14, 16, 12])


def test_no_backlog_allowed_and_a_soft_stock_target():
    demand = _demand("BEVERAGES", [100, 220, 100])
    # No backlog: month 3's 20 spare regular units cannot serve month 2; the next cheapest are the
    # other 20 overtime units of month 1 (12 instead of 9): 3260 + 20 x 3 = 3320.
    no_backlog = balance_supply_and_demand(demand, BEVERAGES, _line(), NO_STOCK, COSTS, max_backlog_months=0)
    assert no_backlog.objective == pytest.approx(3320.0)
    assert no_backlog.plan["supply"].tolist() == pytest.approx([160, 160, 100])
    assert no_backlog.plan["backlog"].tolist() == pytest.approx([0, 0, 0])
    # A target of 30 units at the end of month 3 (shortfall 100 a unit-month, so it is met). Per
    # unit for month 2 / for the target: regular month 1 8 / 10, overtime month 1 12 / 14, overtime
    # month 2 11 / 13, regular month 3 9 / 8, overtime month 3 13 / 12. The target takes month 3's
    # 20 regular units (8) and 10 overtime units (12); month 2 takes regular month 1 (20 x 8) and
    # all overtime of months 2 and 1 (40 x 11 + 40 x 12): 2240 + 160 + 120 + 160 + 440 + 480 = 3600
    # (moving a regular month-3 unit back to month 2 would cost 9 - 8 + 12 - 12 = +1).
    target = pd.DataFrame({"month": ["2026-03"], "family": "BEVERAGES", "region": "NORTH", "target_units": [30.0]})
    costs = BalancingCosts(holding=1.0, backlog=2.0, lost_sale=30.0, inventory_shortfall=100.0)
    targeted = balance_supply_and_demand(demand, BEVERAGES, _line(), NO_STOCK, costs, inventory_targets=target)
    assert targeted.objective == pytest.approx(3600.0)
    assert targeted.plan["supply"].tolist() == pytest.approx([160, 160, 130])
    assert targeted.plan["inventory"].tolist() == pytest.approx([60, 0, 30])
    assert targeted.plan["inventory_shortfall"].tolist() == pytest.approx([0, 0, 0])
    # opening stock serves the first month: 100 units on hand replace month 1's own production
    stocked = balance_supply_and_demand(demand, BEVERAGES, _line(), pd.DataFrame({"family": ["BEVERAGES"], "region": ["NORTH"], "units": [100.0]}), COSTS)
    assert stocked.plan["opening_inventory"].iloc[0] == 100.0
    assert stocked.objective < 3260.0 - 100 * 7 + 1e-6


# Demand 50 / 200 / 50 with holding 6, backlog 8, lost sale 12: month 2 gets its 120 regular units
# (7) and 40 overtime units (11 < 12); building in month 1 costs 7 + 6 = 13 and backlogging to
# month 3 7 + 8 = 15, both above a lost sale, so 40 units are lost. Cost: 260 x 5 + 22 h x 20 +
# 4 h x 60 + 40 x 12 = 1300 + 440 + 240 + 480 = 2460.
TIGHT_DEMAND = _demand("BEVERAGES", [50, 200, 50])
TIGHT_COSTS = BalancingCosts(holding=6.0, backlog=8.0, lost_sale=12.0)


def test_demand_beyond_capacity_loses_sales_and_names_the_line():
    result = balance_supply_and_demand(TIGHT_DEMAND, BEVERAGES, _line(), NO_STOCK, TIGHT_COSTS)
    assert result.objective == pytest.approx(2460.0)
    assert result.plan["lost_sales"].tolist() == pytest.approx([0, 40, 0])
    assert result.plan["supply"].tolist() == pytest.approx([50, 160, 50])
    resources = result.resources
    # one more hour in month 2 replaces 10 lost sales (12 each) by regular units (7) or overtime (11)
    assert resources["shadow_price"].tolist() == pytest.approx([0, 50, 0])
    assert resources["overtime_shadow_price"].tolist() == pytest.approx([0, 10, 0])
    assert resources["utilisation"].tolist() == pytest.approx([5 / 16, 1.0, 5 / 16])
    assert resources["binding_constraint"].tolist() == ["none", "LINE-1 regular+overtime hours", "none"]
    gaps = result.gaps
    assert gaps["binding_constraint"].tolist() == ["none", "LINE-1 regular+overtime hours", "none"]
    assert gaps["unmet_units"].tolist() == pytest.approx([0, 40, 0])
    assert (gaps["demand"] - gaps["constrained_supply"]).tolist() == pytest.approx([0, 40, 0])


def test_a_purchased_family_limited_by_its_supplier():
    # HOUSEHOLD from SUP003 at 4 a unit, 100 units a month; demand 80 / 150 / 90 over two regions;
    # holding 0.5, backlog 1, lost sale 20. 320 units wanted, 300 to buy: month 1's 20 spare units
    # wait for month 2 (4 + 0.5), month 3's 10 spare units serve month 2 late (4 + 1), the other 20
    # units month 2 lacks are lost: 300 x 4 + 20 x 0.5 + 10 x 1 + 20 x 20 = 1620.
    # BEVERAGES, 50 a month on a slack line: 150 x 5 + 15 h x 20 = 1050.
    demand = pd.concat(
        [_demand("HOUSEHOLD", [50, 100, 40]), _demand("HOUSEHOLD", [30, 50, 50], region="SOUTH"), _demand("BEVERAGES", [50, 50, 50])], ignore_index=True
    )
    sources = _sources([("BEVERAGES", "production", "LINE-1", 10.0, 5.0), ("HOUSEHOLD", "purchase", "SUP003", np.nan, 4.0)])
    capacities = pd.concat([_line(), _supplier("SUP003", 100.0), _supplier("SUP009", 5.0)], ignore_index=True)  # SUP009 supplies nothing here
    costs = BalancingCosts(holding={"BEVERAGES": 1.0, "HOUSEHOLD": 0.5}, backlog={"BEVERAGES": 2.0, "HOUSEHOLD": 1.0}, lost_sale=20.0)
    result = balance_supply_and_demand(demand, sources, capacities, NO_STOCK, costs)
    assert result.objective == pytest.approx(1620.0 + 1050.0)
    assert result.cost_breakdown["purchase"] == pytest.approx(1200.0)
    assert _month_values(result.plan, "supply", family="HOUSEHOLD") == pytest.approx([100, 100, 100])
    assert _month_values(result.plan, "inventory", family="HOUSEHOLD") == pytest.approx([20, 0, 0])
    assert _month_values(result.plan, "backlog", family="HOUSEHOLD") == pytest.approx([0, 10, 0])
    assert _month_values(result.plan, "lost_sales", family="HOUSEHOLD") == pytest.approx([0, 20, 0])
    supplier = result.resources[result.resources["resource_id"] == "SUP003"]
    assert supplier["unit"].tolist() == ["units"] * 3
    # a unit is worth 20 in month 2 (a lost sale at the margin), 19.5 in month 1, 19 in month 3
    assert supplier["shadow_price"].tolist() == pytest.approx([15.5, 16.0, 15.0])
    assert supplier["binding_constraint"].tolist() == ["SUP003 capacity"] * 3
    assert set(result.resources["resource_id"]) == {"LINE-1", "SUP003"}
    gaps = result.gaps.set_index(["family", "month"])["binding_constraint"]
    assert gaps["HOUSEHOLD"].tolist() == ["SUP003 capacity"] * 3
    assert gaps["BEVERAGES"].tolist() == ["none"] * 3
    household = result.gaps[result.gaps["family"] == "HOUSEHOLD"]
    assert household["unmet_units"].tolist() == pytest.approx([0, 30, -10])


def test_scenarios_move_cost_and_unmet_demand():
    capacities = _line()
    base = balance_supply_and_demand(TIGHT_DEMAND, BEVERAGES, capacities, NO_STOCK, TIGHT_COSTS)
    demand_up, same_capacity = apply_scenario(TIGHT_DEMAND, capacities, demand_multiplier=1.1)
    assert demand_up["demand_units"].tolist() == pytest.approx([55, 220, 55])
    assert TIGHT_DEMAND["demand_units"].tolist() == [50, 200, 50]  # inputs unchanged
    optimistic = balance_supply_and_demand(demand_up, BEVERAGES, same_capacity, NO_STOCK, TIGHT_COSTS)
    assert optimistic.objective > base.objective
    assert optimistic.plan["lost_sales"].sum() == pytest.approx(60.0)  # 220 - 160
    # 25 % more hours: 15 regular and 5 overtime hours make 200 in month 2, nothing lost:
    # 300 x 5 + 25 h x 20 + 5 h x 60 = 2300
    same_demand, more_hours = apply_scenario(TIGHT_DEMAND, capacities, capacity_multiplier={"LINE-1": 1.25})
    assert more_hours["regular_hours"].tolist() == pytest.approx([15, 15, 15])
    assert more_hours["overtime_cost_per_hour"].tolist() == pytest.approx([60, 60, 60])
    expanded = balance_supply_and_demand(same_demand, BEVERAGES, more_hours, NO_STOCK, TIGHT_COSTS)
    assert expanded.objective == pytest.approx(2300.0)
    assert expanded.plan["lost_sales"].sum() == pytest.approx(0.0)
    side_by_side = compare_scenarios({"base": base, "optimistic": optimistic, "more hours": expanded})
    assert list(side_by_side.columns) == ["base", "optimistic", "more hours"]
    assert side_by_side.loc["cost_total"].tolist() == pytest.approx([2460.0, optimistic.objective, 2300.0])
    assert side_by_side.loc["lost_sales_units"].tolist() == pytest.approx([40, 60, 0])
    assert side_by_side.loc["fill_rate", "base"] == pytest.approx(1 - 40 / 300)
    # per family: only SNACKS changes
    two = pd.concat([_demand("BEVERAGES", [1, 2, 3]), _demand("SNACKS", [10, 20, 30])], ignore_index=True)
    scaled, _ = apply_scenario(two, capacities, demand_multiplier={"SNACKS": 0.5})
    assert scaled["demand_units"].tolist() == pytest.approx([1, 2, 3, 5, 10, 15])
    with pytest.raises(ValueError, match="demand_multiplier: unknown family 'PETCARE'"):
        apply_scenario(two, capacities, demand_multiplier={"PETCARE": 1.2})
    with pytest.raises(ValueError, match="capacity_multiplier: unknown resource 'LINE-9'"):
        apply_scenario(two, capacities, capacity_multiplier={"LINE-9": 1.2})
    with pytest.raises(ValueError, match="demand_multiplier must be >= 0"):
        apply_scenario(two, capacities, demand_multiplier=-1.0)


def _network(seed: int = 3, months: int = 6):
    """The demo company's shape: two lines (one shared by two families), BEVERAGES also bought,
    purchased families on shared suppliers, two regions, random demand, stock and targets."""
    rng = np.random.default_rng(seed)
    horizon = [str(month) for month in pd.period_range("2026-10", periods=months, freq="M")]
    families = ["BEVERAGES", "SNACKS", "HOUSEHOLD", "PERSONAL_CARE", "PETCARE"]
    keys = pd.MultiIndex.from_product([horizon, families, ["NORTH", "SOUTH"]], names=["month", "family", "region"]).to_frame(index=False)
    demand = keys.assign(demand_units=rng.integers(0, 4000, len(keys)).astype(float))
    sources = _sources(
        [
            ("BEVERAGES", "production", "LINE-1", 400.0, 0.6),
            ("BEVERAGES", "purchase", "SUP001", np.nan, 1.1),
            ("SNACKS", "production", "LINE-2", 300.0, 0.8),
            ("PETCARE", "production", "LINE-2", 150.0, 1.5),
            ("HOUSEHOLD", "purchase", "SUP002", np.nan, 2.0),
            ("PERSONAL_CARE", "purchase", "SUP002", np.nan, 3.0),
            ("PERSONAL_CARE", "purchase", "SUP003", np.nan, 3.4),
        ]
    )
    capacities = pd.concat(
        [
            _line("LINE-1", horizon, regular=8.0, overtime=2.0, overtime_cost=270.0, labour=180.0),
            _line("LINE-2", horizon, regular=20.0, overtime=6.0, overtime_cost=225.0, labour=150.0),
            _supplier("SUP001", 1500.0, horizon),
            _supplier("SUP002", 9000.0, horizon),
            _supplier("SUP003", np.inf, horizon),
        ],
        ignore_index=True,
    )
    opening = keys[keys["month"] == horizon[0]].drop(columns="month").assign(units=rng.integers(0, 3000, len(families) * 2).astype(float))
    targets = keys.assign(target_units=rng.integers(0, 1500, len(keys)).astype(float))
    costs = BalancingCosts(holding=0.05, backlog=0.4, lost_sale={f: 6.0 + i for i, f in enumerate(families)}, inventory_shortfall=0.3)
    return demand, sources, capacities, opening, targets, costs


def test_every_cell_balances_and_no_capacity_is_exceeded():
    demand, sources, capacities, opening, targets, costs = _network()
    result = balance_supply_and_demand(demand, sources, capacities, opening, costs, inventory_targets=targets, max_backlog_months=2)
    plan = result.plan.sort_values(["family", "region", "month"], ignore_index=True)
    assert len(plan) == 6 * 5 * 2
    previous = plan.groupby(["family", "region"])
    prior_backlog = previous["backlog"].shift(1, fill_value=0.0)
    assert (plan["opening_inventory"] - previous["inventory"].shift(1)).dropna().abs().max() < 1e-6
    balance = plan["opening_inventory"] - prior_backlog + plan["supply"] - plan["demand"] + plan["lost_sales"] - (plan["inventory"] - plan["backlog"])
    assert balance.abs().max() < 1e-6
    assert (plan[["supply", "inventory", "backlog", "lost_sales", "inventory_shortfall"]] >= 0).all().all()
    assert (plan["lost_sales"] <= plan["demand"] + prior_backlog + 1e-6).all()
    assert (plan["inventory"] + plan["inventory_shortfall"] >= plan["target_inventory"] - 1e-6).all()
    last = plan["month"] == plan["month"].max()
    assert plan.loc[last, "backlog"].abs().max() < 1e-6  # unmet at the end is lost
    # backlog never older than two months: at most the demand of this month and the one before
    assert (plan["backlog"] <= plan["demand"] + previous["demand"].shift(1, fill_value=0.0) + 1e-6).all()
    assert plan["demand"].sum() == pytest.approx(demand["demand_units"].sum())

    resources = result.resources
    assert (resources["used"] <= resources["capacity"] + 1e-6).all()
    lines = resources[resources["unit"] == "hours"]
    assert (lines["regular_hours"] <= lines["regular_capacity"] + 1e-6).all()
    assert (lines["overtime_hours"] <= lines["overtime_capacity"] + 1e-6).all()
    assert (resources["shadow_price"] >= 0).all()
    # the supply frame adds up to the plan, and to each resource's hours or units
    supply = result.supply
    by_cell = supply.groupby(["month", "family", "region"])["units"].sum()
    assert by_cell.to_numpy() == pytest.approx(result.plan.set_index(["month", "family", "region"])["supply"].loc[by_cell.index].to_numpy())
    used = supply.assign(amount=supply["hours"].fillna(supply["units"])).groupby(["resource_id", "month"])["amount"].sum()
    assert used.to_numpy() == pytest.approx(resources.set_index(["resource_id", "month"])["used"].loc[used.index].to_numpy())
    # the gap report's identity, and a shared line's overtime split over its families
    gaps = result.gaps
    assert (gaps["demand"] - gaps["constrained_supply"]).to_numpy() == pytest.approx(gaps["unmet_units"].to_numpy())
    line_two = gaps[gaps["family"].isin(["SNACKS", "PETCARE"])].groupby("month")["overtime_hours"].sum()
    assert line_two.to_numpy() == pytest.approx(lines[lines["resource_id"] == "LINE-2"].set_index("month")["overtime_hours"].loc[line_two.index].to_numpy())
    assert result.cost_breakdown["total"] == pytest.approx(result.objective)
    assert gaps["binding_constraint"].str.len().gt(0).all()


DEMAND = _demand("BEVERAGES", [100, 220, 100])
CAPACITY = _line()


@pytest.mark.parametrize(
    ("demand", "sources", "capacities", "costs", "message"),
    [
        (DEMAND.assign(demand_units=[100, -5, 100]), BEVERAGES, CAPACITY, COSTS, "demand.demand_units must be >= 0"),
        (DEMAND.assign(demand_units=[100, "many", 100]), BEVERAGES, CAPACITY, COSTS, "demand.demand_units must be numeric, got .many. at row 1"),
        (DEMAND.assign(month=["2026-01", "2026-01", "2026-03"]), BEVERAGES, CAPACITY, COSTS, "demand has several rows"),
        (DEMAND, _sources([("BEVERAGES", "production", "LINE-9", 10.0, 5.0)]), CAPACITY, COSTS, "capacities.resource_id lacks 'LINE-9'"),
        (pd.concat([DEMAND, _demand("SNACKS", [1, 1, 1])]), BEVERAGES, CAPACITY, COSTS, "sources.family: no source for family 'SNACKS'"),
        (DEMAND, BEVERAGES, CAPACITY.iloc[[0, 2]], COSTS, "capacities.month: resource 'LINE-1' has 0 rows for 2026-02"),
        (DEMAND, BEVERAGES, pd.concat([CAPACITY, CAPACITY.iloc[[1]]]), COSTS, "capacities.month: resource 'LINE-1' has 2 rows for 2026-02"),
        (DEMAND, BEVERAGES, CAPACITY.drop(columns="overtime_hours"), COSTS, r"capacities lacks the columns \['overtime_hours'\]"),
        (DEMAND, BEVERAGES, CAPACITY.assign(regular_hours=-1.0), COSTS, "capacities.regular_hours must be >= 0"),
        (DEMAND, BEVERAGES.assign(units_per_hour=0.0), CAPACITY, COSTS, "sources.units_per_hour must be > 0"),
        (DEMAND, BEVERAGES.assign(source_type="make"), CAPACITY, COSTS, "sources.source_type must be one of"),
        (DEMAND, BEVERAGES, CAPACITY, BalancingCosts(holding={"SNACKS": 1.0}, backlog=2.0, lost_sale=30.0), "costs.holding lacks family 'BEVERAGES'"),
        (DEMAND, BEVERAGES, CAPACITY, BalancingCosts(holding=1.0, backlog=-2.0, lost_sale=30.0), "costs.backlog must be >= 0"),
        (DEMAND.assign(month="someday"), BEVERAGES, CAPACITY, COSTS, "demand.month must hold calendar months"),
    ],
)
def test_bad_input_names_the_field(demand, sources, capacities, costs, message):
    with pytest.raises(ValueError, match=message):
        balance_supply_and_demand(demand, sources, capacities, NO_STOCK, costs)


def test_bad_stock_targets_and_backlog_limit_name_the_field():
    stock = pd.DataFrame({"family": ["PETCARE"], "region": ["NORTH"], "units": [5.0]})
    with pytest.raises(ValueError, match="opening_inventory.family: 'PETCARE' is not in demand"):
        balance_supply_and_demand(DEMAND, BEVERAGES, CAPACITY, stock, COSTS)
    target = pd.DataFrame({"month": ["2026-02"], "family": ["BEVERAGES"], "region": ["NORTH"], "target_units": [5.0]})
    with pytest.raises(ValueError, match="costs.inventory_shortfall must be > 0"):
        balance_supply_and_demand(DEMAND, BEVERAGES, CAPACITY, NO_STOCK, COSTS, inventory_targets=target)
    with pytest.raises(ValueError, match="max_backlog_months must be a whole number"):
        balance_supply_and_demand(DEMAND, BEVERAGES, CAPACITY, NO_STOCK, COSTS, max_backlog_months=-1)


def test_a_company_without_production_lines_buys_from_an_unlimited_supplier():
    """The minimal input: every family bought from a source without a known limit (capacity inf),
    no line at all. The plan meets the demand month by month at the purchase cost, with no stock."""
    demand = pd.concat([_demand("FRESH", [10, 20, 30]), _demand("DRY", [5, 5, 5], region="SOUTH")], ignore_index=True)
    sources = _sources([("FRESH", "purchase", "(unnamed source)", np.nan, 1.0), ("DRY", "purchase", "(unnamed source)", np.nan, 1.0)])
    capacities = _supplier("(unnamed source)", np.inf)
    result = balance_supply_and_demand(demand, sources, capacities, NO_STOCK, BalancingCosts(holding=0.02, backlog=0.1, lost_sale=1.0))
    assert _month_values(result.plan, "supply", family="FRESH") == pytest.approx([10, 20, 30])
    assert _month_values(result.plan, "lost_sales") == pytest.approx([0, 0, 0]) and _month_values(result.plan, "inventory") == pytest.approx([0, 0, 0])
    assert result.objective == pytest.approx(75.0)
