"""Inventory policies per SKU x location: safety stock, reorder point, order-up-to level, lot size.

One row per SKU x stocking location in (``sku_id``, ``location_id``: a bad parameter is reported
by them), the same rows out with the policy added (the formulas are in :mod:`ml.inventory.policy`):

- The protection interval is ``L + R`` (lead time plus review period, days).
- Smooth and erratic demand: normal lead-time demand with standard deviation
  ``sqrt((L + R) sigma_e**2 + d**2 sigma_L**2)``; the safety factor is the larger of the cycle
  service one (type 1) and the fill-rate one (type 2), so both targets hold; ``binding_target``
  says which decided.
- Intermittent and lumpy demand: negative-binomial lead-time demand with the same moments; the
  stock level is the larger of the type 1 quantile and the smallest level meeting the fill rate.
- Reorder point ``d L + SS``, order-up-to ``d (L + R) + SS``.
- Lot size: with ``lot_sizing == "eoq"`` an order is at least the EOQ (``sqrt(2 D K / h)``, ``D``
  annual demand, ``K`` cost per order, ``h`` unit cost times annual holding rate), raised to the
  minimum order quantity and rounded up to the order multiple; with ``"none"`` orders bring the
  position up to the order-up-to level only (rounded the same way). A SKU without a unit cost
  (NaN: the data gives none) has no EOQ: it is ordered as with ``"none"`` and its stock values
  are NaN (unknown), its quantities computed as for any other.
- The replenishment rule these levels serve: at each review, when the inventory position is below
  the order-up-to level, order the larger of the gap and the lot size (then MOQ and multiple).

Units: demand and stock in base units per day or in units, times in days, costs in currency.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ml.inventory import policy
from ml.schema import FrameSchema

REQUIRED_COLUMNS = (
    "mean_daily_demand",
    "forecast_error_sd",
    "lead_time_days",
    "lead_time_sd_days",
    "review_period_days",
    "cycle_service_level",
    "fill_rate_target",
    "unit_cost",
    "order_cost",
    "annual_holding_rate",
    "minimum_order_quantity",
    "order_multiple",
    "demand_pattern",
    "lot_sizing",
)
DEMAND_PATTERNS = ("smooth", "erratic", "intermittent", "lumpy")  # Syntetos-Boylan classes (fct_inventory_classes)
COUNT_PATTERNS = ("intermittent", "lumpy")  # demand patterns sized with the negative binomial
LOT_SIZINGS = ("eoq", "none")
DAYS_PER_YEAR = 365.0


# every parameter a finite number within the bounds the formulas of ml.inventory.policy accept,
# checked here first so a bad row is named by its SKU x location (the formulas see bare arrays);
# unit_cost may be unknown (NaN): it only prices the stock and sizes the EOQ, whose holding cost
# needs it > 0 (an infinite spread or cost would give an infinite stock, silently)
PARAMETERS = FrameSchema(
    {
        "sku_id": "text",
        "location_id": "text",
        **{column: "any" if column in ("demand_pattern", "lot_sizing") else "number" for column in REQUIRED_COLUMNS},
    },
    nullable=("unit_cost", "demand_pattern"),  # no pattern: sized as smooth demand
    non_negative=(
        "mean_daily_demand",
        "forecast_error_sd",
        "lead_time_days",
        "lead_time_sd_days",
        "review_period_days",  # 0: continuous review
        "order_cost",
        "minimum_order_quantity",
    ),
    # the EOQ's holding cost (unit cost x rate) is computed on every row; an order multiple of 0 is no pack
    positive=("unit_cost", "annual_holding_rate", "order_multiple"),
    probabilities=("cycle_service_level", "fill_rate_target"),
    choices={"lot_sizing": LOT_SIZINGS, "demand_pattern": DEMAND_PATTERNS},
    unique=("sku_id", "location_id"),
)


def compute_policies(parameters: pd.DataFrame) -> pd.DataFrame:
    """Add the policy columns to ``parameters`` (one row per SKU x location, any extra columns
    kept); a parameter missing, out of its bounds or not one of its choices is refused with a
    ValueError naming the column, the value and the row's SKU x location. Columns added:
    ``protection_days``, ``lead_time_demand``, ``lead_time_demand_sd``, ``economic_order_quantity``,
    ``lot_size``, ``expected_order_quantity``, ``distribution``, ``z_cycle_service``,
    ``z_fill_rate``, ``safety_factor``, ``binding_target``, ``safety_stock_units``,
    ``reorder_point_units``, ``order_up_to_units``, ``safety_stock_value``, ``order_up_to_value``."""
    PARAMETERS.validate(parameters, "policy parameters")
    p = parameters
    demand = p["mean_daily_demand"].to_numpy(float)
    sigma_e = p["forecast_error_sd"].to_numpy(float)
    lead, lead_sd = p["lead_time_days"].to_numpy(float), p["lead_time_sd_days"].to_numpy(float)
    review = p["review_period_days"].to_numpy(float)
    moq, multiple = p["minimum_order_quantity"].to_numpy(float), p["order_multiple"].to_numpy(float)
    unit_cost = p["unit_cost"].to_numpy(float)

    protection = lead + review
    mean_ltd = demand * protection
    sd_ltd = policy.lead_time_demand_sd(sigma_e, demand, lead, lead_sd, review)
    priced = np.isfinite(unit_cost)
    holding = np.where(priced, unit_cost, 1.0) * p["annual_holding_rate"].to_numpy(float)
    eoq = np.where(priced, policy.economic_order_quantity(demand * DAYS_PER_YEAR, p["order_cost"].to_numpy(float), holding), np.nan)
    uses_eoq = (p["lot_sizing"] == "eoq").to_numpy() & priced
    lot = np.where(uses_eoq, policy.round_order_quantity(np.nan_to_num(eoq), moq, multiple), 0.0)
    # what an order brings on average: the lot, or a review period's demand (rounded the same way)
    order_quantity = np.maximum(lot, policy.round_order_quantity(demand * review, moq, multiple))
    # no demand, no orders: the fill rate has nothing to weigh, the cycle service target alone decides
    ordering = order_quantity > 0
    order_quantity_for_fill_rate = np.where(ordering, order_quantity, 1.0)

    alpha, beta = p["cycle_service_level"].to_numpy(float), p["fill_rate_target"].to_numpy(float)
    z_cycle = policy.z_for_cycle_service(alpha)
    z_fill = np.where(ordering, policy.z_for_fill_rate(beta, sd_ltd, order_quantity_for_fill_rate), -np.inf)
    z = np.maximum(z_cycle, z_fill)
    normal_safety_stock = policy.safety_stock(z, sigma_e, demand, lead, lead_sd, review)

    counts = p["demand_pattern"].isin(COUNT_PATTERNS).to_numpy()
    variance_ltd = sd_ltd**2
    level_cycle = policy.negative_binomial_stock_level(mean_ltd, variance_ltd, alpha)
    level_fill = np.where(ordering, policy.negative_binomial_fill_rate_level(mean_ltd, variance_ltd, beta, order_quantity_for_fill_rate), 0.0)
    count_safety_stock = np.maximum(np.maximum(level_cycle, level_fill) - mean_ltd, 0.0)

    safety_stock = np.where(counts, count_safety_stock, normal_safety_stock)
    fill_binds = np.where(counts, level_fill > level_cycle, z_fill > z_cycle)
    order_up_to = policy.order_up_to(demand, lead, review, safety_stock)
    return p.assign(
        protection_days=protection,
        lead_time_demand=mean_ltd,
        lead_time_demand_sd=sd_ltd,
        economic_order_quantity=eoq,
        lot_size=lot,
        expected_order_quantity=order_quantity,
        distribution=np.where(counts, "negative_binomial", "normal"),
        z_cycle_service=z_cycle,
        z_fill_rate=z_fill,
        safety_factor=np.where(counts, np.nan, z),
        binding_target=np.where(fill_binds, "fill_rate", "cycle_service"),
        safety_stock_units=safety_stock,
        reorder_point_units=policy.reorder_point(demand, lead, safety_stock),
        order_up_to_units=order_up_to,
        safety_stock_value=safety_stock * unit_cost,
        order_up_to_value=order_up_to * unit_cost,
    )
