"""The reservations kept on disk, so that a restart of the service does not release them.

One JSON file (``<intake folder>/reservations.json``) rewritten whole after each change (a
quote that reserves, a confirmation, a cancellation, expiries): written to a temporary file,
fsynced, renamed over the old one, the folder fsynced. A reservation holds a few lines: the file
stays small whatever the traffic of quotes without reservation.
"""

from __future__ import annotations

import json
import os
import threading
from datetime import date, datetime
from pathlib import Path

from service.availability.ledger import Reservation

FILE = "reservations.json"
_LOCK = threading.Lock()


def _record(reservation: Reservation) -> dict:
    return {
        "id": reservation.id,
        "sku_id": reservation.sku_id,
        "location_id": reservation.location_id,
        "lines": [[day.isoformat(), quantity] for day, quantity in reservation.lines],
        "created_at": reservation.created_at.isoformat(),
        "expires_at": reservation.expires_at.isoformat() if reservation.expires_at else None,
        "confirmed_at": reservation.confirmed_at.isoformat() if reservation.confirmed_at else None,
        "customer": reservation.customer,
        "channel": reservation.channel,
    }


def _reservation(record: dict) -> Reservation:
    moment = lambda text: datetime.fromisoformat(text) if text else None  # noqa: E731
    return Reservation(
        id=record["id"],
        sku_id=record["sku_id"],
        location_id=record["location_id"],
        lines=[(date.fromisoformat(day), float(quantity)) for day, quantity in record["lines"]],
        created_at=moment(record["created_at"]),
        expires_at=moment(record.get("expires_at")),
        confirmed_at=moment(record.get("confirmed_at")),
        customer=record.get("customer"),
        channel=record.get("channel"),
    )


def save(folder: Path, reservations: list[Reservation]) -> None:
    """Replace the kept reservations with ``reservations``, durably."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / FILE
    staging = folder / f".{FILE}.tmp"
    data = json.dumps([_record(r) for r in reservations]).encode()
    with _LOCK:
        with open(staging, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(staging, target)
        descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def load(folder: Path) -> list[Reservation]:
    """The kept reservations ([] without the file). A file that does not parse is an error naming it."""
    path = folder / FILE
    if not path.exists():
        return []
    try:
        return [_reservation(record) for record in json.loads(path.read_text())]
    except (ValueError, KeyError, TypeError) as error:
        raise ValueError(f"{path}: not the service's reservations ({type(error).__name__}: {error}); move it aside to start without them") from None
