"""The service as it runs: ``python -m service`` processes on uvicorn, killed with SIGKILL, beside
a process holding the live warehouse for writing as a Dagster run does."""

from __future__ import annotations

import threading
import time

import duckdb
import httpx

from service.intake.log import IntakeLog
from tests.service.conftest import AUTH, SKU1_DC01_ATP, start_service, wms

BATCH = 5  # events per request


def _post_until_killed(url: str, acknowledged: list[str], stop: threading.Event) -> None:
    """Post batches of new SHIP events in a loop, recording each event the service accepted (its
    2xx answer) as acknowledged, until the connection fails (the service was killed)."""
    number = 0
    with httpx.Client(base_url=url, headers=AUTH, timeout=10) as client:
        while not stop.is_set():
            ids = [f"K{number + i}" for i in range(BATCH)]
            number += BATCH
            try:
                response = client.post("/v1/events/wms_events", json=[wms(event_id) for event_id in ids])
            except httpx.TransportError:
                return
            if response.status_code != 200:
                return
            acknowledged += [r["key"]["event_id"] for r in response.json()["results"] if r["status"] == "accepted"]


def test_every_acknowledged_event_survives_a_killed_service(home, services):
    service = start_service(home)
    services.append(service)
    acknowledged: list[str] = []
    stop = threading.Event()
    poster = threading.Thread(target=_post_until_killed, args=(service.url, acknowledged, stop), daemon=True)
    poster.start()
    deadline = time.monotonic() + 60
    while len(acknowledged) < 4 * BATCH and time.monotonic() < deadline:
        time.sleep(0.05)
    service.kill()  # mid-stream: the poster is sending its next batch
    stop.set()
    poster.join(timeout=30)
    assert not poster.is_alive() and len(acknowledged) >= 4 * BATCH

    restarted = start_service(home, log_name="restarted")
    services.append(restarted)
    # the killed process's open segment was recovered at start: every acknowledged event is logged once
    logged = [record["key"][0] for _, record in IntakeLog(home / "intake").records("wms_events")]
    assert set(acknowledged) <= set(logged)
    assert len(logged) == len(set(logged))
    # re-sending them adds nothing: the door replayed the log
    with httpx.Client(base_url=restarted.url, headers=AUTH, timeout=30) as client:
        answer = client.post("/v1/events/wms_events", json=[wms(event_id) for event_id in acknowledged]).json()
        assert {r["status"] for r in answer["results"]} == {"duplicate"}
        # and the book counts each logged SHIP of 1 once
        atp = client.get("/v1/availability", params={"item": "SKU1", "location": "DC01"}).json()["locations"][0]["atp"]
    assert atp == [max(a - len(logged), 0.0) for a in SKU1_DC01_ATP]  # every balance lower by as many, floored at 0
    assert len([record for _, record in IntakeLog(home / "intake").records("wms_events")]) == len(logged)


def test_reads_answer_while_a_run_holds_the_live_warehouse_for_writing(home, services):
    live = home / "warehouse.duckdb"
    writer = duckdb.connect(str(live))  # what a Dagster run does: the service must start and answer beside it
    try:
        service = start_service(home)
        services.append(service)
        writer.execute("BEGIN TRANSACTION")
        writer.execute("CREATE TABLE main.run_scratch AS SELECT range AS i FROM range(100000)")
        with httpx.Client(base_url=service.url, headers=AUTH, timeout=5) as client:
            client.get("/v1/availability", params={"item": "SKU1"})  # a first request warms the connection
            took = []
            for _ in range(30):
                started = time.perf_counter()
                answer = client.get("/v1/availability", params={"item": "SKU1", "location": "DC01"})
                took.append(time.perf_counter() - started)
                assert answer.status_code == 200 and answer.json()["locations"][0]["atp"] == SKU1_DC01_ATP
            assert client.post("/v1/events/wms_events", json=wms("W1")).json()["accepted"] == 1
        writer.execute("COMMIT")
        assert sorted(took)[len(took) // 2] < 0.1, took  # answered from memory, not waiting for the writer
    finally:
        writer.close()
    # and while the service runs, a run opens the live warehouse for writing (the service never opens it)
    with duckdb.connect(str(live)) as again:
        again.execute("INSERT INTO main.run_scratch VALUES (-1)")
        assert again.execute("SELECT count(*) FROM main.run_scratch").fetchone()[0] == 100_001
    assert service.process.poll() is None
