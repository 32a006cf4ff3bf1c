"""Safety-stock placement across the DC -> store network with the guaranteed-service model.

One tree per SKU and DC, built from the single-echelon policies (:mod:`ml.inventory.policies`):

- the DC (root): processing time its lead time plus review period, demand spread its echelon's
  (its own channels and its stores), quoted no inbound service time by its supplier (the
  supplier's lead time is inside the processing time);
- each store it replenishes: processing time the transfer lead time plus the store's review
  period, its own demand spread, serving shoppers from the shelf (outbound service time 0);
- the DC's own customers (B2B, web, marketplace) as a virtual child with processing time 0 and
  service time at most ``direct_service_days``: the usual way to give a node with both external
  and internal customers one outbound service time (stock held for those customers sits at the DC).

Every node keeps the service its policy was sized for: its safety factor is the policy's implied
one (safety stock over the standard deviation of lead-time demand, so type 2 targets and
negative-binomial sizing carry over) and its daily spread is that standard deviation spread over
its processing time (lead-time variability included). The single-echelon reference (every node
quotes 0) then holds exactly the policies' safety stock: the placement moves the same service
targets across the network. Holding cost is the unit cost (safety stock valued at cost); a SKU
without unit cost is placed with a holding cost of 1 per unit (the placement then minimizes units,
and its values are unknown, NaN). Times are rounded up to whole days, as the model's integer
service times require.

A store that buys for itself (no parent DC, ``location_role`` ``store`` with a supply type other
than TRANSFER) is a tree of one node serving shoppers from the shelf: no direct child, its policy's
safety stock in both columns.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ml.inventory import echelon
from ml.schema import FrameSchema

POLICY_COLUMNS = (
    "sku_id",
    "location_id",
    "supply_type",
    "source_id",
    "lead_time_days",
    "review_period_days",
    "local_forecast_error_sd",
    "lead_time_demand_sd",
    "safety_stock_units",
    "unit_cost",
)
DIRECT = "direct"  # suffix of the virtual node of a DC's own customers


def network_nodes(policies: pd.DataFrame, direct_service_days: int = 0) -> pd.DataFrame:
    """The forest of distribution trees (``ml.inventory.echelon`` input columns, plus ``sku_id``,
    ``location_id`` and ``role``: dc, store or direct)."""
    FrameSchema(dict.fromkeys(POLICY_COLUMNS, "any")).require_columns(policies, "policies")
    if direct_service_days < 0:
        raise ValueError(f"direct_service_days must be >= 0, got {direct_service_days}")
    p = policies.reset_index(drop=True)
    is_store = (p["supply_type"] == "TRANSFER").to_numpy()
    # a store that buys for itself: a root that serves its shoppers from the shelf, no DC customers
    standalone = ~is_store & (p["location_role"] == "store").to_numpy() if "location_role" in p.columns else np.zeros(len(p), dtype=bool)
    priced = np.isfinite(p["unit_cost"].to_numpy(float))
    dc_of = np.where(is_store, p["source_id"], p["location_id"])
    processing = np.maximum(1, np.ceil(np.round(p["lead_time_days"].to_numpy(float) + p["review_period_days"].to_numpy(float), 9))).astype(int)
    sd_ltd = p["lead_time_demand_sd"].to_numpy(float)
    z = np.divide(p["safety_stock_units"].to_numpy(float), sd_ltd, out=np.zeros(len(p)), where=sd_ltd > 0)
    nodes = pd.DataFrame(
        {
            "tree_id": p["sku_id"].astype(str) + "|" + dc_of,
            "node_id": p["location_id"],
            "parent_id": np.where(is_store, dc_of, None),
            "processing_time_days": processing,
            "demand_sd": sd_ltd / np.sqrt(processing),
            "holding_cost": np.where(priced, p["unit_cost"].to_numpy(float), 1.0),
            "z": z,
            "max_service_time_days": np.where(is_store | standalone, 0.0, np.inf),
            "inbound_service_time_days": np.where(is_store, np.nan, 0.0),
            "sku_id": p["sku_id"],
            "location_id": p["location_id"],
            "role": np.where(is_store | standalone, "store", "dc"),
            "is_priced": priced,
        }
    )
    dcs = nodes[~is_store & ~standalone]
    direct = dcs.assign(
        node_id=dcs["node_id"] + "|" + DIRECT,
        parent_id=dcs["node_id"],
        processing_time_days=0,
        demand_sd=p.loc[~is_store & ~standalone, "local_forecast_error_sd"].to_numpy(float),
        max_service_time_days=float(direct_service_days),
        inbound_service_time_days=np.nan,
        role=DIRECT,
    )
    # stores of a DC the SKU is not stocked at would have no root: they stay single-echelon
    rooted = nodes["parent_id"].isna() | nodes["tree_id"].isin(dcs["tree_id"])
    return pd.concat([nodes[rooted], direct], ignore_index=True)


def place_safety_stock(policies: pd.DataFrame, direct_service_days: int = 0) -> pd.DataFrame:
    """Per node: the guaranteed-service placement beside the single-echelon reference, with
    service times, net lead times, safety stock (units) and its value at cost."""
    nodes = network_nodes(policies, direct_service_days)
    priced = nodes.pop("is_priced").to_numpy()
    optimal = echelon.optimize_service_times(nodes)
    single = echelon.single_echelon_safety_stock(nodes)
    placed = optimal.assign(
        single_echelon_net_lead_time_days=single["net_lead_time_days"],
        single_echelon_safety_stock_units=single["safety_stock_units"],
        single_echelon_safety_stock_value=single["safety_stock_cost"],
    ).rename(columns={"safety_stock_units": "guaranteed_service_safety_stock_units", "safety_stock_cost": "guaranteed_service_safety_stock_value"})
    values = ["single_echelon_safety_stock_value", "guaranteed_service_safety_stock_value"]
    placed.loc[~priced, values] = np.nan  # placed by units: their value at cost is unknown
    return placed


def placement_summary(placement: pd.DataFrame) -> pd.DataFrame:
    """Safety-stock value by role (dc, direct, store) both ways, with the total."""
    by_role = placement.groupby("role")[["single_echelon_safety_stock_value", "guaranteed_service_safety_stock_value"]].sum()
    by_role.loc["total"] = by_role.sum()
    by_role["saving"] = by_role["single_echelon_safety_stock_value"] - by_role["guaranteed_service_safety_stock_value"]
    return by_role
