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
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pandas as pd

from data_contracts.company import load_company
from orchestration.warehouse_snapshot import published_path
from service.availability import reservations
from service.config import ServiceSettings
from service.errors import NotFound, NotReady
from service.intake import effects
from service.intake.plan_events import keys_loaded_through, movements_loaded_after

LOGGER = logging.getLogger("planline.service")
TICK_SECONDS = 1.0
PRUNE_EVERY = timedelta(hours=1)


@dataclass
class _Request:
    """One intake request waiting for its group's check."""

    events: list[dict]
    done: bool = False
    answer: dict | None = None
    error: Exception | None = None


def _answer(verdicts: list, offset: int) -> dict:
    """One request's answer from its slice of a group's verdicts (indexes back to its own)."""
    results = []
    counts = {"accepted": 0, "duplicate": 0, "rejected": 0}
    for verdict in verdicts:
        counts[verdict.status] += 1
        answer = verdict.as_dict()
        answer["index"] -= offset
        results.append(answer)
    return {"accepted": counts["accepted"], "duplicates": counts["duplicate"], "rejected": counts["rejected"], "results": results}


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
        self.book_problem: str | None = "not loaded yet"
        self._logged: list[pd.DataFrame] = []  # the movements of every event accepted (log replayed, then live)
        self.loaded_manifest: dict | None = None
        self.problem = "starting"
        self.started_at = datetime.now(UTC)
        self._locks: dict[str, threading.Lock] = {}
        self._queues: dict[str, list[_Request]] = {}
        self._queue_lock = threading.Lock()
        self._apply_lock = threading.RLock()
        self._stop = threading.Event()
        self._fold_problem: str | None = None
        self._failed_manifest: dict | None = None
        self._pruned_at = datetime.min.replace(tzinfo=UTC)
        self._thread: threading.Thread | None = None

    # -- life cycle -------------------------------------------------------------------------

    def start(self, background: bool = True) -> None:
        from service.intake.log import IntakeLog

        self._check_fold_names()
        self.log = IntakeLog(self.settings.intake_dir, self.settings.segment_seconds, self.settings.segment_events)
        self.log.open(wait_seconds=10)  # the fold sensor takes the lock for a moment when no service runs
        self._try_load()
        if background:
            self._thread = threading.Thread(target=self._run, name="planline-service-tick", daemon=True)
            self._thread.start()

    def _check_fold_names(self) -> None:
        """Every event source the company maps has a landing name its segments can be folded under:
        a mapping whose glob no name fits stops the service at start, naming the glob."""
        from data_contracts.registry import EVENT_SOURCES
        from service.intake.fold import landing_name

        mappings = self.company.mappings
        for source in [s for s in EVENT_SOURCES if s in mappings]:
            sample = {name: "X" for name in mappings[source].path_values}
            landing_name(mappings[source], "00000000T000000000000Z-000000", sample, list(mappings.values()))

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
        from service.intake.fold import FoldError, fold_pending

        now = now or datetime.now(UTC)
        self.log.seal_due(now)
        try:
            fold_pending(self.settings.intake_dir, self.company.mappings, self.settings.planline.landing, now)
        except FoldError as error:  # the others were folded; said once per distinct problem, not every second
            if str(error) != self._fold_problem:
                LOGGER.error("%s", error)
            self._fold_problem = str(error)
        else:
            self._fold_problem = None
        if now - self._pruned_at >= PRUNE_EVERY:
            self.log.prune(now, self.settings.retention_days)
            self._pruned_at = now
        if self.book is not None and self.book.expire(now):
            self._save_reservations()
        manifest = _manifest(self.snapshot)
        if manifest is not None and manifest != self.loaded_manifest and manifest != self._failed_manifest:
            self._try_load()

    def _try_load(self) -> None:
        """Load the published copy; a failure leaves the service up, answering with what it had (or
        /ready 503 with the reason), and is tried again when a run publishes another copy."""
        try:
            self._load()
            self._failed_manifest = None
        except Exception as error:  # a copy the service cannot read must not stop it: it says why
            LOGGER.exception("loading the published copy %s failed", self.snapshot)
            self._failed_manifest = _manifest(self.snapshot)
            if self.door is None:
                self.problem = f"loading the published copy of the warehouse failed ({type(error).__name__}: {error}); the next published copy is tried"

    def _load(self) -> None:
        """(Re)build the door and the book from the published copy, then swap them in."""
        from service.intake.door import Door

        manifest = _manifest(self.snapshot)
        if not self.snapshot.exists() or manifest is None:
            self.problem = f"no published copy of the warehouse at {self.snapshot} yet: run make demo, or a run in the Dagster UI"
            return
        started = time.perf_counter()
        zone = self.company.company.business_timezone
        if self.door is None:
            door = Door(self.snapshot, self.company.mappings, zone, self.settings.planline.as_of, self._mapping_files())
            replayed = [door.replay(source, list(self.log.records(source))) for source in door.sources]
            self._logged = [frame for frame in replayed if len(frame)]
        else:
            door = self.door
            door.refresh(self.snapshot)
        self._swap_book(door)
        self.door, self.loaded_manifest, self.problem = door, manifest, None
        LOGGER.info("loaded the copy published at %s (run %s) in %.1f s", manifest.get("published_at"), manifest.get("run_id"), time.perf_counter() - started)

    def _swap_book(self, door) -> None:
        """Load the plan's availability book beside the one answering, with every movement the
        plan does not hold, and swap it in; without a plan in the copy, none (the reason in
        ``book_problem``): intake works, availability says why not."""
        from service.availability.book import AvailabilityBook

        try:
            book = AvailabilityBook.from_snapshot(self.snapshot, self.company.company.business_timezone, self.settings.reservation_minutes)
        except ValueError as error:
            self.book, self.book_problem = None, str(error)
            return
        known = len(self._logged)  # the movements after these were received after the copy: no plan of it holds them
        book.apply(self._pending(door, book.loaded_through, self._logged[:known]))
        with self._apply_lock:  # no movement is applied to the old book alone between here and the swap
            for frame in self._logged[known:]:
                book.apply(frame)
            if self.book is not None:
                book.adopt_reservations(self.book)
            else:  # the service's start: the reservations a previous run kept
                book.hold_reservations(reservations.load(self.settings.intake_dir))
            self.book, self.book_problem = book, None

    def _pending(self, door, loaded_through: datetime | None, logged: list[pd.DataFrame]) -> pd.DataFrame:
        """The movements a plan computed from the loads up to ``loaded_through`` does not hold:
        those of ``logged`` (the events the service accepted) that no such load brought, and those
        of the rows of files loaded after it (the book counts an event once, whichever way it came)."""
        frames = []
        logged = pd.concat(logged, ignore_index=True) if logged else None
        for source in door.sources:
            if logged is not None:
                mine = logged[logged.source == source]
                held = keys_loaded_through(door.snapshot, source, mine.event_key.tolist(), loaded_through)
                frames.append(mine[~mine.event_key.isin(held)])
            frames.append(movements_loaded_after(door, source, loaded_through))
        frames = [frame for frame in frames if len(frame)]
        return pd.concat(frames, ignore_index=True) if frames else effects.empty_movements()

    def _mapping_files(self) -> dict[str, Path]:
        return {source: self.settings.planline.company_dir / "sources" / f"{source}.yaml" for source in self.company.mappings}

    # -- requests ---------------------------------------------------------------------------

    def readiness(self) -> dict:
        ready = self.problem is None
        report = {"ready": ready, "reason": self.problem}
        if ready:
            report |= {
                "published_at": self.loaded_manifest.get("published_at"),
                "run_id": self.loaded_manifest.get("run_id"),
                "sources": list(self.door.sources),
            }
            book = self.book
            report["availability"] = (
                {
                    "ready": True,
                    "plan_watermark": book.watermark.isoformat(),
                    "loaded_through": book.loaded_through.isoformat() if book.loaded_through else None,
                }
                if book is not None
                else {"ready": False, "reason": self.book_problem}
            )
        return report

    def _ready(self):
        if self.problem is not None:
            raise NotReady(self.problem)
        return self.door, self.book

    def _book_ready(self):
        _, book = self._ready()
        if book is None:
            raise NotReady(f"no plan to answer availability from: {self.book_problem}")
        return book

    def intake(self, source: str, events: list[dict]) -> dict:
        """Check, log (fsynced) and apply one request's events; answer event by event.

        Requests to one source are checked one group at a time (group commit): a request arriving
        while a group is being checked waits, then the first waiting request's thread checks every
        request queued meanwhile as one batch (one contract evaluation, one fsync) and answers each
        with its own events' verdicts. The door's cost is mostly fixed per batch, so under load the
        groups grow and the throughput with them."""
        door, _ = self._ready()
        if source not in door.sources:
            raise NotFound(f"'{source}' is not a source of events of this company: one of {', '.join(door.sources)}")
        request = _Request(events)
        with self._queue_lock:
            self._queues.setdefault(source, []).append(request)
            lock = self._locks.setdefault(source, threading.Lock())
        with lock:
            if not request.done:
                with self._queue_lock:
                    group, self._queues[source] = self._queues[source], []
                self._check_group(door, source, group)
        if request.error is not None:
            raise request.error
        return request.answer

    def _check_group(self, door, source: str, group: list[_Request]) -> None:
        events = [event for request in group for event in request.events]
        try:
            result = door.check(source, events)
            received_at = datetime.now(UTC).isoformat(timespec="microseconds")
            records = [
                {"key": list(result.verdicts[i].key.values()), "received_at": received_at, "status": result.verdicts[i].status, "event": events[i]}
                for i in result.to_log
            ]
            if records:
                self.log.append(source, records)  # fsynced: durable before any answer
            door.remember(source, result)
            if len(result.movements):
                with self._apply_lock:  # a plan being swapped in gets these movements, or they reach it after
                    self._logged.append(result.movements)
                    if self.book is not None:
                        self.book.apply(result.movements)
        except Exception as error:  # every request of the group gets the error (a 500, logged by the server)
            for request in group:
                request.error, request.done = error, True
            return
        offset = 0
        for request in group:
            verdicts = result.verdicts[offset : offset + len(request.events)]
            request.answer = _answer(verdicts, offset)
            request.done = True
            offset += len(request.events)

    def availability(self, item: str, location: str | None, channel: str | None, start: date | None, end: date | None) -> dict:
        return self._book_ready().availability(item, location, channel, start, end)

    def quote(self, request) -> dict:
        answer = self._book_ready().quote(request)
        if answer.reservation is not None:
            self._save_reservations()  # durable before the answer, as an event is
        return answer.as_dict()

    def confirm(self, reservation_id: str) -> dict:
        answer = self._book_ready().confirm(reservation_id)
        self._save_reservations()
        return answer

    def cancel(self, reservation_id: str) -> dict:
        answer = self._book_ready().cancel(reservation_id)
        self._save_reservations()
        return answer

    def _save_reservations(self) -> None:
        book = self.book
        if book is not None:
            with book._lock:
                held = list(book.reservations.values())
            reservations.save(self.settings.intake_dir, held)
