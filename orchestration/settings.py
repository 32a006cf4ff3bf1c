"""Planline's settings: one frozen object (``Settings``, from ``load_settings()``).

Each value comes from the environment first (a PLANLINE_* variable set and not empty), then from
the company configuration (``company.yaml`` in the company folder, PLANLINE_COMPANY, default
``$PLANLINE_HOME/company``), then from its documented default (README, Configuration):

- the paths: PLANLINE_HOME (default ``<repo>/.planline``) holds the DuckDB warehouse, the landing,
  processed, rejected and export folders, the MLflow store, the Dagster home, the Great
  Expectations site and dbt's run artifacts; each can be moved on its own (PLANLINE_DUCKDB_PATH,
  PLANLINE_LANDING_DIR, ...);
- the as-of (PLANLINE_AS_OF, ``as_of``): the platform's "now" for business rules (future dates,
  freshness) and the last daily partition; unset, the clock;
- the business time zone, the warehouse's calendar and the horizons, which dbt reads too (vars of
  ``dbt_project.yml``: their defaults are written there; Planline passes the values to every dbt
  process, ``Settings.dbt_environment``);
- the first daily partition (go-live, PLANLINE_PARTITIONS_START, ``partitions_start``): by default
  the first day of the month of the last partition (the as-of day, else yesterday).

Loading the settings reads the environment and ``company.yaml``, nothing else: not the landing
folder, and it changes nothing (no environment variable is written). A value that does not parse
is a ``SettingsError`` naming the variable, or the file and key; ``orchestration.settings_check``
adds the folders and the settings that contradict each other.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from pathlib import Path
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from data_contracts.dbt_vars import dbt_env_var, dbt_var

REPO_ROOT = Path(__file__).resolve().parent.parent
COMPANY_FILE = "company.yaml"
DEFAULT_MLFLOW_UI_URL = "http://127.0.0.1:5000"


class SettingsError(ValueError):
    """Settings Planline cannot run with: each problem names the variable (or the company
    configuration's file and key), its value and what is expected (see
    ``orchestration.settings_check.validate_settings``)."""

    def __init__(self, problems: Sequence[tuple[str, str, str]]):
        self.problems = list(problems)
        described = "; ".join(f"{name}={value!r}: expected {expected}" for name, value, expected in self.problems)
        count = f"{len(self.problems)} invalid setting" + ("s" if len(self.problems) > 1 else "")
        super().__init__(f"Planline cannot start, {count}: {described}. Fix the environment variable(s) or the company configuration and run again.")


AS_OF_EXPECTED = (
    "an ISO date or timestamp (a date: the end of that business day; a timestamp: UTC unless it carries an offset), e.g. 2026-09-30 or 2026-09-30T18:00:00Z"
)
DATE_EXPECTED = "an ISO date such as 2026-09-01"
TIMEZONE_EXPECTED = "an IANA time zone name such as Europe/Paris"


@dataclass(frozen=True)
class _Setting:
    """A setting the environment or the company configuration gives."""

    field: str  # of Settings
    variable: str  # the environment variable (first)
    key: str  # company.yaml's key, dotted for a section's key (then)
    dbt_var: str | None = None  # the var of dbt_project.yml that reads the variable too (its default last)


CONFIGURED = (
    _Setting("as_of", "PLANLINE_AS_OF", "as_of"),
    _Setting("business_timezone", "PLANLINE_BUSINESS_TIMEZONE", "business_timezone", "business_timezone"),
    _Setting("partitions_start", "PLANLINE_PARTITIONS_START", "partitions_start"),
    _Setting("calendar_start", "PLANLINE_CALENDAR_START", "calendar.start", "calendar_start_date"),
    _Setting("calendar_end", "PLANLINE_CALENDAR_END", "calendar.end", "calendar_end_date"),
    _Setting("forecast_horizon_days", "PLANLINE_FORECAST_HORIZON_DAYS", "planning.forecast_horizon_days", "forecast_horizon_days"),
    _Setting("sop_horizon_months", "PLANLINE_SOP_HORIZON_MONTHS", "planning.sop_horizon_months", "sop_horizon_months"),
)
# Every variable load_settings reads (the settings check adds the others: ports, limits...).
SETTING_VARIABLES = (
    "PLANLINE_HOME",
    "PLANLINE_COMPANY",
    "PLANLINE_DUCKDB_PATH",
    "PLANLINE_LANDING_DIR",
    "PLANLINE_REJECTED_DIR",
    "PLANLINE_PROCESSED_DIR",
    "PLANLINE_EXPORT_DIR",
    "PLANLINE_MLFLOW_DIR",
    "DAGSTER_HOME",
    "PLANLINE_GX_DIR",
    "PLANLINE_DBT_STATE_DIR",
    "PLANLINE_MLFLOW_UI_URL",
    "PLANLINE_INTAKE_DIR",
    *(setting.variable for setting in CONFIGURED),
)


def company_settings(company_dir: Path) -> dict[str, str]:
    """The settings the company configuration (``company_dir/company.yaml``) holds, by key
    (``as_of``, ``business_timezone``, ``partitions_start``, ``calendar.start``, ``calendar.end``,
    ``planning.forecast_horizon_days``, ``planning.sop_horizon_months``), each as text; {} without
    the file. Other keys are the company model's (data_contracts.company), not read here. A file
    that is no YAML mapping, or a key that holds no single value, is a ``SettingsError`` naming
    the file and key; whether a value parses is ``load_settings``'s to say."""
    found, problems = _company_values(company_dir)
    if problems:
        raise SettingsError(problems)
    return found


def _company_values(company_dir: Path) -> tuple[dict[str, str], list[tuple[str, str, str]]]:
    """``company_settings``'s values and problems: the values of well-formed keys even when
    another key is not (every problem is reported at once)."""
    import yaml

    path = company_dir / COMPANY_FILE
    if not path.exists():
        return {}, []
    try:
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=_safe_loader_keeping_dates_as_text())
    except (OSError, UnicodeDecodeError, yaml.YAMLError, ValueError) as error:  # ValueError: an impossible date tagged !!timestamp
        return {}, [(str(path), type(error).__name__, f"a readable YAML file ({' '.join(str(error).split())})")]
    if document is None:
        return {}, []
    if not isinstance(document, dict):
        return {}, [(str(path), type(document).__name__, "a YAML mapping of keys such as as_of, calendar: {start, end}")]
    found: dict[str, str] = {}
    problems = []
    for setting in CONFIGURED:
        section, _, name = setting.key.rpartition(".")
        holder = document.get(section) if section else document
        if holder is None:
            continue
        if not isinstance(holder, dict):
            problem = (f"{path}: {section}", str(holder), f"a mapping of keys such as {setting.key.split('.', 1)[1]}")
            if not any(known[0] == problem[0] for known in problems):  # once per section
                problems.append(problem)
            continue
        value = holder.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, str | int | float | date):
            problems.append((f"{path}: {setting.key}", str(value), "a single value (a date, a number or a name)"))
            continue
        found[setting.key] = value.isoformat() if isinstance(value, date) else str(value)  # a date tagged !!timestamp
    return found, problems


@cache
def _safe_loader_keeping_dates_as_text() -> type:
    """yaml.safe_load's loader, dates and timestamps left as text: PyYAML raises a bare ValueError
    for an impossible date (2026-13-01) before any key can be named; the settings parse them."""
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    Loader.yaml_implicit_resolvers = {
        first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    return Loader


def _path(environ: Mapping[str, str], name: str, default: Path) -> Path:
    value = environ.get(name)
    return Path(value).expanduser().resolve() if value else default


def _home_and_company(environ: Mapping[str, str]) -> tuple[Path, Path]:
    home = _path(environ, "PLANLINE_HOME", REPO_ROOT / ".planline")
    return home, _path(environ, "PLANLINE_COMPANY", home / "company")


def planline_environment(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment as Planline reads it: each configured variable set and not empty, else the
    company configuration's value under the variable's name. What ``dbt_var`` resolves against."""
    environ = os.environ if environ is None else environ
    company = company_settings(_home_and_company(environ)[1])
    values = {setting.variable: company[setting.key] for setting in CONFIGURED if setting.key in company}
    return {**values, **{name: value for name, value in environ.items() if value}}


def _zone(value: str) -> ZoneInfo:
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(TIMEZONE_EXPECTED) from None


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(DATE_EXPECTED) from None


def whole_number(low: int, high: int, what: str):
    """A parser of a whole number from ``low`` to ``high``; its ValueError says what is expected."""

    def parse(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            number = None
        if number is None or not low <= number <= high:
            raise ValueError(f"{what} from {low} to {high}")
        return number

    return parse


def _http_url(value: str) -> str:
    url = urlparse(value)
    if url.scheme not in ("http", "https") or not url.netloc:
        raise ValueError("an http(s) URL such as http://127.0.0.1:5000")
    return value


def _as_of(value: str, zone: ZoneInfo) -> datetime:
    try:
        day = date.fromisoformat(value)
    except ValueError:
        day = None
    if day is not None:
        end_of_day = datetime.combine(day, time(23, 59, 59), tzinfo=zone)
        return end_of_day.astimezone(UTC).replace(tzinfo=None)
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(AS_OF_EXPECTED) from None
    return parsed.astimezone(UTC).replace(tzinfo=None) if parsed.tzinfo else parsed


def business_timezone() -> ZoneInfo:
    """The zone business days are counted in (PLANLINE_BUSINESS_TIMEZONE, else the company
    configuration's, else dbt_project.yml's default); UTC while the setting is invalid (the
    settings check names it)."""
    try:
        return ZoneInfo(dbt_var("business_timezone"))
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def business_day(moment: datetime, zone: ZoneInfo | None = None) -> date:
    """The business day of a naive UTC time (in ``zone``, default ``business_timezone()``)."""
    return moment.replace(tzinfo=UTC).astimezone(zone or business_timezone()).date()


def parse_as_of(value: str, zone: ZoneInfo | None = None) -> datetime:
    """PLANLINE_AS_OF's value as naive UTC; a date means the end of that business day (in ``zone``,
    default the business time zone: an event of 23:30 UTC on the 30th is the 1st in Paris, after
    an as-of of the 30th)."""
    try:
        return _as_of(value, zone or business_timezone())
    except ValueError:
        raise SettingsError([("PLANLINE_AS_OF", value, AS_OF_EXPECTED)]) from None


@dataclass(frozen=True)
class Settings:
    """Every setting of a Planline deployment (see the module's docstring for where each comes from)."""

    home: Path
    warehouse: Path
    landing: Path
    rejected: Path
    processed: Path
    exports: Path
    mlflow: Path
    dagster_home: Path
    gx_root: Path
    dbt_state: Path  # dbt's run artifacts and its partial-parse state for this warehouse (see parse_project)
    company_dir: Path  # the company configuration (company.yaml)
    intake: Path  # the live service's intake log (docs/service.md), folded into the landing folder
    as_of: datetime | None  # the platform's "now" as naive UTC; None: the clock
    business_timezone: str  # IANA name: business days of UTC timestamps
    partitions_start: date  # the first daily partition (go-live); it also holds every earlier day
    calendar_start: date  # the warehouse's calendar (dim_date)
    calendar_end: date
    forecast_horizon_days: int
    sop_horizon_months: int
    mlflow_ui_url: str  # the MLflow UI the run links in the assets' metadata point to
    # where each configured value came from: its variable, or company.yaml's file and key (absent: the default)
    sources: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.business_timezone)

    def business_day(self, moment: datetime) -> date:
        """The business day of a naive UTC time."""
        return business_day(moment, self.zone)

    def now(self) -> datetime:
        """The platform's current time as naive UTC: the as-of, else the clock."""
        return self.as_of or datetime.now(UTC).replace(tzinfo=None, microsecond=0)

    def today(self) -> date:
        """The business day of ``now()``."""
        return self.business_day(self.now())

    def source(self, name: str) -> str:
        """Where the setting ``name`` (a field) came from, for a message: its variable, or the
        company configuration's file and key; for a default, the variable that would set it."""
        return self.sources.get(name) or next(s.variable for s in CONFIGURED if s.field == name)

    def dbt_environment(self) -> dict[str, str]:
        """The variables every dbt process runs with (dbt_project.yml's vars and profiles.yml read
        them; dagster-dbt puts its run folders under DBT_TARGET_PATH): passed when dbt starts,
        never written into this process's environment at import."""
        environment = {}
        for setting in CONFIGURED:
            if setting.dbt_var:
                value = getattr(self, setting.field)
                environment[setting.variable] = value.isoformat() if isinstance(value, date) else str(value)
        return {**environment, "PLANLINE_DUCKDB_PATH": str(self.warehouse), "DBT_TARGET_PATH": str(self.dbt_state)}

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
            self.intake,
            self.warehouse.parent,
        ):
            folder.mkdir(parents=True, exist_ok=True)


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """The settings from ``environ`` (default the process's environment), the company
    configuration and the defaults. Raises ``SettingsError`` naming every value that does not
    parse (the variable, or company.yaml's file and key). Reads nothing but ``company.yaml``."""
    environ = os.environ if environ is None else environ
    home, company_dir = _home_and_company(environ)
    company, problems = _company_values(company_dir)
    sources: dict[str, str] = {}

    def configured(name: str, parse, default):
        setting = next(s for s in CONFIGURED if s.field == name)
        given = []  # (source, text), the one that applies first
        if environ.get(setting.variable):
            given.append((setting.variable, environ[setting.variable]))
        if setting.key in company:  # checked even when the variable hides it: it applies once the variable is unset
            given.append((f"{company_dir / COMPANY_FILE}: {setting.key}", company[setting.key]))
        values = []
        for source, text in given:
            try:
                values.append(parse(text))
            except ValueError as error:
                problems.append((source, text, str(error)))
                values.append(None)
        if not given or values[0] is None:
            return default() if callable(default) else default
        sources[name] = given[0][0]
        return values[0]

    def dbt_default(name: str) -> str:
        setting = next(s for s in CONFIGURED if s.field == name)
        return dbt_env_var(setting.dbt_var)[1]

    zone_name = configured("business_timezone", lambda v: _zone(v).key, dbt_default("business_timezone"))
    zone = ZoneInfo(zone_name)  # valid: a name that is not falls back to the default (and is reported)
    as_of = configured("as_of", lambda v: _as_of(v, zone), None)

    def month_start() -> date:  # of the last partition's day: the as-of day, else yesterday
        last = business_day(as_of, zone) if as_of else datetime.now(zone).date() - timedelta(days=1)
        return last.replace(day=1)

    mlflow_ui_url = environ.get("PLANLINE_MLFLOW_UI_URL") or DEFAULT_MLFLOW_UI_URL
    try:
        _http_url(mlflow_ui_url)
    except ValueError as error:
        problems.append(("PLANLINE_MLFLOW_UI_URL", mlflow_ui_url, str(error)))
    settings = Settings(
        home=home,
        warehouse=_path(environ, "PLANLINE_DUCKDB_PATH", home / "warehouse.duckdb"),
        landing=_path(environ, "PLANLINE_LANDING_DIR", home / "landing"),
        rejected=_path(environ, "PLANLINE_REJECTED_DIR", home / "rejected"),
        processed=_path(environ, "PLANLINE_PROCESSED_DIR", home / "processed"),
        exports=_path(environ, "PLANLINE_EXPORT_DIR", home / "exports"),
        mlflow=_path(environ, "PLANLINE_MLFLOW_DIR", home / "mlflow"),
        dagster_home=_path(environ, "DAGSTER_HOME", home / "dagster_home"),
        gx_root=_path(environ, "PLANLINE_GX_DIR", home / "great_expectations"),
        dbt_state=_path(environ, "PLANLINE_DBT_STATE_DIR", home / "dbt"),
        company_dir=company_dir,
        intake=_path(environ, "PLANLINE_INTAKE_DIR", home / "intake"),
        as_of=as_of,
        business_timezone=zone_name,
        partitions_start=configured("partitions_start", _date, month_start),
        calendar_start=configured("calendar_start", _date, date.fromisoformat(dbt_default("calendar_start"))),
        calendar_end=configured("calendar_end", _date, date.fromisoformat(dbt_default("calendar_end"))),
        forecast_horizon_days=configured("forecast_horizon_days", whole_number(1, 365, "a whole number of days"), int(dbt_default("forecast_horizon_days"))),
        sop_horizon_months=configured("sop_horizon_months", whole_number(1, 60, "a whole number of months"), int(dbt_default("sop_horizon_months"))),
        mlflow_ui_url=mlflow_ui_url,
        sources=sources,
    )
    if problems:
        raise SettingsError(problems)
    return settings


def home_environment(home: Path) -> dict[str, str]:
    """The variables that put every Planline path (and dbt's run state, and the company
    configuration) under ``home``: for a second deployment on one machine, a benchmark or a test."""
    return {
        "PLANLINE_HOME": str(home),
        "PLANLINE_COMPANY": str(home / "company"),
        "PLANLINE_DUCKDB_PATH": str(home / "warehouse.duckdb"),
        "PLANLINE_LANDING_DIR": str(home / "landing"),
        "PLANLINE_REJECTED_DIR": str(home / "rejected"),
        "PLANLINE_PROCESSED_DIR": str(home / "processed"),
        "PLANLINE_EXPORT_DIR": str(home / "exports"),
        "PLANLINE_MLFLOW_DIR": str(home / "mlflow"),
        "PLANLINE_DBT_STATE_DIR": str(home / "dbt"),
        "PLANLINE_INTAKE_DIR": str(home / "intake"),
        "DBT_TARGET_PATH": str(home / "dbt"),
        "DAGSTER_HOME": str(home / "dagster_home"),
    }


def fixed_as_of() -> datetime | None:
    """The as-of setting (PLANLINE_AS_OF, else company.yaml's ``as_of``) as naive UTC, or None
    when "now" is the clock. A value that does not parse is a ``SettingsError`` naming it."""
    return load_settings().as_of


def as_of() -> datetime:
    """The platform's current time as naive UTC: ``fixed_as_of()``, else now."""
    return load_settings().now()
