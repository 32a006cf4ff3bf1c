"""Health, readiness, the OpenAPI, authentication and access logs of the live service, over HTTP."""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import subprocess
import sys

from tests.service.conftest import AUTH, ROOT, TOKEN, build_home, publish, service_env, wms

AVAILABILITY = {"item": "SKU1", "location": "DC01"}


def test_health_answers_and_ready_waits_for_a_published_copy(tmp_path, make_client):
    home = build_home(tmp_path / "home", published=False)
    client = make_client(home)
    assert client.get("/health").status_code == 200
    before = client.get("/ready")
    assert before.status_code == 503 and before.json()["ready"] is False
    assert "no published copy" in before.json()["reason"] and "published" in before.json()["reason"]
    # nothing is answered from a copy that is not there: the intake says why
    refused = client.post("/v1/events/wms_events", json=wms("E1"), headers=AUTH)
    assert refused.status_code == 503 and "no published copy" in refused.json()["detail"]
    publish(home, run_id="run-7")  # a run publishes: the next tick loads it
    client.app.state.live.tick()
    after = client.get("/ready")
    assert after.status_code == 200, after.text
    assert after.json()["ready"] is True and after.json()["run_id"] == "run-7"
    assert after.json()["availability"]["ready"] is True
    assert client.post("/v1/events/wms_events", json=wms("E1"), headers=AUTH).json()["accepted"] == 1


def test_ready_says_why_availability_cannot_answer_without_a_plan(tmp_path, make_client):
    client = make_client(build_home(tmp_path / "home", plan=False))
    ready = client.get("/ready").json()
    assert ready["ready"] is True and ready["availability"]["ready"] is False
    assert "available_to_promise" in ready["availability"]["reason"]
    answer = client.get("/v1/availability", params=AVAILABILITY, headers=AUTH)
    assert answer.status_code == 503 and "available_to_promise" in answer.json()["detail"]
    assert client.post("/v1/events/wms_events", json=wms("E1"), headers=AUTH).json()["accepted"] == 1  # the intake works


def test_the_openapi_is_served_with_every_route(client):
    spec = client.get("/openapi.json")
    assert spec.status_code == 200
    paths = spec.json()["paths"]
    for path in ("/health", "/ready", "/v1/events/{source}", "/v1/availability", "/v1/quotes", "/v1/reservations/{reservation_id}/confirm"):
        assert path in paths, path
    docs = client.get("/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()


def test_a_write_needs_the_token(client):
    missing = client.post("/v1/events/wms_events", json=wms("E1"))
    assert missing.status_code == 401 and missing.headers["www-authenticate"] == "Bearer"
    wrong = client.post("/v1/events/wms_events", json=wms("E1"), headers={"Authorization": "Bearer not-the-token"})
    assert wrong.status_code == 401 and wrong.headers["www-authenticate"] == "Bearer"
    not_bearer = client.post("/v1/events/wms_events", json=wms("E1"), headers={"Authorization": f"Basic {TOKEN}"})
    assert not_bearer.status_code == 401
    quote = {"item": "SKU1", "quantity": 1, "requested_date": "2026-09-30", "customer": "KA1"}
    assert client.post("/v1/quotes", json=quote).status_code == 401
    assert client.delete("/v1/reservations/anything").status_code == 401
    # nothing refused reached the log
    assert list(client.app.state.live.log.records("wms_events")) == []
    assert client.post("/v1/events/wms_events", json=wms("E1"), headers=AUTH).status_code == 200


def test_reads_need_the_token_unless_reads_are_open(home, make_client):
    closed = make_client(home)
    assert closed.get("/v1/availability", params=AVAILABILITY).status_code == 401
    assert closed.get("/v1/availability", params=AVAILABILITY, headers=AUTH).status_code == 200
    make_client.close(closed)  # one service per home (the intake log's writer lock)
    opened = make_client(home, PLANLINE_SERVICE_OPEN_READS="true")
    assert opened.get("/v1/availability", params=AVAILABILITY).status_code == 200
    assert opened.post("/v1/events/wms_events", json=wms("E1")).status_code == 401  # writes still need it


def test_python_m_service_token_keeps_the_digest_never_the_token(home, make_client):
    env = {**os.environ, **service_env(home)}
    env.pop("PLANLINE_SERVICE_TOKEN")
    made = subprocess.run([sys.executable, "-m", "service", "token"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip().splitlines()[-1]
    path = home / "service" / "token.sha256"
    stored = path.read_text().strip()
    assert len(stored) == 64 and all(c in "0123456789abcdef" for c in stored)
    assert stored == hashlib.sha256(token.encode()).hexdigest() and token not in path.read_text()
    assert path.stat().st_mode & 0o077 == 0  # readable by its owner only
    client = make_client(home, PLANLINE_SERVICE_TOKEN="")  # the token comes from the file
    assert client.post("/v1/events/wms_events", json=wms("E1"), headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert client.post("/v1/events/wms_events", json=wms("E2"), headers=AUTH).status_code == 401


def test_without_a_company_the_service_says_so_and_starts_nothing(tmp_path):
    env = {**os.environ, **service_env(tmp_path / "empty")}
    env.pop("PLANLINE_SERVICE_TOKEN")
    started = subprocess.run([sys.executable, "-m", "service"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert started.returncode == 2 and "Traceback" not in started.stderr
    assert "no company configuration here" in started.stderr and "scaffold" in started.stderr
    assert not (tmp_path / "empty" / "service" / "token.sha256").exists()  # no token made for a service that did not start


def test_without_any_token_configured_a_write_is_refused_saying_how_to_make_one(home, make_client):
    client = make_client(home, PLANLINE_SERVICE_TOKEN="")
    refused = client.post("/v1/events/wms_events", json=wms("E1"), headers=AUTH)
    assert refused.status_code == 401 and "python -m service token" in refused.json()["detail"]


def _access_lines(run) -> list[dict]:
    """The access log's lines written while ``run()`` runs, parsed."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger("planline.access")
    logger.addHandler(handler)
    try:
        run()
    finally:
        logger.removeHandler(handler)
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_one_access_line_per_request_without_its_query_string(client):
    responses = []

    def run():
        responses.append(client.get("/v1/availability", params={"item": "SECRET-CODE-42", "location": "DC01"}, headers={**AUTH, "X-Request-ID": "req-1.a_b"}))
        responses.append(client.post("/v1/events/wms_events", json=wms("E1")))  # refused: logged too
        responses.append(client.get("/health"))

    lines = _access_lines(run)
    assert [(line["method"], line["path"], line["status"]) for line in lines] == [
        ("GET", "/v1/availability", 404),
        ("POST", "/v1/events/wms_events", 401),
        ("GET", "/health", 200),
    ]
    assert all(isinstance(line["ms"], float | int) and line["ms"] >= 0 and line["time"] for line in lines)
    assert "SECRET-CODE-42" not in json.dumps(lines) and "?" not in lines[0]["path"]
    # the caller's request id is echoed and logged; others get one of their own
    assert responses[0].headers["x-request-id"] == "req-1.a_b" and lines[0]["request_id"] == "req-1.a_b"
    assert responses[1].headers["x-request-id"] == lines[1]["request_id"] and lines[1]["request_id"] != lines[2]["request_id"]


def test_a_request_id_that_is_not_safe_to_log_is_replaced(client):
    lines = _access_lines(lambda: client.get("/health", headers={"X-Request-ID": 'x" injected\\n'}))
    [line] = lines
    assert "injected" not in line["request_id"] and len(line["request_id"]) >= 8
