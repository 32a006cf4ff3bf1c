"""The company Planline runs for: its configuration folder, read and checked when a run needs it.

The folder is the settings' ``company_dir`` (PLANLINE_COMPANY, default ``<PLANLINE_HOME>/company``).
Reading it is cheap (a few small YAML files) and done at run time, never at import: a corrected
mapping takes effect at the next run without restarting anything.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from data_contracts.company import CompanyConfigError, CompanyConfiguration, load_company

REFERENCE_FILE = Path(__file__).resolve().parent.parent / "docs" / "company_tables.md"


def company_folder() -> Path:
    """The company configuration folder of the settings."""
    from orchestration.settings import load_settings

    return load_settings().company_dir


# ---- onboarding commands ------------------------------------------------------------------


@dataclass
class SourceCheck:
    """What a check found for one source: files read and refused, rows, quarantine per rule."""

    source: str
    files: int = 0
    rejected: list[tuple[str, str]] = field(default_factory=list)
    rows: int = 0
    quarantined: int = 0
    rules: dict[str, int] = field(default_factory=dict)
    examples: list[str] = field(default_factory=list)
    blocking: bool = False
    verdict: str = ""


def check_data(configuration: CompanyConfiguration, data: Path, as_of: datetime | None = None, business_timezone: str | None = None) -> list[SourceCheck]:
    """Load and validate ``data`` (a folder laid out as the landing folder) as the company's mappings
    say, in an in-memory database: nothing is written, no file moved. One entry per mapped source.
    ``as_of`` and ``business_timezone`` default to company.yaml's (the settings give them in ``check``)."""
    import duckdb

    from data_contracts.company.export import write_company_tables
    from data_contracts.registry import CONTRACTS
    from data_contracts.validate import ensure_governance_schema, validate_source, write_quarantine
    from data_contracts.verdict import contract_verdict
    from orchestration.ingestion.loader import ensure_raw_tables, load_source, reject_strays

    as_of = as_of or _company_as_of(configuration)
    loaded_at = datetime.now(UTC).replace(tzinfo=None)
    zone = business_timezone or configuration.company.business_timezone
    checks = []
    with duckdb.connect() as con:
        ensure_governance_schema(con)
        write_company_tables(con, configuration.company)  # the codes the contracts check against
        for source, contract in CONTRACTS.items():  # master data first: later contracts look it up
            mapping = configuration.mappings.get(source)
            ensure_raw_tables(con, contract)
            if mapping is None:
                continue
            report = load_source(con, contract, data, None, loaded_at, mapping=mapping, business_timezone=zone)
            outcome = validate_source(con, source, as_of)
            write_quarantine(con, outcome)
            check = SourceCheck(source, report.files_seen, [(r.file, r.error) for r in report.rejected], outcome.rows, outcome.quarantined_rows)
            check.rules = dict(sorted(outcome.rule_counts.items()))
            if len(outcome.quarantine):
                firsts = outcome.quarantine.drop_duplicates("rule").head(5)
                check.examples = [f"{r.source_file} row {r.row_number}: [{r.rule}] {r.reason}" for r in firsts.itertuples(index=False)]
            passed, check.verdict = contract_verdict(contract, (check.quarantined, check.rows), (check.quarantined, check.rows), outcome.schema_ok)
            check.blocking = bool(contract.blocking and not passed) or bool(check.rejected)
            if not report.files_seen:  # a pattern with a typo is no table at all, not an "ok" one
                check.verdict = f"no file matches its mapping's pattern {mapping.files!r}: nothing would load"
            checks.append(check)
        strays = reject_strays(con, list(configuration.mappings.values()), data, None, loaded_at)
    if strays:
        checks.append(SourceCheck("(no source)", len(strays), [(r.file, r.error) for r in strays], blocking=True, verdict="files no mapping claims"))
    return checks


def _company_as_of(configuration: CompanyConfiguration) -> datetime:
    from orchestration.settings import parse_as_of

    value = configuration.company.as_of
    return parse_as_of(value.isoformat()) if value is not None else datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def _print_checks(checks: list[SourceCheck], started: float) -> None:
    for check in checks:
        status = "BLOCKING" if check.blocking else "ok"
        print(f"{check.source}: {status}: {check.files} file(s), {check.rows:,} rows, {check.quarantined:,} would be quarantined ({check.verdict})")
        for file, error in check.rejected[:5]:
            print(f"    refused file {file}: {error}")
        for rule, count in check.rules.items():
            print(f"    {rule}: {count:,} row(s)")
        for example in check.examples:
            print(f"    e.g. {example}")
    print(f"checked in {time.perf_counter() - started:.1f} s")


def deliver(data: Path, landing: Path) -> int:
    """Copy the files of ``data`` into the landing folder (a run moves what it loads: the
    company's own folder is never touched); the number of files copied."""
    import shutil

    copied = 0
    for path in sorted(p for p in data.rglob("*") if p.is_file() and not p.is_symlink()):
        target = landing / path.relative_to(data)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
        copied += 1
    return copied


def run_company(company: Path, data: Path | None, home: Path | None) -> int:
    """Check the configuration and the settings, deliver the files, run the main job; exit code."""
    from orchestration.demo import run_main_job
    from orchestration.instance import prepare_instance
    from orchestration.settings_check import settings_or_exit

    started = time.perf_counter()
    company = company.resolve()
    try:
        configuration = load_company(company)
    except CompanyConfigError as error:
        print(error, file=sys.stderr)
        return 2
    home = (home or Path(os.environ.get("PLANLINE_HOME") or f".planline-{company.name}")).resolve()
    # this process runs the jobs: the settings it passes on are its own environment
    os.environ.update({"PLANLINE_COMPANY": str(company), "PLANLINE_HOME": str(home)})
    settings = settings_or_exit()  # every setting and company.yaml's, named, before anything is written
    settings.ensure_dirs()
    prepare_instance(settings.dagster_home)
    if data is not None:
        if not data.is_dir():
            print(f"--data {data}: not a folder", file=sys.stderr)
            return 2
        print(f"[{time.perf_counter() - started:6.0f} s] delivered {deliver(data, settings.landing)} files from {data} into {settings.landing}")
    import dagster as dg

    from orchestration.recovery import recover_dead_runs

    with dg.DagsterInstance.get() as instance:  # a run killed earlier would hold the warehouse pool's slot
        recover_dead_runs(instance)
    as_of = settings.as_of.isoformat(sep=" ") + " UTC" if settings.as_of else "now"
    print(f"[{time.perf_counter() - started:6.0f} s] company {configuration.company.name!r} ({company}), state in {home}, as of {as_of}")
    return 0 if run_main_job(settings, started) else 1


def main(argv: list[str] | None = None) -> int:
    import warnings

    import dagster as dg

    from data_contracts.company.templates import scaffold

    warnings.filterwarnings("ignore", category=dg.BetaWarning)  # the definitions' single-run backfill policies: noise on a command line

    parser = argparse.ArgumentParser(prog="python -m orchestration.company", description="Onboard a company's data: scaffold, check, run.")
    commands = parser.add_subparsers(dest="command", required=True)
    make = commands.add_parser("scaffold", help="write a company folder to start from (company.yaml, a mapping and CSV template per table)")
    make.add_argument("folder", type=Path)
    make.add_argument("--name", default="My company")
    check = commands.add_parser("check", help="check a folder of files against the company's mappings and contracts; writes nothing")
    check.add_argument("--company", type=Path, default=None, help="company folder (default: PLANLINE_COMPANY)")
    check.add_argument("--data", type=Path, required=True, help="folder of files laid out as the landing folder")
    run = commands.add_parser("run", help="run the main job on the company, in its own state folder")
    run.add_argument("--company", type=Path, required=True, help="company folder")
    run.add_argument("--data", type=Path, default=None, help="folder of files to deliver into the landing folder first (copied; never moved)")
    run.add_argument("--home", type=Path, default=None, help="state folder (default: PLANLINE_HOME, else .planline-<company folder name>)")
    reference = commands.add_parser("reference", help="write the reference of Planline's tables (docs/company_tables.md)")
    reference.add_argument("--output", type=Path, default=REFERENCE_FILE)
    args = parser.parse_args(argv)
    if args.command == "reference":
        from data_contracts.company.templates import tables_reference
        from data_contracts.registry import CONTRACTS

        args.output.write_text(tables_reference(CONTRACTS))
        print(f"wrote {args.output}")
        return 0
    if args.command == "run":
        return run_company(args.company, args.data, args.home)
    if args.command == "scaffold":
        from data_contracts.registry import CONTRACTS

        written = scaffold(args.folder, args.name, CONTRACTS)
        print(f"wrote {len(written)} files in {args.folder}: fill in templates/<table>.yaml and copy each into sources/")
        return 0
    return check_company(args.company, args.data)


def check_company(company: Path | None, data: Path) -> int:
    """``check``: the configuration and the settings (the environment's ``PLANLINE_*`` first, as a
    run reads them), then the files as the run would load them; exit code 2 on a broken
    configuration or setting, 1 on blocking problems in the files."""
    from orchestration.settings_check import settings_or_exit

    started = time.perf_counter()
    company = (company or company_folder()).resolve()
    try:
        configuration = load_company(company)
    except CompanyConfigError as error:
        print(error, file=sys.stderr)
        return 2
    if not data.is_dir():
        print(f"--data {data}: not a folder", file=sys.stderr)
        return 2
    settings = settings_or_exit({**os.environ, "PLANLINE_COMPANY": str(company)})  # one line per problem, exit 2
    zone = settings.business_timezone
    as_of = settings.as_of or datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    checks = check_data(configuration, data, as_of, zone)
    _print_checks(checks, started)
    return 1 if any(c.blocking for c in checks) else 0


if __name__ == "__main__":
    sys.exit(main())
