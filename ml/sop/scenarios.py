"""S&OP scenarios (SPEC section 7): a scenario scales demand and capacities, and the balanced
plans of several scenarios are compared side by side."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from ml.inventory.policy import checked_array
from ml.sop.balancing import CAPACITY_AMOUNTS, BalancingResult, _require


def _factors(multiplier, keys: pd.Series, name: str, what: str) -> np.ndarray:
    if isinstance(multiplier, Mapping):
        unknown = sorted({str(key) for key in multiplier} - set(keys))
        if unknown:
            raise ValueError(f"{name}: unknown {what} {unknown[0]!r}")
        factors = keys.map({str(key): value for key, value in multiplier.items()}).fillna(1.0)
    else:
        factors = np.full(len(keys), multiplier, dtype=float)
    values = checked_array(factors, name, minimum=0)
    if not np.isfinite(values).all():
        raise ValueError(f"{name} must be finite")
    return values


def apply_scenario(
    demand: pd.DataFrame, capacities: pd.DataFrame, demand_multiplier: float | Mapping[str, float] = 1.0, capacity_multiplier: float | Mapping[str, float] = 1.0
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A scenario's demand and capacities: ``demand_units`` times ``demand_multiplier`` (one number,
    or family -> number, families not named unchanged) and the capacity amounts
    (:data:`CAPACITY_AMOUNTS`, whichever ``capacities`` has) times ``capacity_multiplier`` (one number
    or resource_id -> number). Costs per hour stay. A key naming no family or resource of the frame
    raises ValueError; the frames passed in are not changed."""
    _require(demand, ("family", "demand_units"), "demand")
    _require(capacities, ("resource_id",), "capacities")
    demand_factor = _factors(demand_multiplier, demand["family"].astype(str), "demand_multiplier", "family")
    capacity_factor = _factors(capacity_multiplier, capacities["resource_id"].astype(str), "capacity_multiplier", "resource")
    scaled = {column: pd.to_numeric(capacities[column], errors="coerce") * capacity_factor for column in CAPACITY_AMOUNTS if column in capacities.columns}
    return demand.assign(demand_units=pd.to_numeric(demand["demand_units"], errors="coerce") * demand_factor), capacities.assign(**scaled)


def compare_scenarios(results: Mapping[str, BalancingResult]) -> pd.DataFrame:
    """Scenarios side by side: one column per scenario, rows the costs (``cost_`` + component,
    ``cost_total``) and the units (``demand_units``, ``supply_units``, ``lost_sales_units``,
    ``backlog_unit_months``) and ``fill_rate`` (share of demand not lost)."""
    columns = {}
    for name, result in results.items():  # a handful of scenarios
        plan = result.plan
        demand, lost = float(plan["demand"].sum()), float(plan["lost_sales"].sum())
        columns[name] = {
            **{f"cost_{component}": value for component, value in result.cost_breakdown.items()},
            "demand_units": demand,
            "supply_units": float(plan["supply"].sum()),
            "lost_sales_units": lost,
            "backlog_unit_months": float(plan["backlog"].sum()),
            "fill_rate": 1.0 - lost / demand if demand > 0 else np.nan,
        }
    return pd.DataFrame(columns)
