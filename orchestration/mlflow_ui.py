"""Open the MLflow UI on Planline's tracking store: ``make mlflow-ui`` (http://127.0.0.1:5000).

The store is the local one in PLANLINE_HOME (``PLANLINE_MLFLOW_DIR``) unless MLFLOW_TRACKING_URI
points elsewhere, in which case that server has its own UI. Binds to 127.0.0.1 unless
MLFLOW_UI_HOST says otherwise.
"""

import os
import sys
from pathlib import Path

from orchestration.ports import PortInUseError, check_port_free
from orchestration.settings_check import settings_or_exit


def main() -> None:
    settings = settings_or_exit()
    from ml.forecasting.tracking import tracking_store

    store = tracking_store(settings.mlflow)
    if store.artifact_root is None:
        sys.exit(f"MLFLOW_TRACKING_URI is set ({store.uri}): open that server's UI instead")
    mlflow = str(Path(sys.executable).parent / "mlflow")
    host, port = os.environ.get("MLFLOW_UI_HOST", "127.0.0.1"), os.environ.get("MLFLOW_UI_PORT", "5000")
    try:
        check_port_free(int(port), host, "MLFLOW_UI_PORT")
    except PortInUseError as error:
        print(f"planline: the MLflow UI cannot start: {error}", file=sys.stderr)
        raise SystemExit(1) from None
    print(f"MLflow UI on http://{host}:{port} (store {store.uri})", flush=True)
    os.execv(mlflow, [mlflow, "ui", "--backend-store-uri", store.uri, "--host", host, "--port", port])


if __name__ == "__main__":
    main()
