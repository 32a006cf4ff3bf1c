"""A property-based run of the service's OpenAPI with schemathesis: requests generated from the
schema of every operation, with the token, never get a server error (5xx)."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.python.asgi import shutdown_lifespans

from service.app import create_app
from service.config import load_service_settings
from tests.service.conftest import AUTH, service_env

EXAMPLES = 25  # per operation: the whole run stays well under a minute


@pytest.fixture
def app(home, monkeypatch):
    """The app on the hand-made home; schemathesis starts its lifespan on the first call, and it is
    ended here (the intake log closed) rather than at the interpreter's exit."""
    env = service_env(home)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    application = create_app(load_service_settings(env), start_background=False)
    yield application
    shutdown_lifespans()


def _run(operation, statuses: list[int], **fixed) -> None:
    @given(case=operation.as_strategy(**fixed))
    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def call(case):
        statuses.append(case.call_and_validate(headers=AUTH, checks=[not_a_server_error]).status_code)

    call()


def test_no_generated_request_gets_a_server_error(app):
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = {(op.method.upper(), op.path): op for op in (result.ok() for result in schema.get_all_operations())}
    assert {("POST", "/v1/events/{source}"), ("GET", "/v1/availability"), ("POST", "/v1/quotes"), ("DELETE", "/v1/reservations/{reservation_id}")} <= set(
        operations
    )
    statuses: dict[str, list[int]] = {}
    for (method, path), operation in operations.items():
        _run(operation, statuses.setdefault(f"{method} {path}", []))
    # generated events sent to each real source reach the door (any shape: answered, never a crash)
    for source in ("wms_events", "oms_events", "pos_sales"):
        _run(operations["POST", "/v1/events/{source}"], statuses.setdefault(source, []), path_parameters={"source": source})
        assert 200 in statuses[source], statuses[source]
    assert all(codes for codes in statuses.values())
