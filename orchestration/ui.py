"""``make ui``: Dagster's UI and daemon (``dagster dev``) on Planline's local instance.

    python -m orchestration.ui    (http://127.0.0.1:3000; PLANLINE_UI_PORT for another port)

Before ``dagster dev`` starts: the settings are checked (``settings_check``), ``dagster.yaml`` is
written (``instance``) and the port must be free. A second ``make ui`` stops there, naming the
process that holds the port, instead of starting a daemon beside a web server that could not
listen. (``dagster dev`` picks a free port for its code server by itself.)
"""

from __future__ import annotations

import os
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


def main() -> None:
    settings = settings_or_exit()
    port = ui_port()
    try:
        check_port_free(port, HOST, PORT_VARIABLE)
    except PortInUseError as error:
        print(f"planline: the Dagster UI cannot start: {error}", file=sys.stderr)
        raise SystemExit(1) from None
    prepare_instance(settings.dagster_home)  # and DAGSTER_HOME for dagster dev
    dagster = str(Path(sys.executable).parent / "dagster")
    print(f"Dagster UI on http://{HOST}:{port} (DAGSTER_HOME={settings.dagster_home})", flush=True)
    os.chdir(REPO_ROOT)  # workspace.yaml's working directory is the repository
    os.execv(dagster, [dagster, "dev", "-w", "workspace.yaml", "-h", HOST, "-p", str(port)])


if __name__ == "__main__":
    main()
