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
    applied: list[pd.DataFrame] = field(default_factory=list)
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
        """Apply an ATP movements frame (design "ATP movements"); returns how many were applied."""
        missing = [column for column in MOVEMENT_COLUMNS if column not in movements.columns]
        if missing:
            raise ValueError(f"movements lack the column(s) {', '.join(missing)} (design 'ATP movements': {', '.join(MOVEMENT_COLUMNS)})")
        if movements.empty:
            return 0
        frame = movements.reset_index(drop=True)
        for column in ("source", "event_key", "sku_id", "location_id", "business_date"):
            empty = frame[column].isna()
            if empty.any():
                row = frame.loc[empty].iloc[0]
                raise ValueError(f"movements.{column} must be filled, it is empty at source={row['source']!r}, event_key={row['event_key']!r}")
        deltas = frame[["on_hand_delta", "committed_delta"]].apply(pd.to_numeric, errors="coerce").fillna(0.0)
        bad = ~np.isfinite(deltas.to_numpy()).all(axis=1)
        if bad.any():
            row = frame.loc[bad].iloc[0]
            raise ValueError(f"movements.on_hand_delta/committed_delta must be finite numbers, not at source={row['source']!r}, event_key={row['event_key']!r}")
        keys = (frame["source"].astype(str) + _SEPARATOR + frame["event_key"].astype(str)).to_numpy(dtype=object)
        # one set lookup per movement (a hash probe): isin against the growing set would copy it each batch
        seen = np.fromiter((key in self.keys for key in keys), dtype=bool, count=len(keys))
        repeated = pd.Series(keys).duplicated().to_numpy()
        fresh = ~seen & ~repeated
        self.duplicates += int((~fresh).sum())
        days = pd.to_datetime(frame["business_date"]).dt.date
        offset = (pd.to_datetime(days) - pd.Timestamp(self.first_day)).dt.days.to_numpy()
        # the caller gives only movements the plan does not hold (state.py decides by load time): one
        # of a day before the plan's first changes the stock the plan starts from
        self.before_first_day += int((fresh & (offset < 0)).sum())
        offset = np.maximum(offset, 0)
        self.keys.update(keys[fresh])
        take = fresh
        if not take.any():
            return 0
        taken = frame.loc[take]
        pairs = list(zip(taken["sku_id"].astype(str), taken["location_id"].astype(str)))
        self.add_pairs(pairs)
        rows = np.fromiter((self.index[pair] for pair in pairs), dtype=np.int64, count=len(pairs))
        cols = offset[take]
        inside = cols < self.days
        on_hand, committed = deltas["on_hand_delta"].to_numpy()[take], deltas["committed_delta"].to_numpy()[take]
        np.add.at(self.on_hand_moves, (rows[inside], cols[inside]), on_hand[inside])
        np.add.at(self.committed_moves, (rows[inside], cols[inside]), committed[inside])
        np.add.at(self.movement_count, rows, 1)
        if "event_time" in taken.columns:
            times = pd.to_datetime(taken["event_time"], utc=True, errors="coerce").dropna()
            if len(times):
                newest = times.max().to_pydatetime()
                self.as_of = newest if self.as_of is None or newest > self.as_of else self.as_of
        self.applied.append(taken.assign(business_date=days[take].to_numpy()))
        return int(take.sum())

    def applied_movements(self) -> pd.DataFrame:
        """Every movement applied (to re-apply on a newer plan)."""
        return pd.concat(self.applied, ignore_index=True) if self.applied else pd.DataFrame(columns=list(MOVEMENT_COLUMNS))

    # -- reservations -----------------------------------------------------------------------------

    def hold(self, reservation: Reservation, sign: float) -> None:
        """Add (``sign`` 1) or release (-1) a reservation's quantities: committed rises on its dates."""
        row = self.index[(reservation.sku_id, reservation.location_id)]
        for day, quantity in reservation.lines:
            column = self.day_index(day)
            if 0 <= column < self.days:
                self.held[row, column] += sign * quantity
        self.reservation_count[row] += int(sign)
