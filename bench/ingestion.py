"""Raw ingestion's cost per file: ``load_source`` on the tiny demo company's files, as the raw assets run it.

    python -m bench.ingestion                        (this checkout's code)
    python -m bench.ingestion --code /tmp/old        (another checkout's, e.g. ``git archive <commit>``)
    python -m bench.ingestion --repeat 5 --scale demo

The company is generated once (seed 7); each repetition copies its landing folder afresh and loads
it into a new DuckDB file, as the raw assets do (rejected and processed folders, the company's
mappings), first ``pos_sales`` (one small CSV per store and day: the per-file cost), then every
other source. Medians of the repetitions; the headline figures are printed last as ``name: value``.
To compare two versions of the code, run it once with each ``--code`` in the same session.
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


def _load_all(home: Path, landing: Path, sources: list[str]) -> dict[str, tuple[float, int]]:
    """(seconds, files seen) of ``load_source`` for each source, in order, into a new warehouse."""
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
    shutil.rmtree(work, ignore_errors=True)
    return timings


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--code", type=Path, help="root of the checkout whose ingestion code is measured (default: this one)")
    parser.add_argument("--scale", default="tiny")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    if args.code:
        sys.path.insert(0, str(args.code.resolve()))
    from data_contracts.company import load_company
    from demo_company import generate

    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        generate(home / "data" / "landing", args.scale, seed=7)
        sources = sorted(load_company(home / "data" / "company").mappings, key=lambda s: (s != "pos_sales", s))
        runs = [_load_all(home, home / "data", sources) for _ in range(args.repeat)]
    pos = statistics.median(run["pos_sales"][0] for run in runs)
    files = runs[0]["pos_sales"][1]
    every = statistics.median(sum(seconds for seconds, _ in run.values()) for run in runs)
    all_files = sum(n for _, n in runs[0].values())
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


if __name__ == "__main__":
    main()
