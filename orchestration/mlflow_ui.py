"""Open the MLflow UI on Planline's tracking store: ``make mlflow-ui`` (http://127.0.0.1:5000).

The store is the local one in PLANLINE_HOME (``PLANLINE_MLFLOW_DIR``) unless MLFLOW_TRACKING_URI
points elsewhere, in which case that server has its own UI. Binds to 127.0.0.1 unless
MLFLOW_UI_HOST says otherwise.
"""

import os
import sys
from pathlib import Path

from ml.forecasting.tracking import tracking_store
from orchestration.settings import load_settings


def main() -> None:
    store = tracking_store(load_settings().mlflow)
    if store.artifact_root is None:
        sys.exit(f"MLFLOW_TRACKING_URI is set ({store.uri}): open that server's UI instead")
    mlflow = str(Path(sys.executable).parent / "mlflow")
    host, port = os.environ.get("MLFLOW_UI_HOST", "127.0.0.1"), os.environ.get("MLFLOW_UI_PORT", "5000")
    print(f"MLflow UI on http://{host}:{port} (store {store.uri})", flush=True)
    os.execv(mlflow, [mlflow, "ui", "--backend-store-uri", store.uri, "--host", host, "--port", port])


if __name__ == "__main__":
    main()
