"""The in-memory availability book: ATP and ATS to the second, quotes and reservations (issue 18, points 3 and 4).

``AvailabilityBook.from_snapshot(snapshot, business_timezone, reservation_minutes)`` loads the last
published plan from the readers' copy of the warehouse (read-only, never the live file; see
:mod:`service.availability.snapshot`) into numpy arrays by SKU x location x day
(:mod:`service.availability.ledger`), so that an answer is a few array operations on one item's
rows (tens of microseconds), whatever the size of the plan.

- ``apply(movements)``: the ATP movements of events the plan does not hold (the caller decides by
  load time, ``service.state``), each from its day on (from the plan's first day when earlier);
  idempotent by ``(source, event_key)``.
- ``availability(item, location, channel, start, end)``: per location and day, ATP recomputed on
  the adjusted balance, the plan's ATP beside it, ATS for a channel, the movements and
  reservations counted, ``as_of`` (the newest event time applied) and the plan's watermark.
- ``quote(request)``: dates and quantities promised under the allocation and routing rules
  (:mod:`service.availability.promise`), with an optional reservation: ``confirm(id)``,
  ``cancel(id)``, ``expire(now)``.
- ``reload(snapshot, pending)``: a newer plan, with the movements it lacks and the reservations after its watermark.

Quantities are base units of the item; dates are business days; times are UTC. One lock guards
every mutation and read, so that an answer never sees half a batch.
"""

from __future__ import annotations

import heapq
import threading
import uuid
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from service.availability.ledger import Ledger, Reservation, atp_of
from service.availability.promise import (
    AllocationRules,
    PairView,
    Quote,
    Shortfall,
    beyond_horizon,
    pair_view,
    promise_lines,
    route,
    short_on_requested,
)
from service.availability.snapshot import PlanTables, pair_matrix, read_plan
from service.errors import Invalid, NotFound

_TOLERANCE = 1e-9
_ONLINE_ROLES = ("online", "marketplace")


def _now() -> datetime:
    return datetime.now(UTC)


class AvailabilityBook:
    """See the module docstring. Build with :meth:`from_snapshot`."""

    def __init__(self, plan: PlanTables, snapshot: Path, business_timezone: str, reservation_minutes: float) -> None:
        if not reservation_minutes > 0:
            raise ValueError(f"reservation_minutes must be > 0, got {reservation_minutes!r}")
        self._lock = threading.RLock()
        self.snapshot, self.business_timezone, self.reservation_minutes = Path(snapshot), business_timezone, float(reservation_minutes)
        self._build(plan)

    @classmethod
    def from_snapshot(cls, snapshot: Path, business_timezone: str, reservation_minutes: float) -> AvailabilityBook:
        return cls(read_plan(Path(snapshot), business_timezone), snapshot, business_timezone, reservation_minutes)

    def _build(self, plan: PlanTables) -> None:
        atp, tables = plan.atp, plan.tables
        firsts = atp.iloc[:: plan.days]
        supply = atp["on_hand"].to_numpy(dtype=float) + atp.groupby(["sku_id", "location_id"], sort=False)["receipts"].cumsum().to_numpy(dtype=float)
        self.ledger = Ledger(
            first_day=plan.first_day,
            days=plan.days,
            sku_of=firsts["sku_id"].astype(str).tolist(),
            location_of=firsts["location_id"].astype(str).tolist(),
            plan_balance=pair_matrix(atp, "projected_balance", plan.days),
            plan_atp=pair_matrix(atp, "atp", plan.days),
            plan_supply=supply.reshape(-1, plan.days),
        )
        self.watermark, self.published_at, self.run_id = plan.watermark, plan.published_at, plan.run_id
        self.loaded_through = plan.loaded_through
        self.last_day = plan.first_day + timedelta(days=plan.days - 1)
        self._day_names = [(plan.first_day + timedelta(days=d)).isoformat() for d in range(plan.days)]
        ats = plan.ats
        self._buffers = {
            (str(s), str(loc), str(ch)): float(b) for s, loc, ch, b in zip(ats["sku_id"], ats["location_id"], ats["channel_id"], ats["buffer_units"])
        }
        self._sells = set(zip(ats["location_id"].astype(str), ats["channel_id"].astype(str)))
        channels = tables["channels"]
        self.channel_roles = dict(zip(channels["channel_id"].astype(str), channels["channel_role"].astype(str)))
        self.channel_roles.update({ch: self.channel_roles.get(ch, "") for ch in ats["channel_id"].astype(str).unique()})
        self.locations = set(tables["locations"]["location_id"].astype(str)) | set(self.ledger.location_of)
        self._codes(tables["item_codes"], tables["skus"])
        self.rules = AllocationRules(tables["segments"], tables["customers"], tables["orders"], self.ledger)
        self.lanes, self.load = tables["lanes"], tables["load"]
        lanes = self.lanes.astype({"location_id": str, "region": str})
        self._lanes = {region: list(zip(g["location_id"], g["cost_per_unit"].astype(float))) for region, g in lanes.groupby("region")}
        self._load = {str(loc): (float(o), float(c)) for loc, o, c in zip(self.load["location_id"], self.load["open_lines"], self.load["capacity_lines"])}
        self.reservations: dict[str, Reservation] = {}
        self._expiries: list[tuple[datetime, str]] = []  # a heap of (expires_at, id): expiry looks at the due ones only

    def _codes(self, item_codes: pd.DataFrame, skus: pd.DataFrame) -> None:
        """Any system's code -> sku_id: a code naming one SKU always, else by its validity dates."""
        own = pd.DataFrame({"external_code": pd.concat([skus["sku_id"], pd.Series(self.ledger.sku_of)]).astype(str), "valid_from": None, "valid_to": None})
        codes = pd.concat([item_codes.astype({"external_code": str, "sku_id": str}), own.assign(sku_id=own["external_code"])], ignore_index=True)
        distinct = codes.drop_duplicates(["external_code", "sku_id"])
        single = distinct.groupby("external_code")["sku_id"].transform("size").eq(1)
        self._code_sku = dict(zip(distinct.loc[single, "external_code"], distinct.loc[single, "sku_id"]))
        self._dated_codes = {code: rows for code, rows in codes[codes["external_code"].isin(distinct.loc[~single, "external_code"])].groupby("external_code")}

    # -- lookups --------------------------------------------------------------------------------

    def _sku(self, item: str, on: date) -> str:
        sku = self._code_sku.get(item)
        if sku is not None:
            return sku
        rows = self._dated_codes.get(item)
        if rows is None:
            raise NotFound(f"item {item!r} is no item code of any system (ERP, barcode, WMS, marketplace) the company maps")
        day = pd.Timestamp(on)
        valid = rows[(pd.to_datetime(rows["valid_from"]).fillna(pd.Timestamp.min) <= day) & (pd.to_datetime(rows["valid_to"]).fillna(pd.Timestamp.max) >= day)]
        if valid["sku_id"].nunique() != 1:
            raise Invalid(f"item {item!r} names the SKUs {', '.join(sorted(rows['sku_id'].unique()))} over time, and {valid['sku_id'].nunique()} on {on}")
        return str(valid["sku_id"].iloc[0])

    def _check_codes(self, location: str | None, channel: str | None, customer: str | None = None) -> None:
        if location is not None and location not in self.locations:
            raise NotFound(f"location {location!r} is not a location of the plan")
        if channel is not None and channel not in self.channel_roles:
            raise NotFound(f"channel {channel!r} is not a channel of the company ({', '.join(sorted(self.channel_roles))})")
        if customer is not None and customer not in self.rules.customers:
            raise NotFound(f"customer {customer!r} is not a customer of the company")

    def _channel_buffer(self, row: int, channel: str | None) -> float:
        """The channel's buffer at a pair; inf when the location does not sell through it."""
        if channel is None:
            return 0.0
        sku, location = self.ledger.sku_of[row], self.ledger.location_of[row]
        buffer = self._buffers.get((sku, location, channel))
        if buffer is not None:
            return buffer
        return 0.0 if (location, channel) in self._sells else np.inf

    # -- movements ------------------------------------------------------------------------------

    def apply(self, movements: pd.DataFrame) -> int:
        """Apply ATP movements (design "ATP movements"); returns how many changed the book."""
        with self._lock:
            return self.ledger.apply(movements)

    # -- availability ---------------------------------------------------------------------------

    def availability(self, item: str, location: str | None, channel: str | None, start: date | None, end: date | None, now: datetime | None = None) -> dict:
        """ATP (and ATS for ``channel``) per location holding ``item`` (or at ``location``) and day."""
        start = start or self.ledger.first_day
        end = end or self.last_day
        if start > end:
            raise Invalid(f"from ({start}) is after to ({end})")
        if start < self.ledger.first_day or end > self.last_day:
            raise Invalid(f"the plan covers {self.ledger.first_day} to {self.last_day}; from={start} to={end} is outside it")
        with self._lock:
            self._expire(now or _now())
            sku = self._sku(item, start)
            self._check_codes(location, channel)
            ledger = self.ledger
            rows = ledger.by_sku.get(sku, np.zeros(0, dtype=np.int64))
            if location is not None:
                rows = rows[[ledger.location_of[r] == location for r in rows]]
            first, last = ledger.day_index(start), ledger.day_index(end) + 1
            atp = atp_of(ledger.balance(rows))[:, first:last]
            plan_atp = ledger.plan_atp[rows, first:last]
            dates = self._day_names[first:last]
            answer = []
            for i, row in enumerate(rows):
                days = {"date": dates, "atp": atp[i].tolist(), "plan_atp": plan_atp[i].tolist()}
                if channel is not None:
                    buffer = self._channel_buffer(int(row), channel)
                    days["ats"] = np.maximum(atp[i] - buffer, 0.0).tolist() if np.isfinite(buffer) else [0.0] * len(dates)
                    days["channel_buffer"] = buffer if np.isfinite(buffer) else None
                answer.append(
                    {
                        "location_id": ledger.location_of[row],
                        "movements": int(ledger.movement_count[row]),
                        "reservations": int(ledger.reservation_count[row]),
                        **days,
                    }
                )
            if location is not None and not answer:  # the item is not planned there: nothing to promise
                zero = [0.0] * len(dates)
                answer.append({"location_id": location, "movements": 0, "reservations": 0, "date": dates, "atp": zero, "plan_atp": zero})
            return {
                "item": item,
                "sku_id": sku,
                "channel": channel,
                "unit": "base units of the item",
                "from": start.isoformat(),
                "to": end.isoformat(),
                # every event received is in the answer: it is as of now; the newest event time it holds beside
                "answered_at": (now or _now()).isoformat(),
                "last_event_time": ledger.as_of.isoformat() if ledger.as_of else None,
                "watermark": self.watermark.isoformat(),
                "loaded_through": self.loaded_through.isoformat() if self.loaded_through else None,
                "plan": {
                    "published_at": self.published_at,
                    "run_id": self.run_id,
                    "first_day": ledger.first_day.isoformat(),
                    "last_day": self.last_day.isoformat(),
                },
                "locations": answer,
            }

    # -- quotes ---------------------------------------------------------------------------------

    def quote(self, request, now: datetime | None = None) -> Quote:
        """Promise ``request`` (attributes ``item, quantity`` (base units), ``requested_date``,
        ``customer`` or ``channel``, optional ``location``, ``region`` and ``reserve``); see
        :mod:`service.availability.promise` for the rules."""
        now = now or _now()
        item, quantity, requested = request.item, float(request.quantity), request.requested_date
        customer, channel = getattr(request, "customer", None), getattr(request, "channel", None)
        location, reserve = getattr(request, "location", None), bool(getattr(request, "reserve", False))
        if not quantity > 0 or not np.isfinite(quantity):
            raise Invalid(f"quantity must be a number > 0 (base units of the item), got {request.quantity!r}")
        if customer is None and channel is None:
            raise Invalid("a quote needs a customer or a channel")
        if requested < self.ledger.first_day:
            raise Invalid(f"requested_date {requested} is before the plan's first day {self.ledger.first_day}")
        with self._lock:
            self._expire(now)
            sku = self._sku(item, requested)
            self._check_codes(location, channel, customer)
            answer = Quote(item, sku, quantity, requested, customer, channel, location, 0.0)
            if requested > self.last_day:
                answer.shortfalls.append(beyond_horizon(location, quantity, quantity, self.last_day))
                return answer
            view, why = self._choose(sku, quantity, requested, customer, channel, location, getattr(request, "region", None))
            answer.routing_reason = why
            if view is None:
                code = "NO_LOCATION_IN_REACH" if why and why.startswith("no location") else "NO_STOCK"
                answer.shortfalls.append(Shortfall(quantity, code, why or f"no location holds SKU {sku}"))
                return answer
            self._promise(answer, view, reserve, now)
            return answer

    def _choose(self, sku, quantity, requested, customer, channel, location, region) -> tuple[PairView | None, str | None]:
        ledger, rules = self.ledger, self.rules
        priority = rules.priority_of(customer)
        buffer_channel = channel
        if buffer_channel is None:
            wholesale = [ch for ch, role in self.channel_roles.items() if role == "wholesale"]
            buffer_channel = wholesale[0] if len(wholesale) == 1 else None
        if location is None and customer is not None:
            record = rules.customers[customer]
            location = None if pd.isna(record["ship_from_location_id"]) else str(record["ship_from_location_id"])
            region = region or (None if pd.isna(record["region"]) else str(record["region"]))
        if location is None and channel is not None and self.channel_roles.get(channel) not in _ONLINE_ROLES and customer is None:
            raise Invalid(
                f"a quote for channel {channel!r} (role {self.channel_roles.get(channel) or 'none'}) needs its location: only online and marketplace orders are routed"
            )
        rows = ledger.by_sku.get(sku, np.zeros(0, dtype=np.int64))
        column = ledger.day_index(requested)

        def view(row: int) -> PairView:
            return pair_view(ledger, rules, int(row), priority, customer, self._channel_buffer(int(row), buffer_channel))

        if location is not None:
            row = ledger.index.get((sku, location))
            if row is None:
                return None, f"SKU {sku} is not planned at {location}: nothing to promise there"
            return view(row), None
        views = [view(row) for row in rows if np.isfinite(self._channel_buffer(int(row), buffer_channel))]
        if not views:
            return None, f"no location holding SKU {sku} sells through channel {buffer_channel}"
        return route(views, column, quantity, sku, region, self._lanes, self._load)

    def _promise(self, answer: Quote, view: PairView, reserve: bool, now: datetime) -> None:
        ledger = self.ledger
        column = ledger.day_index(answer.requested_date)
        if float(answer.quantity).is_integer():  # a request of whole units is promised in whole units (the buffers are fractional shares)
            view = replace(view, available=np.floor(view.available + _TOLERANCE))
        answer.location_id = view.location_id
        answer.lines = promise_lines(view, answer.quantity, column, ledger.first_day)
        answer.promised_quantity = float(round(sum(line.quantity for line in answer.lines), 9))
        short = short_on_requested(view, answer.quantity, column, answer.requested_date, self.rules.priority_of(answer.customer), self.rules)
        if short is not None:
            answer.shortfalls.append(short)
        left = answer.quantity - answer.promised_quantity
        if left > _TOLERANCE:
            answer.shortfalls.append(beyond_horizon(view.location_id, answer.quantity, left, self.last_day))
        if reserve and answer.lines:
            reservation = Reservation(
                id=uuid.uuid4().hex,
                sku_id=answer.sku_id,
                location_id=view.location_id,
                lines=[(line.date, line.quantity) for line in answer.lines],
                created_at=now,
                expires_at=now + timedelta(minutes=self.reservation_minutes),
                customer=answer.customer,
                channel=answer.channel,
            )
            ledger.hold(reservation, 1.0)
            self._keep(reservation)
            answer.reservation = reservation.as_dict()

    # -- reservations ---------------------------------------------------------------------------

    def _reservation(self, reservation_id: str) -> Reservation:
        found = self.reservations.get(reservation_id)
        if found is None:
            raise NotFound(f"reservation {reservation_id!r} does not exist (never made, cancelled or expired)")
        return found

    def confirm(self, reservation_id: str, now: datetime | None = None) -> dict:
        """Keep a reservation until a plan whose watermark is after now is loaded."""
        now = now or _now()
        with self._lock:
            self._expire(now)
            reservation = self._reservation(reservation_id)
            reservation.confirmed_at = reservation.confirmed_at or now
            reservation.expires_at = None
            return reservation.as_dict()

    def cancel(self, reservation_id: str) -> dict:
        """Release a reservation's quantities."""
        with self._lock:
            reservation = self._reservation(reservation_id)
            self.ledger.hold(reservation, -1.0)
            del self.reservations[reservation_id]
            return reservation.as_dict() | {"status": "cancelled"}

    def expire(self, now: datetime) -> int:
        """Release the unconfirmed reservations whose time is up; returns how many."""
        with self._lock:
            return self._expire(now)

    def _keep(self, reservation: Reservation) -> None:
        self.reservations[reservation.id] = reservation
        if reservation.expires_at is not None:
            heapq.heappush(self._expiries, (reservation.expires_at, reservation.id))

    def _expire(self, now: datetime) -> int:
        released = 0
        while self._expiries and self._expiries[0][0] <= now:
            expires_at, reservation_id = heapq.heappop(self._expiries)
            reservation = self.reservations.get(reservation_id)
            if reservation is None or reservation.expires_at != expires_at:  # cancelled or confirmed since
                continue
            self.ledger.hold(reservation, -1.0)
            del self.reservations[reservation_id]
            released += 1
        return released

    # -- a newer plan -----------------------------------------------------------------------------

    def adopt_reservations(self, other: AvailabilityBook, now: datetime | None = None) -> int:
        """Hold ``other``'s reservations in this (newer) book, but those confirmed before this
        plan's watermark (the plan has their order) and those expired; returns how many."""
        with other._lock:
            held = list(other.reservations.values())
        return self.hold_reservations(held, now)

    def hold_reservations(self, reservations: list[Reservation], now: datetime | None = None) -> int:
        """Hold ``reservations`` (another book's, or those kept on disk across a restart), but those
        confirmed before this plan's watermark (the plan has their order) and those expired; their
        days outside the plan are dropped. Returns how many the book holds."""
        now = now or _now()
        kept = [r for r in reservations if (r.confirmed_at is None and r.expires_at > now) or (r.confirmed_at and r.confirmed_at > self.watermark)]
        with self._lock:
            for reservation in kept:
                lines = [(day, quantity) for day, quantity in reservation.lines if self.ledger.first_day <= day <= self.last_day]
                if not lines:
                    continue
                reservation = Reservation(**{**reservation.__dict__, "lines": lines})
                self.ledger.add_pairs([(reservation.sku_id, reservation.location_id)])
                self.ledger.hold(reservation, 1.0)
                self._keep(reservation)
            return len(self.reservations)

    def reload(self, snapshot: Path | None = None, pending: pd.DataFrame | None = None, now: datetime | None = None) -> None:
        """Load a newly published plan, apply ``pending`` (the movements it does not hold: the
        caller knows which events its loads had, ``service.state``) and keep the reservations
        after its watermark."""
        newer = AvailabilityBook.from_snapshot(Path(snapshot or self.snapshot), self.business_timezone, self.reservation_minutes)
        with self._lock:
            if pending is not None and len(pending):
                newer.apply(pending)
            newer.adopt_reservations(self, now)
            for name in (
                "snapshot",
                "ledger",
                "watermark",
                "loaded_through",
                "published_at",
                "run_id",
                "last_day",
                "_day_names",
                "_buffers",
                "_sells",
                "channel_roles",
                "locations",
            ):
                setattr(self, name, getattr(newer, name))
            for name in ("_code_sku", "_dated_codes", "rules", "lanes", "load", "_lanes", "_load", "reservations", "_expiries"):
                setattr(self, name, getattr(newer, name))
