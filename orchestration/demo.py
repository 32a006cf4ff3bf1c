"""``make demo``: generate the demo company, materialize every asset, print a summary.

    python -m orchestration.demo [--scale demo] [--seed 42]

The run is recorded in the Dagster instance under PLANLINE_HOME, so it shows in the UI
(``make ui``). PLANLINE_AS_OF defaults to the demo company's last day of history.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from orchestration.instance import prepare_instance
from orchestration.settings import load_settings


def run_pipeline(job_name: str = "data_foundation", all_days: bool = True) -> bool:
    import warnings

    import dagster as dg

    warnings.filterwarnings("ignore", category=dg.BetaWarning)  # single-run backfill policies: noise in a summary

    from orchestration.definitions import defs
    from orchestration.jobs import all_days_tags

    job = defs.resolve_job_def(job_name)
    run_config = {"loggers": {"console": {"config": {"log_level": "INFO"}}}}
    result = job.execute_in_process(
        instance=dg.DagsterInstance.get(),
        tags=all_days_tags() if all_days else None,  # every daily partition, in one run
        run_config=run_config,
        raise_on_error=False,
    )
    for event in result.get_step_failure_events():
        print(f"FAILED step {event.step_key}: {event.event_specific_data.error.message.strip()[:500]}", file=sys.stderr)
    return result.success


def print_summary(warehouse: Path, settings) -> None:
    import duckdb
    import pandas as pd

    pd.set_option("display.max_colwidth", 110)
    pd.set_option("display.width", 220)
    con = duckdb.connect(str(warehouse), read_only=True)

    def table(title: str, sql: str) -> None:
        rel = con.sql(sql)
        print(f"\n{title}")
        print(rel.df().to_string(index=False))

    table(
        "Rows per source (read = harmonized + quarantined)",
        "SELECT source, rows_read, rows_harmonized, rows_quarantined, rows_unaccounted FROM governance_marts.gov_row_conservation ORDER BY source",
    )
    table(
        "Quarantine by source and rule",
        "SELECT source, rule, quarantined_rows, example_reason FROM governance_marts.gov_quarantine_summary ORDER BY source, rule",
    )
    table("Rejected files (kept in the rejected folder)", "SELECT source, source_file, error FROM raw._rejected_files ORDER BY source, source_file")
    table(
        "Findings that flow on",
        """
        SELECT 'late events' AS finding, count(*) AS rows FROM governance_marts.gov_late_events
        UNION ALL SELECT 'ERP vs WMS stock discrepancies', count(*) FROM governance_marts.gov_inventory_discrepancies""",
    )
    if con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'forecasting' AND table_name = 'fct_consensus_forecast'").fetchall()[0][
        0
    ]:
        table(
            "Demand model backtest (3 rolling origins; WRMSSE weighted by dollar sales, lower is better)",
            """SELECT forecast, round(wrmsse, 3) AS wrmsse, round(wape, 3) AS wape, round(bias, 3) AS bias, round(coverage, 3) AS p90_coverage
               FROM forecasting.backtest_scores WHERE "group" = 'all' AND forecast <> 'lightgbm_p50' ORDER BY wrmsse""",
        )
        table(
            "Forecast and consensus (next days, all series)",
            """SELECT min(origin_date) AS origin, min(forecast_date) AS first_day, max(forecast_date) AS last_day,
                      count(DISTINCT sku_id || location_id || channel_id) AS series, round(sum(statistical_units)) AS statistical_units,
                      round(sum(consensus_units)) AS consensus_units, count(*) FILTER (WHERE override_count > 0) AS cells_overridden,
                      any_value(model_version) AS model_version
               FROM forecasting.fct_consensus_forecast""",
        )
        table(
            "Forecast value added of planner overrides (where actuals exist)",
            """SELECT forecast_source, count(*) AS overrides, count(*) FILTER (WHERE fva_units > 0) AS added_value,
                      round(sum(fva_units)) AS fva_units, round(sum(fva_units) / nullif(sum(statistical_abs_error), 0), 3) AS fva_share
               FROM forecasting.fct_override_value_added GROUP BY 1 ORDER BY 1""",
        )
    marts = con.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'marts' ORDER BY table_name").fetchall()
    counts = [(name, con.execute(f'SELECT count(*) FROM marts."{name}"').fetchone()[0]) for (name,) in marts]
    print("\nMarts (schema marts)")
    for name, n in counts:
        print(f"  {name:28s} {n:>10,}")
    con.close()
    print(f"""
Outputs
  warehouse (DuckDB)  {warehouse}
  landing folder      {settings.landing}   (loaded files move to {settings.processed})
  rejected files      {settings.rejected}
  Dagster home        {settings.dagster_home}

Open the UI:  make ui   (DAGSTER_HOME={settings.dagster_home} .venv/bin/dagster dev -w workspace.yaml, then http://127.0.0.1:3000)
MLflow UI:    make mlflow-ui   (experiments, backtests, the model registry: http://127.0.0.1:5000)
Data docs:    make contracts-docs""")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", default="demo", help="tiny, demo or a multiplier such as 10x")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    settings = load_settings()
    settings.ensure_dirs()
    prepare_instance(settings.dagster_home)

    from ml.demo_company import generate

    started = time.perf_counter()
    print(f"Generating the demo company ({args.scale}, seed {args.seed}) into {settings.landing}")
    manifest = generate(settings.landing, args.scale, args.seed, progress=lambda m: print("  " + m))
    os.environ.setdefault("PLANLINE_AS_OF", manifest["end_date"])
    print(f"Materializing the data layer as of {os.environ['PLANLINE_AS_OF']}")
    ok = run_pipeline()
    if ok:
        print("Training the demand model (backtest over 3 origins, MLflow, champion gate), then forecasting")
        ok = run_pipeline("demand_forecast_training", all_days=False)
    if ok:
        print_summary(settings.warehouse, settings)
        print(f"\nDone in {time.perf_counter() - started:.0f} s")
    else:
        print(f"\nFAILED after {time.perf_counter() - started:.0f} s: see the failed steps above; the run is in the UI (make ui).", file=sys.stderr)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
