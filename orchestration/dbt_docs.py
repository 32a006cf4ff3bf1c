"""``make dbt-docs``: dbt's documentation site of Planline's warehouse, on 127.0.0.1.

    python -m orchestration.dbt_docs             (http://127.0.0.1:8080; PLANLINE_DBT_DOCS_PORT for another port)
    python -m orchestration.dbt_docs --no-serve  (generate only, and print the site's folder)

``dbt docs generate`` puts the models' YAML (descriptions, tests, declared types) next to the
warehouse's catalog (every table's columns and types as DuckDB holds them), so it needs a built
warehouse: the settings' (PLANLINE_HOME, PLANLINE_DUCKDB_PATH), with the environment every dbt
step runs with (``Settings.dbt_environment``). Without one it says so in one line and exits with
status 2.

dbt-duckdb opens its database for writing, and a process holding the live warehouse makes the
runs' steps fail on its lock (`docs/operations.md`, One writer). So dbt reads a private
copy of the readers' copy every run publishes (``published/warehouse.duckdb``), made in the
site's folder (``docs`` in dbt's state folder) and deleted once the catalog is written: the docs
describe the warehouse as the last run left it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from orchestration.dbt_project import DBT_EXECUTABLE, DBT_PROJECT_DIR
from orchestration.ports import PortInUseError, check_port_free
from orchestration.settings import Settings
from orchestration.settings_check import settings_or_exit
from orchestration.warehouse_snapshot import published_path

HOST = "127.0.0.1"
PORT_VARIABLE = "PLANLINE_DBT_DOCS_PORT"
DEFAULT_PORT = 8080


def docs_folder(settings: Settings) -> Path:
    """Where the site (``index.html``, ``manifest.json``, ``catalog.json``) is written."""
    return settings.dbt_state / "docs"


def docs_port(environ: Mapping[str, str] = os.environ) -> int:
    """PLANLINE_DBT_DOCS_PORT, else 8080; a value that is not a TCP port exits with status 2."""
    value = environ.get(PORT_VARIABLE) or str(DEFAULT_PORT)
    if not value.isdigit() or not 1 <= int(value) <= 65535:
        print(f"planline: {PORT_VARIABLE} is '{value}': expected a TCP port number (1 to 65535)", file=sys.stderr)
        raise SystemExit(2)
    return int(value)


def readers_copy(settings: Settings) -> Path:
    """The published copy of the settings' warehouse; exits with status 2 and one line when the
    warehouse has not been built (or no run has published it) yet."""
    published = published_path(settings.warehouse)
    if not settings.warehouse.is_file():
        problem = f"no warehouse at {settings.warehouse}"
    elif not published.is_file():
        problem = f"no published copy of the warehouse at {published} (every run that writes the warehouse publishes one when it ends)"
    else:
        return published
    print(f"planline: {problem}: dbt's docs describe a built warehouse; run `make demo` or a data run of the company first", file=sys.stderr)
    raise SystemExit(2)


def dbt_error(output: str) -> str:
    """dbt's own message of a failed command (its "Encountered an error:" lines, without the
    traceback dbt prints after them), else the output's last line."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    if "Encountered an error:" in lines:
        message = []
        for line in lines[lines.index("Encountered an error:") + 1 :]:
            if line.startswith("Traceback"):
                break
            message.append(line)
        return " ".join(message)
    return lines[-1] if lines else "no output"


def _project_options(target: Path) -> list[str]:
    # dbt's log beside the site, not in the project's logs folder
    return ["--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR), "--target-path", str(target), "--log-path", str(target)]


def _dbt_environment(settings: Settings, warehouse: Path) -> dict[str, str]:
    """This process's environment with the settings' dbt variables, the warehouse being ``warehouse``."""
    return {**os.environ, **settings.dbt_environment(), "PLANLINE_DUCKDB_PATH": str(warehouse)}


def generate(settings: Settings) -> Path:
    """`dbt docs generate` over a copy of the published warehouse; returns the site's folder.
    A failure (a model that does not compile) exits with status 1 and dbt's message."""
    target = docs_folder(settings)
    target.mkdir(parents=True, exist_ok=True)
    # the copy's name is the warehouse's: DuckDB names the database after the file, as the models' relations do
    warehouse = target / settings.warehouse.name
    shutil.copy(readers_copy(settings), warehouse)
    try:
        command = [DBT_EXECUTABLE, "docs", "generate", *_project_options(target), "--quiet"]
        generated = subprocess.run(command, env=_dbt_environment(settings, warehouse), capture_output=True, text=True, check=False)
    finally:
        warehouse.unlink(missing_ok=True)
    if generated.returncode != 0:
        print(f"planline: dbt docs generate failed: {dbt_error(generated.stdout + generated.stderr)}", file=sys.stderr)
        raise SystemExit(1)
    return target


def serve(settings: Settings, folder: Path, port: int) -> None:
    """Replace this process by `dbt docs serve` on ``HOST:port`` (Ctrl-C stops it): it serves the
    site's files and opens no database."""
    command = [DBT_EXECUTABLE, "docs", "serve", *_project_options(folder), "--host", HOST, "--port", str(port), "--no-browser"]
    print(f"dbt docs on http://{HOST}:{port} (warehouse {settings.warehouse})", flush=True)
    os.execve(DBT_EXECUTABLE, command, _dbt_environment(settings, settings.warehouse))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m orchestration.dbt_docs", description="Generate dbt's docs of the warehouse and serve them on 127.0.0.1.")
    parser.add_argument("--no-serve", action="store_true", help="only generate the site, and print its folder")
    args = parser.parse_args(argv)
    settings = settings_or_exit()
    readers_copy(settings)  # before anything else: without a warehouse there is nothing to document
    port = None if args.no_serve else docs_port()
    if port is not None:
        try:  # before the generation's half minute, not after
            check_port_free(port, HOST, PORT_VARIABLE)
        except PortInUseError as error:
            print(f"planline: dbt's docs cannot be served: {error}", file=sys.stderr)
            raise SystemExit(1) from None
    folder = generate(settings)
    if port is None:
        print(folder)
        return
    serve(settings, folder, port)


if __name__ == "__main__":
    main()
