"""S&OP balancing (SPEC section 7): a linear program over calendar months that meets the demand plan
at least cost within the capacity of the production lines and the suppliers, its gap report, and
the demand and capacity changes of a scenario.

Units: quantities in base units (eaches), hours in hours, costs in currency. Months are calendar
months (``pd.Period``, frequency ``M``); the horizon runs from the first to the last month of
``demand``, and a month x family x region without a demand row has zero demand.

Index: month ``m``, family ``f``, region ``r`` (a region's stock is its DC's), source ``s`` (a row of
``sources``: one family from one production line or supplier; a family may have several sources,
a line or a supplier may serve several families). Variables, all >= 0:

- ``x[s, m, r]``: units from source ``s`` in month ``m``, assigned directly to region ``r`` (no
  transport between regions: each region's share is limited only by the resource's capacity);
- ``inventory[m, f, r]``, ``backlog[m, f, r]``: at the end of month ``m``; ``lost[m, f, r]``: units of
  demand (new or backlogged) given up in ``m``; ``shortfall[m, f, r]``: units below the target stock;
- ``regular[l, m]``, ``overtime[l, m]``: hours of production line ``l``; ``purchased[k, m]``: units
  bought from supplier ``k``.

Constraints:

- balance: ``inventory[m-1] - backlog[m-1] + sum_s x[s, m, r] - demand[m] + lost[m] = inventory[m] -
  backlog[m]``, month -1 holding the opening inventory and no backlog;
- lines: ``sum_{s on l, r} x[s, m, r] / units_per_hour[s] = regular[l, m] + overtime[l, m]`` with
  ``regular <= regular_hours`` and ``overtime <= overtime_hours``; suppliers: ``sum_{s from k, r}
  x[s, m, r] = purchased[k, m] <= capacity_units``. Capacities are variable bounds, so their shadow
  prices are HiGHS's ``res.upper.marginals`` (negated: the cost saved by one more hour or unit);
- lost sales come out of demand: ``lost[m] <= demand[m] + backlog[m-1]``;
- backlog ages out: with ``max_backlog_months = n``, ``backlog[m] <= demand[m-n+1] + ... + demand[m]``
  (exact under first-in first-out: older units must be served or lost); the backlog at the end of
  the horizon is zero, so demand still unmet then is lost;
- target stock, soft: ``inventory[m] + shortfall[m] >= target[m]``. Soft, because a hard minimum
  makes the plan infeasible whenever capacity falls short; the penalty decides how hard it pushes.

Objective: ``unit_cost x + cost_per_hour regular + overtime_cost_per_hour overtime + holding
inventory + backlog backlog + lost_sale lost + inventory_shortfall shortfall``. Lost sales make
every plan feasible.

Gap report by month x family: ``constrained_supply = supply + inventory drawdown`` and ``unmet_units
= demand - constrained_supply = backlog increase + lost sales`` (negative when backlog is cleared).
``binding_constraint`` names the capacities of the family's resources with a positive shadow price
that month (``"LINE-1 regular hours"``, ``"LINE-1 regular+overtime hours"``, ``"SUP003 capacity"``,
several joined by ``"; "``): a line filled to build stock for a later month binds with no gap. With
no binding capacity: ``"none"``, or ``"cost"`` when demand is left unmet all the same (backlog or lost
sales cheaper than supplying).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import linprog

from ml.inventory.policy import checked_array
from ml.schema import FrameSchema

DEMAND_COLUMNS = ("month", "family", "region", "demand_units")
SOURCE_COLUMNS = ("family", "source_type", "resource_id", "unit_cost")  # + units_per_hour for production
OPENING_COLUMNS = ("family", "region", "units")
TARGET_COLUMNS = ("month", "family", "region", "target_units")
# capacities: resource_id, month, then per line the hours and their costs, per supplier the units
LINE_CAPACITY_COLUMNS = (("regular_hours", None), ("overtime_hours", None), ("overtime_cost_per_hour", None), ("cost_per_hour", 0.0))
SUPPLIER_CAPACITY_COLUMNS = (("capacity_units", None),)
CAPACITY_AMOUNTS = ("regular_hours", "overtime_hours", "capacity_units")  # what a capacity multiplier scales
SOURCE_TYPES = ("production", "purchase")
# the result frames' columns, in order
PLAN_COLUMNS = tuple("month family region demand supply opening_inventory served inventory backlog lost_sales target_inventory inventory_shortfall".split())
SUPPLY_COLUMNS = tuple("month family region source_type resource_id units hours unit_cost cost".split())
RESOURCE_COLUMNS = tuple(
    "resource_id month source_type unit used capacity utilisation regular_hours overtime_hours regular_capacity overtime_capacity shadow_price "
    "overtime_shadow_price binding_constraint".split()
)
GAP_COLUMNS = tuple(
    "month family demand supply inventory_drawdown constrained_supply backlog_change lost_sales unmet_units production_hours overtime_hours binding_constraint".split()
)
COST_COMPONENTS = ("production", "purchase", "regular_labour", "overtime", "holding", "backlog", "lost_sales", "inventory_shortfall")
TOLERANCE = 1e-6  # below it a quantity or a shadow price is zero (HiGHS feasibility tolerances are 1e-7)


@dataclass(frozen=True)
class BalancingCosts:
    """Stock and service costs, each one number for every family or a mapping family -> number.

    ``holding``: per unit and month of end-of-month inventory (unit value x annual rate / 12, see
    :func:`monthly_holding_cost`); ``backlog``: per unit and month of end-of-month backlog;
    ``lost_sale``: per unit of demand lost; ``inventory_shortfall``: per unit and month below the
    target stock (must be > 0 when targets are given). Supply costs per unit are
    ``sources.unit_cost``; labour per hour is in ``capacities``."""

    holding: float | Mapping[str, float]
    backlog: float | Mapping[str, float]
    lost_sale: float | Mapping[str, float]
    inventory_shortfall: float | Mapping[str, float] = 0.0


@dataclass(frozen=True)
class BalancingResult:
    """The balanced plan, quantities in units, hours in hours, prices in currency.

    ``plan`` (:data:`PLAN_COLUMNS`): per month x family x region; ``served`` counts deliveries of
    the month's demand and of backlog. ``supply`` (:data:`SUPPLY_COLUMNS`): per month x family x
    region x source. ``resources`` (:data:`RESOURCE_COLUMNS`): per resource x month, ``unit``
    "hours" (lines: ``used`` = regular + overtime hours) or "units" (suppliers); ``shadow_price``
    per regular hour or per unit, ``overtime_shadow_price`` per overtime hour. ``gaps``
    (:data:`GAP_COLUMNS`): per month x family, a shared line's overtime split pro rata to hours.
    ``objective``: the LP's optimum; ``cost_breakdown``: :data:`COST_COMPONENTS` and ``total``."""

    plan: pd.DataFrame
    supply: pd.DataFrame
    resources: pd.DataFrame
    gaps: pd.DataFrame
    objective: float
    cost_breakdown: dict[str, float]


def _require(frame: pd.DataFrame, columns, name: str) -> None:
    """The frame has the columns (their values are checked where they are read)."""
    FrameSchema(dict.fromkeys(columns, "any")).require_columns(frame, name)


def _numbers(frame: pd.DataFrame, column: str, name: str, finite: bool = True, positive: bool = False) -> np.ndarray:
    """A quantity column: numbers >= 0 (> 0 when ``positive``), finite unless ``finite`` is False
    (a capacity of ``inf``: no limit)."""
    schema = FrameSchema(
        {column: "number"}, infinite=() if finite else (column,), non_negative=() if positive else (column,), positive=(column,) if positive else ()
    )
    return schema.validate(frame, name)[column].to_numpy(dtype=float)


def _months(values: pd.Series, name: str) -> pd.PeriodIndex:
    if isinstance(values.dtype, pd.PeriodDtype):
        months = pd.PeriodIndex(values).asfreq("M")
    else:
        try:
            months = pd.DatetimeIndex(pd.to_datetime(values, format="mixed")).to_period("M")
        except (ValueError, TypeError) as error:
            raise ValueError(f"{name} must hold calendar months ({error})") from error
    if months.isna().any():
        raise ValueError(f"{name} has missing values")
    return months


def _codes(values: pd.Series, labels: pd.Index, name: str) -> np.ndarray:
    codes = labels.get_indexer(values)
    if (codes < 0).any():
        raise ValueError(f"{name}: {values.iloc[np.flatnonzero(codes < 0)[0]]!r} is not in demand")
    return codes


def _grid(frame: pd.DataFrame, column: str, horizon: pd.PeriodIndex, families: pd.Index, regions: pd.Index, name: str) -> np.ndarray:
    """A month x family x region frame as an array (months, families * regions); months outside
    the horizon are ignored, missing cells are zero."""
    months = horizon.get_indexer(_months(frame["month"], f"{name}.month"))
    f = _codes(frame["family"].astype(str), families, f"{name}.family")
    r = _codes(frame["region"].astype(str), regions, f"{name}.region")
    keys = pd.DataFrame({"month": months, "family": f, "region": r})
    if keys.duplicated().any():
        raise ValueError(f"{name} has several rows for one month x family x region (row {frame.index[keys.duplicated()][0]})")
    values, keep = _numbers(frame, column, name), months >= 0
    grid = np.zeros((len(horizon), len(families) * len(regions)))
    grid[months[keep], f[keep] * len(regions) + r[keep]] = values[keep]
    return grid


def _sources(sources: pd.DataFrame, families: pd.Index) -> pd.DataFrame:
    """The sources of the planned families, with ``units_per_hour`` NaN for purchases."""
    _require(sources, SOURCE_COLUMNS, "sources")
    frame = sources.assign(family=sources["family"].astype(str), resource_id=sources["resource_id"].astype(str))
    frame = frame[frame["family"].isin(families)].reset_index(drop=True)
    unsupplied = families.difference(frame["family"])
    if len(unsupplied):
        raise ValueError(f"sources.family: no source for family {unsupplied[0]!r}")
    FrameSchema(
        {"family": "any", "resource_id": "any", "source_type": "any"}, choices={"source_type": SOURCE_TYPES}, unique=("family", "resource_id")
    ).validate(frame, "sources")
    kinds = frame.groupby("resource_id")["source_type"].nunique()
    if (kinds > 1).any():
        raise ValueError(f"sources.source_type: resource {kinds.index[kinds > 1][0]!r} is both a production line and a supplier")
    production = (frame["source_type"] == "production").to_numpy()
    rate = np.full(len(frame), np.nan)
    if production.any():
        _require(frame, ("units_per_hour",), "sources")
        rate[production] = _numbers(frame.loc[production], "units_per_hour", "sources", positive=True)
    return frame.assign(units_per_hour=rate, unit_cost=_numbers(frame, "unit_cost", "sources"))


def _capacity_grids(capacities: pd.DataFrame, resources: pd.Index, horizon: pd.PeriodIndex, columns) -> dict[str, np.ndarray]:
    """Each capacity column as an array (resources, months); every resource needs every month."""
    shape = (len(resources), len(horizon))
    if not len(resources):
        return {column: np.zeros(shape) for column, _ in columns}
    _require(capacities, ("resource_id", "month", *(column for column, default in columns if default is None)), "capacities")
    rows = capacities[capacities["resource_id"].astype(str).isin(resources)]
    i = resources.get_indexer(rows["resource_id"].astype(str))
    m = horizon.get_indexer(_months(rows["month"], "capacities.month"))
    rows, i, m = rows[m >= 0], i[m >= 0], m[m >= 0]
    seen = np.zeros(shape, dtype=int)
    np.add.at(seen, (i, m), 1)
    if (seen.sum(axis=1) == 0).any():
        raise ValueError(f"capacities.resource_id lacks {resources[np.flatnonzero(seen.sum(axis=1) == 0)[0]]!r}, named in sources")
    if (seen != 1).any():
        ri, mi = np.argwhere(seen != 1)[0]
        raise ValueError(f"capacities.month: resource {resources[ri]!r} has {seen[ri, mi]} rows for {horizon[mi]} (needs one a month)")
    grids = {}
    for column, default in columns:  # a loop over capacity columns, not over resources or months
        grids[column] = np.full(shape, default if default is not None else 0.0)
        if column in rows.columns:
            grids[column][i, m] = _numbers(rows, column, "capacities", finite=column != "capacity_units")
    return grids


def _per_family(value, families: pd.Index, name: str) -> np.ndarray:
    if isinstance(value, Mapping):
        missing = [family for family in families if family not in value]
        if missing:
            raise ValueError(f"costs.{name} lacks family {missing[0]!r}")
        value = [value[family] for family in families]
    values = checked_array(np.broadcast_to(np.asarray(value, dtype=float), (len(families),)), f"costs.{name}", minimum=0)
    if not np.isfinite(values).all():
        raise ValueError(f"costs.{name} must be finite")
    return values


def _matrix(entries: list[tuple], shape: tuple[int, int]) -> sparse.csr_matrix:
    """A sparse matrix from (rows, columns, values) blocks, scalar values broadcast."""
    rows = np.concatenate([np.asarray(r) for r, _, _ in entries])
    columns = np.concatenate([np.asarray(c) for _, c, _ in entries])
    values = np.concatenate([np.broadcast_to(np.asarray(v, dtype=float), np.shape(r)) for r, _, v in entries])
    return sparse.csr_matrix((values, (rows, columns)), shape=shape)


def _clean(values: np.ndarray) -> np.ndarray:
    return np.where(np.abs(values) < TOLERANCE, 0.0, values)


def monthly_holding_cost(sources: pd.DataFrame, annual_holding_rate: float) -> dict[str, float]:
    """Holding cost per unit and month by family: the mean ``unit_cost`` of its sources times the
    annual holding rate / 12 (a :class:`BalancingCosts` ``holding`` mapping)."""
    rate = float(checked_array(annual_holding_rate, "annual_holding_rate", minimum=0))
    value = pd.to_numeric(sources["unit_cost"], errors="coerce").groupby(sources["family"].astype(str)).mean()
    return {family: float(unit_value) * rate / 12 for family, unit_value in value.items()}


def balance_supply_and_demand(
    demand: pd.DataFrame,
    sources: pd.DataFrame,
    capacities: pd.DataFrame,
    opening_inventory: pd.DataFrame,
    costs: BalancingCosts,
    inventory_targets: pd.DataFrame | None = None,
    max_backlog_months: int | None = None,
) -> BalancingResult:
    """Solve the balancing LP (see the module docstring) with HiGHS.

    ``demand``: month, family, region, demand_units (>= 0, one row per month x family x region).
    ``sources``: family, source_type ("production" or "purchase"), resource_id, unit_cost (per unit:
    variable production cost or purchase price), units_per_hour (production). Every family of
    ``demand`` needs a source; sources of other families are ignored.
    ``capacities``: resource_id, month, and per production line ``regular_hours``,
    ``overtime_hours`` (the most allowed), ``overtime_cost_per_hour``, ``cost_per_hour`` (regular
    labour, optional, 0 when absent); per supplier ``capacity_units`` (``inf`` for no limit). One row
    per resource named in ``sources`` and month of the horizon; other rows are ignored.
    ``opening_inventory``: family, region, units (missing cells hold nothing).
    ``inventory_targets`` (optional): month, family, region, target_units, the end-of-month stock
    to hold, soft (``costs.inventory_shortfall`` per unit-month short).
    ``max_backlog_months``: months a unit of demand may wait before it is lost (``None``: until the
    end of the horizon; 0: no backlog). Raises ValueError naming the field on bad input and
    RuntimeError when HiGHS finds no optimum."""
    _require(demand, DEMAND_COLUMNS, "demand")
    _require(opening_inventory, OPENING_COLUMNS, "opening_inventory")
    if demand.empty:
        raise ValueError("demand is empty")
    months = _months(demand["month"], "demand.month")
    horizon = pd.period_range(months.min(), months.max(), freq="M")
    families = pd.Index(sorted(demand["family"].astype(str).unique()))
    regions = pd.Index(sorted(demand["region"].astype(str).unique()))
    M, F, R = len(horizon), len(families), len(regions)
    C = F * R  # cells: family x region, c = f * R + r
    demand_grid = _grid(demand, "demand_units", horizon, families, regions, "demand")
    opening = _grid(opening_inventory.assign(month=horizon[0]), "units", horizon, families, regions, "opening_inventory")[0]
    targets = np.zeros((M, C))
    if inventory_targets is not None:
        _require(inventory_targets, TARGET_COLUMNS, "inventory_targets")
        targets = _grid(inventory_targets, "target_units", horizon, families, regions, "inventory_targets")
    src = _sources(sources, families)
    S, production = len(src), (src["source_type"] == "production").to_numpy()
    family_of, rate, unit_cost = families.get_indexer(src["family"]), src["units_per_hour"].to_numpy(), src["unit_cost"].to_numpy()
    lines, suppliers = pd.Index(src.loc[production, "resource_id"].unique()), pd.Index(src.loc[~production, "resource_id"].unique())
    L, K = len(lines), len(suppliers)
    line_of, supplier_of = lines.get_indexer(src["resource_id"]), suppliers.get_indexer(src["resource_id"])
    line_cap = _capacity_grids(capacities, lines, horizon, LINE_CAPACITY_COLUMNS)
    supplier_cap = _capacity_grids(capacities, suppliers, horizon, SUPPLIER_CAPACITY_COLUMNS)
    cell_costs = {
        name: np.tile(np.repeat(_per_family(getattr(costs, name), families, name), R), M) for name in ("holding", "backlog", "lost_sale", "inventory_shortfall")
    }
    if (targets > 0).any() and not (cell_costs["inventory_shortfall"] > 0).all():
        raise ValueError("costs.inventory_shortfall must be > 0 for every family when inventory targets are given")

    # variables, in blocks: x (s, m, r), then per cell-month, per line-month, per supplier-month
    sizes = {"x": S * M * R, "inventory": M * C, "backlog": M * C, "lost": M * C, "shortfall": M * C, "regular": L * M, "overtime": L * M, "purchased": K * M}
    start = dict(zip(sizes, np.cumsum([0, *sizes.values()])[:-1].tolist()))
    n = sum(sizes.values())
    s, m, r = (a.ravel() for a in np.indices((S, M, R)))
    x_col = np.arange(sizes["x"])
    cell = np.arange(M * C)  # m * C + c: a balance row, and the offset of a cell-month in its block
    later = cell < (M - 1) * C  # cell-months with a next month
    made, hours, bought = production[s], np.arange(L * M), np.arange(K * M)
    equalities = [
        (m * C + family_of[s] * R + r, x_col, 1.0),  # balance: supply in
        (cell, start["inventory"] + cell, -1.0),
        (cell[later] + C, start["inventory"] + cell[later], 1.0),  # next month opens with it
        (cell, start["backlog"] + cell, 1.0),
        (cell[later] + C, start["backlog"] + cell[later], -1.0),
        (cell, start["lost"] + cell, 1.0),
        (M * C + line_of[s[made]] * M + m[made], x_col[made], 1.0 / rate[s[made]]),  # line hours
        (M * C + hours, start["regular"] + hours, -1.0),
        (M * C + hours, start["overtime"] + hours, -1.0),
        (M * C + L * M + supplier_of[s[~made]] * M + m[~made], x_col[~made], 1.0),  # supplier units
        (M * C + L * M + bought, start["purchased"] + bought, -1.0),
    ]
    b_eq = np.concatenate([(demand_grid - np.vstack([opening, np.zeros((M - 1, C))])).ravel(), np.zeros(L * M + K * M)])
    inequalities = [(cell, start["lost"] + cell, 1.0), (cell[later] + C, start["backlog"] + cell[later], -1.0)]
    b_ub = [demand_grid.ravel()]
    if inventory_targets is not None:
        inequalities += [(M * C + cell, start["inventory"] + cell, -1.0), (M * C + cell, start["shortfall"] + cell, -1.0)]
        b_ub.append(-targets.ravel())
    b_ub = np.concatenate(b_ub)

    backlog_cap = np.full((M, C), np.inf)
    if max_backlog_months is not None:
        if int(max_backlog_months) != max_backlog_months or max_backlog_months < 0:
            raise ValueError(f"max_backlog_months must be a whole number >= 0, got {max_backlog_months!r}")
        total = np.vstack([np.zeros((1, C)), np.cumsum(demand_grid, axis=0)])  # demand before month m
        backlog_cap = total[1:] - total[np.maximum(np.arange(1, M + 1) - int(max_backlog_months), 0)]
    backlog_cap[-1] = 0.0  # unmet at the end of the horizon is lost
    upper = np.full(n, np.inf)
    upper[start["backlog"] : start["backlog"] + M * C] = backlog_cap.ravel()
    if inventory_targets is None:
        upper[start["shortfall"] : start["shortfall"] + M * C] = 0.0
    upper[start["regular"] : start["regular"] + L * M] = line_cap["regular_hours"].ravel()
    upper[start["overtime"] : start["overtime"] + L * M] = line_cap["overtime_hours"].ravel()
    upper[start["purchased"] :] = supplier_cap["capacity_units"].ravel()
    cost = np.concatenate([unit_cost[s], *cell_costs.values(), line_cap["cost_per_hour"].ravel(), line_cap["overtime_cost_per_hour"].ravel(), np.zeros(K * M)])
    A_ub, A_eq = _matrix(inequalities, (len(b_ub), n)), _matrix(equalities, (M * C + L * M + K * M, n))
    res = linprog(cost, A_ub=A_ub, b_ub=b_ub, A_eq=A_eq, b_eq=b_eq, bounds=np.column_stack([np.zeros(n), upper]), method="highs")
    if res.status != 0:
        raise RuntimeError(f"balancing LP found no optimum (HiGHS status {res.status}): {res.message}")
    solution, shadow = _clean(res.x), _clean(-res.upper.marginals)

    def block(name: str, shape: tuple[int, ...], values: np.ndarray = solution) -> np.ndarray:
        return values[start[name] : start[name] + sizes[name]].reshape(shape)

    def by_family(values: np.ndarray) -> np.ndarray:  # (M, C) -> (M * F,), summed over regions
        return values.reshape(M, F, R).sum(axis=2).ravel()

    x = block("x", (S, M, R))
    inventory, backlog, lost, shortfall = (block(name, (M, C)) for name in ("inventory", "backlog", "lost", "shortfall"))
    regular, overtime, purchased = block("regular", (L, M)), block("overtime", (L, M)), block("purchased", (K, M))
    one_hot = np.zeros((S, F))
    one_hot[np.arange(S), family_of] = 1.0
    supplied = np.einsum("smr,sf->mfr", x, one_hot).reshape(M, C)
    opening_stock, opening_backlog = np.vstack([opening, inventory[:-1]]), np.vstack([np.zeros(C), backlog[:-1]])
    pm, pf, pr = np.indices((M, F, R)).reshape(3, -1)
    quantities = np.stack([demand_grid, supplied, opening_stock, supplied + opening_stock - inventory, inventory, backlog, lost, targets, shortfall], axis=-1)
    plan = _frame(PLAN_COLUMNS, horizon[pm], families[pf], regions[pr], *quantities.reshape(M * C, -1).T)
    units, source_columns = x.ravel(), [src[column].to_numpy()[s] for column in ("family", "source_type", "resource_id")]
    supply = _frame(SUPPLY_COLUMNS, horizon[m], source_columns[0], regions[r], *source_columns[1:], units, units / rate[s], unit_cost[s], units * unit_cost[s])
    supply = supply.sort_values(["month", "family", "region"], kind="stable", ignore_index=True)
    prices = block("regular", (L, M), shadow), block("overtime", (L, M), shadow), block("purchased", (K, M), shadow)
    resources = _resources(lines, suppliers, horizon, (regular, overtime, purchased), line_cap, supplier_cap, prices)

    # hours per source and month; a shared line's overtime goes to its families pro rata to hours
    source_hours = np.where(production[:, None], x.sum(axis=2) / np.where(production, rate, 1.0)[:, None], 0.0)
    line_hours = np.zeros((L, M))
    np.add.at(line_hours, line_of[production], source_hours[production])
    # (no line at all, as for a company that buys everything: no hours either)
    line_total, line_overtime = (np.where(production[:, None], values[line_of], 0.0) if L else np.zeros((S, M)) for values in (line_hours, overtime))
    source_overtime = np.divide(source_hours * line_overtime, line_total, out=np.zeros_like(source_hours), where=line_total > 0)
    family_hours, family_overtime = (one_hot.T @ source_hours).T, (one_hot.T @ source_overtime).T
    demanded, family_supply, drawdown, family_lost = (by_family(values) for values in (demand_grid, supplied, opening_stock - inventory, lost))
    backlog_change = by_family(backlog - opening_backlog)
    gm, gf = np.indices((M, F)).reshape(2, -1)
    gap_values = (
        demanded,
        family_supply,
        drawdown,
        family_supply + drawdown,
        backlog_change,
        family_lost,
        backlog_change + family_lost,
        family_hours,
        family_overtime,
    )
    gaps = _frame(GAP_COLUMNS[:-1], horizon[gm], families[gf], *gap_values)
    binds = resources.loc[resources["binding_constraint"] != "none", ["resource_id", "month", "binding_constraint"]]
    names = src[["family", "resource_id"]].merge(binds, on="resource_id").groupby(["month", "family"], as_index=False)["binding_constraint"].agg("; ".join)
    gaps = gaps.merge(names, on=["month", "family"], how="left")
    otherwise = pd.Series(np.where(gaps["unmet_units"] > TOLERANCE, "cost", "none"), index=gaps.index)
    gaps["binding_constraint"] = gaps["binding_constraint"].fillna(otherwise)

    supply_cost = units * unit_cost[s]
    breakdown = {
        "production": float(supply_cost[made].sum()),
        "purchase": float(supply_cost[~made].sum()),
        "regular_labour": float((regular * line_cap["cost_per_hour"]).sum()),
        "overtime": float((overtime * line_cap["overtime_cost_per_hour"]).sum()),
        **{name: float(values.ravel() @ cell_costs[key]) for name, values, key in zip(COST_COMPONENTS[4:], (inventory, backlog, lost, shortfall), cell_costs)},
    }
    breakdown["total"] = sum(breakdown.values())
    return BalancingResult(plan=plan, supply=supply, resources=resources, gaps=gaps, objective=float(res.fun), cost_breakdown=breakdown)


def _frame(columns: tuple[str, ...], *values) -> pd.DataFrame:
    """A frame with ``columns`` in order: index objects kept, arrays flattened, scalars repeated."""
    return pd.DataFrame({c: v if isinstance(v, pd.Index) or np.ndim(v) == 0 else np.ravel(v) for c, v in zip(columns, values, strict=True)})


def _resources(lines, suppliers, horizon, used: tuple, line_cap: dict, supplier_cap: dict, prices: tuple) -> pd.DataFrame:
    """The resources frame of :class:`BalancingResult`: lines (hours) then suppliers (units)."""
    (regular, overtime, purchased), (regular_price, overtime_price, supplier_price) = used, prices
    regular_cap, overtime_cap, supplier_units = line_cap["regular_hours"], line_cap["overtime_hours"], supplier_cap["capacity_units"]
    li, lm = np.indices(regular.shape).reshape(2, -1)
    ki, km = np.indices(purchased.shape).reshape(2, -1)
    regular_binds, overtime_binds = regular_price > TOLERANCE, overtime_price > TOLERANCE
    line_binding = np.select([regular_binds & overtime_binds, regular_binds, overtime_binds], ["regular+overtime hours", "regular hours", "overtime hours"], "")
    hours = (
        regular + overtime,
        regular_cap + overtime_cap,
        _share(regular + overtime, regular_cap + overtime_cap),
        regular,
        overtime,
        regular_cap,
        overtime_cap,
    )
    line_frame = _frame(RESOURCE_COLUMNS, lines[li], horizon[lm], "production", "hours", *hours, regular_price, overtime_price, line_binding)
    nothing = np.full(len(ki), np.nan)
    supplier_binding = np.where(supplier_price > TOLERANCE, "capacity", "")
    units = (purchased, supplier_units, _share(purchased, supplier_units), nothing, nothing, nothing, nothing, supplier_price, nothing, supplier_binding)
    supplier_frame = _frame(RESOURCE_COLUMNS, suppliers[ki], horizon[km], "purchase", "units", *units)
    frame = pd.concat([part for part in (line_frame, supplier_frame) if len(part)], ignore_index=True)
    binding = frame["binding_constraint"]
    frame["binding_constraint"] = (frame["resource_id"] + " " + binding).where(binding != "", "none")
    return frame


def _share(used: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    return np.divide(used, capacity, out=np.full(np.shape(used), np.nan), where=capacity > 0)
