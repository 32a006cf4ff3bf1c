"""Where Planline keeps its local state: one folder, configurable by environment variables.

PLANLINE_HOME (default ``<repo>/.planline``) holds the DuckDB warehouse, the landing, processed,
rejected and export folders, the MLflow store, the Dagster home, the Great Expectations site and dbt's
run artifacts. Each path can be moved on its own (PLANLINE_DUCKDB_PATH, PLANLINE_LANDING_DIR, ...). PLANLINE_AS_OF fixes the
platform's "now" (ISO date or timestamp, UTC) for business rules (future dates, freshness); when
it is unset and the landing folder holds the demo company, "now" is the demo's last day of history.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from data_contracts.dbt_vars import dbt_var

REPO_ROOT = Path(__file__).resolve().parent.parent
# The first daily partition (go-live) unless PLANLINE_PARTITIONS_START says otherwise: the demo
# company's last month of history (orchestration/partitions.py).
DEFAULT_PARTITIONS_START = "2026-09-01"


class SettingsError(ValueError):
    """Environment settings Planline cannot run with: each problem names the variable, its value
    and what is expected (see ``orchestration.settings_check.validate_settings``)."""

    def __init__(self, problems: Sequence[tuple[str, str, str]]):
        self.problems = list(problems)
        described = "; ".join(f"{name}={value!r}: expected {expected}" for name, value, expected in self.problems)
        count = f"{len(self.problems)} invalid setting" + ("s" if len(self.problems) > 1 else "")
        super().__init__(f"Planline cannot start, {count}: {described}. Fix the environment variable(s) and run again.")


AS_OF_EXPECTED = (
    "an ISO date or timestamp (a date: the end of that business day; a timestamp: UTC unless it carries an offset), e.g. 2026-09-30 or 2026-09-30T18:00:00Z"
)


def business_timezone() -> ZoneInfo:
    """The zone business days are counted in (PLANLINE_BUSINESS_TIMEZONE, dbt var
    business_timezone); UTC while the setting is invalid (the settings check names it)."""
    try:
        return ZoneInfo(dbt_var("business_timezone"))
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def business_day(moment: datetime) -> date:
    """The business day of a naive UTC time."""
    return moment.replace(tzinfo=UTC).astimezone(business_timezone()).date()


def parse_as_of(value: str) -> datetime:
    """PLANLINE_AS_OF's value as naive UTC; a date means the end of that business day (in
    PLANLINE_BUSINESS_TIMEZONE: an event of 23:30 UTC on the 30th is the 1st in Paris, after an
    as-of of the 30th)."""
    try:
        day = date.fromisoformat(value)
    except ValueError:
        day = None
    if day is not None:
        end_of_day = datetime.combine(day, time(23, 59, 59), tzinfo=business_timezone())
        return end_of_day.astimezone(UTC).replace(tzinfo=None)
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise SettingsError([("PLANLINE_AS_OF", value, AS_OF_EXPECTED)]) from None
    return parsed.astimezone(UTC).replace(tzinfo=None) if parsed.tzinfo else parsed


@dataclass(frozen=True)
class Settings:
    home: Path
    warehouse: Path
    landing: Path
    rejected: Path
    processed: Path
    exports: Path
    mlflow: Path
    dagster_home: Path
    gx_root: Path
    dbt_state: Path

    def ensure_dirs(self) -> None:
        for folder in (
            self.home,
            self.landing,
            self.rejected,
            self.processed,
            self.exports,
            self.mlflow,
            self.dagster_home,
            self.gx_root,
            self.dbt_state,
            self.warehouse.parent,
        ):
            folder.mkdir(parents=True, exist_ok=True)


def _path(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    return Path(value).expanduser().resolve() if value else default


def load_settings() -> Settings:
    home = _path("PLANLINE_HOME", REPO_ROOT / ".planline")
    return Settings(
        home=home,
        warehouse=_path("PLANLINE_DUCKDB_PATH", home / "warehouse.duckdb"),
        landing=_path("PLANLINE_LANDING_DIR", home / "landing"),
        rejected=_path("PLANLINE_REJECTED_DIR", home / "rejected"),
        processed=_path("PLANLINE_PROCESSED_DIR", home / "processed"),
        exports=_path("PLANLINE_EXPORT_DIR", home / "exports"),
        mlflow=_path("PLANLINE_MLFLOW_DIR", home / "mlflow"),
        dagster_home=_path("DAGSTER_HOME", home / "dagster_home"),
        gx_root=_path("PLANLINE_GX_DIR", home / "great_expectations"),
        # dbt's run artifacts and its partial-parse state for this warehouse (see parse_project)
        dbt_state=_path("PLANLINE_DBT_STATE_DIR", home / "dbt"),
    )


def export_environment(settings: Settings) -> None:
    """Default the variables that dbt's profile and the Dagster resources read from the settings,
    so that every process (Dagster, dbt, a `dbt parse`) sees the same paths."""
    os.environ.setdefault("PLANLINE_DUCKDB_PATH", str(settings.warehouse))
    os.environ.setdefault("PLANLINE_LANDING_DIR", str(settings.landing))
    os.environ.setdefault("PLANLINE_REJECTED_DIR", str(settings.rejected))
    os.environ.setdefault("PLANLINE_PROCESSED_DIR", str(settings.processed))
    os.environ.setdefault("PLANLINE_EXPORT_DIR", str(settings.exports))
    os.environ.setdefault("PLANLINE_MLFLOW_DIR", str(settings.mlflow))
    # where the MLflow UI runs (make mlflow-ui), for the run links in the assets' metadata
    os.environ.setdefault("PLANLINE_MLFLOW_UI_URL", "http://127.0.0.1:5000")
    os.environ.setdefault("DBT_TARGET_PATH", str(settings.dbt_state))


def home_environment(home: Path) -> dict[str, str]:
    """The variables that put every Planline path (and dbt's run state) under ``home``: for a
    second deployment on one machine, a benchmark or a test."""
    return {
        "PLANLINE_HOME": str(home),
        "PLANLINE_DUCKDB_PATH": str(home / "warehouse.duckdb"),
        "PLANLINE_LANDING_DIR": str(home / "landing"),
        "PLANLINE_REJECTED_DIR": str(home / "rejected"),
        "PLANLINE_PROCESSED_DIR": str(home / "processed"),
        "PLANLINE_EXPORT_DIR": str(home / "exports"),
        "PLANLINE_MLFLOW_DIR": str(home / "mlflow"),
        "PLANLINE_DBT_STATE_DIR": str(home / "dbt"),
        "DBT_TARGET_PATH": str(home / "dbt"),
        "DAGSTER_HOME": str(home / "dagster_home"),
    }


DEMO_MANIFEST = "demo_manifest.json"


def fixed_as_of() -> datetime | None:
    """PLANLINE_AS_OF, else the end of the demo company's history when the landing folder holds
    it (so runs from the UI judge the demo as `make demo` does), as naive UTC; else None."""
    value = os.environ.get("PLANLINE_AS_OF")
    if not value:
        manifest = load_settings().landing / DEMO_MANIFEST
        if manifest.exists():
            value = json.loads(manifest.read_text())["end_date"]
    if not value:
        return None
    return parse_as_of(value)


def as_of() -> datetime:
    """The platform's current time as naive UTC: ``fixed_as_of()``, else now."""
    return fixed_as_of() or datetime.now(UTC).replace(tzinfo=None, microsecond=0)
