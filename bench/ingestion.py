"""Raw ingestion's cost per file: ``load_source`` on the tiny demo company's files, as the raw assets run it.

    python -m bench.ingestion                        (this checkout's code)
    python -m bench.ingestion --code /tmp/old        (another checkout's, e.g. ``git archive <commit>``)
    python -m bench.ingestion --repeat 5 --scale demo
    python -m bench.ingestion --scale demo --contracts   (and every source's contract on the full load)

The company is generated once (seed 7); each repetition copies its landing folder afresh and loads
it into a new DuckDB file, as the raw assets do (rejected and processed folders, the company's
mappings), first ``pos_sales`` (one small CSV per store and day: the per-file cost), then every
other source. With ``--contracts`` each repetition then validates every source whole, in contract
order (master data first), and writes its quarantine, as a full refresh does: the first validation
pays what the evaluator imports. Medians of the repetitions; the headline figures are printed last
as ``name: value``. To compare two versions of the code, run it once with each ``--code`` in the
same session.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path


def _load_all(home: Path, landing: Path, sources: list[str], as_of: datetime | None = None) -> dict[str, tuple[float, int]]:
    """(seconds, files seen) of ``load_source`` for each source, in order, into a new warehouse;
    with ``as_of``, also ``contracts`` (seconds, quarantine entries) of validating every source."""
    import duckdb

    from data_contracts import CONTRACTS
    from data_contracts.company import load_company
    from orchestration.ingestion.loader import load_source

    work = Path(tempfile.mkdtemp(dir=home))
    shutil.copytree(landing / "landing", work / "landing")
    company = load_company(landing / "company")
    mappings = list(company.mappings.values())
    now = datetime.now(UTC).replace(tzinfo=None)
    timings = {}
    with duckdb.connect(str(work / "warehouse.duckdb")) as con:
        for source in sources:
            started = time.perf_counter()
            report = load_source(
                con,
                CONTRACTS[source],
                work / "landing",
                work / "rejected",
                now,
                mapping=company.mappings[source],
                business_timezone=company.company.business_timezone,
                company_mappings=mappings,
                processed_dir=work / "processed",
            )
            timings[source] = (time.perf_counter() - started, report.files_seen)
        if as_of is not None:
            timings["contracts"] = _validate_all(con, company, as_of)
    shutil.rmtree(work, ignore_errors=True)
    return timings


def _validate_all(con, company, as_of: datetime) -> tuple[float, int]:
    """(seconds, quarantine entries) of every source's ``validate_source`` and ``write_quarantine``."""
    from data_contracts import CONTRACTS
    from data_contracts.company.export import write_company_tables
    from data_contracts.validate import ensure_governance_schema, validate_source, write_quarantine
    from orchestration.ingestion.loader import ensure_raw_tables

    write_company_tables(con, company.company)  # the codes the contracts check against
    ensure_governance_schema(con)
    started, entries = time.perf_counter(), 0
    for source, contract in CONTRACTS.items():  # master data first: later contracts look it up
        ensure_raw_tables(con, contract)  # a source the company does not send is an empty table
        outcome = validate_source(con, source, as_of)
        write_quarantine(con, outcome)
        entries += len(outcome.quarantine)
    return time.perf_counter() - started, entries


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--code", type=Path, help="root of the checkout whose ingestion code is measured (default: this one)")
    parser.add_argument("--scale", default="tiny")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--contracts", action="store_true", help="also validate every source whole after loading it")
    args = parser.parse_args(argv)
    if args.code:
        sys.path.insert(0, str(args.code.resolve()))
    from data_contracts.company import load_company
    from demo_company import generate

    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        manifest = generate(home / "data" / "landing", args.scale, seed=7)
        as_of = datetime.fromisoformat(manifest["end_date"]).replace(hour=23, minute=59, second=59) if args.contracts else None
        sources = sorted(load_company(home / "data" / "company").mappings, key=lambda s: (s != "pos_sales", s))
        runs = [_load_all(home, home / "data", sources, as_of) for _ in range(args.repeat)]
    pos = statistics.median(run["pos_sales"][0] for run in runs)
    files = runs[0]["pos_sales"][1]
    every = statistics.median(sum(run[source][0] for source in sources) for run in runs)
    all_files = sum(runs[0][source][1] for source in sources)
    print(f"code: {args.code or 'this checkout'}; scale {args.scale}; {args.repeat} repetitions (medians)")
    for source in sources:
        print(f"  {source:24s} {statistics.median(run[source][0] for run in runs) * 1000:8.1f} ms  {runs[0][source][1]:4d} files")
    print(f"pos_sales_files: {files}")
    print(f"pos_sales_load_ms: {pos * 1000:.0f}")
    print(f"pos_sales_ms_per_file: {pos * 1000 / files:.2f}")
    print(f"pos_sales_files_per_second: {files / pos:.0f}")
    print(f"all_sources_files: {all_files}")
    print(f"all_sources_load_ms: {every * 1000:.0f}")
    print(f"all_sources_ms_per_file: {every * 1000 / all_files:.2f}")
    if args.contracts:
        print(f"contracts_quarantine_entries: {runs[0]['contracts'][1]}")
        print(f"contracts_full_load_ms: {statistics.median(run['contracts'][0] for run in runs) * 1000:.0f}")


if __name__ == "__main__":
    main()
