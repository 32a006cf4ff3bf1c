"""``make ui``: Dagster's UI and daemon (``dagster dev``) on Planline's local instance, and the live
service beside it (``python -m service``, docs/service.md).

    python -m orchestration.ui    (http://127.0.0.1:3000; PLANLINE_UI_PORT for another port;
                                   the service on http://127.0.0.1:8000, PLANLINE_SERVICE_PORT)

Before ``dagster dev`` starts: the settings are checked (``settings_check``), ``dagster.yaml`` is
written (``instance``) and the port must be free. A second ``make ui`` stops there, naming the
process that holds the port, instead of starting a daemon beside a web server that could not
listen. (``dagster dev`` picks a free port for its code server by itself.)
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from orchestration.instance import prepare_instance
from orchestration.ports import PortInUseError, check_port_free
from orchestration.settings import REPO_ROOT
from orchestration.settings_check import settings_or_exit

HOST = "127.0.0.1"
PORT_VARIABLE = "PLANLINE_UI_PORT"
DEFAULT_PORT = 3000


def ui_port() -> int:
    """The web server's port: PLANLINE_UI_PORT (checked by ``validate_settings``), else 3000."""
    return int(os.environ.get(PORT_VARIABLE) or DEFAULT_PORT)


def _start_service() -> subprocess.Popen | None:
    """The live service in a child process (the same process group: Ctrl-C stops both). A port
    already taken (a service of an earlier make ui or make serve) is said, and Dagster starts alone."""
    from service.config import load_service_settings

    service = load_service_settings()
    try:
        check_port_free(service.port, service.host, "PLANLINE_SERVICE_PORT")
    except PortInUseError as error:
        print(f"planline: the live service is not started: {error}", file=sys.stderr)
        return None
    return subprocess.Popen([sys.executable, "-m", "service"], cwd=REPO_ROOT)


def main() -> None:
    settings = settings_or_exit()
    port = ui_port()
    try:
        check_port_free(port, HOST, PORT_VARIABLE)
    except PortInUseError as error:
        print(f"planline: the Dagster UI cannot start: {error}", file=sys.stderr)
        raise SystemExit(1) from None
    service = _start_service()
    prepare_instance(settings.dagster_home)  # and DAGSTER_HOME for dagster dev
    dagster = str(Path(sys.executable).parent / "dagster")
    print(f"Dagster UI on http://{HOST}:{port} (DAGSTER_HOME={settings.dagster_home})", flush=True)
    if service is not None:
        print(f"the live service runs beside it (pid {service.pid}); it stops with Ctrl-C, as dagster dev does", flush=True)
    os.chdir(REPO_ROOT)  # workspace.yaml's working directory is the repository
    os.execv(dagster, [dagster, "dev", "-w", "workspace.yaml", "-h", HOST, "-p", str(port)])


if __name__ == "__main__":
    main()
