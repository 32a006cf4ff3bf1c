"""Every setting checked before anything happens (issue 15 point 7): a bad folder, date, number,
URL or port comes out as one error naming each variable, its value and what is expected; the
command lines stop with status 2 before writing anything; ``make ui`` names who holds its port."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from orchestration.settings import REPO_ROOT, SETTING_VARIABLES, SettingsError, business_day, fixed_as_of, parse_as_of
from orchestration.settings_check import FOLDERS, VALUE_CHECKS, validate_settings

PATH_VARIABLES = ("PLANLINE_HOME", "PLANLINE_DUCKDB_PATH", "PLANLINE_COMPANY", *FOLDERS)


def _clear(patch: pytest.MonkeyPatch) -> None:
    for name in (*PATH_VARIABLES, *VALUE_CHECKS, *SETTING_VARIABLES, "DBT_TARGET_PATH"):
        patch.delenv(name, raising=False)


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    """A clean environment with PLANLINE_HOME in a temporary folder (not created yet)."""
    _clear(monkeypatch)
    folder = tmp_path / "home"
    monkeypatch.setenv("PLANLINE_HOME", str(folder))
    return folder


def _problems(**variables: str) -> dict[str, tuple[str, str]]:
    with pytest.MonkeyPatch.context() as patch:
        for name, value in variables.items():
            patch.setenv(name, value)
        with pytest.raises(SettingsError) as error:
            validate_settings()
    return {name: (value, expected) for name, value, expected in error.value.problems}


def test_every_planline_variable_the_code_reads_is_checked():
    """A new PLANLINE_* setting needs its check in settings_check (this fails until it has one)."""
    pattern = re.compile(r"PLANLINE_[A-Z][A-Z_]*[A-Z]")
    sources = [
        p
        for folder in ("orchestration", "ml", "data_contracts", "bench", "dbt_project", "demo_company", "reporting", "publication", "service")
        for p in (REPO_ROOT / folder).rglob("*")
        if p.suffix in (".py", ".sql", ".yml")
    ]
    read = {name for path in sources if "/target/" not in path.as_posix() for name in pattern.findall(path.read_text(encoding="utf-8", errors="replace"))}
    assert read - {*VALUE_CHECKS, *PATH_VARIABLES, *SETTING_VARIABLES} == set()


def test_valid_settings_pass_and_nothing_is_created(home):
    settings = validate_settings()
    assert settings.home == home and settings.landing == home / "landing"
    assert not home.exists()  # checking writes nothing that stays


def test_a_home_that_is_a_file_is_named_with_its_value(home, tmp_path):
    home.write_text("not a folder")
    problems = _problems()
    assert list(problems) == ["PLANLINE_HOME"]  # not once more for every folder under it
    value, expected = problems["PLANLINE_HOME"]
    assert value == str(home) and "a directory" in expected and f"{home} is a file" in expected


def test_a_home_under_a_file_or_where_nothing_can_be_created_is_refused(home, tmp_path):
    # the tests run as root: permission bits would not stop a write, a file or /proc does
    (tmp_path / "file").write_text("")
    assert "is a file" in _problems(PLANLINE_HOME=str(tmp_path / "file" / "home"))["PLANLINE_HOME"][1]
    assert "/proc does not accept new files" in _problems(PLANLINE_HOME="/proc/planline_home")["PLANLINE_HOME"][1]


def test_each_moved_folder_and_the_warehouse_file_are_checked_by_their_own_variable(home, tmp_path):
    (tmp_path / "file").write_text("")
    problems = _problems(PLANLINE_LANDING_DIR=str(tmp_path / "file"), PLANLINE_DUCKDB_PATH=str(tmp_path), DAGSTER_HOME="/proc/dagster")
    assert set(problems) == {"PLANLINE_LANDING_DIR", "PLANLINE_DUCKDB_PATH", "DAGSTER_HOME"}
    assert problems["PLANLINE_DUCKDB_PATH"] == (str(tmp_path), f"a database file path ({tmp_path} is a directory)")


def test_every_bad_value_is_reported_at_once_with_what_is_expected(home):
    bad = {
        "PLANLINE_AS_OF": "yesterday",
        "PLANLINE_PARTITIONS_START": "2026-13-01",
        "PLANLINE_BUSINESS_TIMEZONE": "Mars/Olympus",
        "PLANLINE_FORECAST_HORIZON_DAYS": "four weeks",
        "PLANLINE_SOP_HORIZON_MONTHS": "0",
        "PLANLINE_UI_PORT": "70000",
        "PLANLINE_MLFLOW_UI_URL": "localhost:5000",
        "PLANLINE_DBT_TARGET": "snowflake",
        "PLANLINE_CHROMIUM": "/nonexistent/chromium",
    }
    problems = _problems(**bad)
    assert problems.keys() == bad.keys()
    assert all(value == bad[name] for name, (value, _) in problems.items())
    assert "ISO date or timestamp" in problems["PLANLINE_AS_OF"][1]
    assert problems["PLANLINE_FORECAST_HORIZON_DAYS"][1] == "a whole number of days from 1 to 365"
    assert "IANA time zone" in problems["PLANLINE_BUSINESS_TIMEZONE"][1] and "['duckdb']" in problems["PLANLINE_DBT_TARGET"][1]
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PLANLINE_AS_OF", "yesterday")
        patch.setenv("PLANLINE_UI_PORT", "http")
        with pytest.raises(SettingsError) as error:
            validate_settings()
    message = str(error.value)  # one paragraph naming each variable and its value
    assert "\n" not in message and "2 invalid settings" in message
    assert "PLANLINE_AS_OF='yesterday': expected an ISO date" in message and "PLANLINE_UI_PORT='http': expected a TCP port number from 1 to 65535" in message


def test_an_empty_variable_is_refused_where_the_code_would_read_it_as_its_value(home):
    problems = _problems(PLANLINE_PARTITIONS_START="", PLANLINE_AS_OF="", PLANLINE_LANDING_DIR="")
    assert problems == {"PLANLINE_PARTITIONS_START": ("", "a value: the variable is set but empty (unset it for the default)")}


def test_settings_that_contradict_each_other_are_refused(home):
    problems = _problems(
        PLANLINE_AS_OF="2026-08-31", PLANLINE_PARTITIONS_START="2026-09-01", PLANLINE_WINDOW_START="2026-09-02", PLANLINE_WINDOW_END="2026-09-02"
    )
    assert "on or before PLANLINE_AS_OF (2026-08-31)" in problems["PLANLINE_PARTITIONS_START"][1]
    assert "after PLANLINE_WINDOW_START" in problems["PLANLINE_WINDOW_END"][1]
    with pytest.MonkeyPatch.context() as patch:  # no demo go-live by default: the as-of day's month
        patch.setenv("PLANLINE_AS_OF", "2026-08-15")
        assert validate_settings().partitions_start.isoformat() == "2026-08-01"
    calendar = _problems(PLANLINE_AS_OF="2026-09-30", PLANLINE_CALENDAR_START="2026-10-01", PLANLINE_CALENDAR_END="2028-03-30")
    assert "on or before the as-of day (2026-09-30)" in calendar["PLANLINE_CALENDAR_START"][1]
    assert "on or after 2028-03-31: the calendar must hold the 18-month S&OP horizon" in calendar["PLANLINE_CALENDAR_END"][1]
    with pytest.MonkeyPatch.context() as patch:  # an older history: an earlier calendar start is fine
        patch.setenv("PLANLINE_CALENDAR_START", "2011-01-29")
        validate_settings()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-09-30", "2026-09-30 21:59:59"),
        ("2026-12-31", "2026-12-31 22:59:59"),
        ("2026-09-30T18:00:00Z", "2026-09-30 18:00:00"),
        ("2026-09-30T20:00:00+02:00", "2026-09-30 18:00:00"),
    ],
)
def test_as_of_takes_a_date_as_the_end_of_that_business_day_and_timestamps_in_utc(value, expected, monkeypatch):
    """A date ends with its business day (in Europe/Paris: UTC+2 in summer, +1 in winter): an event
    of 22:30 UTC on the 30th of September is the 1st of October there, after the as-of. Without a
    business time zone, business days are UTC's."""
    monkeypatch.setenv("PLANLINE_BUSINESS_TIMEZONE", "Europe/Paris")
    assert str(parse_as_of(value)) == expected
    monkeypatch.delenv("PLANLINE_BUSINESS_TIMEZONE", raising=False)
    assert str(parse_as_of("2026-09-30")) == "2026-09-30 23:59:59"
    monkeypatch.setenv("PLANLINE_BUSINESS_TIMEZONE", "America/New_York")
    assert str(parse_as_of("2026-09-30")) == "2026-10-01 03:59:59"
    assert str(business_day(parse_as_of("2026-09-30"))) == "2026-09-30"


def test_a_bad_as_of_read_anywhere_names_the_variable(monkeypatch):
    monkeypatch.setenv("PLANLINE_AS_OF", "yesterday")
    with pytest.raises(SettingsError, match=r"PLANLINE_AS_OF='yesterday': expected an ISO date or timestamp"):
        fixed_as_of()


def _run(args: list[str], env: dict[str, str], timeout: int = 120) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in (*PATH_VARIABLES, *VALUE_CHECKS, *SETTING_VARIABLES, "DBT_TARGET_PATH")}
    return subprocess.run([sys.executable, *args], env={**clean, **env}, cwd=REPO_ROOT, capture_output=True, text=True, timeout=timeout)


def test_the_demo_stops_with_status_2_before_writing_anything(tmp_path):
    home = tmp_path / "home"
    run = _run(
        ["-m", "orchestration.demo", "--scale", "tiny"], {"PLANLINE_HOME": str(home), "PLANLINE_AS_OF": "yesterday", "PLANLINE_FORECAST_HORIZON_DAYS": "x"}
    )
    assert run.returncode == 2, run.stderr[-2000:]
    assert "Traceback" not in run.stderr and "PLANLINE_AS_OF='yesterday'" in run.stderr and "PLANLINE_FORECAST_HORIZON_DAYS='x'" in run.stderr
    assert not home.exists(), "no landing file, no folder: nothing happens before the settings are checked"
    (tmp_path / "file").write_text("")
    run = _run(["-m", "orchestration.demo", "--scale", "tiny"], {"PLANLINE_HOME": str(tmp_path / "file")})
    assert run.returncode == 2 and f"PLANLINE_HOME='{tmp_path / 'file'}'" in run.stderr and "Traceback" not in run.stderr


def test_the_code_location_fails_to_load_naming_the_setting(tmp_path):
    """Importing the module does nothing; Dagster's load (the call of ``defs``) stops on the setting."""
    load = "import orchestration.definitions as location; print('imported', flush=True); location.defs()"
    run = _run(["-c", load], {"PLANLINE_HOME": str(tmp_path), "PLANLINE_AS_OF": "yesterday"})
    assert run.stdout.startswith("imported")
    assert run.returncode != 0 and "SettingsError" in run.stderr and "PLANLINE_AS_OF='yesterday'" in run.stderr


# ---- make ui's port ----------------------------------------------------------------------------


@pytest.fixture
def taken_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        yield server.getsockname()[1]


def test_a_taken_port_is_named_with_the_process_holding_it(taken_port):
    from orchestration.ports import PortInUseError, check_port_free, port_holders, port_is_free

    assert not port_is_free(taken_port)
    assert [h.pid for h in port_holders(taken_port)] == [os.getpid()]
    with pytest.raises(PortInUseError) as error:
        check_port_free(taken_port, variable="PLANLINE_UI_PORT")
    message = str(error.value)
    assert f"port {taken_port} on 127.0.0.1 is already in use" in message and f"pid {os.getpid()}: " in message
    assert "pytest" in message and "PLANLINE_UI_PORT" in message  # the holder's command line
    assert os.getppid() <= 1 or f"(started by pid {os.getppid()}: " in message  # and who started it (dagster dev, for its web server)


def test_make_ui_stops_when_its_port_is_taken_and_starts_dagster_dev_when_free(home, taken_port, monkeypatch, capsys):
    import orchestration.ui as ui

    started = []
    monkeypatch.setattr(ui.os, "execv", lambda path, args: started.append(args))
    monkeypatch.setattr(ui.os, "chdir", lambda path: None)
    monkeypatch.setenv("PLANLINE_UI_PORT", str(taken_port))
    with pytest.raises(SystemExit) as stopped:
        ui.main()
    assert stopped.value.code == 1 and started == []
    assert f"port {taken_port}" in capsys.readouterr().err and not home.exists()
    with socket.socket() as probe:  # a port free a moment ago
        probe.bind(("127.0.0.1", 0))
        free = probe.getsockname()[1]
    monkeypatch.setenv("PLANLINE_UI_PORT", str(free))
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    ui.main()
    [args] = started
    assert args[1:] == ["dev", "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(free)]
    assert (home / "dagster_home" / "dagster.yaml").exists() and os.environ["DAGSTER_HOME"] == str(home / "dagster_home")
    monkeypatch.setenv("PLANLINE_UI_PORT", "http")
    with pytest.raises(SystemExit) as refused:
        ui.main()
    assert refused.value.code == 2


def test_a_limit_that_is_not_a_number_is_named_not_a_traceback(tmp_path):
    """The contracts read their limits when imported: the check runs before, without importing them."""
    environment = {**os.environ, "PLANLINE_HOME": str(tmp_path), "PLANLINE_MAX_OVERRIDE_PCT": "abc", "PLANLINE_MAX_FUTURE_DAYS": "nan"}
    done = subprocess.run([sys.executable, "-m", "orchestration.settings_check"], env=environment, capture_output=True, text=True, cwd=REPO_ROOT)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert "PLANLINE_MAX_OVERRIDE_PCT='abc'" in done.stderr and "PLANLINE_MAX_FUTURE_DAYS='nan'" in done.stderr


def test_the_services_settings_are_checked_with_the_others(home, tmp_path):
    problems = _problems(
        PLANLINE_SERVICE_HOST="my host",
        PLANLINE_SERVICE_PORT="0",
        PLANLINE_SERVICE_TOKEN="short",
        PLANLINE_SERVICE_TOKEN_FILE=str(tmp_path),
        PLANLINE_SERVICE_OPEN_READS="maybe",
        PLANLINE_INTAKE_SEGMENT_SECONDS="0",
        PLANLINE_RESERVATION_MINUTES="soon",
    )
    assert set(problems) == {
        "PLANLINE_SERVICE_HOST",
        "PLANLINE_SERVICE_PORT",
        "PLANLINE_SERVICE_TOKEN",
        "PLANLINE_SERVICE_TOKEN_FILE",
        "PLANLINE_SERVICE_OPEN_READS",
        "PLANLINE_INTAKE_SEGMENT_SECONDS",
        "PLANLINE_RESERVATION_MINUTES",
    }
    assert "16 characters" in problems["PLANLINE_SERVICE_TOKEN"][1] and problems["PLANLINE_SERVICE_TOKEN"][0] == "short"
