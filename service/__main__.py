"""``python -m service``: the live service on uvicorn (``make serve``); ``python -m service token``:
a new write token (printed once; only its digest is kept).

    make serve                      # http://127.0.0.1:8000, OpenAPI at /docs and /openapi.json
    PLANLINE_SERVICE_PORT=8010 make serve
"""

from __future__ import annotations

import sys

from data_contracts.company import CompanyConfigError, load_company
from orchestration.ports import PortInUseError, check_port_free
from orchestration.settings import SettingsError
from orchestration.settings_check import settings_or_exit
from service.config import load_service_settings, new_token, token_file

USAGE = "usage: python -m service [token]"


def _settings():
    settings_or_exit()  # every variable checked first, each problem named (exit status 2)
    try:
        return load_service_settings()
    except SettingsError as error:
        print(f"planline: {error}", file=sys.stderr)
        raise SystemExit(2) from None


def make_token() -> None:
    settings = _settings()
    path = token_file(settings.planline)
    token = new_token(path)
    print(f"a new token for the service (shown once; its SHA-256 is kept in {path}, the previous token no longer works):\n{token}")


def serve() -> None:
    import uvicorn

    from service.app import create_app

    settings = _settings()
    try:
        check_port_free(settings.port, settings.host, "PLANLINE_SERVICE_PORT")
    except PortInUseError as error:
        print(f"planline: the service cannot start: {error}", file=sys.stderr)
        raise SystemExit(1) from None
    try:
        load_company(settings.planline.company_dir)
    except CompanyConfigError as error:  # no company yet (make demo writes the demo's), or a mapping to fix: said, not a traceback
        print(f"planline: the service cannot start: {error}", file=sys.stderr)
        raise SystemExit(2) from None
    if settings.token_digest is None:
        path = token_file(settings.planline)
        token = new_token(path)
        print(f"planline: no token was configured; writes need this one (shown once; its SHA-256 is kept in {path}):\n{token}", flush=True)
        settings = _settings()
    app = create_app(settings)
    print(f"Planline service on http://{settings.host}:{settings.port} (OpenAPI: /docs, /openapi.json)", flush=True)
    uvicorn.run(app, host=settings.host, port=settings.port, access_log=False, log_level="warning")


def main(argv: list[str]) -> None:
    if argv == ["token"]:
        make_token()
    elif not argv:
        serve()
    else:
        sys.exit(USAGE)


if __name__ == "__main__":
    main(sys.argv[1:])
