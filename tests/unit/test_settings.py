"""Settings in one place, no import-time side effects (issue 16 point 5): one settings object from
the environment, then the company configuration (company.yaml), then the defaults; a bad value
named by its variable, or by the file and key; importing the code location changes nothing and
never looks at the landing folder; the demo writes its as-of into company.yaml."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from data_contracts.dbt_vars import dbt_env_var, dbt_var
from orchestration.settings import (
    CONFIGURED,
    REPO_ROOT,
    SETTING_VARIABLES,
    SettingsError,
    company_settings,
    home_environment,
    load_settings,
    planline_environment,
)
from orchestration.settings_check import VALUE_CHECKS, validate_settings


def _environ(home: Path, **variables: str) -> dict[str, str]:
    """A process environment without any Planline setting but ``home``'s paths and ``variables``."""
    clean = {k: v for k, v in os.environ.items() if k not in (*SETTING_VARIABLES, *VALUE_CHECKS, "DBT_TARGET_PATH", "DAGSTER_IS_DEV_CLI")}
    return {**clean, **home_environment(home), **variables}


def _company(home: Path, text: str) -> Path:
    path = home / "company" / "company.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


COMPANY = """\
# a company configuration: other keys belong to the company model, not to the settings
name: Example Retail
business_timezone: America/New_York
as_of: 2026-09-30
calendar:
  start: 2019-01-01
planning:
  forecast_horizon_days: 14
  service_level: 0.95
channels: [{code: STORE, role: store}]
"""


def test_each_setting_comes_from_the_environment_then_company_yaml_then_its_default(tmp_path):
    path = _company(tmp_path, COMPANY)
    settings = load_settings(_environ(tmp_path, PLANLINE_FORECAST_HORIZON_DAYS="21"))
    assert settings.forecast_horizon_days == 21  # the variable first
    assert settings.business_timezone == "America/New_York" and settings.calendar_start == date(2019, 1, 1)  # then company.yaml
    assert settings.as_of == datetime(2026, 10, 1, 3, 59, 59)  # the end of the 30th in New York, as naive UTC
    assert settings.calendar_end == date(2030, 12, 31) and settings.sop_horizon_months == 18  # then dbt_project.yml's defaults
    assert settings.partitions_start == date(2026, 9, 1)  # by default the as-of day's month: no demo date
    assert settings.company_dir == tmp_path / "company" and settings.landing == tmp_path / "landing"
    assert settings.source("forecast_horizon_days") == "PLANLINE_FORECAST_HORIZON_DAYS"
    assert settings.source("calendar_start") == f"{path}: calendar.start"
    # dbt runs with the same values (dbt_project.yml's vars read these variables), and so do the contracts
    environment = settings.dbt_environment()
    assert environment["PLANLINE_BUSINESS_TIMEZONE"] == "America/New_York" and environment["PLANLINE_FORECAST_HORIZON_DAYS"] == "21"
    assert environment["PLANLINE_CALENDAR_START"] == "2019-01-01" and environment["PLANLINE_DUCKDB_PATH"] == str(tmp_path / "warehouse.duckdb")
    assert environment["DBT_TARGET_PATH"] == str(tmp_path / "dbt")
    seen_by_planline = planline_environment(_environ(tmp_path, PLANLINE_FORECAST_HORIZON_DAYS="21"))
    assert dbt_var("business_timezone", seen_by_planline) == "America/New_York" and dbt_var("forecast_horizon_days", seen_by_planline) == "21"
    assert dbt_var("calendar_end_date", seen_by_planline) == "2030-12-31"


def test_the_settings_dbt_reads_name_the_variables_dbt_project_yml_reads():
    for setting in CONFIGURED:
        if setting.dbt_var:
            assert dbt_env_var(setting.dbt_var)[0] == setting.variable


def test_without_an_as_of_now_is_the_clock_and_partitions_start_in_yesterdays_month(tmp_path):
    (tmp_path / "landing").mkdir()
    (tmp_path / "landing" / "demo_manifest.json").write_text(json.dumps({"end_date": "2026-09-30"}))  # never read: not an as-of
    settings = load_settings(_environ(tmp_path))
    assert settings.as_of is None and settings.sources == {}
    yesterday = datetime.now(ZoneInfo(settings.business_timezone)).date() - timedelta(days=1)
    assert settings.partitions_start == yesterday.replace(day=1)
    assert abs(settings.now() - datetime.now().astimezone(ZoneInfo("UTC")).replace(tzinfo=None)) < timedelta(minutes=1)


def test_a_bad_value_in_company_yaml_is_named_by_file_and_key(tmp_path):
    path = _company(
        tmp_path,
        "as_of: yesterday\ncalendar:\n  start: 2026-13-01\nplanning:\n  forecast_horizon_days: four weeks\n  sop_horizon_months: [18]\nbusiness_timezone: Mars/Olympus\n",
    )
    with pytest.raises(SettingsError) as error:
        validate_settings(_environ(tmp_path))
    problems = {name: (value, expected) for name, value, expected in error.value.problems}
    assert problems[f"{path}: as_of"][0] == "yesterday" and "ISO date or timestamp" in problems[f"{path}: as_of"][1]
    assert problems[f"{path}: calendar.start"] == ("2026-13-01", "an ISO date such as 2026-09-01")
    assert problems[f"{path}: planning.forecast_horizon_days"] == ("four weeks", "a whole number of days from 1 to 365")
    assert "a single value" in problems[f"{path}: planning.sop_horizon_months"][1]
    assert "IANA time zone" in problems[f"{path}: business_timezone"][1]
    assert f"{path}: calendar.start='2026-13-01': expected an ISO date" in str(error.value)
    # a bad value hidden by its variable is named all the same: it applies once the variable is unset
    with pytest.raises(SettingsError) as hidden:
        load_settings(_environ(tmp_path, PLANLINE_AS_OF="2026-09-30"))
    assert f"{path}: as_of" in {name for name, _, _ in hidden.value.problems}


def test_a_company_yaml_that_is_no_mapping_or_no_yaml_is_named(tmp_path):
    path = _company(tmp_path, "- as_of: 2026-09-30\n")
    with pytest.raises(SettingsError, match="company.yaml='list': expected a YAML mapping"):
        company_settings(path.parent)
    path.write_text("as_of: [2026-09-30\n")
    with pytest.raises(SettingsError) as error:
        load_settings(_environ(tmp_path))
    [(name, _, expected)] = error.value.problems
    assert name == str(path) and expected.startswith("a readable YAML file")
    path.write_text("calendar: 2020-01-01\n")
    [(name, value, expected)] = pytest.raises(SettingsError, company_settings, path.parent).value.problems
    assert (name, value) == (f"{path}: calendar", "2020-01-01") and "a mapping" in expected
    path.write_text("")  # empty: no setting
    assert company_settings(path.parent) == {}


def test_a_bad_variable_is_named_and_comes_before_company_yaml(tmp_path):
    _company(tmp_path, "planning:\n  sop_horizon_months: 24\n")
    with pytest.raises(SettingsError, match=r"PLANLINE_SOP_HORIZON_MONTHS='x': expected a whole number of months from 1 to 60"):
        load_settings(_environ(tmp_path, PLANLINE_SOP_HORIZON_MONTHS="x"))
    assert load_settings(_environ(tmp_path)).sop_horizon_months == 24


def test_settings_from_company_yaml_that_contradict_each_other_are_named(tmp_path):
    path = _company(tmp_path, "as_of: 2026-09-30\npartitions_start: 2026-10-01\n")
    with pytest.raises(SettingsError) as error:
        validate_settings(_environ(tmp_path))
    [(name, value, expected)] = error.value.problems
    assert (name, value) == (f"{path}: partitions_start", "2026-10-01") and f"on or before {path}: as_of (2026-09-30)" in expected


def test_a_company_folder_that_is_a_file_is_named(tmp_path):
    (tmp_path / "company").write_text("")
    with pytest.raises(SettingsError, match="PLANLINE_COMPANY=.*a directory holding company.yaml"):
        validate_settings(_environ(tmp_path))


# ---- the demo's as-of ---------------------------------------------------------------------------


def test_the_demo_writes_its_as_of_into_company_yaml_keeping_the_rest(tmp_path):
    from orchestration.demo import write_company_as_of

    folder = tmp_path / "company"
    path = write_company_as_of(folder, "2026-09-30")  # no configuration yet: as_of alone
    assert path.read_text().splitlines()[1:] == ["as_of: '2026-09-30'"] and path.read_text().startswith("#")
    assert load_settings(_environ(tmp_path)).as_of == datetime(2026, 9, 30, 23, 59, 59)  # business days are UTC's by default
    path.write_text(COMPANY)
    write_company_as_of(folder, "2026-09-15")
    assert path.read_text() == COMPANY.replace("as_of: 2026-09-30", "as_of: '2026-09-15'")  # only its line changed
    path.write_text("name: X\ncalendar: {start: 2020-01-01}\n")
    write_company_as_of(folder, "2026-09-30T18:00:00Z")
    assert path.read_text() == "name: X\ncalendar: {start: 2020-01-01}\nas_of: '2026-09-30T18:00:00Z'\n"
    assert company_settings(folder) == {"as_of": "2026-09-30T18:00:00Z", "calendar.start": "2020-01-01"}


# ---- no side effect at import -------------------------------------------------------------------

IMPORT_LOCATION = r"""
import json, os, sys
# Third-party libraries that write the environment or start a process when first imported
# (threadpoolctl and joblib: KMP_*; dagster's croniter asks `file` the interpreter's architecture):
# imported before the snapshot, which is of what Planline's own modules do.
import dagster, dagster_dbt, joblib, threadpoolctl
landing = os.environ["PLANLINE_LANDING_DIR"]
before = dict(os.environ)
seen = []
PROCESSES = ("subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork", "os.forkpty")
FILES = ("open", "os.listdir", "os.scandir", "os.mkdir", "os.rename", "os.remove", "os.rmdir", "glob.glob", "os.chmod", "os.utime", "shutil.rmtree")
def audit(event, args):
    if event in PROCESSES:
        seen.append(f"{event} {str(args[:2])[:300]}")
    elif event in FILES and args and str(args[0]).startswith(landing):
        seen.append(f"{event} {args[0]}")
sys.addaudithook(audit)
import orchestration.definitions as location
from orchestration.partitions import daily_partitions
changed = sorted(k for k in set(before) | set(os.environ) if before.get(k) != os.environ.get(k))
print(json.dumps({"changed": changed, "seen": seen, "start": daily_partitions.start.date().isoformat(), "end": daily_partitions.end.date().isoformat(),
                  "warehouse": location.defs().resources["warehouse"].database, "dbt": location.defs().resources["dbt"].environment}))
"""


def test_importing_the_code_location_changes_nothing_runs_no_dbt_and_never_reads_the_landing_folder(tmp_path):
    home = tmp_path / "home"
    (home / "landing").mkdir(parents=True)
    (home / "landing" / "demo_manifest.json").write_text(json.dumps({"end_date": "2026-09-30"}))  # a generator's artefact, not a setting
    _company(home, "as_of: 2026-09-15\n")  # the as-of is company.yaml's
    user = tmp_path / "user"  # the user's own folders: a library's caches must not land there either
    user.mkdir()
    environ = {k: v for k, v in _environ(home).items() if not k.startswith("XDG_") and k != "MPLCONFIGDIR"} | {"HOME": str(user)}
    files_before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    run = subprocess.run([sys.executable, "-c", IMPORT_LOCATION], env=environ, cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    found = json.loads(run.stdout.strip().splitlines()[-1])
    assert found["changed"] == [], "importing the code location wrote these environment variables"
    assert found["seen"] == [], "importing the code location started a process or touched the landing folder"
    assert (found["start"], found["end"]) == ("2026-09-01", "2026-09-16")  # the last partition is company.yaml's as-of day, not the manifest's
    assert found["warehouse"] == str(home / "warehouse.duckdb") and found["dbt"]["DBT_TARGET_PATH"] == str(home / "dbt")
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == files_before, "importing wrote files"


def test_a_missing_dbt_manifest_says_to_run_make_dbt_parse(tmp_path):
    from orchestration.dbt_project import ManifestMissingError, ensure_manifest

    with pytest.raises(ManifestMissingError, match="run `make dbt-parse`"):
        ensure_manifest(tmp_path / "manifest.json")


def test_a_dbt_file_changed_after_the_manifest_warns_to_run_make_dbt_parse(tmp_path):
    from orchestration.dbt_project import StaleManifestWarning, changed_since, ensure_manifest

    project = tmp_path / "dbt_project"
    (project / "models" / "marts").mkdir(parents=True)
    model = project / "models" / "marts" / "fct_new.sql"
    model.write_text("select 1 as x")
    manifest = project / "target" / "manifest.json"
    manifest.parent.mkdir()
    manifest.write_text("{}")
    os.utime(model, (1_000_000_000, 1_000_000_000))  # written before the manifest
    assert changed_since(manifest, project) == []
    os.utime(model, (manifest.stat().st_mtime + 5,) * 2)  # edited after the last parse
    assert changed_since(manifest, project) == [model]
    with pytest.warns(StaleManifestWarning, match="run `make dbt-parse`"):
        ensure_manifest(manifest, project)
    # the repository's own manifest after make dbt-parse (make test runs it first): no warning
    import warnings

    from orchestration.dbt_project import planline_dbt_project

    with warnings.catch_warnings():
        warnings.simplefilter("error", StaleManifestWarning)
        ensure_manifest(planline_dbt_project().manifest_path)


def test_dbt_gets_the_settings_environment_only_while_it_starts(tmp_path, monkeypatch):
    from dagster_dbt import DbtCliResource

    from orchestration.dbt_project import dbt_resource

    started = []
    monkeypatch.setattr(DbtCliResource, "cli", lambda self, args, **kwargs: started.append({k: os.environ.get(k) for k in self.environment}))
    monkeypatch.delenv("PLANLINE_BUSINESS_TIMEZONE", raising=False)
    before = dict(os.environ)
    _company(tmp_path, "business_timezone: Asia/Tokyo\n")
    settings = load_settings(_environ(tmp_path))
    dbt_resource(settings).cli(["parse"])
    assert started == [settings.dbt_environment()] and started[0]["PLANLINE_BUSINESS_TIMEZONE"] == "Asia/Tokyo"
    assert dict(os.environ) == before
