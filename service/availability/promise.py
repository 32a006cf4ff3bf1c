"""Order promising (SPEC section 6, issue 18 point 4): what a quote may take, where, when, and why short.

Quantities are in the item's base units (the unit the plan's ATP is in); days are business days.

What a quote may take at a SKU x location on day ``d`` (its *available* curve), for a customer of
allocation priority ``t`` (its segment's, the lowest when its segment has none; a quote by channel
without customer ranks with the lowest, as ``fct_committed_orders`` ranks consumers' lines):

1. the pair's ATP (``ml.inventory.availability``: look-ahead over the projected balance, with the
   movements since the plan and the reservations held): every open order line, whatever its tier,
   keeps what it holds. A promise already made is not taken back by a quote; when stock falls
   short, the daily allocation (``allocate_scarce_stock``) re-ranks the lines, key accounts first;
2. less the unused reserved buffers of the committed-volume customers of a higher priority than
   ``t`` (the tiers strictly between the first and the last, as ``allocate_scarce_stock`` defines
   them): customer ``c`` holds ``floor(reserved_buffer_pct_c / 100 x S(d))`` units of the pair,
   ``S(d)`` the pair's stock and receipts due by ``d`` before any commitment (the buffer is a share
   of the pair's stock, as in the allocation), less its own open lines at the pair (they already
   use it). A customer holds a buffer at its ship-from location and wherever it has open lines.
   Key accounts (the first priority) are held back by no buffer: they are served first; a
   committed-volume customer's own buffer is not held against itself; a customer of the last
   priority (standard, consumers) is held back by every buffer;
3. less the channel's safety buffer (ATS) when the quote names a channel, or for a customer the
   company's channel of role wholesale when it has exactly one; a location that does not sell
   through the channel has nothing for it;
4. then made safe over later days again (the minimum over this and every later day): what is
   promised on ``d`` stays promised on every later day.

The promise: the whole quantity on the requested date when the curve allows it there; else what
is there on the requested date and the rest on the earliest later day(s) the curve rises to, up to
the horizon's last day. Each shortfall carries a code of :data:`QUOTE_REASONS` and a sentence: on
the requested date the largest hold explains it (open lines of higher tiers and buffers:
HIGHER_PRIORITY; the channel's buffer: CHANNEL_BUFFER; other open lines and reservations:
EARLIER_ORDERS), NO_STOCK when the location has nothing at all, INSUFFICIENT_STOCK when nothing
is held; what the horizon cannot cover is BEYOND_HORIZON.

Without a location, a quote goes to the customer's ship-from location when it has one; otherwise
(online and marketplace orders, customers without one) the rule of :func:`ml.inventory.routing.route_online_orders`
chooses among the locations holding the item that ship to the order's region: the whole quantity
available on the requested date, then the lowest shipping cost, then the lowest load. When no
location has it all on that day, the location completing the quantity earliest wins (then the most
on the requested date, then cost, then code).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import pandas as pd

from ml.inventory.availability import SegmentTiers
from service.availability.ledger import Ledger, atp_of, reverse_cummin

QUOTE_REASONS = {
    "NO_STOCK": "nothing in stock or due at the location by the requested date",
    "INSUFFICIENT_STOCK": "all there is goes to the quote and it is still short",
    "HIGHER_PRIORITY": "held for higher-priority customers: open lines of higher tiers (key accounts first) or committed-volume buffers",
    "CHANNEL_BUFFER": "held back from the channel by its safety buffer",
    "EARLIER_ORDERS": "promised to open order lines or reservations of the same or a lower tier",
    "BEYOND_HORIZON": "not available by the last day of the plan's horizon",
    "NO_LOCATION_IN_REACH": "no location holding the item ships to the order's region",
}
_TOLERANCE = 1e-9


@dataclass
class PromiseLine:
    location_id: str
    date: date
    quantity: float


@dataclass
class Shortfall:
    quantity: float
    reason: str
    text: str


@dataclass
class Quote:
    """A quote's answer: ``lines`` promised (base units), each ``shortfalls`` with its reason."""

    item: str
    sku_id: str
    quantity: float
    requested_date: date
    customer: str | None
    channel: str | None
    location_id: str | None
    promised_quantity: float
    lines: list[PromiseLine] = field(default_factory=list)
    shortfalls: list[Shortfall] = field(default_factory=list)
    routing_reason: str | None = None
    reservation: dict | None = None

    def as_dict(self) -> dict:
        return {
            "item": self.item,
            "sku_id": self.sku_id,
            "quantity": self.quantity,
            "unit": "base units of the item",
            "requested_date": self.requested_date.isoformat(),
            "customer": self.customer,
            "channel": self.channel,
            "location_id": self.location_id,
            "promised_quantity": self.promised_quantity,
            "complete_on_requested_date": bool(self.lines) and self.lines[0].date == self.requested_date and not self.shortfalls,
            "lines": [{"location_id": line.location_id, "date": line.date.isoformat(), "quantity": line.quantity} for line in self.lines],
            "shortfalls": [{"quantity": s.quantity, "reason": s.reason, "text": s.text} for s in self.shortfalls],
            "routing_reason": self.routing_reason,
            "reservation": self.reservation,
        }


class AllocationRules:
    """The tiers, the customers' buffers and the open lines by tier, per pair of ``ledger``.

    ``segments``: ``segment, allocation_priority``; ``customers``: ``customer_id, segment, region,
    ship_from_location_id, reserved_buffer_pct``; ``orders``: the open lines not stale
    (``sku_id, location_id, customer_id, allocation_priority, due_date, open_quantity``)."""

    def __init__(self, segments: pd.DataFrame, customers: pd.DataFrame, orders: pd.DataFrame, ledger: Ledger) -> None:
        self.tiers = SegmentTiers(segments) if len(segments) else None
        self._words: dict[int, str] = {}
        self.lowest = self.tiers.last if self.tiers else 0
        priority = self.tiers.priority.to_dict() if self.tiers else {}
        customers = customers.assign(priority=customers["segment"].map(priority).fillna(self.lowest).astype("int64"))
        # plain dicts: a pandas lookup costs tens of microseconds, a quote makes several
        self.customers = {str(row["customer_id"]): row for row in customers.to_dict("records")}
        self.levels = np.sort(np.unique(np.concatenate([np.asarray(list(priority.values()), dtype=np.int64), [self.lowest]])))
        buffered = customers[self._buffered(customers["priority"].to_numpy()) & (customers["reserved_buffer_pct"].astype(float) > 0)]
        self.buffered = {str(row["customer_id"]): row for row in buffered.to_dict("records")}
        self.buffered_at = {loc: list(group["customer_id"]) for loc, group in buffered.groupby("ship_from_location_id")}
        self._index_orders(orders, ledger)

    def _buffered(self, tier: np.ndarray) -> np.ndarray:
        return self.tiers.is_buffered(tier) if self.tiers else np.zeros(len(tier), dtype=bool)

    def _index_orders(self, orders: pd.DataFrame, ledger: Ledger) -> None:
        pairs = pd.MultiIndex.from_arrays([ledger.sku_of, ledger.location_of])
        frame = orders.assign(
            row=pairs.get_indexer(pd.MultiIndex.from_arrays([orders["sku_id"].astype(str), orders["location_id"].astype(str)])),
            col=(pd.to_datetime(orders["due_date"]) - pd.Timestamp(ledger.first_day)).dt.days.clip(lower=0),
            level=np.searchsorted(self.levels, pd.to_numeric(orders["allocation_priority"]).fillna(self.lowest).to_numpy()),
        )
        frame = frame[(frame["row"] >= 0) & (frame["col"] < ledger.days)]
        self.by_level: dict[int, np.ndarray] = {}
        for row, group in frame.groupby("row"):
            daily = np.zeros((len(self.levels), ledger.days))
            np.add.at(daily, (group["level"].to_numpy(), group["col"].to_numpy()), group["open_quantity"].to_numpy(dtype=float))
            self.by_level[int(row)] = daily
        self.open_by_customer = {
            (int(row), str(customer)): float(quantity) for (row, customer), quantity in frame.groupby(["row", "customer_id"])["open_quantity"].sum().items()
        }
        self.customers_at = {int(row): list(group["customer_id"].astype(str).unique()) for row, group in frame.groupby("row")}

    def priority_of(self, customer: str | None) -> int:
        return int(self.customers[customer]["priority"]) if customer is not None else self.lowest

    def segment_words(self, priority: int) -> str:
        """``standard``: the segments of a priority, in words (cached: a pandas call per quote is slow)."""
        if priority not in self._words:
            self._words[priority] = self.tiers.adjective([priority]).iloc[0] if self.tiers else "any"
        return self._words[priority]

    def higher_lines(self, row: int, priority: int, days: int) -> np.ndarray:
        """Cumulative open quantity of lines of a higher priority than ``priority`` due by each day."""
        daily = self.by_level.get(row)
        if daily is None:
            return np.zeros(days)
        return np.cumsum(daily[self.levels < priority].sum(axis=0))

    def buffers_held(self, row: int, location: str, priority: int, customer: str | None, supply: np.ndarray) -> np.ndarray:
        """Per day, the unused reserved buffers of other customers of higher buffered tiers at the pair."""
        held = np.zeros_like(supply)
        if self.tiers is None or priority <= self.tiers.first:
            return held
        names = set(self.buffered_at.get(location, [])) | set(self.customers_at.get(row, []))
        names &= self.buffered.keys()
        base = np.maximum(supply, 0.0)
        for name in names - {customer}:  # the few committed-volume customers of the location
            if int(self.buffered[name]["priority"]) >= priority:
                continue
            reserved = np.floor(float(self.buffered[name]["reserved_buffer_pct"]) / 100 * base + _TOLERANCE)
            held += np.maximum(reserved - self.open_by_customer.get((row, name), 0.0), 0.0)
        return held


@dataclass
class PairView:
    """One location's curves for a quote (each ``(days,)``, base units)."""

    row: int
    location_id: str
    supply: np.ndarray  # stock and receipts by the day, before any commitment
    atp: np.ndarray  # the pair's ATP (all lines, movements, reservations)
    higher_lines: np.ndarray  # what higher tiers' open lines hold of the ATP
    buffers: np.ndarray  # unused buffers of higher committed-volume customers
    channel_buffer: float  # the channel's safety buffer (inf: the location does not sell through it)
    available: np.ndarray  # what the quote may take, safe over later days


def pair_view(ledger: Ledger, rules: AllocationRules, row: int, priority: int, customer: str | None, channel_buffer: float) -> PairView:
    rows = np.array([row])
    balance, supply = ledger.balance(rows)[0], ledger.supply(rows)[0]
    atp = atp_of(balance)
    higher = atp_of(balance + rules.higher_lines(row, priority, ledger.days)) - atp
    location = ledger.location_of[row]
    buffers = rules.buffers_held(row, location, priority, customer, supply)
    finite = channel_buffer if np.isfinite(channel_buffer) else 0.0
    available = np.maximum(reverse_cummin(atp - buffers - finite), 0.0) if np.isfinite(channel_buffer) else np.zeros(ledger.days)
    return PairView(row, location, supply, atp, higher, buffers, channel_buffer, available)


def promise_lines(view: PairView, quantity: float, start: int, first_day: date) -> list[PromiseLine]:
    """The whole ``quantity`` on day ``start`` when available, else what is there and the rest on
    the earliest later days the available curve rises to (within the horizon)."""
    cumulative = np.minimum(np.maximum.accumulate(view.available[start:]), quantity)
    steps = np.diff(cumulative, prepend=0.0)
    days = np.flatnonzero(steps > _TOLERANCE)
    return [PromiseLine(view.location_id, first_day + timedelta(days=int(start + d)), float(round(steps[d], 9))) for d in days]


def short_on_requested(view: PairView, quantity: float, column: int, day: date, priority: int, rules: AllocationRules) -> Shortfall | None:
    """The reason the requested date falls short at the pair, from the largest hold that day."""
    available = float(view.available[column])
    short = quantity - min(quantity, available)
    if short <= _TOLERANCE:
        return None
    supply = max(float(reverse_cummin(view.supply)[column]), 0.0)
    higher = float(view.higher_lines[column] + view.buffers[column])
    channel = min(view.channel_buffer, float(view.atp[column] - view.buffers[column])) if np.isfinite(view.channel_buffer) else float(view.atp[column])
    channel = max(channel, 0.0)
    earlier = max(supply - float(view.atp[column]) - float(view.higher_lines[column]), 0.0)
    holds = {"HIGHER_PRIORITY": higher, "CHANNEL_BUFFER": channel, "EARLIER_ORDERS": earlier}
    if supply <= _TOLERANCE:
        code = "NO_STOCK"
    elif max(holds.values()) <= _TOLERANCE:
        code = "INSUFFICIENT_STOCK"
    else:
        code = max(holds, key=holds.get)
    parts = []
    if view.higher_lines[column] > _TOLERANCE:
        parts.append(f"{_fmt(view.higher_lines[column])} held for open lines of higher tiers")
    if view.buffers[column] > _TOLERANCE:
        parts.append(f"{_fmt(view.buffers[column])} for committed-volume buffers")
    if not np.isfinite(view.channel_buffer):
        parts.append("the location does not sell through the channel")
    elif channel > _TOLERANCE:
        parts.append(f"{_fmt(channel)} for the channel's safety buffer")
    if earlier > _TOLERANCE:
        parts.append(f"{_fmt(earlier)} promised to other open lines and reservations")
    held = "; " + ", ".join(parts) if parts else ""
    who = rules.segment_words(priority)
    if code == "NO_STOCK":
        return Shortfall(
            float(round(short, 9)), code, f"nothing in stock or due at {view.location_id} by {day.isoformat()}; {_fmt(short)} of {_fmt(quantity)} short"
        )
    text = (
        f"{_fmt(supply)} in stock and due at {view.location_id} by {day.isoformat()}, {_fmt(available)} available to promise to this {who} order{held}; "
        f"{_fmt(short)} of {_fmt(quantity)} short on the requested date"
    )
    return Shortfall(float(round(short, 9)), code, text)


def beyond_horizon(location: str | None, quantity: float, left: float, last_day: date) -> Shortfall:
    where = f" at {location}" if location else ""
    return Shortfall(
        float(round(left, 9)), "BEYOND_HORIZON", f"{_fmt(left)} of {_fmt(quantity)} not available{where} by {last_day.isoformat()}, the plan's last day"
    )


def _fmt(value: float) -> str:
    """A quantity as text, as the allocation writes it: whole numbers without decimals, else 3 decimals."""
    rounded = round(float(value), 3)
    return str(int(rounded)) if rounded == int(rounded) else str(rounded)


def route(
    views: list[PairView], column: int, quantity: float, sku: str, region: str | None, lanes: dict[str, list], load: dict[str, tuple]
) -> tuple[PairView | None, str]:
    """Choose the location of a quote without one among ``views`` (see the module docstring);
    returns the view (None when no location ships to ``region``) and a sentence saying why.
    ``lanes``: region -> [(location_id, cost per unit)] (``dim_shipping_lanes``); ``load``:
    location_id -> (open_lines, capacity_lines) (``fct_online_picking_load``; a location without
    a row has no load and no capacity limit).

    For one line, :func:`ml.inventory.routing.route_online_orders`' rule is: among the locations
    shipping to the region with the whole quantity and under their picking capacity, the lowest
    cost per unit, then the lowest load ratio ``open_lines / capacity_lines``, then the lowest
    code. It is applied here on arrays (the frame function costs tens of milliseconds a call);
    ``tests/unit/test_promising.py`` checks both choose alike."""
    by_location = {view.location_id: view for view in views}
    if region is not None:
        reach = [(loc, cost) for loc, cost in lanes.get(region, ()) if loc in by_location]
        if not reach:
            return None, f"no location holding SKU {sku} ships to region {region}"
        locations, cost = np.array([loc for loc, _ in reach]), np.array([c for _, c in reach], dtype=float)
    else:  # no region to cost: every location holding the item, at one cost
        locations, cost = np.array(sorted(by_location)), np.zeros(len(by_location))
    open_lines = np.array([load.get(loc, (0.0, np.inf))[0] for loc in locations], dtype=float)
    capacity = np.array([load.get(loc, (0.0, np.inf))[1] for loc in locations], dtype=float)
    curves = np.maximum.accumulate(np.stack([by_location[loc].available[column:] for loc in locations]), axis=1)
    on_day = curves[:, 0]
    free = open_lines + 1 <= capacity + _TOLERANCE
    ratio = np.divide(open_lines, capacity, out=np.zeros_like(open_lines), where=capacity > 0)
    eligible = np.flatnonzero((on_day >= quantity - _TOLERANCE) & free)
    cheapest = int(np.lexsort((locations, ratio, cost))[0])
    if len(eligible):
        best = eligible[np.lexsort((locations[eligible], ratio[eligible], cost[eligible]))[0]]
        if region is None:
            return by_location[locations[best]], f"no region to cost: {locations[best]} has the whole quantity and the lowest load"
        if best == cheapest or cost[best] <= cost[cheapest]:
            return by_location[locations[best]], f"{locations[best]}: the cheapest location in reach with the whole quantity ({_fmt(cost[best])} per unit)"
        why = "at picking capacity" if not free[cheapest] else f"has {_fmt(on_day[cheapest])}"
        return by_location[locations[best]], (
            f"{locations[cheapest]} cheaper ({_fmt(cost[cheapest])} per unit) but {why}; {locations[best]} next ({_fmt(cost[best])} per unit)"
        )
    # nobody has it all on the day: the earliest to complete it, then the most on the day, then cost, then code
    complete = np.where((curves >= quantity - _TOLERANCE).any(axis=1), (curves >= quantity - _TOLERANCE).argmax(axis=1), curves.shape[1])
    best = int(np.lexsort((locations, cost, -curves[:, -1], -on_day, complete))[0])
    whole = (
        f"completes the quantity earliest, on day {int(complete[best])} after the requested date"
        if complete[best] < curves.shape[1]
        else "has the most by the horizon's end"
    )
    return by_location[locations[best]], f"no location in reach has {_fmt(quantity)} of SKU {sku} on the requested date; {locations[best]} {whole}"
