"""Which events a published plan holds, and the movements of those it does not, read from the
readers' copy of the warehouse (read-only).

A plan's ATP is computed from the transactional rows loaded up to its watermark
(``inventory.plan_watermark.raw_loaded_through``, the newest ``_loaded_at`` then). The
availability book adds every event it does not hold: those the service accepted whose key no load
up to the watermark brought (``keys_loaded_through``), and the valid rows of the files loaded
after it (``movements_loaded_after``: export files delivered directly, and the service's own
folded segments, which the book counts once by key).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd

from data_contracts.frame import QUARANTINE_TABLE
from data_contracts.registry import contract_for
from service.intake import effects
from service.intake.door_master import key_sql


def _to_utc(moment: datetime) -> datetime:
    """The warehouse's load times are naive UTC: an aware time as such (a naive one is UTC already)."""
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def _has_table(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?", [schema, table]).fetchall()[0][0])


def keys_loaded_through(snapshot: Path, source: str, keys: list[str], through: datetime | None) -> set[str]:
    """The keys among ``keys`` (``key_sql``'s text) that ``raw.<source>`` of the snapshot holds
    loaded at or before ``through`` (None: the plan holds no load, so none)."""
    if through is None or not keys:
        return set()
    contract = contract_for(source)
    with duckdb.connect(str(snapshot), read_only=True) as con:
        if not _has_table(con, "raw", source):
            return set()
        rows = con.execute(
            f"SELECT DISTINCT k FROM (SELECT {key_sql(contract)} AS k FROM {contract.table} r WHERE r._loaded_at <= $through) "
            "WHERE k IN (SELECT unnest($keys))",
            {"through": _to_utc(through), "keys": keys},
        ).fetchall()
    return {k for (k,) in rows}


def movements_loaded_after(door, source: str, through: datetime | None) -> pd.DataFrame:
    """The ATP movements (``effects.MOVEMENT_COLUMNS``) of the valid rows of ``raw.<source>`` the
    door's snapshot holds loaded after ``through`` (None: no watermark to compare with, none)."""
    if through is None:
        return effects.empty_movements()
    contract = contract_for(source)
    with duckdb.connect(str(door.snapshot), read_only=True) as con:
        if not _has_table(con, "raw", source):
            return effects.empty_movements()
        valid = (
            f"AND NOT EXISTS (SELECT 1 FROM {QUARANTINE_TABLE} q WHERE q.source = $source AND q.source_file = r._source_file AND q.row_number = r._row_number)"
            if _has_table(con, "governance", "quarantine")
            else ""
        )
        columns = ", ".join(f'r."{c}"' for c in contract.columns)
        rows = con.sql(
            f"SELECT {columns}, r._source_file, (row_number() OVER (ORDER BY r._loaded_at, r._source_file, r._row_number)) - 1 AS _row_number, "
            f"r._loaded_at FROM {contract.table} r WHERE r._loaded_at > $through {valid}",
            params={"through": _to_utc(through), **({"source": source} if valid else {})},
        ).to_arrow_table()
    if rows.num_rows == 0:
        return effects.empty_movements()
    _, lane = door._lane(source)  # the door's lookups (item codes, unit factors, channels) on its own database
    try:
        cursor = lane.cursor
        cursor.execute(f"DELETE FROM {contract.table}")
        cursor.register("loaded_rows", rows)
        try:
            cursor.execute(f"INSERT INTO {contract.table} BY NAME SELECT * FROM loaded_rows")
        finally:
            cursor.unregister("loaded_rows")
        frame, _ = effects.movements(cursor, contract, list(range(rows.num_rows)), door._zone)
        cursor.execute(f"DELETE FROM {contract.table}")
    finally:
        lane.lock.release()
    return frame
