"""``make demo``: generate the demo company, materialize every asset, print a summary.

    python -m orchestration.demo [--scale demo] [--seed 42]

The run is recorded in the Dagster instance under PLANLINE_HOME, so it shows in the UI
(``make ui``). The demo's "now" is explicit: the demo company's last day of history (or
PLANLINE_AS_OF when set), written as ``as_of`` into the company configuration
(``<company folder>/company.yaml``), which ``make ui`` and every later run read.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path

from orchestration.instance import prepare_instance
from orchestration.settings import COMPANY_FILE
from orchestration.settings_check import settings_or_exit

_AS_OF_LINE = re.compile(r"^as_of:.*$", re.MULTILINE)
AS_OF_COMMENT = "# Planline's 'now' (written by make demo: the demo company's last day of history)"


def write_company_as_of(company_dir: Path, value: str) -> Path:
    """Set ``as_of`` in ``company_dir/company.yaml``: the file is created with it alone when there
    is none; otherwise only its ``as_of`` line changes (added when missing), the rest kept as written."""
    import yaml

    path = company_dir / COMPANY_FILE
    line = f"as_of: '{value}'"  # an ISO date or timestamp (checked before), quoted: the text the settings parse
    if path.exists():
        text = path.read_text(encoding="utf-8")
        updated = _AS_OF_LINE.sub(lambda _: line, text, count=1) if _AS_OF_LINE.search(text) else f"{text.rstrip(chr(10))}\n{line}\n"
        try:
            document = yaml.safe_load(updated)
        except yaml.YAMLError:
            document = None
        if not isinstance(document, dict) or str(document.get("as_of")) != value:  # a layout the line edit does not fit (a flow mapping...)
            document = yaml.safe_load(text) or {}
            document["as_of"] = value
            updated = yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
    else:
        company_dir.mkdir(parents=True, exist_ok=True)
        updated = f"{AS_OF_COMMENT}\n{line}\n"
    staging = path.with_name(f".{path.name}.tmp")
    staging.write_text(updated, encoding="utf-8")
    os.replace(staging, path)
    return path


def run_pipeline(job_name: str = "data_foundation", all_days: bool = True) -> bool:
    import warnings

    import dagster as dg

    warnings.filterwarnings("ignore", category=dg.BetaWarning)  # single-run backfill policies: noise in a summary

    from orchestration.definitions import defs as planline

    defs = planline()
    from orchestration.partitions import all_days_tags

    job = defs.resolve_job_def(job_name)
    run_config = {"loggers": {"console": {"config": {"log_level": "INFO"}}}}
    result = job.execute_in_process(
        instance=dg.DagsterInstance.get(),
        tags=all_days_tags() if all_days else None,  # every daily partition, in one run
        run_config=run_config,
        raise_on_error=False,
    )
    for event in result.get_step_failure_events():
        error = event.event_specific_data.error
        while error.cause is not None:  # the op's own error, not Dagster's wrapper around it
            error = error.cause
        print(f"FAILED step {event.step_key}: {error.message.strip()[:800]}", file=sys.stderr)
    return result.success


def print_summary(warehouse: Path, settings) -> None:
    import pandas as pd

    from orchestration.warehouse_snapshot import planline_reader, published_path

    pd.set_option("display.max_colwidth", 110)
    pd.set_option("display.width", 220)
    con = planline_reader(warehouse)  # the copy the last run published: a reader never blocks a run (make ui's, say)

    def has_table(schema: str, name: str) -> bool:
        return con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?", [schema, name]).fetchall()[0][0] > 0

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
    if has_table("forecasting", "fct_consensus_forecast"):
        origins = con.execute("SELECT count(DISTINCT origin_date) FROM forecasting.backtest_forecasts").fetchall()[0][0]
        table(
            f"Demand model backtest ({origins} rolling origin{'s' if origins != 1 else ''}; WRMSSE weighted by dollar sales, lower is better)",
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
    if has_table("inventory", "planned_orders"):
        table(
            "Inventory policies (safety stock and order-up-to level at cost)",
            """SELECT location_type, distribution, count(*) AS sku_locations, count(*) FILTER (WHERE binding_target = 'fill_rate') AS fill_rate_binds,
                      round(sum(safety_stock_value)) AS safety_stock_value, round(sum(order_up_to_value)) AS order_up_to_value
               FROM inventory.inventory_policies GROUP BY ALL ORDER BY ALL""",
        )
        table(
            "Planned orders of the current plan",
            """SELECT plan_version, order_type, count(*) AS orders, round(sum(quantity_units)) AS units, round(sum(order_value)) AS value,
                      min(release_date) AS first_release, count(*) FILTER (WHERE reason_code = 'SHORTAGE_WITHIN_LEAD_TIME') AS too_late_to_avoid_shortage
               FROM inventory.planned_orders WHERE plan_version = (SELECT any_value(plan_version) FROM inventory.projected_inventory)
               GROUP BY ALL ORDER BY ALL""",
        )
        table(
            "Safety stock placement: guaranteed-service model against independent single-echelon policies (value at cost)",
            """SELECT round(sum(single_echelon_safety_stock_value)) AS single_echelon, round(sum(guaranteed_service_safety_stock_value)) AS guaranteed_service,
                      round(1 - sum(guaranteed_service_safety_stock_value) / sum(single_echelon_safety_stock_value), 3) AS saving_share
               FROM inventory.safety_stock_placement""",
        )
        # no web order to route (a company without web shop): routing writes no table
        routed = (
            """UNION ALL SELECT 'web lines routed (unrouted)', count(*), round(sum(quantity)), count(*) FILTER (WHERE ship_from_location_id IS NULL)
               FROM inventory.online_order_routing"""
            if has_table("inventory", "online_order_routing")
            else ""
        )
        table(
            "Availability: rebalancing, allocation of the order book, routing of the day's web orders",
            f"""SELECT 'rebalancing transfers' AS step, count(*) AS lines, round(sum(quantity)) AS units, round(sum(net_saving), 2) AS detail
               FROM inventory.rebalancing_transfers
               UNION ALL SELECT 'allocated order lines (short)', count(*), round(sum(allocated_quantity)), count(*) FILTER (WHERE short_quantity > 0)
               FROM inventory.order_allocation
               {routed}""",
        )
    if has_table("sop", "scenario_summary"):
        table(
            "S&OP scenarios over the 18-month horizon (balanced by the LP; gap report in sop.gap_report)",
            """SELECT scenario, round(total_cost) AS total_cost, round(overtime_cost) AS overtime_cost, round(demand_units) AS demand_units,
                      round(lost_units) AS lost_units, busiest_resource, busiest_month, round(busiest_utilisation, 3) AS utilisation
               FROM sop.scenario_summary""",
        )
    if has_table("kpi", "kpi_scorecard"):
        table(
            "KPIs, latest month (kpi.kpi_scorecard; every cut in the KPI's own table)",
            """SELECT kpi, strftime(month, '%Y-%m') AS month, round(value, 4) AS value, target, direction AS better
               FROM kpi.kpi_scorecard
               WHERE cut_type = 'all' AND value IS NOT NULL
               QUALIFY month = max(month) OVER (PARTITION BY kpi)
               ORDER BY kpi""",
        )
        if con.execute("SELECT count(*) FROM kpi.kpi_scorecard WHERE status = 'not_computed'").fetchall()[0][
            0
        ]:  # fetched whole: the connection's next query needs it done
            table(
                "KPIs not computed: the company's data does not give them (kpi.kpi_availability)",
                "SELECT kpi, reason FROM kpi.kpi_scorecard WHERE status = 'not_computed' ORDER BY kpi",
            )
    if has_table("exceptions", "fct_exceptions"):
        table(
            "Exceptions by type and reason (exceptions.fct_exceptions)",
            """SELECT horizon, exception_type, reason_code, count(*) AS exceptions, round(sum(units)) AS units, round(sum(value)) AS value
               FROM exceptions.fct_exceptions GROUP BY ALL ORDER BY ALL""",
        )
    marts = con.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'marts' ORDER BY table_name").fetchall()
    counts = [(name, con.execute(f'SELECT count(*) FROM marts."{name}"').fetchone()[0]) for (name,) in marts]
    print("\nMarts (schema marts)")
    for name, n in counts:
        print(f"  {name:28s} {n:>10,}")
    con.close()
    here = f"PLANLINE_COMPANY={settings.company_dir} PLANLINE_HOME={settings.home}"
    print(f"""
Outputs
  warehouse (DuckDB)  {warehouse}   (runs write it; readers open {published_path(warehouse)})
  landing folder      {settings.landing}   (loaded files move to {settings.processed})
  rejected files      {settings.rejected}
  Dagster home        {settings.dagster_home}
  ERP import files    {settings.exports / "erp"}   (one folder per plan version)
  planners' cockpit   {settings.exports / "cockpit" / "cockpit.html"}   (open it in a browser; works offline)
  approved S&OP plans {settings.exports / "sop"}   (job approve_sop_plan, one folder per version)

With this company's settings ({here}):
Open the UI:  {here} make ui   (then http://127.0.0.1:3000)
MLflow UI:    {here} make mlflow-ui   (experiments, backtests, the model registry: http://127.0.0.1:5000)
Data docs:    {here} make contracts-docs
Query:        {here} .venv/bin/python -m orchestration.warehouse_snapshot 'from marts.fct_daily_demand limit 5'""")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", default="demo", help="tiny (12 weeks of history), demo (3 years), m5 or a multiplier such as 10x")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    from demo_company import resolve_scale

    try:
        scale = resolve_scale(args.scale)
    except ValueError as error:
        parser.error(str(error))
    # The demo's "now": the last day of the demo company's history (demo_company: Scale.end_date),
    # unless PLANLINE_AS_OF says otherwise (the environment comes first).
    as_of = os.environ.get("PLANLINE_AS_OF") or scale.end_date.isoformat()
    # every setting, and the company configuration, checked as the runs will read them before a file is written
    settings = settings_or_exit({**os.environ, "PLANLINE_AS_OF": as_of})
    settings.ensure_dirs()
    prepare_instance(settings.dagster_home)
    import dagster as dg

    from orchestration.recovery import recover_dead_runs

    with dg.DagsterInstance.get() as instance:  # no daemon here: a run killed earlier would hold the warehouse pool's slot forever
        recover_dead_runs(instance)

    from demo_company import generate

    started = time.perf_counter()
    print(f"Generating the demo company ({args.scale}, seed {args.seed}) into {settings.landing}")
    generate(settings.landing, scale, args.seed, progress=lambda m: print("  " + m), company_dir=settings.company_dir)
    written = write_company_as_of(settings.company_dir, as_of)  # after the generator, which may write the company's configuration
    settings = settings_or_exit()  # as the runs (and make ui) read them: the as-of from company.yaml unless PLANLINE_AS_OF is set
    print(f"Materializing the data layer as of {settings.as_of} UTC (as_of in {written})")
    sys.exit(0 if run_main_job(settings, started) else 1)


def prepare_dbt() -> None:
    """`make dbt-parse` for this process's settings: `dbt parse` into their dbt state folder, which
    every dbt step starts from (else each step parses the whole project again), and the manifest
    the code location loads (a fresh clone has none: a company run must not need a make step).
    In a child process: the code location cannot be imported before the manifest exists."""
    import subprocess

    subprocess.run([sys.executable, "-m", "orchestration.dbt_project"], check=True, stdout=subprocess.DEVNULL)


def run_main_job(settings, started: float) -> bool:
    """The main job on the settings' company: the data layer over every day, training and the
    forecast, the inventory plan, the ERP files, the S&OP cycle; then the summary. Each stage
    prints one line with the time elapsed since ``started``."""

    def stage(words: str) -> None:
        print(f"[{time.perf_counter() - started:6.0f} s] {words}")

    stage("dbt: parsing the project for this state folder (the manifest too when missing)")
    prepare_dbt()
    stage("the data layer: contracts, quarantine, dbt marts")
    ok = run_pipeline()
    if ok:
        stage("training the demand model (rolling-origin backtest, MLflow, champion gate), forecasting, then planning inventory")
        ok = run_pipeline("demand_forecast_training", all_days=False)
    if ok:
        stage("publishing the plan's planned orders as ERP import files")
        ok = run_pipeline("publish_plan", all_days=False)
    if ok:
        stage("the monthly S&OP cycle: demand review, supply review, scenarios balanced by the LP")
        ok = run_pipeline("sop_monthly", all_days=False)
    if ok:
        print_summary(settings.warehouse, settings)
        print(f"\nDone in {time.perf_counter() - started:.0f} s")
    else:
        print(f"\nFAILED after {time.perf_counter() - started:.0f} s: see the failed steps above; the run is in the UI (make ui).", file=sys.stderr)
    return ok


if __name__ == "__main__":
    main()
