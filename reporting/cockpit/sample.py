"""A realistic synthetic cockpit (fixed seed) for previews and tests, independent of the marts.

``python -m reporting.cockpit.sample /tmp/cockpit.html`` writes the page.
"""

from __future__ import annotations

import datetime as dt
import sys

import numpy as np
import pandas as pd

from reporting.cockpit.data import COLUMNS, CockpitData

AS_OF = dt.date(2026, 9, 30)
HISTORY = pd.date_range("2025-04-01", "2026-09-01", freq="MS")
HORIZON = pd.date_range("2026-10-01", "2027-09-01", freq="MS")
SCENARIOS = ("base", "demand_plus_10", "line_a_down", "supplier_delay")
FAMILIES = ("Beverages", "Snacks", "Household", "Personal care")
# kpi, label, unit, direction, level, noise, target, cuts (cut_type -> values)
KPIS = (
    (
        "otif_rate",
        "OTIF",
        "percent",
        "higher",
        0.93,
        0.012,
        0.95,
        {"channel": ("ecommerce", "retail", "wholesale"), "customer_segment": ("key_account", "regional", "long_tail")},
    ),
    ("unit_fill_rate", "Unit fill rate", "percent", "higher", 0.975, 0.006, 0.97, {"channel": ("ecommerce", "retail", "wholesale")}),
    ("inventory_value", "Inventory value", "currency", "lower", 4.2e6, 1.5e5, np.nan, {"location": ("DC_NORTH", "DC_SOUTH", "PLANT_1", "STORE_017")}),
    ("inventory_turnover", "Inventory turnover", "turns", "higher", 7.4, 0.35, 8.0, {"location": ("DC_NORTH", "DC_SOUTH", "PLANT_1")}),
    ("days_of_supply", "Days of supply", "days", "lower", 31.0, 1.8, 30.0, {"abc_class": ("A", "B", "C")}),
    ("plan_runtime", "Plan run time", "seconds", "lower", 640.0, 45.0, 900.0, {}),
)


def _kpis(rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    rows, cuts = [], []
    for kpi, label, unit, direction, level, noise, target, cut_types in KPIS:
        trend = np.linspace(-noise, noise, len(HISTORY)) * (1 if direction == "higher" else -1)
        values = level + trend + rng.normal(0, noise, len(HISTORY))
        if unit == "percent":
            values = np.clip(values, 0, 1)
        for month, value in zip(HISTORY, values):
            rows.append((kpi, label, unit, direction, month.date(), float(value), target))
        for cut_type, cut_values in cut_types.items():
            for cut_value in cut_values:
                value = values[-1] * (1 + rng.normal(0, 0.03 if unit == "percent" else 0.25))
                value = min(value, 1.0) if unit == "percent" else value
                cuts.append((kpi, label, unit, direction, cut_type, cut_value, float(value), target))
    kpis = pd.DataFrame(rows, columns=["kpi", "label", "unit", "direction", "month", "value", "target"])
    return kpis, pd.DataFrame(cuts, columns=["kpi", "label", "unit", "direction", "cut_type", "cut_value", "value", "target"])


def _supply(rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    resources = (
        ("LINE_A", "production", "hours", 640.0),
        ("LINE_B", "production", "hours", 520.0),
        ("SUP_ACME", "purchase", "units", 90000.0),
        ("SUP_NORDPACK", "purchase", "units", 60000.0),
    )
    season = 1 + 0.18 * np.sin((np.arange(len(HORIZON)) - 1) / 12 * 2 * np.pi)
    resource_rows, gap_rows, summary = [], [], []
    for s, scenario in enumerate(SCENARIOS):
        demand_factor = 1.1 if scenario == "demand_plus_10" else 1.0
        worst = ("", "", 0.0)
        binding_by_month: dict[dt.date, str] = {}
        for resource, source_type, unit, capacity in resources:
            cap = np.full(len(HORIZON), capacity)
            if scenario == "line_a_down" and resource == "LINE_A":
                cap[2:5] *= 0.7
            if scenario == "supplier_delay" and resource == "SUP_ACME":
                cap[1:3] *= 0.75
            wanted = capacity * 0.82 * season * demand_factor * (1 + rng.normal(0, 0.03, len(HORIZON)))
            used = np.minimum(wanted, cap)
            for month, u, c in zip(HORIZON, used, cap):
                binding = f"{resource.lower()}_{unit}" if u >= c - 1e-9 else "none"
                resource_rows.append((scenario, resource, source_type, unit, month.date(), float(u), float(c), float(u / c), binding))
                if binding != "none":
                    binding_by_month.setdefault(month.date(), binding)
                if u / c > worst[2]:
                    worst = (resource, month.date().isoformat(), float(u / c))
        lost_total, demand_total = 0.0, 0.0
        for f, family in enumerate(FAMILIES):
            base = (42000, 35000, 26000, 18000)[f] * season * demand_factor * (1 + rng.normal(0, 0.04, len(HORIZON)))
            for month, demand in zip(HORIZON, base):
                binding = binding_by_month.get(month.date(), "none")
                short = 0.0 if binding == "none" else demand * rng.uniform(0.01, 0.06 + 0.02 * s)
                supply = demand - short
                gap_rows.append((scenario, month.date(), family, float(demand), float(supply), float(short), binding))
                lost_total += short * 0.6
                demand_total += demand
        parts = np.array([2.9e6, 3.6e6, 1.1e6, 0.09e6, 0.42e6, 0.05e6, 0.0]) * demand_factor
        parts[3] += 0.04e6 * s
        parts[5] += 0.02e6 * s
        parts[6] = lost_total * 14.0
        summary.append(
            (scenario, float(parts.sum()), *map(float, parts), demand_total, lost_total, 1 - lost_total / demand_total, worst[0], worst[1], worst[2])
        )
    scenarios = pd.DataFrame(summary, columns=list(COLUMNS["scenarios"]))
    resource_months = pd.DataFrame(
        resource_rows, columns=["scenario", "resource_id", "source_type", "unit", "month", "used", "capacity", "utilisation", "binding_constraint"]
    )
    gap = pd.DataFrame(gap_rows, columns=["scenario", "month", "family", "demand", "constrained_supply", "unmet_units", "binding_constraint"])
    return resource_months, gap, scenarios


def _accuracy(rng: np.random.Generator) -> pd.DataFrame:
    cuts = {
        "family": FAMILIES,
        "location": ("DC_NORTH", "DC_SOUTH", "STORE_004", "STORE_017", "STORE_031"),
        "channel": ("ecommerce", "retail", "wholesale"),
        "abc_class": ("A", "B", "C"),
    }
    rows = []
    for cut_type, values in cuts.items():
        for i, value in enumerate(values):
            wape = {"A": 0.18, "B": 0.31, "C": 0.52}.get(value, rng.uniform(0.16, 0.42))
            rows.append((cut_type, value, float(wape), float(rng.normal(0.01, 0.05)), float(rng.integers(20000, 400000) / (i + 1)), "backtest"))
    return pd.DataFrame(rows, columns=["cut_type", "cut_value", "wape", "bias", "actual_units", "source"])


def _exceptions(rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    kinds = (
        ("stockout_risk", "capacity", "LINE_A is at capacity in {m}: {u:,.0f} units cannot be produced before the promised date."),
        ("late_purchase_order", "supplier", "Supplier SUP_ACME confirmed {u:,.0f} units {d} days after the requested date."),
        ("lead_time_breach", "lead_time", "Observed lead time exceeds the planned one by {d} days on this lane; safety stock covers {c} of them."),
        ("allocation_shortfall", "allocation", "Scarce stock allocated by channel priority: {u:,.0f} units short for this channel in {m}."),
        ("negative_stock", "data_quality", "WMS count below zero for {d} days running; the ERP shows {u:,.0f} units on hand."),
    )
    rows = []
    for i in range(14):
        kind, reason, text = kinds[int(rng.integers(0, len(kinds)))]
        units = float(rng.integers(40, 4200))
        rows.append(
            (
                kind,
                reason,
                f"SKU-{int(rng.integers(10000, 99999))}",
                ("DC_NORTH", "DC_SOUTH", "STORE_017", "STORE_031")[i % 4],
                ("ecommerce", "retail", "wholesale")[i % 3],
                (pd.Timestamp(AS_OF) + pd.Timedelta(days=int(rng.integers(1, 60)))).date(),
                units,
                units * float(rng.uniform(3, 18)),
                text.format(m="2026-11", u=units, d=int(rng.integers(3, 21)), c=int(rng.integers(1, 5))),
            )
        )
    top = pd.DataFrame(rows, columns=["exception_type", "reason_code", "sku_id", "location_id", "channel_id", "exception_date", "units", "value", "detail"])
    top = top.sort_values("value", ascending=False, ignore_index=True)
    counts = [(kind, reason, int(rng.integers(3, 180)), float(rng.integers(500, 60000)), float(rng.integers(5000, 900000))) for kind, reason, _ in kinds]
    return top, pd.DataFrame(counts, columns=["exception_type", "reason_code", "exceptions", "units", "value"])


def sample_data(seed: int = 11, generated_at: dt.datetime | None = None) -> CockpitData:
    rng = np.random.default_rng(seed)
    kpis, cuts = _kpis(rng)
    resource_months, gap, scenarios = _supply(rng)
    exceptions, counts = _exceptions(rng)
    return CockpitData(
        as_of=AS_OF,
        plan_version="PLAN-20260930-3fa2c1d9",
        sop_plan_version="SOP-202610-8b41e0c2",
        sop_status="proposed",
        generated_at=generated_at or dt.datetime(2026, 9, 30, 6, 15, 0),
        kpis=kpis,
        kpi_cuts=cuts,
        resource_months=resource_months,
        gap_report=gap,
        scenarios=scenarios,
        forecast_accuracy=_accuracy(rng),
        exceptions=exceptions,
        exception_counts=counts,
        company="Northwind Foods",
    )


if __name__ == "__main__":  # pragma: no cover
    from reporting.cockpit.render import render_cockpit

    target = sys.argv[1] if len(sys.argv) > 1 else "cockpit.html"
    with open(target, "w", encoding="utf-8") as out:
        out.write(render_cockpit(sample_data()))
    print(target)
