"""The live service's intake on the tiny company, end to end: events posted over HTTP are judged
at the door as the loader judged the same rows in a file, logged, folded into the landing folder
and loaded by the runs the landing sensor requests, with every acknowledged event harmonized or
quarantined under the rule the door gave.

The scenario takes the reference home (the tiny company through the data layer, published for
readers), starts the service on a copy, re-sends the last day's WMS and OMS events as they were
loaded (all duplicates: the files already brought them), then sends them again under new event
ids (new order ids for order lines; the generator's dirt included: the door must reject exactly the
rows the loader quarantined), folds the log and runs the day.
"""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from tests.conftest import duckdb_path, running_home
from tests.reference_home import copy_home

pytestmark = pytest.mark.e2e

DAY_FILES = {"wms_events": "wms/events_20260930.jsonl", "oms_events": "oms/events_20260930.jsonl"}
TOKEN = "e2e-intake-token"
LIVE = "-LIVE"


def _events(home: Path, relative: str) -> list[dict]:
    return [json.loads(line) for line in (home / "processed" / relative).read_text().splitlines() if line.strip()]


def _renewed(source: str, loaded: list[dict]) -> tuple[list[int], list[dict]]:
    """The file's rows (their row numbers) as new events: new event ids and, for order lines, new
    orders (a second placement of the same order line would be another order book: dbt's tests
    refuse it), keeping only the orders placed in the file itself."""
    if source != "oms_events":
        return list(range(1, len(loaded) + 1)), [e | {"event_id": f"{e['event_id']}{LIVE}"} for e in loaded]
    placed = {e.get("order_id") for e in loaded if e.get("event_type") == "LINE_PLACED"}
    kept = [(n, e) for n, e in enumerate(loaded, 1) if e.get("order_id") in placed]
    return [n for n, _ in kept], [e | {"event_id": f"{e['event_id']}{LIVE}", "order_id": f"{e['order_id']}{LIVE}"} for _, e in kept]


def _post(client, source: str, events: list[dict]) -> dict:
    response = client.post(f"/v1/events/{source}", json=events, headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture(scope="module")
def live(reference, tmp_path_factory):
    from fastapi.testclient import TestClient

    assert reference["success"], reference["step_failures"]
    home = copy_home(reference["home"], tmp_path_factory.mktemp("live") / "home")
    variables = {"PLANLINE_AS_OF": reference["manifest"]["end_date"], "PLANLINE_SERVICE_TOKEN": TOKEN, "PLANLINE_INTAKE_SEGMENT_SECONDS": "0.1"}
    with running_home(home, **variables) as (instance, _):
        from orchestration.definitions import defs as planline
        from orchestration.defs.ingestion.intake import intake_lags
        from orchestration.defs.ingestion.sensors import landing_sensor
        from service.app import create_app

        defs = planline()
        app = create_app(start_background=False)
        answers = {}
        with TestClient(app) as client:
            ready = client.get("/ready").json()
            for source, relative in DAY_FILES.items():
                loaded = _events(home, relative)
                rows, renewed = _renewed(source, loaded)
                answers[source] = {"again": _post(client, source, loaded), "new": _post(client, source, renewed), "rows": rows, "events": loaded}
            state = app.state.live
            state.log.seal_due()
            import time

            time.sleep(0.2)
            state.tick()  # seals what is due and folds it into the landing folder
            waiting = intake_lags(state.settings.intake_dir, state.settings.planline.landing)
            folded = sorted(p.relative_to(home / "landing").as_posix() for p in (home / "landing").rglob("*intake*"))
            resources = {"landing_zone": defs.resources["landing_zone"]}
            requested = landing_sensor(dg.build_sensor_context(instance=instance, definitions=defs, resources=resources))
            runs = [
                defs.resolve_job_def(r.job_name).execute_in_process(
                    instance=instance, partition_key=r.partition_key, tags=r.tags, asset_selection=r.asset_selection, raise_on_error=False
                )
                for r in requested.run_requests
            ]
            after = intake_lags(state.settings.intake_dir, state.settings.planline.landing)
        yield {"home": home, "ready": ready, "answers": answers, "folded": folded, "runs": runs, "waiting": waiting, "after": after}


def test_the_service_is_ready_on_the_published_copy(live):
    assert live["ready"]["ready"] and set(live["ready"]["sources"]) >= {"wms_events", "oms_events"}


def test_events_a_file_already_brought_are_duplicates_and_add_nothing(live):
    for source, answer in live["answers"].items():
        again = answer["again"]
        assert again["accepted"] == 0 and again["rejected"] == 0, (source, [r for r in again["results"] if r["status"] != "duplicate"][:3])
        assert again["duplicates"] == len(answer["events"])


def test_the_door_rejects_exactly_the_rows_the_loader_quarantined_with_the_same_rules(live, reference):
    """The file's rows under new ids: the door's rejections are the quarantine of the file's rows
    (rule by rule), its duplicates the file's repeated rows, the rest accepted."""
    with duckdb.connect(duckdb_path(reference["home"]), read_only=True) as con:
        for source, relative in DAY_FILES.items():
            quarantined = con.execute(
                "SELECT row_number, list(DISTINCT rule ORDER BY rule) FROM governance.quarantine WHERE source = ? AND source_file = ? GROUP BY 1",
                [source, relative],
            ).fetchall()
            rules_of_row = {row: rules for row, rules in quarantined}
            answer = live["answers"][source]
            for result in answer["new"]["results"]:
                row = answer["rows"][result["index"]]
                expected = rules_of_row.get(row)
                if expected is None:
                    assert result["status"] == "accepted", (source, row, result)
                elif expected == ["duplicate_row"]:
                    assert result["status"] == "duplicate", (source, row, result)  # identical: nothing to add
                else:
                    assert result["status"] == "rejected" and sorted({p["rule"] for p in result["problems"]}) == expected, (source, row, result)


def test_folded_events_are_loaded_by_the_days_runs_and_conserved(live):
    home = live["home"]
    assert live["folded"] and all(run.success for run in live["runs"]), [e.message for run in live["runs"] for e in run.get_step_failure_events()]
    assert sum(lag.waiting for lag in live["waiting"].values()) > 0
    assert sum(lag.waiting for lag in live["after"].values()) == 0  # loaded: nothing waits
    with duckdb.connect(duckdb_path(home), read_only=True) as con:
        for source in DAY_FILES:
            new = live["answers"][source]["new"]
            logged = new["accepted"] + new["rejected"]
            rows = con.execute(f"SELECT count(*) FROM raw.{source} WHERE _source_file LIKE '%intake%'").fetchone()[0]
            quarantined = con.execute(
                "SELECT count(DISTINCT (source_file, row_number)) FROM governance.quarantine WHERE source = ? AND source_file LIKE '%intake%'", [source]
            ).fetchone()[0]
            assert rows == logged and quarantined == new["rejected"], (source, rows, logged, quarantined)
        unaccounted = con.execute("SELECT sum(rows_unaccounted) FROM governance_marts.gov_row_conservation").fetchone()[0]
        assert unaccounted == 0
