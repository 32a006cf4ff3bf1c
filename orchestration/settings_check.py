"""Every Planline setting checked before anything happens.

    python -m orchestration.settings_check    (what ``make dbt-parse`` runs first)

Each entry point (``make demo``, ``make ui``, the code location, ``make mlflow-ui``, the data docs,
the benchmarks) calls ``validate_settings()`` before it writes anything: a folder that is a file or
cannot be written, an as-of date that is no date, a horizon that is no number, a company
configuration (``company.yaml``) that is no YAML or holds such a value... all come out together
in one ``SettingsError`` naming each variable (or the file and key), its value and what is
expected. The command lines print it as one paragraph, without a traceback, and exit with status
2 (``settings_or_exit``).
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable, Mapping
from datetime import date, timedelta
from pathlib import Path

from orchestration.settings import (
    COMPANY_FILE,
    DATE_EXPECTED,
    REPO_ROOT,
    SETTING_VARIABLES,
    Settings,
    SettingsError,
    load_settings,
    whole_number,
)

Problem = tuple[str, str, str]  # variable (or company.yaml's file and key), value, what is expected
DIRECTORY = "a directory Planline can write to, or a path where one can be created"


def _writable(folder: Path) -> bool:
    """Whether a file can be created in ``folder`` (tried: as root, permission bits say nothing)."""
    try:
        with tempfile.TemporaryFile(dir=folder):
            return True
    except OSError:
        return False


def _nearest_existing(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def directory_problem(path: Path) -> str | None:
    """What is wrong with ``path`` as a folder Planline creates and writes, or None."""
    if path.exists() and not path.is_dir():
        return f"{DIRECTORY} ({path} is a file)"
    existing = _nearest_existing(path)
    if not existing.is_dir():
        return f"{DIRECTORY} ({existing} is a file)"
    if not _writable(existing):
        return f"{DIRECTORY} ({existing} does not accept new files)"
    return None


def _file_problem(path: Path) -> str | None:
    if path.is_dir():
        return f"a database file path ({path} is a directory)"
    problem = directory_problem(path.parent)
    return problem.replace(DIRECTORY, "a database file in a folder Planline can write to") if problem else None


def _whole_number(low: int, high: int, what: str) -> Callable[[str], str | None]:
    parse = whole_number(low, high, what)

    def check(value: str) -> str | None:
        try:
            parse(value)
        except ValueError as error:
            return str(error)
        return None

    return check


def _number_between(low: float, high: float, what: str) -> Callable[[str], str | None]:
    def check(value: str) -> str | None:
        try:
            number = float(value)
        except ValueError:
            return f"{what}, {low:g} to {high:g}"
        return None if low <= number <= high else f"{what}, {low:g} to {high:g}"

    return check


def _host(value: str) -> str | None:
    """An address to listen on: an IP address or a host name."""
    import ipaddress
    import re

    try:
        ipaddress.ip_address(value)
        return None
    except ValueError:
        pass
    name = re.fullmatch(r"(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*", value)
    return None if name else "an IP address or a host name to listen on, e.g. 127.0.0.1"


def _secret(value: str) -> str | None:
    return None if len(value) >= 16 else "a secret of at least 16 characters (python -m service token makes one)"


def _file_path(value: str) -> str | None:
    return "the path of a file, not of a directory" if os.path.isdir(value) else None


def _flag(value: str) -> str | None:
    return None if value.strip().lower() in {"1", "true", "yes", "on", "0", "false", "no", "off"} else "true or false"


def _iso_date(value: str) -> str | None:
    try:
        date.fromisoformat(value)
    except ValueError:
        return DATE_EXPECTED
    return None


def _dbt_target(value: str) -> str | None:
    import yaml

    outputs = yaml.safe_load((REPO_ROOT / "dbt_project" / "profiles.yml").read_text())["planline"]["outputs"]
    return None if value in outputs else f"one of dbt_project/profiles.yml's targets {sorted(outputs)}"


def _executable(value: str) -> str | None:
    return None if os.path.isfile(value) and os.access(value, os.X_OK) else "the path of an executable Chromium binary"


# Variables the settings object does not hold, checked on their own when set (load_settings
# parses its own: the paths, the as-of, the time zone, the calendar, the horizons...).
VALUE_CHECKS: dict[str, Callable[[str], str | None]] = {
    "PLANLINE_UI_PORT": _whole_number(1, 65535, "a TCP port number"),
    "PLANLINE_DBT_DOCS_PORT": _whole_number(1, 65535, "a TCP port number"),  # make dbt-docs'
    "PLANLINE_DBT_TARGET": _dbt_target,
    "PLANLINE_WINDOW_START": _iso_date,
    "PLANLINE_WINDOW_END": _iso_date,
    "PLANLINE_CHROMIUM": _executable,
    "PLANLINE_MAX_FUTURE_DAYS": _whole_number(0, 36_525, "a whole number of days"),
    "PLANLINE_MAX_OVERRIDE_PCT": _whole_number(1, 1_000_000, "a whole number of percent"),
    "PLANLINE_MAX_OVERRIDE_UNITS": _whole_number(1, 10**12, "a whole number of units"),
    "MLFLOW_UI_PORT": _whole_number(1, 65535, "a TCP port number"),  # make mlflow-ui's
    # the live service's (service/config.py)
    "PLANLINE_SERVICE_HOST": _host,
    "PLANLINE_SERVICE_PORT": _whole_number(1, 65535, "a TCP port number"),
    "PLANLINE_SERVICE_TOKEN": _secret,
    "PLANLINE_SERVICE_TOKEN_FILE": _file_path,
    "PLANLINE_SERVICE_OPEN_READS": _flag,
    "PLANLINE_INTAKE_SEGMENT_SECONDS": _number_between(0.1, 86_400, "seconds"),
    "PLANLINE_INTAKE_SEGMENT_EVENTS": _whole_number(1, 10_000_000, "a whole number of events"),
    "PLANLINE_INTAKE_RETENTION_DAYS": _number_between(0.01, 3_650, "days"),
    "PLANLINE_RESERVATION_MINUTES": _number_between(0.01, 525_600, "minutes"),
    # python -m bench.api's: where the profiled service writes its profile
    "PLANLINE_BENCH_PROFILE": _file_path,
}
# Variables read as unset when empty: the folders and the as-of. Any other set but empty is refused,
# a value mistyped rather than meant (a limit would take "" as its value).
EMPTY_IS_UNSET = {"PLANLINE_AS_OF", "PLANLINE_HOME", "PLANLINE_COMPANY", "PLANLINE_DUCKDB_PATH"}
# Folders Planline creates and writes, by the variable that moves each (DAGSTER_HOME is Dagster's).
FOLDERS = {
    "PLANLINE_LANDING_DIR": "landing",
    "PLANLINE_REJECTED_DIR": "rejected",
    "PLANLINE_PROCESSED_DIR": "processed",
    "PLANLINE_EXPORT_DIR": "exports",
    "PLANLINE_MLFLOW_DIR": "mlflow",
    "DAGSTER_HOME": "dagster_home",
    "PLANLINE_GX_DIR": "gx_root",
    "PLANLINE_DBT_STATE_DIR": "dbt_state",
    "PLANLINE_INTAKE_DIR": "intake",
}


def _shown(environ: Mapping[str, str], name: str, path: Path) -> str:
    return environ[name] if environ.get(name) else f"{path} (unset: the default)"


def _path_problems(settings: Settings, environ: Mapping[str, str]) -> list[Problem]:
    problem = directory_problem(settings.home)
    if problem:  # the other folders default under it: their own problems would repeat this one
        return [("PLANLINE_HOME", _shown(environ, "PLANLINE_HOME", settings.home), problem)]
    problems = []
    for name, attribute in FOLDERS.items():
        path = getattr(settings, attribute)
        problem = directory_problem(path)
        if problem:
            problems.append((name, _shown(environ, name, path), problem))
    problem = _file_problem(settings.warehouse)
    if problem:
        problems.append(("PLANLINE_DUCKDB_PATH", _shown(environ, "PLANLINE_DUCKDB_PATH", settings.warehouse), problem))
    return problems


def _company_problems(settings: Settings, environ: Mapping[str, str]) -> list[Problem]:
    """The company folder is read (the demo writes its as-of there): it must be a folder if it exists."""
    folder = settings.company_dir
    if folder.exists() and not folder.is_dir():
        return [("PLANLINE_COMPANY", _shown(environ, "PLANLINE_COMPANY", folder), f"a directory holding {COMPANY_FILE} ({folder} is a file)")]
    return []


def _shown_setting(settings: Settings, name: str, value: object) -> str:
    return str(value) if name in settings.sources else f"{value} (unset: the default)"


def _cross_problems(settings: Settings, environ: Mapping[str, str], invalid: set[str]) -> list[Problem]:
    """Settings valid on their own that contradict each other."""
    problems = []
    if settings.as_of is not None and settings.partitions_start > settings.today():
        as_of_day = settings.today()
        problems.append(
            (
                settings.source("partitions_start"),
                settings.partitions_start.isoformat(),
                f"a date on or before {settings.source('as_of')} ({as_of_day}): the first daily partition cannot follow 'now'",
            )
        )
    window = environ.get("PLANLINE_WINDOW_START"), environ.get("PLANLINE_WINDOW_END")
    if all(window) and not {"PLANLINE_WINDOW_START", "PLANLINE_WINDOW_END"} & invalid and date.fromisoformat(window[0]) >= date.fromisoformat(window[1]):
        problems.append(("PLANLINE_WINDOW_END", window[1], f"a date after PLANLINE_WINDOW_START ({window[0]}): the window's end is exclusive"))
    return problems + _calendar_problems(settings)


def _calendar_problems(settings: Settings) -> list[Problem]:
    """The calendar (dim_date) must hold 'now' and the S&OP horizon after it: a day outside it
    would be held back by every contract, or dropped by the marts' joins."""
    today = settings.today()
    months = settings.sop_horizon_months
    horizon_end = _month_end(today, months)
    problems = []
    if settings.calendar_start > today:
        problems.append(
            (
                settings.source("calendar_start"),
                _shown_setting(settings, "calendar_start", settings.calendar_start),
                f"a date on or before the as-of day ({today}): the calendar must hold the history",
            )
        )
    if settings.calendar_end < horizon_end:
        problems.append(
            (
                settings.source("calendar_end"),
                _shown_setting(settings, "calendar_end", settings.calendar_end),
                f"a date on or after {horizon_end}: the calendar must hold the {months}-month S&OP horizon after the as-of day ({today})",
            )
        )
    return problems


def _month_end(day: date, months: int) -> date:
    """The last day of the month ``months`` after ``day``'s."""
    index = day.year * 12 + day.month - 1 + months + 1  # the month after, whose first day - 1
    return date(index // 12, index % 12 + 1, 1) - timedelta(days=1)


def validate_settings(environ: Mapping[str, str] | None = None, folders: bool = True) -> Settings:
    """The settings, once every variable of the environment and the company configuration have
    been checked; raises ``SettingsError`` listing every problem found (not only the first).
    With ``folders``, each folder is probed: it writes nothing but a probe file that is gone at
    once (the code location does not probe: it only reads, ``make ui`` probed before)."""
    environ = os.environ if environ is None else environ
    problems: list[Problem] = []
    for name, check in VALUE_CHECKS.items():
        value = environ.get(name)
        if value:
            expected = check(value)
            if expected:
                problems.append((name, value, expected))
    for name in (*VALUE_CHECKS, *SETTING_VARIABLES):
        if environ.get(name) == "" and name not in EMPTY_IS_UNSET and name not in FOLDERS:  # the code would read "" rather than its default
            problems.append((name, "", "a value: the variable is set but empty (unset it for the default)"))
    try:
        settings = load_settings(environ)
    except SettingsError as error:
        problems += error.problems
        settings = None
    if settings is not None:
        problems += _cross_problems(settings, environ, {name for name, _, _ in problems})
        if folders:
            problems += _path_problems(settings, environ) + _company_problems(settings, environ)
    if problems:
        raise SettingsError(problems)
    return settings


def settings_or_exit(environ: Mapping[str, str] | None = None) -> Settings:
    """``validate_settings()`` for a command line: problems are printed as one paragraph, without
    a traceback, and the process exits with status 2."""
    try:
        return validate_settings(environ)
    except SettingsError as error:
        print(f"planline: {error}", file=sys.stderr)
        raise SystemExit(2) from None


if __name__ == "__main__":
    settings_or_exit()
