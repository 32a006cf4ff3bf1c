"""Every Planline setting checked before anything happens.

    python -m orchestration.settings_check    (what ``make dbt-parse`` runs first)

Each entry point (``make demo``, ``make ui``, the code location, ``make mlflow-ui``, the data docs,
the benchmarks) calls ``validate_settings()`` before it writes anything: a folder that is a file or
cannot be written, an as-of date that is no date, a horizon that is no number... all come out
together in one ``SettingsError`` naming each variable, its value and what is expected. The
command lines print it as one paragraph, without a traceback, and exit with status 2
(``settings_or_exit``).
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable, Mapping
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from data_contracts.dbt_vars import dbt_var
from orchestration.settings import DEFAULT_PARTITIONS_START, REPO_ROOT, Settings, SettingsError, business_day, load_settings, parse_as_of

Problem = tuple[str, str, str]  # variable, value, what is expected
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
    def check(value: str) -> str | None:
        try:
            number = int(value)
        except ValueError:
            number = None
        return None if number is not None and low <= number <= high else f"{what} from {low} to {high}"

    return check


def _iso_date(value: str) -> str | None:
    try:
        date.fromisoformat(value)
    except ValueError:
        return "an ISO date such as 2026-09-01"
    return None


def _as_of(value: str) -> str | None:
    try:
        parse_as_of(value)
    except SettingsError as error:
        return error.problems[0][2]
    return None


def _timezone(value: str) -> str | None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        return "an IANA time zone name such as Europe/Paris"
    return None


def _http_url(value: str) -> str | None:
    url = urlparse(value)
    return None if url.scheme in ("http", "https") and url.netloc else "an http(s) URL such as http://127.0.0.1:5000"


def _dbt_target(value: str) -> str | None:
    import yaml

    outputs = yaml.safe_load((REPO_ROOT / "dbt_project" / "profiles.yml").read_text())["planline"]["outputs"]
    return None if value in outputs else f"one of dbt_project/profiles.yml's targets {sorted(outputs)}"


def _executable(value: str) -> str | None:
    return None if os.path.isfile(value) and os.access(value, os.X_OK) else "the path of an executable Chromium binary"


# Settings whose value is checked on its own, when set (the folders are checked below).
VALUE_CHECKS: dict[str, Callable[[str], str | None]] = {
    "PLANLINE_AS_OF": _as_of,
    "PLANLINE_PARTITIONS_START": _iso_date,
    "PLANLINE_BUSINESS_TIMEZONE": _timezone,
    "PLANLINE_FORECAST_HORIZON_DAYS": _whole_number(1, 365, "a whole number of days"),
    "PLANLINE_SOP_HORIZON_MONTHS": _whole_number(1, 60, "a whole number of months"),
    "PLANLINE_UI_PORT": _whole_number(1, 65535, "a TCP port number"),
    "PLANLINE_MLFLOW_UI_URL": _http_url,
    "PLANLINE_DBT_TARGET": _dbt_target,
    "PLANLINE_WINDOW_START": _iso_date,
    "PLANLINE_WINDOW_END": _iso_date,
    "PLANLINE_CHROMIUM": _executable,
    "PLANLINE_CALENDAR_START": _iso_date,
    "PLANLINE_CALENDAR_END": _iso_date,
    "PLANLINE_MAX_FUTURE_DAYS": _whole_number(0, 36_525, "a whole number of days"),
    "PLANLINE_MAX_OVERRIDE_PCT": _whole_number(1, 1_000_000, "a whole number of percent"),
    "PLANLINE_MAX_OVERRIDE_UNITS": _whole_number(1, 10**12, "a whole number of units"),
    "MLFLOW_UI_PORT": _whole_number(1, 65535, "a TCP port number"),  # make mlflow-ui's
}
# Read as unset when empty (the folders too); the others would take "" as their value.
EMPTY_IS_UNSET = {"PLANLINE_AS_OF"}
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


def _cross_problems(environ: Mapping[str, str], invalid: set[str]) -> list[Problem]:
    """Settings valid on their own that contradict each other."""
    problems = []
    start, as_of = environ.get("PLANLINE_PARTITIONS_START"), environ.get("PLANLINE_AS_OF")
    if (
        as_of
        and not {"PLANLINE_PARTITIONS_START", "PLANLINE_AS_OF"} & invalid
        and date.fromisoformat(start or DEFAULT_PARTITIONS_START) > business_day(parse_as_of(as_of))
    ):
        if start:
            problems.append(
                ("PLANLINE_PARTITIONS_START", start, f"a date on or before PLANLINE_AS_OF ({as_of}): the first daily partition cannot follow 'now'")
            )
        else:  # the default go-live: 'now' before it would leave no daily partition to run
            problems.append(
                ("PLANLINE_AS_OF", as_of, f"a day on or after the first daily partition ({DEFAULT_PARTITIONS_START}, PLANLINE_PARTITIONS_START's default)")
            )
    window = environ.get("PLANLINE_WINDOW_START"), environ.get("PLANLINE_WINDOW_END")
    if all(window) and not {"PLANLINE_WINDOW_START", "PLANLINE_WINDOW_END"} & invalid and date.fromisoformat(window[0]) >= date.fromisoformat(window[1]):
        problems.append(("PLANLINE_WINDOW_END", window[1], f"a date after PLANLINE_WINDOW_START ({window[0]}): the window's end is exclusive"))
    return problems + _calendar_problems(environ, invalid)


def _calendar_problems(environ: Mapping[str, str], invalid: set[str]) -> list[Problem]:
    """The calendar (dim_date) must hold 'now' and the S&OP horizon after it: a day outside it
    would be held back by every contract, or dropped by the marts' joins."""
    names = {"PLANLINE_CALENDAR_START", "PLANLINE_CALENDAR_END", "PLANLINE_AS_OF", "PLANLINE_SOP_HORIZON_MONTHS", "PLANLINE_BUSINESS_TIMEZONE"}
    if names & invalid:
        return []
    start, end = (date.fromisoformat(dbt_var(name, environ)) for name in ("calendar_start_date", "calendar_end_date"))
    as_of = environ.get("PLANLINE_AS_OF")
    today = business_day(parse_as_of(as_of)) if as_of else date.today()
    months = int(dbt_var("sop_horizon_months", environ))
    horizon_end = _month_end(today, months)
    shown_start, shown_end = (_shown(environ, name, value) for name, value in (("PLANLINE_CALENDAR_START", start), ("PLANLINE_CALENDAR_END", end)))
    problems = []
    if start > today:
        problems.append(("PLANLINE_CALENDAR_START", shown_start, f"a date on or before the as-of day ({today}): the calendar must hold the history"))
    if end < horizon_end:
        problems.append(
            (
                "PLANLINE_CALENDAR_END",
                shown_end,
                f"a date on or after {horizon_end}: the calendar must hold the {months}-month S&OP horizon after the as-of day ({today})",
            )
        )
    return problems


def _month_end(day: date, months: int) -> date:
    """The last day of the month ``months`` after ``day``'s."""
    index = day.year * 12 + day.month - 1 + months + 1  # the month after, whose first day - 1
    return date(index // 12, index % 12 + 1, 1) - timedelta(days=1)


def validate_settings() -> Settings:
    """The settings, once every variable of the environment has been checked; raises
    ``SettingsError`` listing every problem found (not only the first). Writes nothing but a
    probe file that is gone at once."""
    environ = os.environ
    problems: list[Problem] = []
    for name, check in VALUE_CHECKS.items():
        value = environ.get(name)
        if value:
            expected = check(value)
            if expected:
                problems.append((name, value, expected))
        elif value == "" and name not in EMPTY_IS_UNSET:  # the code would read "" rather than its default
            problems.append((name, value, "a value: the variable is set but empty (unset it for the default)"))
    problems += _cross_problems(environ, {name for name, _, _ in problems})
    settings = load_settings()
    problems += _path_problems(settings, environ)
    if problems:
        raise SettingsError(problems)
    return settings


def settings_or_exit() -> Settings:
    """``validate_settings()`` for a command line: problems are printed as one paragraph, without
    a traceback, and the process exits with status 2."""
    try:
        return validate_settings()
    except SettingsError as error:
        print(f"planline: {error}", file=sys.stderr)
        raise SystemExit(2) from None


if __name__ == "__main__":
    settings_or_exit()
