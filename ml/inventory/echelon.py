"""Multi-echelon safety stock of SPEC section 6: the guaranteed-service model on distribution trees.

Graves & Willems (2000): every stocking node ``j`` quotes its customers (its child nodes, or end
customers) an outbound service time ``S_j`` and is quoted an inbound service time ``SI_j`` by its
supplier (its parent's ``S``, or the external supplier's for a tree's root). It covers the demand of
its net lead time ``SI_j + T_j - S_j`` (``T_j`` its processing time) from safety stock
``SS_j = z_j * sigma_j * sqrt(SI_j + T_j - S_j)``. The optimal placement minimizes
``sum_j h_j * SS_j`` over integer ``0 <= S_j <= min(s_j, SI_j + T_j)``, ``s_j`` the longest service
time the node may quote (0 for a node serving end customers from stock).

Units: times in whole days, ``sigma`` the standard deviation of daily demand (of all demand
downstream of the node), stock in units, ``h`` per unit held, costs in currency.

The dynamic programme runs on every tree of a forest at once: nodes are processed a depth level at
a time (deepest first) on an integer grid of inbound service times ``0..G``, arrays of shape
``[nodes at the level, G + 1 (SI), G + 1 (S)]``; a child's cost function is added onto its parent's
grid of outbound service times by ``np.add.at``. No Python loop runs over trees or nodes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ml.schema import FrameSchema

INPUT_COLUMNS = ("tree_id", "node_id", "parent_id", "processing_time_days", "demand_sd", "holding_cost", "z", "max_service_time_days")
OUTPUT_COLUMNS = ("inbound_service_time_days", "outbound_service_time_days", "net_lead_time_days", "safety_stock_units", "safety_stock_cost")
_TIE = 1e-9  # relative cost difference below which two service times tie (the smaller one wins)


def _show(value) -> str:
    return repr(value.item() if isinstance(value, np.generic) else value)  # 3, not np.int64(3)


def _node(row: pd.Series) -> str:
    return f"tree {_show(row['tree_id'])} node {_show(row['node_id'])}"


def _where(nodes: pd.DataFrame, bad: np.ndarray) -> str:
    return _node(nodes.iloc[int(np.flatnonzero(bad)[0])])


# every number >= 0; times in whole days; a node without a service-time limit has max_service_time_days inf
_NUMBERS = ("processing_time_days", "demand_sd", "holding_cost", "z", "max_service_time_days")
NODES = FrameSchema(
    {"tree_id": "any", "node_id": "any", "parent_id": "any", **dict.fromkeys(_NUMBERS, "number")},
    nullable=("parent_id",),
    infinite=("max_service_time_days",),
    non_negative=_NUMBERS,
    whole=("processing_time_days", "max_service_time_days"),
    row_name=_node,
)
ROOT_INBOUND = FrameSchema(
    {"tree_id": "any", "node_id": "any", "inbound_service_time_days": "number"},
    non_negative=("inbound_service_time_days",),
    whole=("inbound_service_time_days",),
    row_name=_node,
)


def _structure(nodes: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Parent position (-1 for roots) and depth (0 for roots) of every row, the forest validated:
    unique node ids per tree, parents within the tree, one root per tree, no cycle."""
    if nodes.empty:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    if nodes["tree_id"].isna().any() or nodes["node_id"].isna().any():
        field = "tree_id" if nodes["tree_id"].isna().any() else "node_id"
        raise ValueError(f"{field} has missing values")
    tree, _ = pd.factorize(nodes["tree_id"])
    ids, _ = pd.factorize(pd.concat([nodes["node_id"], nodes["parent_id"]], ignore_index=True))  # 1 and 1.0 match
    node_code, parent_code = ids[: len(nodes)], ids[len(nodes) :]
    key = pd.Index(tree.astype(np.int64) * (ids.max() + 2) + node_code)
    if key.has_duplicates:
        raise ValueError(f"node_id must be unique within a tree: {_where(nodes, key.duplicated())} repeats")
    is_root = parent_code < 0
    parent = np.where(is_root, -1, key.get_indexer(tree.astype(np.int64) * (ids.max() + 2) + parent_code))
    orphan = ~is_root & (parent < 0)
    if orphan.any():
        raise ValueError(f"parent_id {_show(nodes['parent_id'].iloc[int(np.flatnonzero(orphan)[0])])} of {_where(nodes, orphan)} is not a node of that tree")
    roots = np.bincount(tree, weights=is_root, minlength=tree.max() + 1)[tree]
    if (roots != 1).any():
        first = int(np.flatnonzero(roots != 1)[0])
        problem = "no root (every row has a parent_id: a cycle)" if roots[first] == 0 else f"{int(roots[first])} roots (rows without parent_id)"
        raise ValueError(f"tree {_show(nodes['tree_id'].iloc[first])} has {problem}, needs exactly 1")
    depth = np.where(is_root, 0, -1)
    for level in range(1, len(nodes) + 1):  # one pass per depth level
        ready = (depth < 0) & (depth[np.maximum(parent, 0)] == level - 1) & ~is_root
        if not ready.any():
            break
        depth[ready] = level
    if (depth < 0).any():
        raise ValueError(f"parent_id forms a cycle in tree {_show(nodes['tree_id'].iloc[int(np.flatnonzero(depth < 0)[0])])}")
    return parent, depth


def _inputs(nodes: pd.DataFrame) -> dict[str, np.ndarray]:
    NODES.require_columns(nodes, "nodes")
    parent, depth = _structure(nodes)
    given = nodes["inbound_service_time_days"] if "inbound_service_time_days" in nodes.columns else pd.Series(0.0, index=nodes.index)
    root_si = given.where((parent < 0) & given.notna(), 0.0)  # roots only: a non-root's SI is its parent's S
    typed = NODES.validate(nodes, "nodes")
    root_si = ROOT_INBOUND.validate(nodes[["tree_id", "node_id"]].assign(inbound_service_time_days=root_si), "nodes")["inbound_service_time_days"]
    return {
        "parent": parent,
        "depth": depth,
        "T": typed["processing_time_days"].to_numpy().astype(np.int64),
        "sigma": typed["demand_sd"].to_numpy(),
        "h": typed["holding_cost"].to_numpy(),
        "z": typed["z"].to_numpy(),
        "s_max": typed["max_service_time_days"].to_numpy(),
        "root_si": root_si.to_numpy().astype(np.int64),
    }


def _result(nodes: pd.DataFrame, inputs: dict[str, np.ndarray], inbound: np.ndarray, outbound: np.ndarray) -> pd.DataFrame:
    out = nodes.copy()
    net = inbound + inputs["T"] - outbound
    out["inbound_service_time_days"] = inbound.astype(np.int64)
    out["outbound_service_time_days"] = outbound.astype(np.int64)
    out["net_lead_time_days"] = net.astype(np.int64)
    out["safety_stock_units"] = inputs["z"] * inputs["sigma"] * np.sqrt(net)
    out["safety_stock_cost"] = inputs["h"] * out["safety_stock_units"].to_numpy()
    return out


def optimize_service_times(nodes: pd.DataFrame) -> pd.DataFrame:
    """Guaranteed-service safety-stock placement on a forest of distribution trees.

    ``nodes``: one row per stocking node with ``tree_id``, ``node_id`` (unique within its tree),
    ``parent_id`` (a node of the same tree; None/NaN for the tree's single root),
    ``processing_time_days`` ``T`` (whole days >= 0), ``demand_sd`` ``sigma`` (units per day, of all
    demand the node covers), ``holding_cost`` ``h`` (per unit), ``z`` (safety factor >= 0),
    ``max_service_time_days`` ``s`` (whole days >= 0 or inf) and optionally
    ``inbound_service_time_days``, read on roots only (the external supplier's service time; missing
    or NaN means 0).

    Returns a copy of ``nodes`` (same index and order) with ``inbound_service_time_days`` (``SI``: the
    parent's ``S`` for non-roots), ``outbound_service_time_days`` ``S``, ``net_lead_time_days``
    ``SI + T - S``, ``safety_stock_units`` ``z sigma sqrt(SI + T - S)`` and ``safety_stock_cost``
    ``h * safety_stock_units``, the integer ``S`` minimizing the tree's total safety-stock cost (among
    optimal placements, the one with the smallest ``S`` node by node, top down).
    """
    inputs = _inputs(nodes)
    if nodes.empty:
        return _result(nodes, inputs, inputs["root_si"], inputs["root_si"])
    parent, depth, T = inputs["parent"], inputs["depth"], inputs["T"]
    weight = inputs["h"] * inputs["z"] * inputs["sigma"]  # cost per unit of sqrt(net lead time)
    # the longest replenishment time to each node bounds every service time in its subtree
    reach = inputs["root_si"] + T
    for level in range(1, depth.max() + 1):
        at = depth == level
        reach[at] = reach[parent[at]] + T[at]
    grid = np.arange(reach.max() + 1)
    n, width = len(nodes), len(grid)
    children = np.zeros((n, width))  # sum of children's c(SI) over this node's S grid
    cost_in = np.zeros((n, width))  # c_j(SI): the subtree's least cost given inbound service time SI
    best_s = np.zeros((n, width), dtype=np.int64)  # the S attaining it
    si, s = grid[None, :, None], grid[None, None, :]
    for level in range(depth.max(), -1, -1):  # deepest level first
        at = np.flatnonzero(depth == level)
        net = si + T[at, None, None] - s
        feasible = (net >= 0) & (s <= inputs["s_max"][at, None, None])
        total = np.where(feasible, weight[at, None, None] * np.sqrt(np.maximum(net, 0)) + children[at, None, :], np.inf)
        least = total.min(axis=2)
        best_s[at] = np.argmax(total <= (least + _TIE * np.maximum(np.abs(least), 1.0))[:, :, None], axis=2)
        cost_in[at] = least
        inner = at[parent[at] >= 0]
        np.add.at(children, parent[inner], cost_in[inner])  # child's SI is the parent's S
    inbound, outbound = inputs["root_si"].copy(), np.zeros(n, dtype=np.int64)
    for level in range(depth.max() + 1):  # read the optimum off top down
        at = np.flatnonzero(depth == level)
        if level:
            inbound[at] = outbound[parent[at]]
        outbound[at] = best_s[at, inbound[at]]
    return _result(nodes, inputs, inbound, outbound)


def single_echelon_safety_stock(nodes: pd.DataFrame) -> pd.DataFrame:
    """The independent single-echelon reference at the same service target: every node quotes
    ``S = 0`` and counts on its supplier's nominal time (``SI = 0``, roots their given ``SI``), so it
    covers ``SI + T`` days. Same input and output columns as :func:`optimize_service_times`."""
    inputs = _inputs(nodes)
    return _result(nodes, inputs, inputs["root_si"], np.zeros(len(nodes), dtype=np.int64))


def compare(nodes: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """Total safety-stock cost of the guaranteed-service placement against independent single-echelon
    policies: a frame indexed by ``tree_id`` and the overall totals, each with
    ``single_echelon_cost``, ``guaranteed_service_cost``, ``saving`` (their difference, >= 0) and
    ``saving_share`` (saving over the single-echelon cost; 0 where that cost is 0)."""
    single = single_echelon_safety_stock(nodes).groupby("tree_id", sort=False)["safety_stock_cost"].sum()
    optimal = optimize_service_times(nodes).groupby("tree_id", sort=False)["safety_stock_cost"].sum()
    per_tree = pd.DataFrame({"single_echelon_cost": single, "guaranteed_service_cost": optimal.reindex(single.index)})
    per_tree["saving"] = per_tree["single_echelon_cost"] - per_tree["guaranteed_service_cost"]
    overall = per_tree.sum()
    per_tree["saving_share"] = (per_tree["saving"] / per_tree["single_echelon_cost"].where(per_tree["single_echelon_cost"] > 0)).fillna(0.0)
    overall["saving_share"] = overall["saving"] / overall["single_echelon_cost"] if overall["single_echelon_cost"] > 0 else 0.0
    return per_tree, overall
