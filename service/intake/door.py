"""The door: a batch of posted events checked by the contract of its source, as files are.

``Door.check(source, events)`` answers each event of a batch (design of issue 18, "Intake flow"):

1. shape: an event whose keys are not among the columns its source mapping reads is rejected
   (rule ``unknown_field``) and never logged;
2. the well-shaped events are written as the bytes of one file in the mapping's format
   (``encoding.encode_events``), read back by the loader's own reader
   (``mapped_files.canonical_rows``), inserted into an empty ``raw.<source>`` of the door's
   in-memory database as the loader inserts rows, and validated by the loader's evaluator
   (``validate.validate_source``) against master data copied from the published snapshot
   (``door_master``): each quarantine entry becomes a problem ``{rule, field, value, reason}`` of
   its event (the field named as the source system names it);
3. duplicates: a key already received (the snapshot's raw rows, the events logged since, the
   events earlier in the batch) with the same canonical payload is a ``duplicate`` (nothing to
   log); with another payload the event is rejected by the contract's duplicate rule
   (``duplicate_row``), its reason naming the changed fields when the first payload is known;
4. the accepted events' ATP movements (``effects``), in base units.

``to_log`` lists the events the log keeps: accepted and rejected ones that were well shaped and
readable (the fold writes them into a file the loader reads: they reach the quarantine). After the
log append, ``remember`` adds their keys to the seen index; ``replay`` does it from the log at
startup. ``refresh`` rebuilds from a newly published snapshot while the old one keeps answering.
Thread-safe: one database cursor and lock per source.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from data_contracts.company.mapping import SourceMapping
from data_contracts.model import Contract, duplicate_rule
from data_contracts.registry import EVENT_SOURCES, contract_for
from data_contracts.row_problems import PARSE_RULE
from data_contracts.validate import validate_source
from orchestration.ingestion.loader import partition_dates_sql
from orchestration.ingestion.mapped_files import canonical_rows
from service.intake import effects
from service.intake.door_master import build_master, key_hashes, key_sql, payload_hash_sql, payload_sql, seen_table
from service.intake.encoding import encode_events
from service.intake.verdicts import (
    ACCEPTED,
    DUPLICATE,
    REJECTED,
    DoorResult,
    Verdict,
    changed_problem,
    problem,
    raw_key,
    shape_problems,
    source_column,
)

log = logging.getLogger(__name__)

# The label of a batch's rows (their ``_source_file``): a reason naming an earlier row of the
# batch reads "duplicate of batch row 3", the row being the event's index in the batch.
BATCH_LABEL = "batch"
_REPLAY_CHUNK = 10_000  # events read back at a time at startup


@dataclass
class _Lane:
    """One source's cursor on the door database, its lock and the prefilter of its seen keys."""

    cursor: duckdb.DuckDBPyConnection
    lock: threading.Lock
    hashes: np.ndarray  # sorted hash(key) of the seen keys at build
    recent: np.ndarray  # sorted hash(key) of the keys remembered since

    def maybe_seen(self, hashes: np.ndarray) -> np.ndarray:
        return _in_sorted(self.hashes, hashes) | _in_sorted(self.recent, hashes)


@dataclass
class _State:
    con: duckdb.DuckDBPyConnection
    lanes: dict[str, _Lane]
    snapshot: Path


def _logged(item) -> tuple[dict, str]:
    """(event, status) of a record of the intake log, or of a (source, record) pair."""
    record = item[-1] if isinstance(item, tuple) else item
    if not isinstance(record, dict) or not isinstance(record.get("event"), dict):
        raise ValueError(f"not a record of the intake log (an object with 'event' and 'status'): {str(item)[:200]}")
    return record["event"], record.get("status", ACCEPTED)


def _in_sorted(sorted_values: np.ndarray, values: np.ndarray) -> np.ndarray:
    if not len(sorted_values):
        return np.zeros(len(values), dtype=bool)
    positions = np.minimum(np.searchsorted(sorted_values, values), len(sorted_values) - 1)
    return sorted_values[positions] == values


def event_sources(mappings: dict[str, SourceMapping]) -> list[str]:
    """The intake sources: the event streams (``registry.EVENT_SOURCES``) mapped by the company with
    one row per event (no parts, wide layout, skipped or distinct lines)."""
    missing = [s for s in EVENT_SOURCES if s not in effects.EFFECTS]
    if missing:  # a stream declared without its ATP effect: say where it goes
        raise ValueError(f"event streams without an ATP effect in service/intake/effects.py (EFFECTS): {', '.join(missing)}")
    events = list(EVENT_SOURCES)
    one_row = [s for s in events if s in mappings]
    return [s for s in one_row if not (mappings[s].parts or mappings[s].wide or mappings[s].skip_empty or mappings[s].distinct)]


class Door:
    """The contract check of posted events (see the module docstring).

    Args:
        snapshot: the published warehouse snapshot (``warehouse_snapshot.published_path``), read-only.
        mappings: the company's source mappings by source.
        business_timezone: the company's business time zone (timestamps written in business time,
            business days of the movements).
        as_of: the time the contracts judge "future" against; None: now (UTC) at each check.
        mapping_files: the mapping file of each source, named in the reasons of shape problems.
    """

    def __init__(
        self,
        snapshot: Path,
        mappings: dict[str, SourceMapping],
        business_timezone: str,
        as_of: datetime | None,
        mapping_files: dict[str, Path] | None = None,
    ) -> None:
        self._mappings = dict(mappings)
        self._zone = business_timezone
        self._as_of = as_of
        self._files = mapping_files or {}
        self._sources = event_sources(self._mappings)
        self._contracts = {s: contract_for(s) for s in self._sources}
        self._columns = {s: frozenset(self._mappings[s].source_columns) for s in self._sources}
        self._swap = threading.Lock()
        self._state = self._build(Path(snapshot))

    @property
    def sources(self) -> list[str]:
        return list(self._sources)

    @property
    def snapshot(self) -> Path:
        return self._state.snapshot

    def _build(self, snapshot: Path) -> _State:
        con = build_master(snapshot, list(self._contracts.values()))
        effects.build_lookups(con)
        lanes = {s: _Lane(con.cursor(), threading.Lock(), key_hashes(con, s), np.zeros(0, np.uint64)) for s in self._sources}
        return _State(con, lanes, snapshot)

    def _contract(self, source: str) -> Contract:
        try:
            return self._contracts[source]
        except KeyError:
            raise KeyError(f"{source!r} is not an event source of this company (event sources: {', '.join(self._sources) or 'none'})") from None

    # ---- check ----------------------------------------------------------------------------

    def check(self, source: str, events: list[dict]) -> DoorResult:
        """Each event's verdict, in order; the events to log; the accepted events' movements."""
        contract, mapping = self._contract(source), self._mappings[source]
        verdicts: dict[int, Verdict] = {}
        shaped = []
        for index, event in enumerate(events):
            problem = shape_problems(event, mapping, self._columns[source], self._files.get(source, f"the company's mapping of {source}"))
            if problem:
                verdicts[index] = Verdict(index, raw_key(contract, mapping, event), REJECTED, problem)
            else:
                shaped.append(index)
        movements, seen, readable = effects.empty_movements(), [], []
        if shaped:
            _, lane = self._lane(source)  # the current snapshot's, its lock held
            try:
                readable, unreadable, table = self._readable(lane.cursor, contract, mapping, events, shaped)
                for index, reason in unreadable.items():
                    problem = {"rule": PARSE_RULE, "field": None, "value": None, "reason": reason}
                    verdicts[index] = Verdict(index, raw_key(contract, mapping, events[index]), REJECTED, [problem])
                if readable:
                    rows = self._judged(lane, contract, mapping, readable, table, verdicts)
                    accepted = [i for i in readable if verdicts[i].status == ACCEPTED]
                    if accepted:
                        movements, unplaced = effects.movements(lane.cursor, contract, accepted, self._zone)
                        if unplaced:
                            log.warning("%s: accepted events %s have no sku or unit factor in the master data: no ATP movement", source, unplaced)
                    lane.cursor.execute(f"DELETE FROM {contract.table}")
                    seen = [(rows[i][0], rows[i][1]) for i in readable if verdicts[i].status != DUPLICATE and rows[i][0] is not None]
            finally:
                lane.lock.release()
        ordered = [verdicts[i] for i in range(len(events))]
        to_log = [i for i in readable if verdicts[i].status != DUPLICATE]
        return DoorResult(source, ordered, to_log, movements, seen)

    def _canonical(self, cursor: duckdb.DuckDBPyConnection, contract: Contract, mapping: SourceMapping, events: list[dict]) -> pa.Table:
        """The events' canonical rows, read back from the bytes of a file of them by the loader's reader."""
        rows = canonical_rows(encode_events(events, mapping), BATCH_LABEL, mapping, contract, self._zone, cursor)
        if rows.num_rows != len(events):
            raise RuntimeError(f"{contract.source}: {len(events)} events gave {rows.num_rows} rows: the mapping does not give one row per event")
        return rows

    def _readable(self, cursor, contract: Contract, mapping: SourceMapping, events: list, shaped: list[int]) -> tuple[list[int], dict[int, str], pa.Table]:
        """The shaped events the loader's reader reads as a file, why each other one is not
        (found one by one when the batch as a file is unreadable: such an event is never logged,
        it would make the whole folded file unreadable), and the readable ones' canonical rows."""
        try:
            return shaped, {}, self._canonical(cursor, contract, mapping, [events[i] for i in shaped])
        except Exception:  # which event: each alone (rare: the API takes JSON values only)
            pass
        readable, unreadable = [], {}
        for index in shaped:
            try:
                self._canonical(cursor, contract, mapping, [events[index]])
                readable.append(index)
            except Exception as error:
                unreadable[index] = f"the event cannot be read as a {mapping.format.type.upper()} row of its mapping: {error}"
        table = self._canonical(cursor, contract, mapping, [events[i] for i in readable]) if readable else None
        return readable, unreadable, table

    def _insert(self, cursor: duckdb.DuckDBPyConnection, contract: Contract, indexes: list[int], rows: pa.Table) -> None:
        """Canonical rows into the empty ``raw.<source>``, as the loader inserts a file's rows
        (row number: the event's index in the batch)."""
        now = datetime.now(UTC).replace(tzinfo=None)
        rows = (
            rows.append_column("_source_file", pa.array([BATCH_LABEL] * rows.num_rows, pa.string()))
            .append_column("_row_number", pa.array(indexes, pa.int64()))
            .append_column("_loaded_at", pa.array(np.full(rows.num_rows, np.datetime64(now, "us")), pa.timestamp("us")))
        )
        cursor.execute(f"DELETE FROM {contract.table}")
        cursor.register("incoming_rows", rows)
        try:
            selected = "SELECT i.*"
            if contract.partitioned:
                selected += f", d.day AS _partition_date FROM incoming_rows i JOIN ({partition_dates_sql(contract, 'incoming_rows')}) d USING (_source_file, _row_number)"
            else:
                selected += " FROM incoming_rows i"
            cursor.execute(f"INSERT INTO {contract.table} BY NAME {selected}")
        finally:
            cursor.unregister("incoming_rows")

    def _judged(self, lane: _Lane, contract: Contract, mapping: SourceMapping, indexes: list[int], table: pa.Table, verdicts: dict) -> dict:
        """Insert and validate the readable events' rows, set their verdicts; (key, payload) by index."""
        cursor = lane.cursor
        self._insert(cursor, contract, indexes, table)
        as_of = self._as_of or datetime.now(UTC).replace(tzinfo=None, microsecond=0)
        quarantine = validate_source(cursor, contract.source, as_of).quarantine
        problems: dict[int, list[dict]] = {}
        columns = [quarantine[c].tolist() for c in ("row_number", "rule", "column_name", "bad_value", "reason")]
        for row_number, rule, column, value, reason in zip(*columns):
            problems.setdefault(int(row_number), []).append(problem(contract, mapping, rule, column, value, reason))
        key_names = [source_column(mapping, c) for c in contract.key]
        rows = cursor.execute(
            f"SELECT _row_number, key, payload, hash(key) AS key_hash, {payload_hash_sql('payload')} = first_value({payload_hash_sql('payload')}) OVER w AS same, "
            f"row_number() OVER w AS nth, key_values FROM (SELECT r._row_number, {key_sql(contract)} AS key, {payload_sql(contract)} AS payload, "
            f"[{', '.join(f'r.{c}' for c in contract.key)}] AS key_values FROM {contract.table} r) "
            "WINDOW w AS (PARTITION BY key ORDER BY _row_number) ORDER BY _row_number"
        ).fetchall()
        by_index = {row[0]: row for row in rows}
        hashes = np.array([row[3] if row[1] is not None else 0 for row in rows], dtype=np.uint64)
        candidates = [row[1] for row, maybe in zip(rows, lane.maybe_seen(hashes)) if maybe and row[1] is not None]
        seen = self._seen(cursor, contract, candidates)
        duplicate = duplicate_rule(contract.key).name
        for index, key, payload, _, same, nth, key_values in rows:
            found = problems.get(index, [])
            status = REJECTED if found else ACCEPTED
            if key in seen:
                found = [p for p in found if p["rule"] != duplicate]
                first_hash, first_payload, batch_hash = seen[key]
                if batch_hash[payload] == first_hash:
                    status = DUPLICATE
                else:
                    found.append(
                        changed_problem(contract, mapping, key, first_payload if first_payload is not None else self._first_in_snapshot(contract, key), payload)
                    )
                    status = REJECTED
            elif nth > 1 and key is not None and same:
                status = DUPLICATE
            verdicts[index] = Verdict(index, dict(zip(key_names, key_values)), status, found if status != DUPLICATE else [])
        return {index: (row[1], row[2]) for index, row in by_index.items()}

    def _seen(self, cursor: duckdb.DuckDBPyConnection, contract: Contract, keys: list[str]) -> dict:
        """key -> (first payload hash, first payload or None, {batch payload: its hash}) of ``keys`` seen before."""
        if not keys:
            return {}
        table = seen_table(contract.source)
        found = cursor.execute(
            f"SELECT s.key, s.hash, s.payload, list(DISTINCT {{'payload': b.payload, 'hash': {payload_hash_sql('b.payload')}}}) "
            f"FROM {table} s JOIN (SELECT {key_sql(contract)} AS key, {payload_sql(contract)} AS payload FROM {contract.table} r) b ON b.key = s.key "
            "WHERE s.key IN ? GROUP BY ALL",
            [sorted(set(keys))],
        ).fetchall()
        return {key: (first, payload, {p["payload"]: p["hash"] for p in batch}) for key, first, payload, batch in found}

    def _first_in_snapshot(self, contract: Contract, key: str) -> str | None:
        """The payload of the first row of ``key`` in the snapshot's raw table (the index keeps
        only its hash: a changed re-send is rare, the snapshot is read then); None if unreadable."""
        try:
            with duckdb.connect(str(self._state.snapshot), read_only=True) as con:
                row = con.execute(
                    f"SELECT {payload_sql(contract)} FROM {contract.table} r WHERE {key_sql(contract)} = ? "
                    "ORDER BY r._loaded_at, r._source_file, r._row_number LIMIT 1",
                    [key],
                ).fetchone()
        except (duckdb.Error, OSError) as error:
            log.warning("%s: the first payload of %s could not be read from the snapshot: %s", contract.source, key, error)
            return None
        return row[0] if row else None

    # ---- the seen index -------------------------------------------------------------------

    def _lane(self, source: str) -> tuple[_State, _Lane]:
        """The current state's lane of ``source``, its lock held (released by the caller)."""
        while True:
            state = self._state
            lane = state.lanes[source]
            lane.lock.acquire()
            if state is self._state:
                return state, lane
            lane.lock.release()

    def _add_seen(self, lane: _Lane, source: str, seen: list[tuple[str, str]]) -> int:
        if not seen:
            return 0
        table = seen_table(source)
        frame = pa.table(
            {"key": pa.array([k for k, _ in seen], pa.string()), "payload": pa.array([p for _, p in seen], pa.string()), "ordinal": np.arange(len(seen))}
        )
        lane.cursor.register("remembered", frame)
        try:
            before = lane.cursor.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            lane.cursor.execute(
                f"INSERT INTO {table} SELECT DISTINCT ON (key) key, {payload_hash_sql('payload')}, payload FROM remembered ORDER BY key, ordinal ON CONFLICT DO NOTHING"
            )
            added = lane.cursor.execute(f"SELECT count(*) FROM {table}").fetchone()[0] - before
            new = lane.cursor.execute("SELECT hash(key) FROM remembered").fetchnumpy()
        finally:
            lane.cursor.unregister("remembered")
        lane.recent = np.union1d(lane.recent, np.asarray(next(iter(new.values())), dtype=np.uint64))
        return added

    def remember(self, source: str, result: DoorResult) -> int:
        """Add the logged events' keys to the seen index (call after the log append succeeded);
        the number of keys added (a key seen before keeps its first payload)."""
        self._contract(source)
        _, lane = self._lane(source)
        try:
            return self._add_seen(lane, source, result.seen)
        finally:
            lane.lock.release()

    def replay(self, source: str, records: Iterable) -> pd.DataFrame:
        """Remember the events of the intake log (at startup) and return the ATP movements of
        those logged as accepted (``effects.MOVEMENT_COLUMNS``, in the log's order).

        ``records``: the log's records (``{"event": {...}, "status": ...}``), or the
        ``(source, record)`` pairs ``IntakeLog.records`` yields.
        """
        contract, mapping = self._contract(source), self._mappings[source]
        logged = [_logged(item) for item in records]
        frames = []
        for start in range(0, len(logged), _REPLAY_CHUNK):
            chunk = logged[start : start + _REPLAY_CHUNK]
            events = [event for event, _ in chunk]
            accepted = [i for i, (_, status) in enumerate(chunk) if status == ACCEPTED]
            _, lane = self._lane(source)
            try:
                self._insert(lane.cursor, contract, list(range(len(chunk))), self._canonical(lane.cursor, contract, mapping, events))
                rows = lane.cursor.execute(
                    f"SELECT key, payload FROM (SELECT {key_sql(contract)} AS key, {payload_sql(contract)} AS payload, _row_number FROM {contract.table} r) "
                    "WHERE key IS NOT NULL ORDER BY _row_number"
                ).fetchall()
                if accepted:
                    frames.append(effects.movements(lane.cursor, contract, accepted, self._zone)[0])
                lane.cursor.execute(f"DELETE FROM {contract.table}")
                self._add_seen(lane, source, rows)
            finally:
                lane.lock.release()
        frames = [f for f in frames if len(f)]
        return pd.concat(frames, ignore_index=True) if frames else effects.empty_movements()

    def refresh(self, snapshot: Path) -> None:
        """Rebuild from a newly published snapshot; the old one answers until the new one is
        built. The events remembered since the old snapshot are carried over (those the new
        snapshot holds are then its own)."""
        state = self._build(Path(snapshot))
        with self._swap:
            old = self._state
            for lane in old.lanes.values():
                lane.lock.acquire()
            try:
                for source, lane in old.lanes.items():
                    remembered = lane.cursor.execute(f"SELECT key, payload FROM {seen_table(source)} WHERE payload IS NOT NULL").fetchall()
                    self._add_seen(state.lanes[source], source, remembered)
                self._state = state
            finally:
                for lane in old.lanes.values():
                    lane.lock.release()
