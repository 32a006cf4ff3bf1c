"""Policy simulation (SPEC section 6): replay replenishment policies day by day against held-out
actual demand and report the fill rate and cycle service level they achieve.

Units: demand and stock in base units, days as integer steps. Arrays are ``[n_series, n_days]``
(one row per SKU x location) or ``[n_series]``; the only loop runs over days, every step moves
all series at once.

Each day ``t``, in this order:

1. receive the orders due on ``t`` (placed on ``t - L``, or in the initial pipeline);
2. with backorders, fill the backlog first from on hand;
3. serve the day's demand from on hand; the unmet part is lost (lost sales, the default) or
   carried as a backlog (``backorders=True``);
4. on a review day, if the inventory position (on hand + on order - backlog) is at or below the
   reorder point ``s[t]``, order ``S[t] - position``, raised to the minimum order quantity and
   rounded up to whole packs; it arrives on ``t + lead_times[t]`` (orders due after the horizon
   stay on order).

Measures per series:

- fill rate: units served from stock on the day they were demanded over units demanded (backlog
  filled later does not count as served); NaN without demand.
- replenishment cycle: the days from one receipt (inclusive: it arrives before the day's demand)
  to the day before the next receipt; the days before the first receipt form the first cycle.
  A cycle counts when a receipt within the horizon closes it and it had demand; the open cycle
  after the last receipt does not count (its outcome is not known yet). A stock-out cycle had
  some demand unmet. Cycle service level ``1 - stockout_cycles / cycles``, NaN without cycles.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ml.inventory.policy import checked_array, round_order_quantity


@dataclass(frozen=True)
class SimulationResult:
    """Outcome of :func:`simulate_policies`: arrays of ``[n_series]`` unless noted, units unless noted."""

    demand_units: np.ndarray
    served_units: np.ndarray  # served from stock on the day of demand
    unmet_units: np.ndarray  # demand not served on its day: lost, or backordered
    fill_rate: np.ndarray  # served / demand, NaN without demand
    cycles: np.ndarray  # closed replenishment cycles with demand (count)
    stockout_cycles: np.ndarray  # of which some demand went unmet (count)
    cycle_service_level: np.ndarray  # 1 - stockout_cycles / cycles, NaN without cycles
    average_on_hand: np.ndarray  # mean end-of-day on hand
    orders: np.ndarray  # orders placed (count)
    ordered_units: np.ndarray
    on_order_end: np.ndarray  # still in the pipeline after the last day
    backlog_end: np.ndarray  # owed to customers after the last day (0 with lost sales)
    on_hand: np.ndarray  # [n_series, n_days] end-of-day on hand
    order_quantity: np.ndarray  # [n_series, n_days] units ordered at the end of each day


def _matrix(value, name: str, shape: tuple[int, int], minimum: float | None = None, per_series: bool = False) -> np.ndarray:
    values = checked_array(value, name, minimum=minimum)
    if per_series and values.shape == (shape[0],):
        return np.broadcast_to(values[:, None], shape)
    if values.shape != shape:
        expected = f"{shape} or ({shape[0]},)" if per_series else f"{shape}"
        raise ValueError(f"{name} must have shape {expected}, got {values.shape}")
    return values


def _per_series(value, name: str, n_series: int, minimum: float | None = None, strict: bool = False) -> np.ndarray:
    values = checked_array(value, name, minimum=minimum, strict=strict)
    if values.ndim > 1 or values.shape not in ((), (n_series,)):
        raise ValueError(f"{name} must be a scalar or have shape ({n_series},), got {values.shape}")
    return np.broadcast_to(values, (n_series,)).astype(float)


def _whole_days(values: np.ndarray, name: str) -> np.ndarray:
    if (values != np.round(values)).any():
        raise ValueError(f"{name} must be whole days")
    return values.astype(np.int64)


def review_days(n_series: int, n_days: int, period_days=1, offset_days=0) -> np.ndarray:
    """``[n_series, n_days]`` bool: day ``t`` is a review day of series ``i`` when
    ``(t - offset_i) % period_i == 0``. Period (>= 1 day) and offset (>= 0 days) are scalars or
    ``[n_series]``; a period of 1 is continuous review."""
    period = _whole_days(_per_series(period_days, "period_days", n_series, minimum=1), "period_days")
    offset = _whole_days(_per_series(offset_days, "offset_days", n_series, minimum=0), "offset_days")
    return (np.arange(n_days)[None, :] - offset[:, None]) % period[:, None] == 0


def draw_lead_times(rng: np.random.Generator, samples_per_series, n_days: int) -> np.ndarray:
    """``[n_series, n_days]`` integer lead times, drawn with replacement from each series' observed
    lead times (whole days >= 1). ``samples_per_series``: a list of 1-D arrays (ragged) or a 2-D
    array padded with NaN; every series needs at least one observation."""
    if isinstance(samples_per_series, np.ndarray) and samples_per_series.ndim == 2:
        observed = samples_per_series.astype(float)
    else:
        samples = [np.asarray(sample, dtype=float).ravel() for sample in samples_per_series]  # ragged input: pad once
        lengths = np.array([sample.size for sample in samples], dtype=np.int64)
        observed = np.full((len(samples), int(lengths.max(initial=0))), np.nan)
        observed[np.arange(observed.shape[1])[None, :] < lengths[:, None]] = np.concatenate(samples) if samples else []
    observed = np.sort(observed, axis=1)  # NaN padding moves to the end of each row
    counts = (~np.isnan(observed)).sum(axis=1)
    if (counts == 0).any():
        raise ValueError(f"samples_per_series has no lead time for series {np.flatnonzero(counts == 0)[:5].tolist()}")
    valid = observed[~np.isnan(observed)]
    if (valid < 1).any() or (valid != np.round(valid)).any():
        raise ValueError("samples_per_series must hold whole days >= 1")
    picks = np.floor(rng.random((len(counts), n_days)) * counts[:, None]).astype(np.int64)
    return observed[np.arange(len(counts))[:, None], picks].astype(np.int64)


def simulate_policies(
    demand: np.ndarray,
    reorder_point: np.ndarray,
    order_up_to: np.ndarray,
    review_mask: np.ndarray,
    lead_times: np.ndarray,
    initial_on_hand: np.ndarray,
    minimum_order_quantity=0.0,
    pack_size=1.0,
    initial_pipeline: np.ndarray | None = None,
    backorders: bool = False,
    lot_size=0.0,
) -> SimulationResult:
    """Replay (s, S) policies against actual demand, all series at once (see the module docstring).

    ``demand`` ``[n_series, n_days]`` units >= 0; ``reorder_point`` and ``order_up_to`` units,
    ``[n_series, n_days]`` (re-planned policies) or ``[n_series]``, ``order_up_to >= reorder_point``;
    ``review_mask`` ``[n_series, n_days]`` bool (see :func:`review_days`); ``lead_times``
    ``[n_series, n_days]`` whole days >= 1, the lead time of an order placed on that day (see
    :func:`draw_lead_times`); ``initial_on_hand`` ``[n_series]`` units >= 0; minimum order quantity
    and pack size scalars or ``[n_series]``; ``initial_pipeline`` ``[n_series, k]`` units >= 0 due
    on day ``j`` of the horizon (columns from ``n_days`` on stay on order); ``lot_size`` scalar or
    ``[n_series]``: an order is at least this many units (the EOQ lot of
    :mod:`ml.inventory.policies`), before the MOQ and pack rounding.
    """
    demand = checked_array(demand, "demand", minimum=0)
    if demand.ndim != 2:
        raise ValueError(f"demand must be 2-D [n_series, n_days], got shape {demand.shape}")
    shape = demand.shape
    n_series, n_days = shape
    s = _matrix(reorder_point, "reorder_point", shape, per_series=True)
    level = _matrix(order_up_to, "order_up_to", shape, per_series=True)
    if (level < s).any():
        raise ValueError("order_up_to must be >= reorder_point")
    review = np.asarray(review_mask)
    if review.shape != shape:
        raise ValueError(f"review_mask must have shape {shape}, got {review.shape}")
    review = review.astype(bool)
    lead = _whole_days(_matrix(lead_times, "lead_times", shape, minimum=1), "lead_times")
    on_hand = _per_series(initial_on_hand, "initial_on_hand", n_series, minimum=0).copy()
    moq = _per_series(minimum_order_quantity, "minimum_order_quantity", n_series, minimum=0)
    pack = _per_series(pack_size, "pack_size", n_series, minimum=0, strict=True)
    lot = _per_series(lot_size, "lot_size", n_series, minimum=0)

    arrivals = np.zeros(shape)
    on_order = np.zeros(n_series)
    if initial_pipeline is not None:
        pipeline = checked_array(initial_pipeline, "initial_pipeline", minimum=0)
        if pipeline.ndim != 2 or pipeline.shape[0] != n_series:
            raise ValueError(f"initial_pipeline must have shape ({n_series}, k), got {pipeline.shape}")
        within = min(pipeline.shape[1], n_days)
        arrivals[:, :within] = pipeline[:, :within]
        on_order = pipeline.sum(axis=1)

    backlog = np.zeros(n_series)
    served = np.zeros(shape)
    on_hand_daily = np.zeros(shape)
    ordered = np.zeros(shape)
    cycles, stockout_cycles = np.zeros(n_series, np.int64), np.zeros(n_series, np.int64)
    cycle_had_demand, cycle_short = np.zeros(n_series, bool), np.zeros(n_series, bool)
    for t in range(n_days):  # days, not series: every series moves at once
        receipt = arrivals[:, t]
        received = receipt > 0
        cycles += received & cycle_had_demand  # a receipt closes the running cycle
        stockout_cycles += received & cycle_short
        cycle_had_demand &= ~received
        cycle_short &= ~received
        on_hand += receipt
        on_order -= receipt
        if backorders:
            filled = np.minimum(backlog, on_hand)
            backlog -= filled
            on_hand -= filled
        served[:, t] = np.minimum(on_hand, demand[:, t])
        on_hand -= served[:, t]
        unmet = demand[:, t] - served[:, t]
        if backorders:
            backlog += unmet
        cycle_had_demand |= demand[:, t] > 0
        cycle_short |= unmet > 0

        position = on_hand + on_order - backlog
        due = np.flatnonzero(review[:, t] & (position <= s[:, t]))
        if due.size:
            quantity = round_order_quantity(np.maximum(level[due, t] - position[due], lot[due]), moq[due], pack[due])
            placed, quantity = due[quantity > 0], quantity[quantity > 0]
            ordered[placed, t] = quantity
            on_order[placed] += quantity
            arrival = t + lead[placed, t]
            inside = arrival < n_days
            arrivals[placed[inside], arrival[inside]] += quantity[inside]  # one order per series a day: no collisions
        on_hand_daily[:, t] = on_hand

    demand_units, served_units = demand.sum(axis=1), served.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        fill_rate = np.where(demand_units > 0, served_units / demand_units, np.nan)
        cycle_service_level = np.where(cycles > 0, 1.0 - stockout_cycles / cycles, np.nan)
    return SimulationResult(
        demand_units=demand_units,
        served_units=served_units,
        unmet_units=demand_units - served_units,
        fill_rate=fill_rate,
        cycles=cycles,
        stockout_cycles=stockout_cycles,
        cycle_service_level=cycle_service_level,
        average_on_hand=on_hand_daily.mean(axis=1) if n_days else np.full(n_series, np.nan),
        orders=(ordered > 0).sum(axis=1),
        ordered_units=ordered.sum(axis=1),
        on_order_end=on_order,
        backlog_end=backlog,
        on_hand=on_hand_daily,
        order_quantity=ordered,
    )


def _subset(result: SimulationResult, mask) -> np.ndarray:
    n_series = len(result.demand_units)
    if mask is None:
        return np.ones(n_series, bool)
    chosen = np.asarray(mask, dtype=bool)
    if chosen.shape != (n_series,):
        raise ValueError(f"mask must have shape ({n_series},), got {chosen.shape}")
    return chosen


def aggregate_fill_rate(result: SimulationResult, mask=None) -> float:
    """Pooled fill rate ``sum(served) / sum(demand)`` over the series in ``mask`` (all by default);
    NaN without demand."""
    chosen = _subset(result, mask)
    demand = result.demand_units[chosen].sum()
    return float(result.served_units[chosen].sum() / demand) if demand > 0 else float("nan")


def aggregate_cycle_service_level(result: SimulationResult, mask=None) -> float:
    """Pooled cycle service level ``1 - sum(stockout_cycles) / sum(cycles)`` over ``mask``; NaN without cycles."""
    chosen = _subset(result, mask)
    cycles = result.cycles[chosen].sum()
    return float(1.0 - result.stockout_cycles[chosen].sum() / cycles) if cycles > 0 else float("nan")


def summarize(result: SimulationResult, groups, fill_rate_target=None, cycle_service_target=None) -> pd.DataFrame:
    """Pooled measures per group (e.g. ABC x XYZ class), one row per group value.

    ``groups`` ``[n_series]`` labels; targets (scalars or ``[n_series]``, shares from 0 to 1) are pooled the
    way the measures are: the fill-rate target weighted by demand, the cycle-service target by
    cycles, so ``fill_rate - fill_rate_target`` is the gap of the group as a whole. Columns:
    ``series, demand_units, served_units, cycles, stockout_cycles, average_on_hand`` (sum over the
    group's series), ``fill_rate, cycle_service_level`` and, with targets, ``fill_rate_target,
    fill_rate_gap, cycle_service_target, cycle_service_gap``.
    """
    n_series = len(result.demand_units)
    labels = np.asarray(groups)
    if labels.shape != (n_series,):
        raise ValueError(f"groups must have shape ({n_series},), got {labels.shape}")
    frame = pd.DataFrame(
        {
            "group": labels,
            "series": 1,
            "demand_units": result.demand_units,
            "served_units": result.served_units,
            "cycles": result.cycles,
            "stockout_cycles": result.stockout_cycles,
            "average_on_hand": result.average_on_hand,
        }
    )
    if fill_rate_target is not None:
        frame["_fill_target"] = _per_series(fill_rate_target, "fill_rate_target", n_series, minimum=0) * result.demand_units
    if cycle_service_target is not None:
        frame["_cycle_target"] = _per_series(cycle_service_target, "cycle_service_target", n_series, minimum=0) * result.cycles
    out = frame.groupby("group", sort=True).sum()
    demand, cycles = out["demand_units"].where(out["demand_units"] > 0), out["cycles"].where(out["cycles"] > 0)
    out["fill_rate"] = out["served_units"] / demand
    out["cycle_service_level"] = 1.0 - out["stockout_cycles"] / cycles
    if fill_rate_target is not None:
        out["fill_rate_target"] = out.pop("_fill_target") / demand
        out["fill_rate_gap"] = out["fill_rate"] - out["fill_rate_target"]
    if cycle_service_target is not None:
        out["cycle_service_target"] = out.pop("_cycle_target") / cycles
        out["cycle_service_gap"] = out["cycle_service_level"] - out["cycle_service_target"]
    if isinstance(groups, pd.Series) and groups.name is not None:
        out.index.name = groups.name
    return out.reset_index()
