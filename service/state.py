"""The service's live state: the intake log, the door and the availability book, kept current.

- At start: the intake log is opened (its writer lock taken, a segment a killed service left is
  recovered) and, once a run has published the readers' copy of the warehouse, the door (the
  contracts' master data, the keys already received) and the book (the last plan's ATP) are
  loaded from that copy and the log is replayed into both.
- Every second (a background thread, ``tick``): segments due are sealed and folded into the
  landing folder, expired reservations released, and a newly published copy loaded: the door and
  book are rebuilt beside the ones answering and swapped in when ready.
- Each intake request runs check -> log (fsynced) -> remember -> apply, under the source's lock, so
  that two requests with the same new key cannot both be accepted.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from datetime import UTC, date, datetime
from pathlib import Path

from data_contracts.company import load_company
from orchestration.warehouse_snapshot import published_path
from service.config import ServiceSettings
from service.errors import NotFound, NotReady

LOGGER = logging.getLogger("planline.service")
TICK_SECONDS = 1.0


def _manifest(snapshot: Path) -> dict | None:
    path = snapshot.with_name(f"{snapshot.name}.json")
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


class LiveState:
    def __init__(self, settings: ServiceSettings):
        self.settings = settings
        self.company = load_company(settings.planline.company_dir)
        self.snapshot = published_path(settings.planline.warehouse)
        self.log = None
        self.door = None
        self.book = None
        self.loaded_manifest: dict | None = None
        self.problem = "starting"
        self.started_at = datetime.now(UTC)
        self._locks: dict[str, threading.Lock] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- life cycle -------------------------------------------------------------------------

    def start(self, background: bool = True) -> None:
        from service.intake.log import IntakeLog

        self.log = IntakeLog(self.settings.intake_dir, self.settings.segment_seconds, self.settings.segment_events)
        self.log.open()
        self._load()
        if background:
            self._thread = threading.Thread(target=self._run, name="planline-service-tick", daemon=True)
            self._thread.start()

    def close(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=10)
        if self.log is not None:
            self.log.close()

    def _run(self) -> None:
        while not self._stop.wait(TICK_SECONDS):
            try:
                self.tick()
            except Exception:  # a failing tick is logged; the next one tries again
                LOGGER.exception("the service's periodic work failed")

    def tick(self, now: datetime | None = None) -> None:
        """Seal and fold the segments due, release expired reservations, load a newly published plan."""
        from service.intake.fold import fold_pending

        now = now or datetime.now(UTC)
        self.log.seal_due(now)
        fold_pending(self.settings.intake_dir, self.company.mappings, self.settings.planline.landing, now)
        if self.book is not None:
            self.book.expire(now)
        manifest = _manifest(self.snapshot)
        if manifest is not None and manifest != self.loaded_manifest:
            self._load()

    def _load(self) -> None:
        """(Re)build the door and the book from the published copy, then swap them in."""
        from service.availability.book import AvailabilityBook
        from service.intake.door import Door

        manifest = _manifest(self.snapshot)
        if not self.snapshot.exists() or manifest is None:
            self.problem = f"no published copy of the warehouse at {self.snapshot} yet: run make demo, or a run in the Dagster UI"
            return
        started = time.perf_counter()
        planline = self.settings.planline
        door = Door(self.snapshot, self.company.mappings, self.company.company.business_timezone, planline.as_of)
        book = AvailabilityBook.from_snapshot(self.snapshot, self.company.company.business_timezone, self.settings.reservation_minutes)
        for source in door.sources:
            records = list(self.log.records(source))
            movements = door.replay(source, records)
            if movements is not None and len(movements):
                book.apply(movements)
        if self.book is not None:
            book.adopt_reservations(self.book)
        self.door, self.book, self.loaded_manifest, self.problem = door, book, manifest, None
        LOGGER.info("loaded the plan published at %s (run %s) in %.1f s", manifest.get("published_at"), manifest.get("run_id"), time.perf_counter() - started)

    # -- requests ---------------------------------------------------------------------------

    def readiness(self) -> dict:
        ready = self.problem is None
        report = {"ready": ready, "reason": self.problem}
        if ready:
            report |= {"plan_published_at": self.loaded_manifest.get("published_at"), "plan_run_id": self.loaded_manifest.get("run_id")}
            report |= {"watermark": self.book.watermark.isoformat(), "sources": list(self.door.sources)}
        return report

    def _ready(self):
        if self.problem is not None:
            raise NotReady(self.problem)
        return self.door, self.book

    def intake(self, source: str, events: list[dict]) -> dict:
        door, book = self._ready()
        if source not in door.sources:
            raise NotFound(f"'{source}' is not a source of events of this company: one of {', '.join(door.sources)}")
        lock = self._locks.setdefault(source, threading.Lock())
        with lock:
            result = door.check(source, events)
            received_at = datetime.now(UTC).isoformat(timespec="microseconds")
            records = [
                {"key": list(result.verdicts[i].key.values()), "received_at": received_at, "status": result.verdicts[i].status, "event": events[i]}
                for i in result.to_log
            ]
            if records:
                self.log.append(source, records)  # fsynced: durable before the answer
            door.remember(source, result)
        if len(result.movements):
            book.apply(result.movements)
        counts = {status: 0 for status in ("accepted", "duplicate", "rejected")}
        for verdict in result.verdicts:
            counts[verdict.status] += 1
        return {
            "accepted": counts["accepted"],
            "duplicates": counts["duplicate"],
            "rejected": counts["rejected"],
            "results": [verdict.as_dict() for verdict in result.verdicts],
        }

    def availability(self, item: str, location: str | None, channel: str | None, start: date | None, end: date | None) -> dict:
        _, book = self._ready()
        return book.availability(item, location, channel, start, end)

    def quote(self, request) -> dict:
        _, book = self._ready()
        return book.quote(request)

    def confirm(self, reservation_id: str) -> dict:
        _, book = self._ready()
        return book.confirm(reservation_id)

    def cancel(self, reservation_id: str) -> dict:
        _, book = self._ready()
        return book.cancel(reservation_id)
