"""The book's per-pair arrays: the plan's balances, the effects of ATP movements and of reservations.

Arrays are ``(pairs, days)`` float64 in base units, a row per SKU x location (the plan's pairs,
then the pairs movements create), a column per day of the plan's horizon (day 0: the plan's first
day). Effects are kept per day (not cumulated); a curve is cumulated when it is read:

- ``projected balance(d) = plan balance(d) + sum over e <= d of (on_hand_delta(e) - committed_delta(e) - held(e))``
- ``supply(d) = plan on hand + receipts up to d + sum over e <= d of on_hand_delta(e)`` (stock and
  what is due, before any commitment: the base of the reserved buffers)
- ``atp(d) = max(0, min over e >= d of projected balance(e))`` (ml.inventory.availability)

Movements (design "ATP movements") are those of events the plan does not hold (the service's state
decides, by the loads the plan was computed from): a movement of business day ``d`` changes its
pair from ``d`` on, one of a day before the plan's first from the first day (it changes the stock
the plan starts from; counted), one after the horizon's last day changes no day of it (applied,
counted); the same ``(source, event_key)`` twice counts once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import numpy as np
import pandas as pd

MOVEMENT_COLUMNS = ("source", "event_key", "sku_id", "location_id", "business_date", "on_hand_delta", "committed_delta")
_SEPARATOR = "\x1f"


def reverse_cummin(values: np.ndarray) -> np.ndarray:
    """The minimum over this and every later day, along the last axis."""
    return np.minimum.accumulate(values[..., ::-1], axis=-1)[..., ::-1]


def atp_of(balance: np.ndarray) -> np.ndarray:
    """Cumulative ATP with look-ahead from projected balances (``(..., days)``), floored at 0."""
    return np.maximum(reverse_cummin(balance), 0.0)


@dataclass
class Reservation:
    """Quantities held at one pair: ``lines`` of (date, quantity in base units)."""

    id: str
    sku_id: str
    location_id: str
    lines: list[tuple[date, float]]
    created_at: datetime
    expires_at: datetime | None
    confirmed_at: datetime | None = None
    customer: str | None = None
    channel: str | None = None

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "sku_id": self.sku_id,
            "location_id": self.location_id,
            "lines": [{"date": day.isoformat(), "quantity": quantity} for day, quantity in self.lines],
            "created_at": self.created_at.isoformat(),
            "expires_at": self.expires_at.isoformat() if self.expires_at else None,
            "confirmed_at": self.confirmed_at.isoformat() if self.confirmed_at else None,
            "status": "confirmed" if self.confirmed_at else "held",
        }


@dataclass
class Ledger:
    """The pairs and their arrays (see the module docstring); not thread-safe: the book locks."""

    first_day: date
    days: int
    sku_of: list[str]
    location_of: list[str]
    plan_balance: np.ndarray
    plan_atp: np.ndarray
    plan_supply: np.ndarray
    index: dict[tuple[str, str], int] = field(default_factory=dict)
    by_sku: dict[str, np.ndarray] = field(default_factory=dict)
    on_hand_moves: np.ndarray = None
    committed_moves: np.ndarray = None
    held: np.ndarray = None
    movement_count: np.ndarray = None
    reservation_count: np.ndarray = None
    keys: set[str] = field(default_factory=set)
    before_first_day: int = 0  # movements of a day before the plan's first: applied from its first day
    duplicates: int = 0
    as_of: datetime | None = None

    def __post_init__(self) -> None:
        shape = self.plan_balance.shape
        self.on_hand_moves = np.zeros(shape)
        self.committed_moves = np.zeros(shape)
        self.held = np.zeros(shape)
        self.movement_count = np.zeros(shape[0], dtype=np.int64)
        self.reservation_count = np.zeros(shape[0], dtype=np.int64)
        self.index = {(sku, location): i for i, (sku, location) in enumerate(zip(self.sku_of, self.location_of))}
        self._index_skus()

    def _index_skus(self) -> None:
        groups = pd.Series(np.arange(len(self.sku_of))).groupby(pd.Series(self.sku_of, dtype=object)).indices
        self.by_sku = {sku: np.asarray(rows, dtype=np.int64) for sku, rows in groups.items()}

    # -- pairs ------------------------------------------------------------------------------------

    def add_pairs(self, pairs: list[tuple[str, str]]) -> None:
        """New pairs (an item at a location the plan does not have) start from zero."""
        new = [pair for pair in dict.fromkeys(pairs) if pair not in self.index]
        if not new:
            return
        zeros = np.zeros((len(new), self.days))
        for name in ("plan_balance", "plan_atp", "plan_supply", "on_hand_moves", "committed_moves", "held"):
            setattr(self, name, np.vstack([getattr(self, name), zeros]))
        self.movement_count = np.concatenate([self.movement_count, np.zeros(len(new), dtype=np.int64)])
        self.reservation_count = np.concatenate([self.reservation_count, np.zeros(len(new), dtype=np.int64)])
        for sku, location in new:
            self.index[(sku, location)] = len(self.sku_of)
            self.sku_of.append(sku)
            self.location_of.append(location)
        self._index_skus()

    def day_index(self, day: date) -> int:
        return (day - self.first_day).days

    # -- curves -----------------------------------------------------------------------------------

    def balance(self, rows: np.ndarray) -> np.ndarray:
        """Adjusted projected balances of ``rows`` (pair indices): (len(rows), days)."""
        effect = self.on_hand_moves[rows] - self.committed_moves[rows] - self.held[rows]
        return self.plan_balance[rows] + np.cumsum(effect, axis=-1)

    def supply(self, rows: np.ndarray) -> np.ndarray:
        """Stock and receipts due by each day, before commitments: (len(rows), days)."""
        return self.plan_supply[rows] + np.cumsum(self.on_hand_moves[rows], axis=-1)

    # -- movements --------------------------------------------------------------------------------

    def apply(self, movements: pd.DataFrame) -> int:
        """Apply an ATP movements frame (design "ATP movements"); returns how many were applied.

        Column by column in numpy (a batch of the intake is hundreds of rows, answered while the
        sender waits): pandas' per-operation overhead cost ~40 ms a batch."""
        missing = [column for column in MOVEMENT_COLUMNS if column not in movements.columns]
        if missing:
            raise ValueError(f"movements lack the column(s) {', '.join(missing)} (design 'ATP movements': {', '.join(MOVEMENT_COLUMNS)})")
        if movements.empty:
            return 0
        column = {name: movements[name].to_numpy(dtype=object) for name in ("source", "event_key", "sku_id", "location_id", "business_date")}
        for name, values in column.items():
            empty = pd.isna(values)
            if empty.any():
                first = int(np.argmax(empty))
                raise ValueError(
                    f"movements.{name} must be filled, it is empty at source={column['source'][first]!r}, event_key={column['event_key'][first]!r}"
                )
        deltas = np.column_stack([pd.to_numeric(movements[name], errors="coerce").to_numpy(dtype=float) for name in ("on_hand_delta", "committed_delta")])
        deltas = np.where(np.isnan(deltas), 0.0, deltas)
        bad = ~np.isfinite(deltas).all(axis=1)
        if bad.any():
            first = int(np.argmax(bad))
            raise ValueError(
                f"movements.on_hand_delta/committed_delta must be finite numbers, not at source={column['source'][first]!r}, event_key={column['event_key'][first]!r}"
            )
        keys = [f"{source}{_SEPARATOR}{key}" for source, key in zip(column["source"], column["event_key"])]
        fresh = np.zeros(len(keys), dtype=bool)
        for i, key in enumerate(keys):  # a hash probe each: the set of keys seen grows with every batch
            if key not in self.keys:
                self.keys.add(key)
                fresh[i] = True
        self.duplicates += int((~fresh).sum())
        if not fresh.any():
            return 0
        days = pd.to_datetime(pd.Series(column["business_date"][fresh])).to_numpy(dtype="datetime64[D]")
        offset = (days - np.datetime64(self.first_day, "D")).astype(np.int64)
        # the caller gives only movements the plan does not hold (state.py decides by load time): one
        # of a day before the plan's first changes the stock the plan starts from
        self.before_first_day += int((offset < 0).sum())
        offset = np.maximum(offset, 0)
        pairs = list(zip(map(str, column["sku_id"][fresh]), map(str, column["location_id"][fresh])))
        self.add_pairs(pairs)
        rows = np.fromiter((self.index[pair] for pair in pairs), dtype=np.int64, count=len(pairs))
        inside = offset < self.days
        on_hand, committed = deltas[fresh, 0], deltas[fresh, 1]
        np.add.at(self.on_hand_moves, (rows[inside], offset[inside]), on_hand[inside])
        np.add.at(self.committed_moves, (rows[inside], offset[inside]), committed[inside])
        np.add.at(self.movement_count, rows, 1)
        if "event_time" in movements.columns:
            times = pd.to_datetime(movements["event_time"].to_numpy()[fresh], utc=True, errors="coerce")
            if times.notna().any():
                newest = times.max().to_pydatetime()
                self.as_of = newest if self.as_of is None or newest > self.as_of else self.as_of
        return int(fresh.sum())

    # -- reservations -----------------------------------------------------------------------------

    def hold(self, reservation: Reservation, sign: float) -> None:
        """Add (``sign`` 1) or release (-1) a reservation's quantities: committed rises on its dates."""
        row = self.index[(reservation.sku_id, reservation.location_id)]
        for day, quantity in reservation.lines:
            column = self.day_index(day)
            if 0 <= column < self.days:
                self.held[row, column] += sign * quantity
        self.reservation_count[row] += int(sign)
