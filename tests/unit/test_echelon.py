"""Guaranteed-service safety-stock placement (SPEC section 6, Graves & Willems 2000) against brute
force, stockpyl's implementation and hand-computed single-echelon values."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from ml.inventory import echelon

INF = np.inf


def forest(trees: dict) -> pd.DataFrame:
    """Rows from ``{tree_id: {node_id: (parent_id, T, sigma, h, z, s_max)}}``; a root's parent is
    ``(None, SI)``, its supplier's inbound service time."""
    rows = []
    for tree_id, nodes in trees.items():
        for node_id, (parent, T, sigma, h, z, s_max) in nodes.items():
            root = isinstance(parent, tuple)
            rows.append(
                {
                    "tree_id": tree_id,
                    "node_id": node_id,
                    "parent_id": None if root else parent,
                    "processing_time_days": T,
                    "demand_sd": sigma,
                    "holding_cost": h,
                    "z": z,
                    "max_service_time_days": s_max,
                    "inbound_service_time_days": parent[1] if root else np.nan,
                }
            )
    return pd.DataFrame(rows)


def tree_costs(result: pd.DataFrame) -> dict:
    return result.groupby("tree_id", sort=False)["safety_stock_cost"].sum().to_dict()


# ---------------------------------------------------------------------------------------------- brute force

SHAPES = {  # parent position of each node, nodes in breadth-first order (parents first)
    "chain": [-1, 0, 1],
    "star": [-1, 0, 0, 0],
    "three_levels": [-1, 0, 0, 1, 1],
}


def random_tree(shape: str, rng: np.random.Generator) -> tuple[list[int], dict]:
    parents = SHAPES[shape]
    nodes = {}
    for j, p in enumerate(parents):
        leaf = j not in parents
        h = float(rng.choice([0.0, 0.5, 1.0, 1.7, 2.3]))  # zero holding costs make ties: the smallest S must win
        s_max = float(rng.choice([0, 0, 1, 2])) if leaf else float(rng.choice([INF, INF, 1, 3]))
        parent = (None, int(rng.integers(0, 2))) if p < 0 else f"n{p}"
        nodes[f"n{j}"] = (parent, int(rng.integers(0, 3)), float(rng.uniform(0.5, 3.0)), h, float(rng.choice([1.0, 1.645, 2.0])), s_max)
    return parents, nodes


def brute_force(parents: list[int], nodes: dict) -> tuple[float, np.ndarray]:
    """Least cost over every integer service-time assignment (itertools), and the lexicographically
    smallest optimal S vector (nodes breadth first), which the DP's tie rule must pick."""
    values = list(nodes.values())
    root_si = values[0][0][1]
    T, sigma, h, z, s_max = (np.array([v[k] for v in values], dtype=float) for k in range(1, 6))
    horizon = int(root_si + T.sum())
    S = np.array(list(itertools.product(range(horizon + 1), repeat=len(values))), dtype=float)
    SI = np.where(np.array(parents) < 0, root_si, S[:, np.maximum(parents, 0)])
    feasible = ((S <= SI + T) & (S <= s_max)).all(axis=1)
    cost = (h * z * sigma * np.sqrt(np.maximum(SI + T - S, 0))).sum(axis=1)
    cost = np.where(feasible, cost, INF)
    best = cost.min()
    optimal = S[cost <= best + 1e-9 * max(best, 1.0)]
    return best, optimal[np.lexsort(optimal.T[::-1])][0]  # lexsort: last key is primary


def test_the_dp_matches_brute_force_on_random_trees_solved_in_one_call():
    rng = np.random.default_rng(20000)
    cases = {f"{shape}-{seed}": random_tree(shape, rng) for seed in range(4) for shape in SHAPES}
    nodes = forest({tree_id: tree for tree_id, (_, tree) in cases.items()})
    nodes = nodes.sample(frac=1.0, random_state=3)  # rows of all trees interleaved, the index shuffled
    result = echelon.optimize_service_times(nodes)
    assert result.index.equals(nodes.index)
    assert (result["net_lead_time_days"] >= 0).all()
    assert (result["outbound_service_time_days"] <= result["max_service_time_days"]).all()
    costs = tree_costs(result)
    for tree_id, (parents, tree) in cases.items():
        best, smallest_optimal = brute_force(parents, tree)
        chosen = result[result["tree_id"] == tree_id].set_index("node_id").loc[list(tree)]
        assert costs[tree_id] == pytest.approx(best, rel=1e-9, abs=1e-12), tree_id
        assert chosen["outbound_service_time_days"].to_numpy() == pytest.approx(smallest_optimal), tree_id
        # the chosen S attains the optimum: the costs follow from the reported service times
        inbound = chosen["inbound_service_time_days"].to_numpy()
        parent_s = chosen["outbound_service_time_days"].to_numpy()[np.maximum(parents, 0)]
        assert (inbound[1:] == parent_s[1:]).all() and inbound[0] == tree["n0"][0][1]


def test_trees_solved_together_or_alone_agree():
    rng = np.random.default_rng(7)
    trees = {"a": random_tree("three_levels", rng)[1], "b": random_tree("chain", rng)[1]}
    trees["b"]["n0"] = ((None, 0), 25, 2.0, 1.0, 1.645, INF)  # a much longer horizon in the other tree
    together = echelon.optimize_service_times(forest(trees))
    for tree_id, tree in trees.items():
        alone = echelon.optimize_service_times(forest({tree_id: tree}))
        mine = together[together["tree_id"] == tree_id].reset_index(drop=True)
        pd.testing.assert_frame_equal(mine, alone)


# ---------------------------------------------------------------------------------------------- stockpyl

# Reference figures from stockpyl 1.0.2 (pip install stockpyl==1.0.2 in a scratch venv, not a project
# dependency): ``opt_cst, opt_cost = stockpyl.gsm_tree.optimize_committed_service_times(tree)``.
# stockpyl uses one ``demand_bound_constant`` (z) per node, aggregates the net demand sd of inner nodes
# itself (sqrt of the summed variances of the sinks below), so ``demand_sd`` of inner nodes here is that
# aggregate; ``external_inbound_cst`` is the root's SI, ``external_outbound_cst`` our max service time.
STOCKPYL_CASES = {
    # tree = stockpyl.instances.load_instance("example_6_5"): Snyder & Shen, Fundamentals of Supply
    # Chain Theory (2nd ed.), Example 6.5, published optimum cost 8.28 with S = 0, 0, 0, 1.
    "example_6_5": (
        {
            1: ((None, 1), 2, np.sqrt(2), 1.0, 1.0, INF),
            3: (1, 1, np.sqrt(2), 2.0, 1.0, INF),
            2: (3, 1, 1.0, 3.0, 1.0, 0),
            4: (3, 1, 1.0, 3.0, 1.0, 1),
        },
        8.277916867529369,
        {1: 0, 3: 0, 2: 0, 4: 1},
    ),
    # tree = load_instance("problem_6_8"): Snyder & Shen, Problem 6.8, a 10-stage serial line
    # (node 10 the raw-material end with external inbound CST 7, node 1 serving customers within 3 days).
    "problem_6_8": (
        {
            k: ((None, 7) if k == 10 else k + 1, T, 15.8, h, 2.0537489106318225, 3 if k == 1 else INF)
            for k, T, h in zip(range(10, 0, -1), [5, 1, 5, 9, 5, 8, 15, 2, 10, 5], [0.87, 0.98, 1.1, 1.15, 2.37, 2.47, 2.93, 3.04, 4.56, 5.73])
        },
        1378.3020369043727,
        {10: 12, 9: 13, 8: 18, 7: 0, 6: 5, 5: 13, 4: 28, 3: 0, 2: 10, 1: 3},
    ),
    # tree = stockpyl.supply_chain_network.network_from_edges([(0, 1), (0, 2), (0, 3), (0, 4)],
    #     processing_time={0: 14, 1: 2, 2: 2, 3: 2, 4: 2}, holding_cost={0: 1.0, 1: 1.25, 2: 1.25, 3: 1.25, 4: 1.25},
    #     demand_bound_constant=1.645, external_inbound_cst={0: 0}, external_outbound_cst={1: 0, 2: 0, 3: 0, 4: 0},
    #     demand_type={k: "N" for k in range(1, 5)}, mean={k: 20.0 for k in range(1, 5)},
    #     standard_deviation={1: 4.0, 2: 6.0, 3: 3.0, 4: 5.0})
    # Our DC -> 4 stores: the stores quote 0 and the DC holds stock over its whole 14 days.
    "dc_4_stores": (
        {
            0: ((None, 0), 14, np.sqrt(16 + 36 + 9 + 25), 1.0, 1.645, INF),
            1: (0, 2, 4.0, 1.25, 1.645, 0),
            2: (0, 2, 6.0, 1.25, 1.645, 0),
            3: (0, 2, 3.0, 1.25, 1.645, 0),
            4: (0, 2, 5.0, 1.25, 1.645, 0),
        },
        109.42294615216687,
        {0: 0, 1: 0, 2: 0, 3: 0, 4: 0},
    ),
    # tree = network_from_edges([(0, 1), (0, 2), (1, 3), (1, 4), (2, 5), (2, 6)],
    #     processing_time={0: 6, 1: 5, 2: 9, 3: 1, 4: 3, 5: 2, 6: 2},
    #     holding_cost={0: 0.5, 1: 0.8, 2: 0.7, 3: 1.0, 4: 1.1, 5: 1.2, 6: 1.0}, demand_bound_constant=2.0537,
    #     external_inbound_cst={0: 3}, external_outbound_cst={3: 0, 4: 1, 5: 0, 6: 2},
    #     demand_type={k: "N" for k in range(3, 7)}, mean={k: 10.0 for k in range(3, 7)},
    #     standard_deviation={3: 2.0, 4: 7.0, 5: 5.0, 6: 1.5})
    # Plant -> 2 DCs -> 2 stores each: the first DC holds no stock, its stores cover it.
    "plant_2_dcs_4_stores": (
        {
            0: ((None, 3), 6, np.sqrt(4 + 49 + 25 + 2.25), 0.5, 2.0537, INF),
            1: (0, 5, np.sqrt(4 + 49), 0.8, 2.0537, INF),
            2: (0, 9, np.sqrt(25 + 2.25), 0.7, 2.0537, INF),
            3: (1, 1, 2.0, 1.0, 2.0537, 0),
            4: (1, 3, 7.0, 1.1, 2.0537, 1),
            5: (2, 2, 5.0, 1.2, 2.0537, 0),
            6: (2, 2, 1.5, 1.0, 2.0537, 2),
        },
        119.43543402448385,
        {0: 0, 1: 5, 2: 0, 3: 0, 4: 1, 5: 0, 6: 2},
    ),
}


def test_optimal_costs_and_service_times_agree_with_stockpyl():
    nodes = forest({name: tree for name, (tree, _, _) in STOCKPYL_CASES.items()})
    result = echelon.optimize_service_times(nodes)
    costs = tree_costs(result)
    for name, (_, cost, service_times) in STOCKPYL_CASES.items():
        assert costs[name] == pytest.approx(cost, rel=1e-12), name
        chosen = result[result["tree_id"] == name].set_index("node_id")["outbound_service_time_days"]
        assert chosen.to_dict() == service_times, name


# ---------------------------------------------------------------------------------------------- single echelon


def test_single_echelon_reference_matches_hand_values_and_never_beats_the_optimum():
    # DC: SI 1 + T 7 = 8 days, z 2, sigma 5: 2 * 5 * sqrt(8) = 28.284 units at h 1;
    # stores: SI 0 + T 2 days, z 2, sigma 3 and 4: 8.485 and 11.314 units at h 2.
    trees = {"hand": {"dc": ((None, 1), 7, 5.0, 1.0, 2.0, INF), "s1": ("dc", 2, 3.0, 2.0, 2.0, 0), "s2": ("dc", 2, 4.0, 2.0, 2.0, 0)}}
    trees |= {name: tree for name, (tree, _, _) in STOCKPYL_CASES.items()}
    nodes = forest(trees)
    single = echelon.single_echelon_safety_stock(nodes)
    hand = single[single["tree_id"] == "hand"]
    assert hand["net_lead_time_days"].tolist() == [8, 2, 2]
    assert hand["outbound_service_time_days"].tolist() == [0, 0, 0]
    assert hand["inbound_service_time_days"].tolist() == [1, 0, 0]
    assert hand["safety_stock_units"].to_numpy() == pytest.approx([20 * np.sqrt(2), 6 * np.sqrt(2), 8 * np.sqrt(2)])
    assert hand["safety_stock_cost"].to_numpy() == pytest.approx([20 * np.sqrt(2), 12 * np.sqrt(2), 16 * np.sqrt(2)])

    per_tree, overall = echelon.compare(nodes)
    assert (per_tree["saving"] >= -1e-9).all()
    assert per_tree.loc["problem_6_8", "guaranteed_service_cost"] == pytest.approx(1378.3020369043727)
    assert per_tree.loc["problem_6_8", "single_echelon_cost"] == pytest.approx(tree_costs(single)["problem_6_8"])
    assert per_tree.loc["dc_4_stores", "saving"] == pytest.approx(0.0, abs=1e-9)  # stores quoting 0 is optimal there
    assert overall["single_echelon_cost"] == pytest.approx(single["safety_stock_cost"].sum())
    assert overall["saving_share"] == pytest.approx(overall["saving"] / overall["single_echelon_cost"])


# ---------------------------------------------------------------------------------------------- validation


def valid() -> pd.DataFrame:
    return forest(
        {
            "A": {1: ((None, 0), 7, 5.0, 1.0, 1.645, INF), 2: (1, 2, 3.0, 1.0, 1.645, 0), 3: (1, 2, 4.0, 1.0, 1.645, 0)},
            "B": {1: ((None, 0), 7, 5.0, 1.0, 1.645, INF), 9: (1, 2, 3.0, 1.0, 1.645, 0)},
        }
    )


@pytest.mark.parametrize(
    ("column", "row", "value", "message"),
    [
        ("processing_time_days", 1, 2.5, r"nodes.processing_time_days must be a whole number, got 2.5 at tree 'A' node 2"),
        ("processing_time_days", 0, -1, r"processing_time_days must be >= 0"),
        ("demand_sd", 2, -0.1, r"demand_sd must be >= 0, got -0.1 at tree 'A' node 3"),
        ("holding_cost", 3, np.nan, r"nodes.holding_cost has missing values, e.g. at tree 'B' node 1"),
        ("max_service_time_days", 4, 0.5, r"nodes.max_service_time_days must be a whole number"),
        ("inbound_service_time_days", 0, 1.5, r"nodes.inbound_service_time_days must be a whole number, got 1.5 at tree 'A' node 1"),
        ("parent_id", 2, 7, r"parent_id 7 of tree 'A' node 3 is not a node of that tree"),
        ("parent_id", 4, 2, r"parent_id 2 of tree 'B' node 9 is not a node of that tree"),  # node 2 exists, in tree A
        ("parent_id", 2, None, r"tree 'A' has 2 roots"),
        ("node_id", 2, 2, r"node_id must be unique within a tree: tree 'A' node 2 repeats"),
    ],
)
def test_bad_inputs_are_refused_with_the_field_and_tree_named(column, row, value, message):
    nodes = valid()
    nodes[column] = nodes[column].astype(object)
    nodes.at[row, column] = value
    with pytest.raises(ValueError, match=message):
        echelon.optimize_service_times(nodes)


def test_cycles_and_missing_columns_are_refused():
    nodes = valid().astype({"parent_id": object})
    nodes.loc[nodes["tree_id"] == "A", "parent_id"] = [None, 3, 2]  # 2 -> 3 -> 2 beside the root
    with pytest.raises(ValueError, match=r"parent_id forms a cycle in tree 'A'"):
        echelon.optimize_service_times(nodes)
    nodes = valid().astype({"parent_id": object})
    nodes.loc[nodes["tree_id"] == "B", "parent_id"] = [9, 1]  # no root at all
    with pytest.raises(ValueError, match=r"tree 'B' has no root"):
        echelon.single_echelon_safety_stock(nodes)
    with pytest.raises(ValueError, match=r"lacks the columns \['z'\]"):
        echelon.optimize_service_times(valid().drop(columns="z"))
