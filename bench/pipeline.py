"""Data-foundation benchmark: generation, ingestion, contracts and dbt, against a raw DuckDB query.

    python -m bench.pipeline --scale demo      (or --scale 10x)

Each stage runs in its own process so its wall time and peak memory (max RSS) are its own. The
lower bound is the daily-demand aggregation (POS sales + online orders + B2B orders in base units
by SKU x location x channel x day) done as one DuckDB query straight over the landing files, with
no contracts, quarantine or lineage: what the pipeline costs above the bare computation.
The raw query is repeated and its median taken; pipeline stages run --repeats times (median).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

RAW_DEMAND_QUERY = """
WITH xref AS (
    SELECT system, external_code, item_code FROM read_csv('{landing}/erp/item_xref.csv', delim=';', header=true, all_varchar=true)
), units AS (
    SELECT item_code, unit, CAST(replace(factor_to_base, ',', '.') AS DOUBLE) AS factor
    FROM read_csv('{landing}/erp/unit_conversions.csv', delim=';', header=true, all_varchar=true)
), pos AS (
    SELECT x.item_code AS sku, p.store AS location, 'STORE' AS channel, CAST(strptime(p.business_date, '%Y%m%d') AS DATE) AS day,
           TRY_CAST(p.qty AS DOUBLE) AS units
    FROM read_csv('{landing}/pos/*/sales_*.csv', delim=',', header=true, all_varchar=true, ignore_errors=true) p
    JOIN xref x ON x.system = 'POS' AND x.external_code = p.ean
    WHERE p.line_type = 'SALE'
), online AS (
    SELECT coalesce(x.item_code, o.item) AS sku, o.ship_from AS location, o.channel, CAST(CAST(o.event_time AS TIMESTAMP) AS DATE) AS day,
           TRY_CAST(o.qty AS DOUBLE) * u.factor AS units
    FROM read_json('{landing}/oms/events_*.jsonl', format='newline_delimited', ignore_errors=true, columns={{
        event_type: 'VARCHAR', event_time: 'VARCHAR', item: 'VARCHAR', qty: 'VARCHAR', uom: 'VARCHAR', channel: 'VARCHAR', ship_from: 'VARCHAR'}}) o
    LEFT JOIN xref x ON x.system = 'MKT' AND x.external_code = o.item
    JOIN units u ON u.item_code = coalesce(x.item_code, o.item) AND u.unit = o.uom
    WHERE o.event_type = 'LINE_PLACED'
), b2b AS (
    SELECT s.item_code AS sku, s.ship_from AS location, 'B2B' AS channel, CAST(strptime(s.requested_date, '%d/%m/%Y') AS DATE) AS day,
           TRY_CAST(replace(s.quantity, ',', '.') AS DOUBLE) * u.factor AS units
    FROM read_csv('{landing}/erp/sales_orders_*.csv', delim=';', header=true, all_varchar=true, ignore_errors=true) s
    JOIN units u ON u.item_code = s.item_code AND u.unit = s.unit
)
SELECT sku, location, channel, day, sum(units) AS units
FROM (SELECT * FROM pos UNION ALL SELECT * FROM online UNION ALL SELECT * FROM b2b)
GROUP BY ALL
"""


# ---- stages (each runs in a child process) ---------------------------------------------------


def stage_generate(home: Path, scale: str) -> dict:
    from demo_company import generate

    manifest = generate(home / "landing", scale, seed=42)
    return {"rows": sum(manifest["rows_per_source"].values()), "end_date": manifest["end_date"]}


def stage_ingest(home: Path, scale: str) -> dict:
    import duckdb

    from data_contracts import CONTRACTS
    from data_contracts.company import load_company
    from orchestration.ingestion.loader import load_source

    company = load_company(home / "company")  # written by the generator
    con = duckdb.connect(str(home / "warehouse.duckdb"))
    loaded_at = datetime.now(UTC).replace(tzinfo=None)
    zone = company.company.business_timezone
    rows = sum(
        load_source(con, CONTRACTS[s], home / "landing", home / "rejected", loaded_at, mapping=m, business_timezone=zone).rows_in_table
        for s, m in company.mappings.items()
    )
    con.close()
    return {"rows": rows}


def stage_contracts(home: Path, scale: str) -> dict:
    import duckdb

    from data_contracts import CONTRACTS
    from data_contracts.validate import ensure_governance_schema, validate_source, write_quarantine
    from demo_company.generate import MANIFEST_NAME

    as_of = datetime.fromisoformat(json.loads((home / "landing" / MANIFEST_NAME).read_text())["end_date"]).replace(hour=23, minute=59, second=59)
    con = duckdb.connect(str(home / "warehouse.duckdb"))
    ensure_governance_schema(con)
    quarantined = 0
    for source in CONTRACTS:  # every rule in SQL (data_contracts/sql_evaluator.py): no Great Expectations import
        outcome = validate_source(con, source, as_of)
        write_quarantine(con, outcome)
        quarantined += outcome.quarantined_rows
    con.close()
    return {"quarantined_rows": quarantined}


def stage_dbt(home: Path, scale: str) -> dict:
    from dbt.cli.main import dbtRunner

    from orchestration.settings import REPO_ROOT

    os.environ["PLANLINE_DUCKDB_PATH"] = str(home / "warehouse.duckdb")
    project = REPO_ROOT / "dbt_project"
    result = dbtRunner().invoke(["build", "--quiet", "--project-dir", str(project), "--profiles-dir", str(project)])
    if not result.success:
        raise RuntimeError(f"dbt build failed: {result.exception}")
    return {"nodes": len(result.result or [])}


def stage_raw_query(home: Path, scale: str, repeats: int = 5) -> dict:
    import duckdb

    times, rows = [], 0
    for _ in range(repeats):
        con = duckdb.connect()
        started = time.perf_counter()
        rows = con.sql(RAW_DEMAND_QUERY.format(landing=home / "landing")).to_arrow_table().num_rows
        times.append(time.perf_counter() - started)
        con.close()
    return {"rows": rows, "median_seconds": statistics.median(times), "runs": [round(t, 3) for t in times]}


STAGES = {"generate": stage_generate, "ingest": stage_ingest, "contracts": stage_contracts, "dbt": stage_dbt, "raw_query": stage_raw_query}


def run_stage_in_child(stage: str, home: Path, scale: str) -> dict:
    started = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, "-m", "bench.pipeline", "--stage", stage, "--home", str(home), "--scale", scale],
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - started
    if completed.returncode != 0:
        raise SystemExit(f"stage {stage} failed:\n{completed.stderr[-3000:]}")
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    result["wall_seconds"] = wall
    return result


def child(stage: str, home: Path, scale: str) -> None:
    started = time.perf_counter()
    result = STAGES[stage](home, scale)
    result["seconds"] = time.perf_counter() - started
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", default="demo")
    parser.add_argument("--repeats", type=int, default=1, help="pipeline runs (median reported)")
    parser.add_argument("--stage", choices=STAGES, help=argparse.SUPPRESS)
    parser.add_argument("--home", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    from orchestration.settings_check import settings_or_exit

    settings_or_exit()  # every PLANLINE_* setting checked before anything is written
    if args.stage:
        child(args.stage, args.home, args.scale)
        return

    runs: list[dict[str, dict]] = []
    for repeat in range(args.repeats):
        home = Path(tempfile.mkdtemp(prefix=f"planline_bench_{args.scale}_"))
        try:
            results = {}
            for stage in ("generate", "ingest", "contracts", "dbt", "raw_query"):
                print(f"[run {repeat + 1}/{args.repeats}] {stage} ...", flush=True)
                results[stage] = run_stage_in_child(stage, home, args.scale)
                print(
                    f"    {results[stage]['seconds']:.1f} s, peak {results[stage]['peak_rss_mb']:.0f} MB  {json.dumps({k: v for k, v in results[stage].items() if k not in ('seconds', 'peak_rss_mb', 'wall_seconds')})}",
                    flush=True,
                )
            runs.append(results)
        finally:
            shutil.rmtree(home, ignore_errors=True)

    def median(stage: str, key: str = "seconds") -> float:
        return statistics.median(r[stage][key] for r in runs)

    pipeline = statistics.median(sum(r[s]["seconds"] for s in ("ingest", "contracts", "dbt")) for r in runs)
    raw = median("raw_query", "median_seconds")
    print(f"\nscale {args.scale}: {runs[0]['generate']['rows']:,} rows in the landing files, {args.repeats} run(s), medians")
    print(f"generate_seconds: {median('generate'):.1f}")
    print(f"ingest_seconds: {median('ingest'):.1f}")
    print(f"contracts_seconds: {median('contracts'):.1f}")
    print(f"dbt_seconds: {median('dbt'):.1f}")
    print(f"pipeline_seconds: {pipeline:.1f}")
    print(f"raw_query_seconds: {raw:.2f}")
    print(f"peak_rss_mb: {max(max(r[s]['peak_rss_mb'] for s in r) for r in runs):.0f}")
    print(f"rows_ingested: {runs[0]['ingest']['rows']}")
    print(f"pipeline_vs_raw_query_ratio: {pipeline / raw:.1f}")


if __name__ == "__main__":
    main()
