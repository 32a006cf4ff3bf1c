"""Master data of the demo company: network, catalogue, suppliers, customers, production lines.

Everything is drawn from one numpy Generator so the company is a pure function of (scale, seed).
Frames hold canonical values (days as integer offsets from the start of history, quantities in
eaches); the export writers turn them into each system's codes, units and formats.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from demo_company.config import Scale

FAMILIES = ("BEVERAGES", "SNACKS", "HOUSEHOLD", "PERSONAL_CARE", "PETCARE")
# Families the plant can make, each on its own production line.
MADE_FAMILIES = {"BEVERAGES": "LINE-1", "SNACKS": "LINE-2"}
DEMAND_CLASSES = ("smooth", "erratic", "intermittent", "lumpy")
SEGMENTS = ("KEY_ACCOUNT", "COMMITTED_VOLUME", "STANDARD")
REGIONS = ("NORTH", "SOUTH")
WMS_DC_UNIT = "PK6"  # DCs receive and count in packs of 6
PACK_SIZE = 6
BUNDLE_SIZE = 2


@dataclass(frozen=True)
class MasterData:
    skus: pd.DataFrame
    locations: pd.DataFrame
    suppliers: pd.DataFrame
    customers: pd.DataFrame
    production_lines: pd.DataFrame

    @property
    def dcs(self) -> pd.DataFrame:
        return self.locations[self.locations.location_type == "DC"]

    @property
    def stores(self) -> pd.DataFrame:
        return self.locations[self.locations.location_type == "STORE"]


def ean13(body12: np.ndarray) -> np.ndarray:
    """Valid EAN-13 codes (as strings) from integer 12-digit bodies (vectorized check digit)."""
    digits = np.array([[int(c) for c in f"{b:012d}"] for b in body12])
    weights = np.tile([1, 3], 6)
    check = (10 - (digits @ weights) % 10) % 10
    return np.array([f"{b:012d}{c}" for b, c in zip(body12, check)])


def build_locations(scale: Scale) -> pd.DataFrame:
    rows = [
        ("PL01", "Lyon plant", "PLANT", None, "NORTH", 0),
        ("DC01", "North distribution centre", "DC", "PL01", "NORTH", 1),
        ("DC02", "South distribution centre", "DC", "PL01", "SOUTH", 1),
    ]
    half = scale.n_stores // 2
    for i in range(scale.n_stores):
        dc, region = ("DC01", "NORTH") if i < half else ("DC02", "SOUTH")
        rows.append((f"ST{i + 1:02d}", f"Store {i + 1:02d}", "STORE", dc, region, 2))
    rows += [
        ("WEB", "Web shop", "WEB", "DC01", "NORTH", 2),
        ("MKT", "Marketplace", "MARKETPLACE", "DC01", "NORTH", 2),
    ]
    frame = pd.DataFrame(rows, columns=["location_code", "name", "location_type", "parent_code", "region", "echelon"])
    # Store size drives its share of demand.
    frame["size_factor"] = 1.0
    return frame


def build_skus(scale: Scale, rng: np.random.Generator) -> pd.DataFrame:
    n, n_days = scale.n_skus, scale.n_days
    family = rng.choice(FAMILIES, size=n, p=[0.22, 0.22, 0.2, 0.2, 0.16])
    # Every demand class is present even in tiny catalogues.
    demand_class = np.array([DEMAND_CLASSES[i % 4] for i in range(n)])
    rng.shuffle(demand_class)
    made = np.array([f in MADE_FAMILIES for f in family]) & (rng.random(n) < 0.6)
    unit_cost = np.round(np.exp(rng.normal(1.3, 0.7, n)).clip(0.4, 60), 2)
    base_price = np.round(unit_cost * rng.uniform(1.35, 2.2, n), 2)
    case_size = rng.choice([12, 24], size=n, p=[0.7, 0.3])

    # Demand parameters per store-day (classes per Syntetos-Boylan: ADI and CV^2).
    base_rate = np.select(
        [demand_class == "smooth", demand_class == "erratic"],
        [rng.uniform(1.0, 6.0, n), rng.uniform(2.5, 8.0, n)],
        default=0.0,
    )
    p_occurrence = np.select(
        [demand_class == "intermittent", demand_class == "lumpy"],
        [rng.uniform(0.08, 0.3, n), rng.uniform(0.03, 0.12, n)],
        default=1.0,
    )
    size_mean = np.select(
        [demand_class == "intermittent", demand_class == "lumpy"],
        [rng.uniform(1.0, 1.6, n), rng.uniform(3.0, 9.0, n)],
        default=0.0,
    )
    dispersion = np.where(demand_class == "erratic", rng.uniform(1.0, 2.0, n), 50.0)

    # Launches and discontinuations inside the history (first SKUs stay, so tiny keeps sales).
    launch_day = np.zeros(n, dtype=int)
    discontinue_day = np.full(n, -1, dtype=int)
    idx = np.arange(n)
    launched = (idx >= 4) & (rng.random(n) < 0.08)
    launched[4] = True  # every scale has at least one launch and one discontinuation
    launch_day[launched] = rng.integers(n_days // 6, n_days * 2 // 3, launched.sum())
    discontinued = (idx >= 4) & ~launched & (rng.random(n) < 0.07)
    discontinued[5] = True
    discontinue_day[discontinued] = rng.integers(n_days // 3, n_days - 21, discontinued.sum())

    # 5 % of items were relabelled: a new EAN replaces the old one on that day.
    relabel_day = np.where((rng.random(n) < 0.05) & (discontinue_day < 0), rng.integers(20, n_days - 20, n), -1)
    ean_bodies = 200_000_000_000 + rng.choice(899_999_999, size=2 * n, replace=False)
    eans = ean13(ean_bodies)

    frame = pd.DataFrame(
        {
            "sku_idx": idx,
            "item_code": [f"1{1000 + 37 * i:07d}" for i in idx],
            "wms_code": [f"W-{i + 1:05d}" for i in idx],
            "ean": eans[:n],
            "ean_relabel": eans[n:],
            "relabel_day": relabel_day,
            "mkt_code": np.where(rng.random(n) < 0.4, [f"MKB{(i * 7919) % 100_000:05d}X" for i in idx], None),
            "family": family,
            "description": [f"{f.title().replace('_', ' ')} item {i + 1:04d}" for f, i in zip(family, idx)],
            "unit_cost": unit_cost,
            "base_price": base_price,
            "case_size": case_size,
            "make_or_buy": np.where(made, "MAKE", "BUY"),
            "demand_class": demand_class,
            "base_rate": base_rate,
            "p_occurrence": p_occurrence,
            "size_mean": size_mean,
            "dispersion": dispersion,
            "elasticity": rng.uniform(1.0, 2.8, n),
            "trend_per_year": rng.normal(0.03, 0.08, n),
            "launch_day": launch_day,
            "discontinue_day": discontinue_day,
            "moq_cases": rng.choice([1, 2, 5, 10], size=n, p=[0.4, 0.3, 0.2, 0.1]),
        }
    )
    frame["line_code"] = np.where(made, [MADE_FAMILIES.get(f, "") for f in family], None)
    return frame


def build_suppliers(scale: Scale, rng: np.random.Generator) -> pd.DataFrame:
    k = scale.n_suppliers
    mean_lt = rng.integers(4, 22, k)
    return pd.DataFrame(
        {
            "supplier_code": [f"SUP{i + 1:03d}" for i in range(k)],
            "name": [f"Supplier {i + 1:03d}" for i in range(k)],
            "lead_time_days": mean_lt,
            "lead_time_sd_days": np.round(mean_lt * rng.uniform(0.1, 0.35, k), 1),
            "payment_terms_days": rng.choice([30, 45, 60], size=k),
            "on_time_probability": rng.uniform(0.75, 0.97, k),
        }
    )


def build_customers(scale: Scale, rng: np.random.Generator) -> pd.DataFrame:
    k = scale.n_customers
    segment = np.array([SEGMENTS[i % 3] for i in range(k)])
    return pd.DataFrame(
        {
            "customer_code": [f"C{i + 1:04d}" for i in range(k)],
            "name": [f"Customer {i + 1:04d}" for i in range(k)],
            "segment": segment,
            "priority": np.select([segment == "KEY_ACCOUNT", segment == "COMMITTED_VOLUME"], [1, 2], default=3),
            "region": rng.choice(REGIONS, size=k),
            "payment_terms_days": rng.choice([30, 45, 60], size=k),
            "reserved_buffer_pct": np.where(segment == "COMMITTED_VOLUME", rng.choice([10, 15, 20], size=k), 0),
            # Mean days between orders and size multiplier.
            "order_interval_days": np.select([segment == "KEY_ACCOUNT", segment == "COMMITTED_VOLUME"], [4, 7], default=14),
            "volume_factor": np.select(
                [segment == "KEY_ACCOUNT", segment == "COMMITTED_VOLUME"],
                [rng.uniform(3, 6, k), rng.uniform(1.5, 3, k)],
                default=rng.uniform(0.5, 1.5, k),
            ),
        }
    ).assign(ship_from=lambda f: np.where(f.region == "NORTH", "DC01", "DC02"))


def build_production_lines() -> pd.DataFrame:
    """The plant's lines. ``availability``, ``performance`` and ``scrap_rate`` are each line's true
    mean effectiveness: no export carries them, the production confirmations drawn around them
    (``operations.confirm_production``) reveal them."""
    return pd.DataFrame(
        {
            "line_code": ["LINE-1", "LINE-2"],
            "plant_code": ["PL01", "PL01"],
            "family": ["BEVERAGES", "SNACKS"],
            "hours_per_day": [16.0, 16.0],
            "run_rate_per_hour": [400.0, 300.0],
            "overtime_hours_per_day": [4.0, 4.0],
            "cost_per_hour": [180.0, 150.0],
            "availability": [0.86, 0.92],  # the filler breaks down more often than the snack line
            "performance": [0.93, 0.91],
            "scrap_rate": [0.01, 0.018],
        }
    )


def build_master_data(scale: Scale, rng: np.random.Generator) -> MasterData:
    skus = build_skus(scale, rng)
    suppliers = build_suppliers(scale, rng)
    buy = skus.make_or_buy == "BUY"
    skus["supplier_code"] = None
    skus.loc[buy, "supplier_code"] = rng.choice(suppliers.supplier_code.to_numpy(), size=int(buy.sum()))
    return MasterData(
        skus=skus,
        locations=build_locations(scale),
        suppliers=suppliers,
        customers=build_customers(scale, rng),
        production_lines=build_production_lines(),
    )
