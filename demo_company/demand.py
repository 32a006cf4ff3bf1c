"""Latent demand of the demo company, before stock limits what can be sold.

Demand per SKU and day is a base level times multiplicative effects: weekly profile, yearly
seasonality, trend, price elasticity, promotion uplift followed by a post-promotion dip,
launches (ramp-up) and discontinuations. Smooth and erratic items draw Poisson and negative-
binomial counts; intermittent and lumpy items draw an occurrence then a size (Croston's view).
All arrays are indexed [day, sku, ...]; quantities are eaches except the marketplace (bundles).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from demo_company.config import Scale
from demo_company.master_data import BUNDLE_SIZE, REGIONS, MasterData

# Days the stores are closed (month, day): no store sales.
STORE_CLOSED = {(1, 1), (5, 1), (12, 25)}
# Store traffic by ISO weekday (Mon..Sun) and web traffic, relative.
STORE_WEEKLY = np.array([0.85, 0.8, 0.9, 0.95, 1.15, 1.45, 0.9])
WEB_WEEKLY = np.array([1.2, 1.05, 1.0, 0.95, 0.9, 0.85, 1.1])
# Yearly seasonality: amplitude and peak day-of-year per family.
SEASONALITY = {
    "BEVERAGES": (0.35, 196),
    "SNACKS": (0.15, 350),
    "HOUSEHOLD": (0.08, 100),
    "PERSONAL_CARE": (0.1, 170),
    "PETCARE": (0.05, 30),
}
CHANNEL_PRICE_FACTOR = {"STORE": 1.0, "WEB": 0.97, "MARKETPLACE": 1.05 * BUNDLE_SIZE, "B2B": 0.72}


@dataclass(frozen=True)
class Demand:
    dates: pd.DatetimeIndex
    list_price: np.ndarray  # [day, sku] store list price, EUR per each
    promo_discount: np.ndarray  # [day, sku] discount in store and web, 0..1
    promotions: pd.DataFrame  # promo_id, sku_idx, channel, start_day, end_day, discount_pct
    price_periods: pd.DataFrame  # sku_idx, start_day, end_day, list_price
    store: np.ndarray  # [day, sku, store] eaches
    web: np.ndarray  # [day, sku, region] eaches
    marketplace: np.ndarray  # [day, sku] bundles
    b2b_orders: pd.DataFrame  # order_day, customer_idx, sku_idx, qty (eaches), requested_day
    active: np.ndarray  # [day, sku] bool: item sellable that day


def _price_paths(scale: Scale, md: MasterData, rng: np.random.Generator) -> tuple[np.ndarray, pd.DataFrame]:
    """List price per day: 1-3 increases of 2-8 % at random days."""
    n_days, n = scale.n_days, len(md.skus)
    price = np.tile(md.skus.base_price.to_numpy(), (n_days, 1))
    periods = []
    for s in range(n):
        cuts = np.sort(rng.choice(np.arange(30, n_days - 10), size=rng.integers(1, 4), replace=False))
        bounds = [0, *cuts.tolist(), n_days]
        level = md.skus.base_price.iat[s]
        for start, end in zip(bounds[:-1], bounds[1:]):
            price[start:end, s] = level
            periods.append((s, start, end - 1, round(level, 2)))
            level = round(level * rng.uniform(1.02, 1.08), 2)
    return price, pd.DataFrame(periods, columns=["sku_idx", "start_day", "end_day", "list_price"])


def _promotions(scale: Scale, md: MasterData, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """Promotion windows (store and web) with their discount, and the post-promotion dip days."""
    n_days, n = scale.n_days, len(md.skus)
    discount = np.zeros((n_days, n))
    dip = np.zeros((n_days, n), dtype=bool)
    promos = []
    promoted = rng.random(n) < 0.4
    for s in np.flatnonzero(promoted):
        n_promos = max(1, rng.poisson(5 * n_days / 365))
        for start in np.sort(rng.choice(np.arange(7, n_days - 21), size=min(n_promos, n_days // 40), replace=False)):
            if discount[start, s] > 0 or dip[start, s]:
                continue
            length = int(rng.integers(7, 15))
            end = min(start + length, n_days) - 1
            pct = float(rng.choice([10, 15, 20, 25, 30]))
            discount[start : end + 1, s] = pct / 100
            dip[end + 1 : end + 8, s] = True
            promos.append((len(promos) + 1, s, "ALL", start, end, pct))
    frame = pd.DataFrame(promos, columns=["promo_id", "sku_idx", "channel", "start_day", "end_day", "discount_pct"])
    return discount, dip, frame


def _draw(rate: np.ndarray, md: MasterData, rng: np.random.Generator, sku_axis: int = 1) -> np.ndarray:
    """Counts with mean ``rate`` according to each SKU's demand class (rate shape [day, sku, ...])."""
    shape = [1] * rate.ndim
    shape[sku_axis] = -1

    def per_sku(col: str) -> np.ndarray:
        return md.skus[col].to_numpy().reshape(shape)

    cls = per_sku("demand_class")
    k = per_sku("dispersion")
    out = np.zeros(rate.shape, dtype=np.int64)
    smooth = np.broadcast_to(cls == "smooth", rate.shape)
    out[smooth] = rng.poisson(rate[smooth])
    erratic = np.broadcast_to(cls == "erratic", rate.shape)
    kk = np.broadcast_to(k, rate.shape)[erratic]
    out[erratic] = rng.negative_binomial(kk, kk / (kk + rate[erratic] + 1e-9))
    # Intermittent and lumpy: `rate` is the occurrence intensity; sizes drawn separately.
    occ_mask = np.broadcast_to((cls == "intermittent") | (cls == "lumpy"), rate.shape)
    occurs = occ_mask & (rng.random(rate.shape) < 1 - np.exp(-rate))
    size_mean = np.broadcast_to(per_sku("size_mean"), rate.shape)[occurs]
    lumpy = np.broadcast_to(cls == "lumpy", rate.shape)[occurs]
    sizes = np.where(
        lumpy,
        1 + rng.negative_binomial(0.8, 0.8 / (0.8 + size_mean)),
        1 + rng.poisson(np.maximum(size_mean - 1, 0)),
    )
    out[occurs] = sizes
    return out


def build_demand(scale: Scale, md: MasterData, rng: np.random.Generator) -> Demand:
    n_days, skus = scale.n_days, md.skus
    dates = pd.date_range(scale.start_date, periods=n_days, freq="D")
    dow = dates.day_of_week.to_numpy()
    doy = dates.day_of_year.to_numpy()
    t_years = np.arange(n_days) / 365.25

    list_price, price_periods = _price_paths(scale, md, rng)
    discount, dip, promotions = _promotions(scale, md, rng)

    amp = np.array([SEASONALITY[f][0] for f in skus.family])
    peak = np.array([SEASONALITY[f][1] for f in skus.family])
    yearly = 1 + amp * np.cos(2 * np.pi * (doy[:, None] - peak) / 365.25)
    trend = np.clip(1 + skus.trend_per_year.to_numpy() * t_years[:, None], 0.3, None)
    effective_price = list_price * (1 - discount)
    elasticity = skus.elasticity.to_numpy()
    price_effect = (effective_price / skus.base_price.to_numpy()) ** (-elasticity)
    promo_lift = np.where(discount > 0, 1.3, 1.0) * np.where(dip, 0.75, 1.0)

    day = np.arange(n_days)[:, None]
    launch = skus.launch_day.to_numpy()
    disc_day = skus.discontinue_day.to_numpy()
    active = (day >= launch) & ((disc_day < 0) | (day < disc_day))
    ramp = np.clip((day - launch + 1) / 28, 0, 1) ** 0.5  # new items build up over 4 weeks

    common = yearly * trend * price_effect * promo_lift * ramp * active  # [day, sku]
    level = np.where(skus.demand_class.isin(["smooth", "erratic"]), skus.base_rate, skus.p_occurrence)

    closed = np.array([(d.month, d.day) in STORE_CLOSED for d in dates])
    store_size = rng.uniform(0.6, 1.5, scale.n_stores)
    store_rate = (common * level * STORE_WEEKLY[dow][:, None] * ~closed[:, None])[:, :, None] * store_size
    store = _draw(store_rate, md, rng)

    web_rate = (common * level * 0.08 * WEB_WEEKLY[dow][:, None])[:, :, None] * np.array([0.6, 0.4])[: len(REGIONS)]
    web = _draw(web_rate, md, rng)

    on_marketplace = skus.mkt_code.notna().to_numpy()
    mkt_rate = common * level * 0.05 * on_marketplace / BUNDLE_SIZE
    marketplace = _draw(mkt_rate, md, rng)

    b2b = _b2b_orders(scale, md, common * level, active, rng)
    return Demand(dates, list_price, discount, promotions, price_periods, store, web, marketplace, b2b, active)


def _b2b_orders(scale: Scale, md: MasterData, level: np.ndarray, active: np.ndarray, rng: np.random.Generator) -> pd.DataFrame:
    """B2B order lines: each customer orders every few days a basket of its assortment."""
    n_days, n = level.shape
    frames = []
    for c, cust in md.customers.iterrows():  # ~40 customers: a loop over customers, not rows
        # a customer lists a quarter of the catalogue, at most 50 items: B2B lines grow linearly with scale
        assortment = rng.choice(n, size=max(3, min(n // 4, 50)), replace=False)
        order_days = np.flatnonzero(rng.random(n_days) < 1 / cust.order_interval_days)
        if len(order_days) == 0:
            continue
        days, skus_ = np.meshgrid(order_days, assortment, indexing="ij")
        days, skus_ = days.ravel(), skus_.ravel()
        keep = active[days, skus_] & (rng.random(days.size) < 0.35)
        days, skus_ = days[keep], skus_[keep]
        mean_qty = level[days, skus_] * cust.order_interval_days * cust.volume_factor * 2
        qty = rng.poisson(np.maximum(mean_qty, 1.0)) + 1
        # B2B customers order full cases where the line is big enough.
        case = md.skus.case_size.to_numpy()[skus_]
        qty = np.where(qty >= case, np.round(qty / case) * case, qty).astype(np.int64)
        requested = days + rng.integers(2, 11, days.size)
        frames.append(pd.DataFrame({"order_day": days, "customer_idx": c, "sku_idx": skus_, "qty": qty, "requested_day": requested}))
    orders = pd.concat(frames, ignore_index=True)
    # Requested dates past the end of history are still open orders: keep them.
    return orders.sort_values(["order_day", "customer_idx", "sku_idx"], kind="stable").reset_index(drop=True)


def day_to_date(dates: pd.DatetimeIndex, day: int) -> date:
    return (dates[0] + pd.Timedelta(days=int(day))).date()
