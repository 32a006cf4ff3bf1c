"""The intake log: what was acknowledged is on disk, whatever happens to the process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from service.intake.log import IntakeLog, IntakeLogLocked, read_segment

T0 = datetime(2026, 12, 7, 22, 15, 1, 123456, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[2]


def record(n: int, status: str = "accepted") -> dict:
    return {"key": [f"E{n}"], "status": status, "event": {"event_id": f"E{n}", "qty": n}}


def opened(folder: Path, seconds: float = 60, events: int = 1000) -> IntakeLog:
    log = IntakeLog(folder, seconds, events)
    log.open(now=T0)
    return log


def keys(log: IntakeLog, source: str | None = None) -> list[str]:
    return [r["key"][0] for _, r in log.records(source)]


def test_appended_records_are_replayed_after_a_restart_in_order(tmp_path):
    log = opened(tmp_path)
    log.append("wms_events", [record(1), record(2, "rejected")], now=T0)
    log.append("oms_events", [record(3)], now=T0)
    log.append("wms_events", [record(4)], now=T0 + timedelta(seconds=1))
    assert keys(log, "wms_events") == ["E1", "E2", "E4"]  # the open segment is read too
    log.close(seal=False)  # as a killed process leaves it: open segments
    again = opened(tmp_path)
    replayed = list(again.records())
    assert [(s, r["key"][0], r["status"]) for s, r in replayed] == [
        ("oms_events", "E3", "accepted"),
        ("wms_events", "E1", "accepted"),
        ("wms_events", "E2", "rejected"),
        ("wms_events", "E4", "accepted"),
    ]
    first = replayed[1][1]
    assert first == {"key": ["E1"], "received_at": "2026-12-07T22:15:01.123456Z", "status": "accepted", "event": {"event_id": "E1", "qty": 1}}
    assert all(s.sealed for s in again.status())  # recovery sealed what the first process left open
    assert not list(tmp_path.glob("log/*/*.open.jsonl"))


def test_a_torn_last_line_is_cut_at_recovery(tmp_path):
    log = opened(tmp_path)
    log.append("wms_events", [record(1), record(2)], now=T0)
    segment = next(tmp_path.glob("log/wms_events/*.open.jsonl"))
    log.close(seal=False)
    with open(segment, "ab") as file:  # a write the kill interrupted: never acknowledged
        file.write(b'{"key": ["E3"], "received_at": "2026-12-07T22:1')
    again = IntakeLog(tmp_path, 60, 1000)
    recovery = again.open()
    assert recovery.cut_bytes > 0 and len(recovery.sealed) == 1
    assert keys(again) == ["E1", "E2"]
    again.append("wms_events", [record(4)])
    assert keys(again) == ["E1", "E2", "E4"]
    sealed = recovery.sealed[0]
    assert sealed.read_bytes().endswith(b"}\n") and [r["key"] for r in read_segment(sealed)] == [["E1"], ["E2"]]


# Appends batches and prints each batch's last key once append has returned (the 2xx moment).
WRITER = """
import sys
from service.intake.log import IntakeLog
log = IntakeLog(sys.argv[1], 3600, 10**9)
log.open()
n = 0
while True:
    batch = [{"key": [f"E{n + i}"], "status": "accepted", "event": {"event_id": f"E{n + i}", "pad": "x" * 200}} for i in range(50)]
    log.append("wms_events", batch)
    n += 50
    print(f"acked {n}", flush=True)
"""


def test_every_acknowledged_record_survives_a_kill(tmp_path):
    process = subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    acknowledged = 0
    try:
        deadline = time.monotonic() + 60
        while acknowledged < 2000 and time.monotonic() < deadline:
            line = process.stdout.readline()
            assert line.startswith("acked"), line
            acknowledged = int(line.split()[1])
        os.kill(process.pid, signal.SIGKILL)  # mid-stream: it goes on appending until killed
    finally:
        process.kill()
        process.wait()
    for line in process.stdout:  # acknowledged between our last read and the kill
        acknowledged = max(acknowledged, int(line.split()[1]))
    assert acknowledged >= 2000
    log = opened(tmp_path)
    found = keys(log)
    assert found[:acknowledged] == [f"E{n}" for n in range(acknowledged)]
    assert found == [f"E{n}" for n in range(len(found))]  # nothing torn, nothing out of order


def test_a_second_writer_is_refused_naming_the_folder_and_lock(tmp_path):
    first = opened(tmp_path)
    with pytest.raises(IntakeLogLocked, match=rf"{tmp_path}.*writer lock .*\.writer\.lock"):
        IntakeLog(tmp_path, 60, 1000).open()
    code = f"from service.intake.log import IntakeLog; IntakeLog({str(tmp_path)!r}, 60, 10).open()"
    other = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert other.returncode != 0 and "IntakeLogLocked" in other.stderr
    first.close()
    second = IntakeLog(tmp_path, 60, 1000)  # released: the next service starts
    second.open()
    second.close()


def test_a_segment_is_sealed_when_it_holds_its_count(tmp_path):
    log = opened(tmp_path, events=3)
    log.append("wms_events", [record(1), record(2)], now=T0)
    assert [s.sealed for s in log.status()] == [False]
    log.append("wms_events", [record(3)], now=T0)
    log.append("wms_events", [record(4)], now=T0)
    statuses = log.status()
    assert [(s.sealed, s.events) for s in statuses] == [(True, 3), (False, 1)]
    assert statuses[0].segment_id < statuses[1].segment_id  # ids sort by time
    assert statuses[0].path.name == f"{statuses[0].segment_id}.jsonl" and statuses[0].path.exists()
    assert statuses[0].oldest_received_at == T0 and statuses[0].landing_file is None


def test_a_segment_is_sealed_when_it_is_old_enough(tmp_path):
    log = opened(tmp_path, seconds=60)
    log.append("wms_events", [record(1)], now=T0)
    assert log.seal_due(T0 + timedelta(seconds=59)) == []
    sealed = log.seal_due(T0 + timedelta(seconds=60))
    assert len(sealed) == 1 and sealed[0].exists() and sealed[0].name.endswith(".jsonl") and ".open" not in sealed[0].name
    log.append("wms_events", [record(2)], now=T0 + timedelta(seconds=61))
    log.append("wms_events", [record(3)], now=T0 + timedelta(seconds=200))  # the open one is due: a new segment
    assert [(s.sealed, s.events) for s in log.status()] == [(True, 1), (True, 1), (False, 1)]
    assert keys(log) == ["E1", "E2", "E3"]


def test_prune_deletes_old_folded_segments_only(tmp_path):
    from service.intake.log import append_index

    log = opened(tmp_path, events=1)
    log.append("wms_events", [record(1)], now=T0)
    log.append("wms_events", [record(2)], now=T0)
    folded, unfolded = log.status()
    append_index(
        tmp_path,
        [{"kind": "folded", "source": "wms_events", "segment_id": folded.segment_id, "files": [{"path": "x.jsonl"}], "folded_at": "2026-12-07T23:00:00Z"}],
    )
    assert log.prune(T0 + timedelta(days=29), days=30) == []
    assert log.prune(T0 + timedelta(days=31), days=30) == [folded.path]
    assert not folded.path.exists() and unfolded.path.exists()
    assert [s.segment_id for s in log.status()] == [unfolded.segment_id]
    index = [json.loads(line) for line in (tmp_path / "segments.jsonl").read_text().splitlines()]
    assert {e["segment_id"] for e in index} == {unfolded.segment_id}
