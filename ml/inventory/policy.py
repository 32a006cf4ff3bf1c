"""Inventory policy formulas of SPEC section 6, vectorized over SKU x location rows.

Units: demand and stock in base units, times in days (lead time ``L``, review period ``R``),
costs in currency. Every function takes scalars or equal-length arrays and returns arrays.

- Safety stock (continuous review, normal approximation):
  ``SS = z * sqrt((L + R) * sigma_e**2 + d**2 * sigma_L**2)``, with ``sigma_e`` the standard
  deviation of the daily *forecast error* (not of raw demand), ``d`` the mean daily demand and
  ``sigma_L`` the lead time's standard deviation. ``R = 0`` is continuous review.
- ``z`` for a cycle service level alpha (type 1): ``Phi^-1(alpha)``; for a fill rate beta
  (type 2): the ``z`` with ``sigma_LTD * G(z) = (1 - beta) * Q``, ``G`` the standard normal loss.
- Intermittent and lumpy items: a negative-binomial lead-time demand (moments matched) instead
  of the normal, the stock level read off its quantiles.
- Reorder point ``d * L + SS``, order-up-to ``d * (L + R) + SS``, ``EOQ = sqrt(2 D K / h)``, order
  quantities rounded up to the minimum order quantity and to pack multiples.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

_BISECTION_STEPS = 80  # halves [-8, 64] below 1e-22: exact in float64
_BRACKET_DOUBLINGS = 60  # an upper end doubled this often covers any level a float can hold


def checked_array(value, name: str, minimum: float | None = None, strict: bool = False, finite: bool = True) -> np.ndarray:
    """``value`` as a float array, refused (ValueError naming ``name``) when it has missing values,
    infinite ones (unless ``finite`` is False: a capacity of ``inf`` meaning no limit) or values
    below ``minimum`` (at or below it when ``strict``)."""
    values = np.asarray(value, dtype=float)
    if np.isnan(values).any():
        raise ValueError(f"{name} has missing values")
    if finite and np.isinf(values).any():
        raise ValueError(f"{name} has infinite values")
    if minimum is not None and ((values <= minimum) if strict else (values < minimum)).any():
        raise ValueError(f"{name} must be {'>' if strict else '>='} {minimum}, got min {values.min()}")
    return values


def _probability(value, name: str) -> np.ndarray:
    values = checked_array(value, name)
    if ((values <= 0) | (values >= 1)).any():
        raise ValueError(f"{name} must lie strictly between 0 and 1, got {values.min()} to {values.max()}")
    return values


def standard_normal_loss(z) -> np.ndarray:
    """``G(z) = phi(z) - z * (1 - Phi(z))``: expected shortfall of a standard normal beyond ``z``."""
    z = np.asarray(z, dtype=float)
    return stats.norm.pdf(z) - z * stats.norm.sf(z)


def z_for_cycle_service(alpha) -> np.ndarray:
    """Safety factor for a cycle service level (type 1): the probability of no stock-out in a cycle."""
    return stats.norm.ppf(_probability(alpha, "cycle service level"))


def z_for_fill_rate(beta, sigma_ltd, order_quantity) -> np.ndarray:
    """Safety factor for a fill rate (type 2): the share of demand served from stock.

    Solves ``sigma_ltd * G(z) = (1 - beta) * order_quantity`` (``G`` decreases in ``z``) by
    bisection on every row at once. Rows whose target the normal cannot reach at ``z >= -8`` get
    -8 (the order quantity alone serves the fill rate), and the same for ``sigma_ltd == 0``. The
    upper end starts at 8 and is doubled where it does not yet meet the target (a spread huge
    against the order quantity), so the answer is never cut off at the bracket.
    """
    beta = _probability(beta, "fill rate")
    sigma = checked_array(sigma_ltd, "sigma of lead-time demand", minimum=0)
    quantity = checked_array(order_quantity, "order quantity", minimum=0, strict=True)
    beta, sigma, quantity = np.broadcast_arrays(beta, sigma, quantity)
    with np.errstate(divide="ignore"):
        target = np.where(sigma > 0, (1 - beta) * quantity / np.where(sigma > 0, sigma, 1), np.inf)
    low = np.full(target.shape, -8.0)
    high = _grown_upper_end(np.full(target.shape, 8.0), lambda z: standard_normal_loss(z) <= target, 3, "fill-rate safety factor")
    for _ in range(_BISECTION_STEPS):  # iterations, not rows: every row moves at once
        middle = (low + high) / 2
        short = standard_normal_loss(middle) > target  # still too much expected shortage: raise z
        low, high = np.where(short, middle, low), np.where(short, high, middle)
    return high


def safety_stock(z, forecast_error_sd, mean_demand, lead_time_days, lead_time_sd=0.0, review_period_days=0.0) -> np.ndarray:
    """``z * sqrt((L + R) * sigma_e**2 + d**2 * sigma_L**2)``, in units (never negative: a
    ``z`` below zero, a service target under 50 %, holds no safety stock)."""
    z = checked_array(z, "z")
    sigma_e = checked_array(forecast_error_sd, "forecast error sd", minimum=0)
    demand = checked_array(mean_demand, "mean daily demand", minimum=0)
    exposure = checked_array(lead_time_days, "lead time", minimum=0) + checked_array(review_period_days, "review period", minimum=0)
    sigma_l = checked_array(lead_time_sd, "lead time sd", minimum=0)
    return np.maximum(z, 0) * np.sqrt(exposure * sigma_e**2 + demand**2 * sigma_l**2)


def lead_time_demand_sd(forecast_error_sd, mean_demand, lead_time_days, lead_time_sd=0.0, review_period_days=0.0) -> np.ndarray:
    """Standard deviation of demand over the exposure period ``L + R`` (the root of the safety-stock formula)."""
    return safety_stock(1.0, forecast_error_sd, mean_demand, lead_time_days, lead_time_sd, review_period_days)


def reorder_point(mean_demand, lead_time_days, safety_stock_units) -> np.ndarray:
    """``d * L + SS``: order when the inventory position falls to it (continuous review)."""
    demand = checked_array(mean_demand, "mean daily demand", minimum=0)
    return demand * checked_array(lead_time_days, "lead time", minimum=0) + checked_array(safety_stock_units, "safety stock", minimum=0)


def order_up_to(mean_demand, lead_time_days, review_period_days, safety_stock_units) -> np.ndarray:
    """``d * (L + R) + SS``: raise the inventory position to it at each review (periodic review)."""
    exposure = checked_array(lead_time_days, "lead time", minimum=0) + checked_array(review_period_days, "review period", minimum=0)
    return checked_array(mean_demand, "mean daily demand", minimum=0) * exposure + checked_array(safety_stock_units, "safety stock", minimum=0)


def economic_order_quantity(annual_demand, order_cost, annual_holding_cost) -> np.ndarray:
    """``sqrt(2 D K / h)``: units per order; ``h`` per unit and year (unit cost times holding rate)."""
    demand = checked_array(annual_demand, "annual demand", minimum=0)
    cost = checked_array(order_cost, "order cost", minimum=0)
    holding = checked_array(annual_holding_cost, "annual holding cost", minimum=0, strict=True)
    return np.sqrt(2 * demand * cost / holding)


def round_order_quantity(quantity, minimum_order_quantity=0.0, pack_size=1.0) -> np.ndarray:
    """Raise ``quantity`` to the minimum order quantity, then up to a whole number of packs.
    A quantity of zero stays zero (nothing to order)."""
    quantity = checked_array(quantity, "order quantity", minimum=0)
    moq = checked_array(minimum_order_quantity, "minimum order quantity", minimum=0)
    pack = checked_array(pack_size, "pack size", minimum=0, strict=True)
    raised = np.where(quantity > 0, np.maximum(quantity, moq), 0.0)
    return np.ceil(np.round(raised / pack, 9)) * pack  # round(): 3 packs of 0.1 must stay 3 packs


def _grown_upper_end(high: np.ndarray, satisfied, doublings: int, what: str) -> np.ndarray:
    """``high`` doubled, row by row, until ``satisfied(high)`` holds on every row (a monotone
    target: true from some point on), at most ``doublings`` times; a ValueError naming ``what``
    and the first row left when it cannot be bracketed (never a silently clipped answer)."""
    high = np.array(high, dtype=float)
    ok = satisfied(high)
    for _ in range(doublings):
        if ok.all():
            return high
        high = np.where(ok, high, 2 * high)
        ok = satisfied(high)
    if not ok.all():
        row = int(np.flatnonzero(~np.ravel(ok))[0])
        raise ValueError(f"{what}: no value up to {np.ravel(high)[row]:g} meets the target (row {row})")
    return high


def negative_binomial_stock_level(mean_ltd, variance_ltd, cycle_service) -> np.ndarray:
    """Smallest integer stock ``S`` with ``P(lead-time demand <= S) >= alpha``, lead-time demand
    negative-binomial with the given mean and variance (moments matched; Poisson where the
    variance does not exceed the mean). For intermittent and lumpy items, whose demand over a
    lead time is far from normal."""
    mean = checked_array(mean_ltd, "mean lead-time demand", minimum=0)
    variance = checked_array(variance_ltd, "variance of lead-time demand", minimum=0)
    alpha = _probability(cycle_service, "cycle service level")
    mean, variance, alpha = np.broadcast_arrays(mean, variance, alpha)
    overdispersed = variance > mean
    safe_variance = np.where(overdispersed, variance, mean + 1)  # placeholder where Poisson applies
    size = np.where(mean > 0, mean**2 / np.maximum(safe_variance - mean, 1e-12), 1.0)
    success = np.where(mean > 0, mean / safe_variance, 1.0)
    negative_binomial = stats.nbinom.ppf(alpha, size, success)
    poisson = stats.poisson.ppf(alpha, mean)
    level = np.where(overdispersed & (mean > 0), negative_binomial, poisson)
    return np.where(mean > 0, level, 0.0)


def _count_distribution(mean: np.ndarray, variance: np.ndarray):
    """Negative binomial (overdispersed rows) or Poisson (the rest) with the given moments, as
    ``(sf, shifted_sf)``: the survival function and, for the expected shortage, the survival
    function of the size-biased distribution shifted by one (``x p(x) = mean * q(x - 1)``: for
    the negative binomial ``q`` is NB(size + 1, p), for the Poisson it is the Poisson itself)."""
    overdispersed = variance > mean
    safe_variance = np.where(overdispersed, variance, mean + 1)
    size = np.where(mean > 0, mean**2 / np.maximum(safe_variance - mean, 1e-12), 1.0)
    success = np.where(mean > 0, mean / safe_variance, 1.0)
    poisson_mean = np.maximum(mean, 1e-12)

    def sf(level):
        return np.where(overdispersed, stats.nbinom.sf(level, size, success), stats.poisson.sf(level, poisson_mean))

    def shifted_sf(level):
        return np.where(overdispersed, stats.nbinom.sf(level - 1, size + 1, success), stats.poisson.sf(level - 1, poisson_mean))

    return sf, shifted_sf


def negative_binomial_expected_shortage(mean_ltd, variance_ltd, stock_level) -> np.ndarray:
    """``E[(X - S)+]``: units short per cycle with stock ``S`` and lead-time demand ``X``
    negative-binomial (Poisson without overdispersion), in closed form:
    ``E[X 1{X > S}] - S P(X > S) = mean * P(Y >= S) - S P(X > S)``, ``Y`` size-biased."""
    mean = checked_array(mean_ltd, "mean lead-time demand", minimum=0)
    variance = checked_array(variance_ltd, "variance of lead-time demand", minimum=0)
    level = checked_array(stock_level, "stock level")
    mean, variance, level = np.broadcast_arrays(mean, variance, level)
    sf, shifted_sf = _count_distribution(mean, variance)
    shortage = mean * shifted_sf(level) - level * sf(level)
    return np.where(mean > 0, np.maximum(shortage, 0.0), 0.0)


def negative_binomial_fill_rate_level(mean_ltd, variance_ltd, fill_rate, order_quantity) -> np.ndarray:
    """Smallest integer stock ``S >= 0`` whose expected shortage per cycle is at most
    ``(1 - beta) * Q`` (fill rate ``beta`` with orders of ``Q`` units), lead-time demand
    negative-binomial: the type 2 counterpart of :func:`negative_binomial_stock_level`. Integer
    bisection on every row at once."""
    mean = checked_array(mean_ltd, "mean lead-time demand", minimum=0)
    variance = checked_array(variance_ltd, "variance of lead-time demand", minimum=0)
    beta = _probability(fill_rate, "fill rate")
    quantity = checked_array(order_quantity, "order quantity", minimum=0, strict=True)
    mean, variance, beta, quantity = np.broadcast_arrays(mean, variance, beta, quantity)
    allowed = (1 - beta) * quantity

    def enough_stock(level: np.ndarray) -> np.ndarray:
        return negative_binomial_expected_shortage(mean, variance, level) <= allowed

    # a first guess, doubled until it meets the target: 12 sd fall short of the far tail of very
    # overdispersed items (mean 0.05, variance 1, beta 0.99: 14 where 17 is needed)
    first_guess = np.ceil(mean + 12 * np.sqrt(np.maximum(variance, mean)) + 1)
    high = _grown_upper_end(first_guess, enough_stock, _BRACKET_DOUBLINGS, "negative-binomial fill-rate level")
    low = np.where(high > first_guess, high / 2, -1.0)  # the answer lies in (low, high]
    while (open_rows := high - low > 1).any():  # about log2(high) rounds, each on every row
        middle = np.floor((low + high) / 2)
        enough = enough_stock(middle)
        # settled rows keep their answer: their middle would be low, and low = -1 is no level
        low, high = np.where(open_rows & ~enough, middle, low), np.where(open_rows & enough, middle, high)
    return np.where(mean > 0, high, 0.0)
