"""The demo company's demand has the shape the planning layers are built for (SPEC section 2)."""

from __future__ import annotations

import numpy as np
import pytest

from demo_company.config import Scale
from demo_company.demand import build_demand
from demo_company.master_data import build_master_data


@pytest.fixture(scope="module")
def company():
    scale = Scale("test", n_skus=60, n_stores=4, n_days=2 * 365, n_customers=6, n_suppliers=3)
    rng = np.random.default_rng(3)
    md = build_master_data(scale, rng)
    return md, build_demand(scale, md, rng)


def _classify(series: np.ndarray) -> tuple[float, float]:
    """Syntetos-Boylan: average demand interval and squared CV of non-zero sizes."""
    sizes = series[series > 0]
    adi = len(series) / max(len(sizes), 1)
    cv2 = (sizes.std() / sizes.mean()) ** 2 if len(sizes) > 1 else 0.0
    return adi, cv2


def test_demand_classes_match_syntetos_boylan(company):
    md, demand = company
    per_class: dict[str, list[tuple[float, float]]] = {}
    active = demand.active.all(axis=0)
    for sku in np.flatnonzero(active):
        series = demand.store[:, sku, 0]
        per_class.setdefault(md.skus.demand_class.iat[sku], []).append(_classify(series))
    median = {c: np.median(np.array(v), axis=0) for c, v in per_class.items()}
    assert median["smooth"][0] < 1.32 and median["smooth"][1] < 0.49
    assert median["erratic"][0] < 1.32 and median["erratic"][1] > 0.49
    assert median["intermittent"][0] > 1.32 and median["intermittent"][1] < 0.49
    assert median["lumpy"][0] > 1.32 and median["lumpy"][1] > 0.49


def test_weekly_and_yearly_seasonality(company):
    md, demand = company
    total = demand.store.sum(axis=(1, 2)).astype(float)
    weekday = demand.dates.day_of_week.to_numpy()
    assert total[weekday == 5].mean() > 1.3 * total[weekday == 1].mean()  # Saturday vs Tuesday
    beverages = (md.skus.family == "BEVERAGES").to_numpy()
    month = demand.dates.month.to_numpy()
    drinks = demand.store[:, beverages].sum(axis=(1, 2)).astype(float)
    assert drinks[np.isin(month, [6, 7, 8])].mean() > 1.3 * drinks[np.isin(month, [12, 1, 2])].mean()


def test_promotions_lift_demand_then_dip(company):
    _, demand = company
    on_promo = demand.promo_discount > 0
    daily = demand.store.sum(axis=2).astype(float)
    lifts, dips = [], []
    for promo in demand.promotions.itertuples():
        before = daily[max(promo.start_day - 14, 0) : promo.start_day, promo.sku_idx]
        during = daily[promo.start_day : promo.end_day + 1, promo.sku_idx]
        after = daily[promo.end_day + 1 : promo.end_day + 8, promo.sku_idx]
        if before.mean() > 1 and len(after) == 7 and not on_promo[max(promo.start_day - 14, 0) : promo.start_day, promo.sku_idx].any():
            lifts.append(during.mean() / before.mean())
            dips.append(after.mean() / before.mean())
    assert len(lifts) > 10
    assert np.median(lifts) > 1.3 and np.median(dips) < 0.95


def test_launched_and_discontinued_items_sell_only_in_their_life(company):
    md, demand = company
    launched = np.flatnonzero(md.skus.launch_day > 0)
    discontinued = np.flatnonzero(md.skus.discontinue_day >= 0)
    assert len(launched) and len(discontinued)
    for sku in launched:
        assert demand.store[: md.skus.launch_day.iat[sku], sku].sum() == 0
    for sku in discontinued:
        assert demand.store[md.skus.discontinue_day.iat[sku] :, sku].sum() == 0
