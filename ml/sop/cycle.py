"""The monthly S&OP cycle's balancing step: the demand plan and the supply review as inputs of the
balancing LP (:mod:`ml.sop.balancing`), the scenarios of the configuration solved side by side, and
the gap report by month and family.

A SKU is bound to its source, so the LP plans *planning groups*: one per family and resource
(production line or supplier), ``"BEVERAGES / LINE-1"``. A group's demand is its family's planned
demand in the region times the group's share of that demand (recent history); the gap report
adds the groups back up to families.

Units: base units, hours, currency; months are month starts.

:func:`balance_cycle` is the whole step, as the S&OP assets run it: the marts' frames in, the
tables they write out (every scenario's plan, resources, totals and gaps, the consensus plan
proposed).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ml.schema import FrameSchema
from ml.sop.balancing import BalancingCosts, BalancingResult, balance_supply_and_demand
from ml.sop.consensus import proposed_consensus_plan
from ml.sop.scenarios import apply_scenario

SCENARIO_COLUMNS = ("scenario", "target_type", "target", "multiplier")
CAPACITY_GROUPS = {"suppliers": "purchase", "lines": "production"}


def group_demand(plan: pd.DataFrame, sources: pd.DataFrame) -> pd.DataFrame:
    """``plan`` (month, family, region, plan_units) spread over the planning groups of
    ``sources`` (planning_group, family, region, share_of_family): the LP's demand frame."""
    joined = plan.merge(sources[["planning_group", "family", "region", "share_of_family"]], on=["family", "region"], how="inner")
    return pd.DataFrame(
        {
            "month": pd.to_datetime(joined["month"]),
            "family": joined["planning_group"],
            "region": joined["region"],
            "demand_units": joined["plan_units"].astype(float) * joined["share_of_family"].astype(float),
        }
    )


def lp_sources(sources: pd.DataFrame) -> pd.DataFrame:
    """One LP source per planning group: its resource, unit cost and run rate."""
    groups = sources.drop_duplicates("planning_group")
    return pd.DataFrame(
        {
            "family": groups["planning_group"],
            "source_type": groups["source_type"],
            "resource_id": groups["resource_id"],
            "unit_cost": groups["unit_cost"].astype(float),
            "units_per_hour": groups["units_per_hour"].astype(float),
        }
    )


def costs_from_prices(sources: pd.DataFrame, annual_holding_rate: float, backlog_share: float, lost_share: float) -> BalancingCosts:
    """Holding at the unit cost's annual rate a month; backlog and lost sales as shares of the
    list price, per planning group."""
    groups = sources.drop_duplicates("planning_group").set_index("planning_group")
    return BalancingCosts(
        holding=(groups["unit_cost"] * annual_holding_rate / 12).to_dict(),
        backlog=(groups["list_price"] * backlog_share).to_dict(),
        lost_sale=(groups["list_price"] * lost_share).to_dict(),
    )


def valued_sources(sources: pd.DataFrame) -> pd.DataFrame:
    """``sources`` with a unit cost and a list price on every row: a planning group without one
    (the data gives none) takes the other, and without both a unit is worth 1. Costs are then in
    units, so the balancing still holds no stock it does not need and leaves no demand unmet that
    it can meet. Adds ``is_valued_in_units`` (neither was known)."""
    unknown = sources["unit_cost"].isna() & sources["list_price"].isna()
    return sources.assign(
        unit_cost=sources["unit_cost"].fillna(sources["list_price"]).fillna(1.0),
        list_price=sources["list_price"].fillna(sources["unit_cost"]).fillna(1.0),
        is_valued_in_units=unknown,
    )


def scenario_multipliers(rows: pd.DataFrame, sources: pd.DataFrame, capacities: pd.DataFrame) -> tuple[dict[str, float], dict[str, float]]:
    """One scenario's rows (target_type demand or capacity; target ``*``, a family, a resource,
    ``suppliers`` or ``lines``) as demand multipliers per planning group and capacity multipliers
    per resource; rows multiply together."""
    groups = sources.drop_duplicates("planning_group")
    resources = capacities.drop_duplicates("resource_id")
    demand = pd.Series(1.0, index=groups["planning_group"].to_numpy())
    capacity = pd.Series(1.0, index=resources["resource_id"].to_numpy())
    for row in rows.itertuples():  # a scenario's few configuration rows, not data rows
        if row.target_type == "demand":
            hit = (groups["family"] == row.target).to_numpy() | (row.target == "*")
            if not hit.any():
                raise ValueError(f"scenario {row.scenario}: demand target {row.target!r} is no family of the plan")
            demand[hit] *= row.multiplier
        elif row.target_type == "capacity":
            kind = CAPACITY_GROUPS.get(row.target)
            hit = (resources["source_type"] == kind).to_numpy() if kind else (resources["resource_id"] == row.target).to_numpy() | (row.target == "*")
            if not hit.any():
                raise ValueError(f"scenario {row.scenario}: capacity target {row.target!r} is no resource, 'suppliers', 'lines' or '*'")
            capacity[hit] *= row.multiplier
        else:
            raise ValueError(f"scenario {row.scenario}: target_type must be demand or capacity, got {row.target_type!r}")
    return demand.to_dict(), capacity.to_dict()


def solve_scenarios(
    scenarios: pd.DataFrame, demand: pd.DataFrame, sources: pd.DataFrame, capacities: pd.DataFrame, opening: pd.DataFrame, costs: BalancingCosts
) -> dict[str, BalancingResult]:
    """Every scenario of ``scenarios`` (:data:`SCENARIO_COLUMNS`) balanced on its own demand and
    capacities, in the order of the configuration. ``demand`` is :func:`group_demand`'s frame,
    ``sources`` the supply sources (planning groups), ``capacities`` the LP's capacity frame."""
    FrameSchema(dict.fromkeys(SCENARIO_COLUMNS, "any")).require_columns(scenarios, "scenarios")
    results = {}
    for name, rows in scenarios.groupby("scenario", sort=False):  # scenarios: a handful, each one LP
        demand_factor, capacity_factor = scenario_multipliers(rows, sources, capacities)
        scenario_demand, scenario_capacities = apply_scenario(demand, capacities, demand_factor, capacity_factor)
        results[name] = balance_supply_and_demand(scenario_demand, lp_sources(sources), scenario_capacities, opening, costs)
    return results


def family_gaps(result: BalancingResult, sources: pd.DataFrame) -> pd.DataFrame:
    """The gap report by month and family: the planning groups' gaps added up, with every binding
    capacity named once."""
    family_of = sources.drop_duplicates("planning_group").set_index("planning_group")["family"]
    gaps = result.gaps.assign(family=result.gaps["family"].map(family_of))
    numbers = ["demand", "supply", "inventory_drawdown", "constrained_supply", "backlog_change", "lost_sales", "unmet_units"]
    summed = gaps.groupby(["month", "family"], sort=True)[numbers].sum()
    named = gaps[~gaps["binding_constraint"].isin(["none"])].groupby(["month", "family"])["binding_constraint"]
    binding = named.agg(lambda values: "; ".join(sorted(set("; ".join(values).split("; ")))))  # per month x family: a few names
    summed["binding_constraint"] = binding.reindex(summed.index).fillna("none")
    return summed.reset_index()


def scenario_summary(results: dict[str, BalancingResult]) -> pd.DataFrame:
    """Per scenario: total cost and its parts, demand, unmet and lost units, service (share of
    demand met in its month or later), the busiest resource's utilisation."""
    rows = []
    for name, result in results.items():  # scenarios, not data rows
        plan, resources = result.plan, result.resources
        demand = float(plan["demand"].sum())
        lost = float(plan["lost_sales"].sum())
        busiest = resources.loc[resources["utilisation"].idxmax()] if len(resources) else None
        rows.append(
            {
                "scenario": name,
                "total_cost": result.objective,
                **{f"{k}_cost": v for k, v in result.cost_breakdown.items() if k != "total"},
                "demand_units": demand,
                "lost_units": lost,
                "service_level": 1.0 - lost / demand if demand > 0 else np.nan,
                "peak_backlog_units": float(plan.groupby("month")["backlog"].sum().max()),
                "busiest_resource": None if busiest is None else busiest["resource_id"],
                "busiest_month": None if busiest is None else str(busiest["month"]),
                "busiest_utilisation": None if busiest is None else float(busiest["utilisation"]),
            }
        )
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class BalancedCycle:
    """The balancing step's tables, months as dates: ``plans`` (every scenario's plan by month x
    planning group x region, ``family`` the group's family), ``resources`` (use of each line and
    supplier by month), ``summary`` (:func:`scenario_summary` with ``cost_note``), ``gaps``
    (:func:`family_gaps` of every scenario), ``consensus`` (the base scenario's plan proposed,
    :func:`ml.sop.consensus.proposed_consensus_plan`) and how many planning groups have neither
    a unit cost nor a list price (``groups_valued_in_units``: their costs count a unit as 1)."""

    plans: pd.DataFrame
    resources: pd.DataFrame
    summary: pd.DataFrame
    gaps: pd.DataFrame
    consensus: pd.DataFrame
    groups_valued_in_units: int


def balance_cycle(
    demand_plan: pd.DataFrame,
    supply_sources: pd.DataFrame,
    capacities: pd.DataFrame,
    scenarios: pd.DataFrame,
    opening: pd.DataFrame,
    *,
    annual_holding_rate: float,
    backlog_share: float,
    lost_share: float,
    proposed_at: pd.Timestamp,
) -> BalancedCycle:
    """Every scenario of ``scenarios`` balanced and the base one proposed as the consensus plan.

    ``demand_plan``: month, family, region, plan_units (sop.fct_demand_plan); ``supply_sources``:
    the planning groups (sop.fct_supply_sources, valued by :func:`valued_sources`);
    ``capacities``: per resource and month (sop.fct_supply_capacity; a supplier without a known
    limit, ``capacity_units`` empty, has none); ``opening``: family (the planning group), region,
    units; the cost rates of :func:`costs_from_prices`; ``proposed_at``: when the consensus plan
    is proposed (naive UTC)."""
    sources = valued_sources(supply_sources)
    demand = group_demand(demand_plan, sources)
    unlimited = (capacities["source_type"] == "purchase") & capacities["capacity_units"].isna()
    capacities = capacities.assign(month=pd.to_datetime(capacities["month"]), capacity_units=capacities["capacity_units"].mask(unlimited, np.inf))
    results = solve_scenarios(scenarios, demand, sources, capacities, opening, costs_from_prices(sources, annual_holding_rate, backlog_share, lost_share))
    family_of = sources.drop_duplicates("planning_group").set_index("planning_group")["family"]
    plans = pd.concat([r.plan.assign(scenario=name, planning_group=r.plan["family"], family=r.plan["family"].map(family_of)) for name, r in results.items()])
    resources = pd.concat([r.resources.assign(scenario=name) for name, r in results.items()])
    gaps = pd.concat([family_gaps(r, sources).assign(scenario=name) for name, r in results.items()])
    for frame in (plans, resources, gaps):  # the LP's monthly periods as the months' first days
        frame["month"] = frame["month"].dt.to_timestamp().dt.date
    in_units, groups = sources.loc[sources["is_valued_in_units"], "planning_group"].nunique(), sources["planning_group"].nunique()
    # said beside the figures (the cockpit): costs of groups without cost nor price are not money
    cost_note = f"{in_units} of {groups} planning groups have neither unit cost nor list price: their costs count a unit as 1, not money" if in_units else ""
    return BalancedCycle(
        plans=plans,
        resources=resources,
        summary=scenario_summary(results).assign(cost_note=cost_note),
        gaps=gaps,
        consensus=proposed_consensus_plan(plans, proposed_at=proposed_at),
        groups_valued_in_units=int(in_units),
    )
