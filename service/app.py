"""The FastAPI application: ``create_app(settings)``; ``python -m service`` serves it on uvicorn.

The routes (``service/routes``) are thin: they check the token (``auth``), parse and answer; the
work is the live state's (``service.state.LiveState``): the intake log, the door's contract check
and the availability book, loaded from the readers' copy of the warehouse and refreshed when a run
publishes a new one. The service never opens the warehouse Dagster's runs write.
"""

from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI

from service.access_log import AccessLogMiddleware, configure_access_log
from service.config import ServiceSettings, load_service_settings
from service.errors import install_handlers
from service.routes import availability, health, intake, promising
from service.state import LiveState

DESCRIPTION = """Planline's live side, beside Dagster's batch runs.

- **Intake**: events of the company's streams (WMS movements, OMS order lines, POS sales), checked at
  the door by the same source mappings and data contracts as files, durable before the answer, folded
  into the warehouse by the daily partitions.
- **Availability**: ATP and ATS by item (any mapped code) x location (x channel) and day: the last
  published plan plus every event received since its watermark.
- **Promising**: quotes from ATP under the allocation and routing rules, with reservations that expire
  unless confirmed.

Writes need `Authorization: Bearer <token>`; reads too unless the service runs with open reads.
"""


def create_app(settings: ServiceSettings | None = None, start_background: bool = True) -> FastAPI:
    """The service's application. ``start_background``: the thread that seals and folds the intake
    log, expires reservations and reloads a newly published plan (tests may drive ``state.tick()``)."""
    settings = settings or load_service_settings()
    state = LiveState(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        state.start(background=start_background)
        try:
            yield
        finally:
            state.close()

    app = FastAPI(title="Planline service", version="1", description=DESCRIPTION, lifespan=lifespan)
    app.state.settings = settings
    app.state.live = state
    for module in (health, intake, availability, promising):
        app.include_router(module.router)
    install_handlers(app)
    configure_access_log()
    app.add_middleware(AccessLogMiddleware)
    return app
