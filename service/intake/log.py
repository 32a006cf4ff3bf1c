"""The intake's append-only log: every acknowledged event on disk (fsynced) before its 2xx.

Layout of the intake folder::

    <folder>/log/.writer.lock                    held (flock) by the one process appending
    <folder>/log/<source>/<segment_id>.open.jsonl the segment being written
    <folder>/log/<source>/<segment_id>.jsonl      a sealed segment: never written again
    <folder>/segments.jsonl                      the index: segments sealed, folded, pruned

A segment holds one JSON record per line: ``{"key": [...], "received_at": "<UTC ISO, µs>",
"status": "accepted" | "rejected", "event": {...as posted...}}`` (a rejected event may carry its
``problems``). Segment ids sort by time (``20261207T221501123456Z-a1b2c3``). A request's records
are written with one ``os.write`` and one ``os.fsync`` (group commit); a failed write is cut back,
so that a segment only ever ends with a torn line when the process died mid-write: that line was
never acknowledged, and ``open`` cuts it off before sealing every segment a killed process left open.

A segment is sealed (renamed, the folder fsynced) once it is ``segment_seconds`` old or holds
``segment_events`` records; ``seal_due`` does it for the service's clock task. The index is a
small JSON-lines file other processes append to (the fold records what it wrote), under its own
lock; ``status`` reads it, ``prune`` deletes segments sealed and folded more than N days ago.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import re
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

LOG_FOLDER = "log"
INDEX_FILE = "segments.jsonl"
WRITER_LOCK = ".writer.lock"
INDEX_LOCK = ".segments.lock"
OPEN_SUFFIX = ".open.jsonl"
SEALED_SUFFIX = ".jsonl"
STATUSES = ("accepted", "rejected")
_SOURCE = re.compile(r"^[A-Za-z0-9_]+$")


class IntakeLogError(Exception):
    """The intake log cannot be used as asked; the message names the folder, file or line."""


class IntakeLogLocked(IntakeLogError):
    """Another process holds the log's writer lock (a service already running on the folder)."""


@dataclass(frozen=True)
class SegmentStatus:
    """One segment of the log.

    Attributes:
        path: the segment's file (``.open.jsonl`` while written).
        events: records it holds (accepted and rejected events).
        oldest_received_at: when its first record was received (UTC; None: no record).
        landing_files: paths relative to the landing folder the fold wrote it to (empty: not folded).
    """

    source: str
    segment_id: str
    path: Path
    sealed: bool
    events: int
    oldest_received_at: datetime | None
    landing_files: tuple[str, ...] = ()
    sealed_at: datetime | None = None
    folded_at: datetime | None = None

    @property
    def landing_file(self) -> str | None:
        """The first landing file written from the segment (None: not folded yet)."""
        return self.landing_files[0] if self.landing_files else None


@dataclass(frozen=True)
class Recovery:
    """What ``open`` found of a killed process: segments sealed, torn lines cut (bytes)."""

    sealed: tuple[Path, ...]
    cut_bytes: int


@dataclass
class _OpenSegment:
    segment_id: str
    path: Path
    fd: int
    opened_at: datetime
    events: int = 0
    size: int = 0
    oldest_received_at: str | None = None


def utc_text(moment: datetime) -> str:
    """A moment as UTC ISO text with microseconds (``2026-12-07T22:15:01.123456Z``)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_utc(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None


def _now(now: datetime | None) -> datetime:
    return now if now is not None else datetime.now(UTC)


def fsync_folder(folder: Path) -> None:
    """Make a file's creation, rename or removal in ``folder`` durable."""
    descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _write_all(descriptor: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(descriptor, view)
        view = view[written:]


def segment_id_of(path: Path) -> str:
    return path.name.removesuffix(OPEN_SUFFIX).removesuffix(SEALED_SUFFIX)


# ---- the index: segments sealed, folded, pruned (several processes append to it) ---------------


@contextmanager
def _index_locked(folder: Path) -> Iterator[None]:
    folder.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(folder / INDEX_LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)  # releases the lock


def append_index(folder: Path, entries: list[dict]) -> None:
    """Append entries to the segment index, durably (a torn last line of a killed writer is ended first)."""
    if not entries:
        return
    path = Path(folder) / INDEX_FILE
    with _index_locked(Path(folder)):
        created = not path.exists()
        descriptor = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            size = os.fstat(descriptor).st_size
            torn = size > 0 and os.pread(descriptor, 1, size - 1) != b"\n"
            data = ("\n" if torn else "") + "".join(json.dumps(e, ensure_ascii=False, separators=(",", ":")) + "\n" for e in entries)
            _write_all(descriptor, data.encode())
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        if created:
            fsync_folder(Path(folder))


@dataclass
class _IndexState:
    """The index as last read: the file's (device, inode, first bytes), the bytes read, what it
    says per segment, and the sealed segments not folded nor pruned (kept as lines come in)."""

    identity: tuple | None = None
    offset: int = 0
    segments: dict[tuple[str, str], dict] = field(default_factory=dict)
    pending: set[tuple[str, str]] = field(default_factory=set)


_INDEX_CACHE: dict[Path, _IndexState] = {}
_INDEX_CACHE_LOCK = threading.Lock()


def _index_state(folder: Path) -> _IndexState:
    """The index read on from where the last call stopped (from the start when ``prune`` rewrote
    it: another inode or other first bytes). Call with _INDEX_CACHE_LOCK held."""
    path = Path(folder).resolve() / INDEX_FILE
    try:
        info = path.stat()
    except FileNotFoundError:
        return _IndexState()
    state = _INDEX_CACHE.get(path) or _IndexState()
    with open(path, "rb") as file:
        identity = (info.st_dev, info.st_ino, file.read(256))
        known = state.identity
        if known is None or known[:2] != identity[:2] or not identity[2].startswith(known[2]) or info.st_size < state.offset:
            state = _IndexState()
        file.seek(state.offset)
        data = file.read()
    complete = data[: data.rfind(b"\n") + 1]  # a line being written is read once it ends
    for line in complete.splitlines():
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue  # torn by a killed writer: what it said is found again (see read_index)
        if not isinstance(entry, dict) or "source" not in entry or "segment_id" not in entry:
            continue
        key = (entry["source"], entry["segment_id"])
        state.segments.setdefault(key, {}).update(entry)
        kind = entry.get("kind")
        if kind == "pruned":
            state.segments[key]["pruned"] = True
        if kind == "sealed" and "files" not in state.segments[key] and not state.segments[key].get("pruned"):
            state.pending.add(key)
        elif kind in ("folded", "pruned"):
            state.pending.discard(key)
    state.identity, state.offset = identity, state.offset + len(complete)
    _INDEX_CACHE[path] = state
    return state


def read_index(folder: Path) -> dict[tuple[str, str], dict]:
    """(source, segment_id) -> what the index says of it: its ``sealed`` entry's fields, merged
    with ``folded`` ({files, folded_at}) and ``pruned``. A line that is not JSON (torn) is skipped:
    what it said is found again (a sealed file is re-indexed at open, a fold is redone identically).
    Only the lines appended since the last call are read (the index is rewritten by ``prune`` only)."""
    with _INDEX_CACHE_LOCK:
        return {key: dict(entry) for key, entry in _index_state(folder).segments.items()}


def unfolded_segments(folder: Path) -> list[tuple[str, str, Path]]:
    """(source, segment_id, path) of the sealed segments not folded yet, by source and time:
    cheap to call every second (the index's new lines only)."""
    with _INDEX_CACHE_LOCK:
        state = _index_state(folder)
        pending = [(key, state.segments[key].get("path")) for key in sorted(state.pending)]
    return [(source, segment_id, Path(folder) / path) for (source, segment_id), path in pending if path]


def _sealed_entry(source: str, path: Path, now: datetime) -> dict:
    events, oldest = 0, None
    for record in read_segment(path):
        events += 1
        oldest = oldest or record.get("received_at")
    relative = f"{LOG_FOLDER}/{source}/{path.name}"
    return {
        "kind": "sealed",
        "source": source,
        "segment_id": segment_id_of(path),
        "path": relative,
        "events": events,
        "oldest_received_at": oldest,
        "sealed_at": utc_text(now),
    }


def read_segment(path: Path) -> Iterator[dict]:
    """The records of a segment file, in order; a torn last line (a killed writer's) is left out."""
    with open(path, "rb") as file:
        data = file.read()
    lines = data.split(b"\n")
    for number, line in enumerate(lines[:-1], start=1):  # the part after the last newline is torn, if any
        try:
            yield json.loads(line)
        except json.JSONDecodeError as error:
            if number == len(lines) - 1 and not lines[-1]:  # the last complete line: a torn write
                return
            raise IntakeLogError(f"{path}: line {number}: not a JSON record ({error.msg}): the log is damaged; move the file aside") from None


class IntakeLog:
    """The append-only, fsynced log of one intake folder (one writer process: ``open`` locks it).

    Args:
        folder: the intake folder (PLANLINE_INTAKE_DIR).
        segment_seconds: a segment is sealed this many seconds after its first record.
        segment_events: a segment is sealed once it holds this many records.
    """

    def __init__(self, folder: Path, segment_seconds: float = 60.0, segment_events: int = 50_000):
        if segment_seconds <= 0 or segment_events <= 0:
            raise ValueError(f"segment_seconds ({segment_seconds}) and segment_events ({segment_events}) must be positive")
        self.folder = Path(folder)
        self.log_folder = self.folder / LOG_FOLDER
        self.segment_seconds = float(segment_seconds)
        self.segment_events = int(segment_events)
        self._lock = threading.Lock()
        self._writer: int | None = None
        self._open: dict[str, _OpenSegment] = {}
        self._last_id: dict[str, str] = {}

    # ---- opening, recovery, closing ---------------------------------------------------------

    def open(self, wait_seconds: float = 0.0, now: datetime | None = None) -> Recovery:
        """Take the writer lock (waiting up to ``wait_seconds`` for a fold that holds it briefly),
        then recover: each segment a killed process left open has its torn last line cut (never
        acknowledged) and is sealed; sealed segments the index lacks are indexed. Raises
        IntakeLogLocked naming the folder and the lock when another process holds it."""
        if not self.log_folder.is_dir():
            self.log_folder.mkdir(parents=True)
            fsync_folder(self.folder)
        lock_path = self.log_folder / WRITER_LOCK
        descriptor = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as error:
                if error.errno not in (errno.EWOULDBLOCK, errno.EAGAIN) or time.monotonic() >= deadline:
                    os.close(descriptor)
                    raise IntakeLogLocked(
                        f"intake log {self.folder}: another process holds its writer lock {lock_path} "
                        "(a service already running on this intake folder?): one service per intake folder"
                    ) from None
                time.sleep(0.05)
        self._writer = descriptor
        return self._recover(_now(now))

    def _recover(self, now: datetime) -> Recovery:
        sealed, cut = [], 0
        for path in sorted(self.log_folder.glob(f"*/*{OPEN_SUFFIX}")):
            cut += _cut_torn_tail(path)
            if path.stat().st_size == 0:  # created, nothing acknowledged in it
                path.unlink()
                fsync_folder(path.parent)
                continue
            sealed.append(self._seal_file(path.parent.name, path, now))
        indexed = read_index(self.folder)
        missing = [p for p in self._sealed_files() if (p.parent.name, segment_id_of(p)) not in indexed]
        append_index(self.folder, [_sealed_entry(p.parent.name, p, now) for p in missing if p not in sealed])
        return Recovery(tuple(sealed), cut)

    def _sealed_files(self) -> list[Path]:
        return sorted(p for p in self.log_folder.glob(f"*/*{SEALED_SUFFIX}") if not p.name.endswith(OPEN_SUFFIX))

    def close(self, seal: bool = True, now: datetime | None = None) -> list[Path]:
        """Seal the open segments (unless ``seal`` is False) and release the writer lock."""
        with self._lock:
            sealed = [self._seal(source, _now(now)) for source in list(self._open)] if seal else []
            for segment in self._open.values():
                os.close(segment.fd)
            self._open.clear()
            if self._writer is not None:
                os.close(self._writer)
                self._writer = None
        return sealed

    def __enter__(self) -> IntakeLog:
        self.open()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ---- appending and sealing ----------------------------------------------------------------

    def append(self, source: str, records: list[dict], now: datetime | None = None) -> None:
        """Append one request's records to ``source``'s open segment, durably: one write, one
        fsync, done before this returns (answer 2xx only after). Each record: ``key`` (list),
        ``status`` (accepted or rejected), ``event`` (the object as posted), optionally
        ``received_at`` (default now) and ``problems``. Thread-safe."""
        if not records:
            return
        moment = _now(now)
        lines = b"".join(_record_line(source, record, utc_text(moment), index) for index, record in enumerate(records))
        with self._lock:
            if self._writer is None:
                raise IntakeLogError(f"intake log {self.folder}: not open for writing (call open() first)")
            segment = self._open.get(source)
            if segment is not None and self._due(segment, moment):
                self._seal(source, moment)
            segment = self._open.get(source) or self._new_segment(source, moment)
            try:
                _write_all(segment.fd, lines)
                os.fsync(segment.fd)
            except OSError as error:
                _cut_back(segment, error)
                raise IntakeLogError(
                    f"intake log {segment.path}: the events could not be written ({error.strerror or error}): nothing of this request is kept"
                ) from error
            segment.size += len(lines)
            segment.events += len(records)
            segment.oldest_received_at = segment.oldest_received_at or records[0].get("received_at") or utc_text(moment)
            if segment.events >= self.segment_events:
                self._seal(source, moment)

    def seal_due(self, now: datetime | None = None) -> list[Path]:
        """Seal every open segment ``segment_seconds`` old (the service calls it each second); the sealed paths."""
        moment = _now(now)
        with self._lock:
            return [self._seal(source, moment) for source, segment in list(self._open.items()) if self._due(segment, moment)]

    def _due(self, segment: _OpenSegment, now: datetime) -> bool:
        return segment.events >= self.segment_events or now - segment.opened_at >= timedelta(seconds=self.segment_seconds)

    def _new_segment(self, source: str, now: datetime) -> _OpenSegment:
        folder = self.log_folder / source
        if not folder.is_dir():
            folder.mkdir()
            fsync_folder(self.log_folder)
        segment_id = f"{now.astimezone(UTC).strftime('%Y%m%dT%H%M%S%f')}Z-{secrets.token_hex(3)}"
        last = self._last_id.get(source) or max((segment_id_of(p) for p in folder.glob("*.jsonl")), default="")
        if segment_id[:22] <= last[:22]:  # the clock went back, or two segments in a microsecond: keep the order
            segment_id = f"{_next_stamp(last[:22])}-{secrets.token_hex(3)}"
        self._last_id[source] = segment_id
        path = folder / f"{segment_id}{OPEN_SUFFIX}"
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o644)
        fsync_folder(folder)
        segment = _OpenSegment(segment_id, path, descriptor, now)
        self._open[source] = segment
        return segment

    def _seal(self, source: str, now: datetime) -> Path:
        segment = self._open.pop(source)
        os.close(segment.fd)
        return self._seal_file(source, segment.path, now)

    def _seal_file(self, source: str, path: Path, now: datetime) -> Path:
        target = path.with_name(segment_id_of(path) + SEALED_SUFFIX)
        os.rename(path, target)
        fsync_folder(path.parent)
        append_index(self.folder, [_sealed_entry(source, target, now)])
        return target

    # ---- reading --------------------------------------------------------------------------------

    def records(self, source: str | None = None) -> Iterator[tuple[str, dict]]:
        """(source, record) of every record of every segment (sealed, then open: acknowledged
        ones only), segments in time order per source: for the door's seen keys and the
        availability book's movements at start."""
        with self._lock:
            open_sizes = {s.path: s.size for s in self._open.values()}
        sources = [source] if source else sorted(p.name for p in self.log_folder.iterdir() if p.is_dir()) if self.log_folder.exists() else []
        for name in sources:
            folder = self.log_folder / name
            if not folder.is_dir():
                continue
            for path in sorted(folder.glob("*.jsonl"), key=lambda p: segment_id_of(p)):
                if path.name.endswith(OPEN_SUFFIX) and path not in open_sizes:
                    continue  # another process's (a fold never reads an open segment)
                try:
                    if path.name.endswith(OPEN_SUFFIX):
                        records = list(_read_prefix(path, open_sizes[path]))
                    else:
                        records = list(read_segment(path))
                except FileNotFoundError:  # sealed meanwhile (read under its sealed name) or pruned
                    sealed = path.with_name(segment_id_of(path) + SEALED_SUFFIX)
                    records = list(read_segment(sealed)) if sealed != path and sealed.exists() else []
                for record in records:
                    yield name, record

    def status(self, now: datetime | None = None) -> list[SegmentStatus]:
        """Every segment still on disk (sealed ones from the index, open ones from memory), by source and time."""
        with self._lock:
            open_segments = [(source, replace(segment)) for source, segment in self._open.items()]
        return segment_statuses(self.folder, open_segments)

    def prune(self, now: datetime | None = None, days: float = 30) -> list[Path]:
        """Delete the segments sealed and folded more than ``days`` days ago; their paths."""
        return prune_segments(self.folder, _now(now), days)


def _next_stamp(stamp: str) -> str:
    moment = datetime.strptime(stamp[:21], "%Y%m%dT%H%M%S%f") + timedelta(microseconds=1)
    return moment.strftime("%Y%m%dT%H%M%S%f") + "Z"


def _record_line(source: str, record: dict, received_at: str, index: int) -> bytes:
    if not _SOURCE.match(source):
        raise ValueError(f"source {source!r}: not a source name (letters, digits and _ only)")
    if record.get("status") not in STATUSES or not isinstance(record.get("key"), list) or not isinstance(record.get("event"), dict):
        raise ValueError(f"record {index} of {source}: needs key (a list), status (accepted or rejected) and event (an object); got keys {sorted(record)}")
    ordered = {"key": record["key"], "received_at": record.get("received_at") or received_at, "status": record["status"], "event": record["event"]}
    ordered.update({k: v for k, v in record.items() if k not in ordered})
    try:
        return (json.dumps(ordered, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
    except UnicodeEncodeError:  # half a surrogate pair in a text: kept as its JSON escape
        return (json.dumps(ordered, ensure_ascii=True, separators=(",", ":")) + "\n").encode("ascii")


def _cut_back(segment: _OpenSegment, error: OSError) -> None:
    """Cut a failed write back to the last acknowledged record (no torn line inside a segment)."""
    try:
        os.ftruncate(segment.fd, segment.size)
        os.fsync(segment.fd)
    except OSError:
        pass  # the recovery of the next start cuts a torn tail all the same


def _cut_torn_tail(path: Path) -> int:
    """Cut a segment's torn last line (no newline, or not JSON); the bytes cut."""
    with open(path, "r+b") as file:
        data = file.read()
        keep = data.rfind(b"\n") + 1  # everything after the last newline is torn
        if keep:
            start = data.rfind(b"\n", 0, keep - 1) + 1
            try:
                json.loads(data[start:keep])
            except json.JSONDecodeError:
                keep = start
        if keep < len(data):
            file.truncate(keep)
            file.flush()
            os.fsync(file.fileno())
        return len(data) - keep


def _read_prefix(path: Path, size: int) -> Iterator[dict]:
    with open(path, "rb") as file:
        data = file.read(size)
    for line in data.splitlines():
        yield json.loads(line)


def segment_statuses(folder: Path, open_segments: list[tuple[str, _OpenSegment]] = ()) -> list[SegmentStatus]:
    """The segments of an intake folder still on disk, from its index (plus a writer's open ones)."""
    statuses = []
    for (source, segment_id), entry in read_index(folder).items():
        if entry.get("pruned") or "path" not in entry:
            continue
        files = tuple(f["path"] for f in entry.get("files", ()))
        statuses.append(
            SegmentStatus(
                source,
                segment_id,
                Path(folder) / entry["path"],
                True,
                int(entry.get("events", 0)),
                parse_utc(entry.get("oldest_received_at")),
                files,
                parse_utc(entry.get("sealed_at")),
                parse_utc(entry.get("folded_at")),
            )
        )
    for source, segment in open_segments:
        statuses.append(SegmentStatus(source, segment.segment_id, segment.path, False, segment.events, parse_utc(segment.oldest_received_at)))
    return sorted(statuses, key=lambda s: (s.source, s.segment_id))


def prune_segments(folder: Path, now: datetime, days: float = 30) -> list[Path]:
    """Delete the segment files sealed and folded more than ``days`` days before ``now``, then
    rewrite the index without them; the paths deleted."""
    limit = now - timedelta(days=days)
    old = [s for s in segment_statuses(folder) if s.sealed and s.folded_at is not None and s.sealed_at is not None and s.sealed_at < limit]
    for status in old:
        status.path.unlink(missing_ok=True)
    for parent in {s.path.parent for s in old}:
        fsync_folder(parent)
    if old:
        gone = {(s.source, s.segment_id) for s in old}
        _rewrite_index(Path(folder), gone)
    return [s.path for s in old]


def _rewrite_index(folder: Path, gone: set[tuple[str, str]]) -> None:
    path = folder / INDEX_FILE
    with _index_locked(folder):
        kept = []
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                continue
            if (entry.get("source"), entry.get("segment_id")) not in gone:
                kept.append(line + "\n")
        temporary = folder / f".{INDEX_FILE}.rewrite"
        temporary.write_text("".join(kept), encoding="utf-8")
        with open(temporary, "rb") as file:
            os.fsync(file.fileno())
        os.replace(temporary, path)
        fsync_folder(folder)
