"""Incremental cost: a one-day update against a full run, on the demo company and at 10x.

    python -m bench.incremental                     (demo and 10x)
    python -m bench.incremental --scales demo --days 3

For each scale the company is generated and its last ``--days`` days are held back: the files of
those days (POS, WMS and OMS exports) and, from the ERP's monthly transaction files, the rows of
those days, which arrive as daily delta files (``sales_orders_<day>.csv``...). Then, each in its own
process as a run worker would be, on a Dagster instance on disk as in production:

- the full run: ``data_foundation`` over every partition, from an empty warehouse;
- each held day in turn: the day's files land, the landing sensor is evaluated, and the runs it
  requests (the day, plus earlier days its late events touch) are executed.

The one-day update's cost is the median over the held days; the ratio is against the full run of
the same scale. Last, the last day's run is executed again with nothing new landed: the empty
update, what a daily run costs whatever the day holds (process start, imports, run creation, the
event log, dbt's start), the floor under any one-day update.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

# Business-day column of each ERP monthly transaction file (DD/MM/YYYY).
ERP_DAY_COLUMN = {
    "purchase_orders": "order_date",
    "production_orders": "planned_start_date",
    "sales_orders": "order_date",
    "inventory": "snapshot_date",
}


def environment(home: Path) -> dict[str, str]:
    from orchestration.settings import home_environment

    return {**os.environ, **home_environment(home)}


# ---- preparing a scale -----------------------------------------------------------------------


def hold_back(landing: Path, held: Path, days: list[date]) -> None:
    """Move the files of ``days`` and the ERP rows of ``days`` out of the landing folder, into
    ``held/<day>/`` laid out like the landing folder."""
    for day in days:
        stamp = day.strftime("%Y%m%d")
        for path in [*landing.glob(f"*/*_{stamp}.*"), *landing.glob(f"*/*/*_{stamp}.*")]:
            target = held / day.isoformat() / path.relative_to(landing)
            target.parent.mkdir(parents=True, exist_ok=True)
            path.rename(target)
    wanted = {day.strftime("%d/%m/%Y"): day for day in days}
    for stem, column in ERP_DAY_COLUMN.items():
        for path in sorted((landing / "erp").glob(f"{stem}_*.csv")):
            lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
            index = next(csv.reader([lines[0]], delimiter=";")).index(column)
            kept, moved = [lines[0]], {}
            for line in lines[1:]:
                value = line.split(";")[index] if line.count(";") >= index else ""
                (moved.setdefault(wanted[value], []) if value in wanted else kept).append(line)
            if moved:
                path.write_text("".join(kept), encoding="utf-8")
            for day, rows in moved.items():
                target = held / day.isoformat() / "erp" / f"{stem}_{day.isoformat()}.csv"
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(lines[0] + "".join(rows), encoding="utf-8")


# ---- what each child process does ------------------------------------------------------------


def child_setup() -> dict:
    """`make dbt-parse` and the instance's dagster.yaml: once per deployment, not per run."""
    from orchestration.dbt_project import parse_project
    from orchestration.instance import prepare_instance
    from orchestration.settings import load_settings

    prepare_instance(load_settings().dagster_home)
    parse_project(update_manifest=False)
    return {}


def _steps(result) -> dict[str, float]:
    return {
        e.step_key: round(e.event_specific_data.duration_ms / 1000, 2)
        for e in result.all_events
        if e.event_type_value == "STEP_SUCCESS" and e.event_specific_data.duration_ms is not None
    }


def _execute(job: str, what: str, **run_arguments) -> dict:
    """Execute ``job`` on the instance of DAGSTER_HOME; its steps' durations, or exit on failure."""
    import dagster as dg

    from orchestration.definitions import defs as planline

    defs = planline()

    result = defs.resolve_job_def(job).execute_in_process(instance=dg.DagsterInstance.get(), raise_on_error=False, **run_arguments)
    if not result.success:
        raise SystemExit(f"{what} failed: {[e.message for e in result.get_step_failure_events()]}")
    return {"steps": _steps(result)}


def child_full() -> dict:
    from orchestration.partitions import all_days_tags

    return _execute("data_foundation", "full run", tags=all_days_tags())


def child_update() -> dict:
    """Evaluate the landing sensor and execute the runs it requests, as the daemon would."""
    import dagster as dg

    from orchestration.definitions import defs as planline

    defs = planline()
    from orchestration.defs.ingestion.sensors import landing_sensor

    instance = dg.DagsterInstance.get()
    started = time.perf_counter()
    evaluation = landing_sensor(dg.build_sensor_context(instance=instance, definitions=defs, resources={"landing_zone": defs.resources["landing_zone"]}))
    sensor_seconds = time.perf_counter() - started
    runs = []
    for request in getattr(evaluation, "run_requests", None) or []:  # a SkipReason when nothing waits
        started = time.perf_counter()
        result = defs.resolve_job_def(request.job_name).execute_in_process(
            instance=instance, partition_key=request.partition_key, tags=request.tags, asset_selection=request.asset_selection, raise_on_error=False
        )
        if not result.success:
            raise SystemExit(f"run {request.run_key} failed: {[e.message for e in result.get_step_failure_events()]}")
        days = request.partition_key or f"{request.tags['dagster/asset_partition_range_start']}..{request.tags['dagster/asset_partition_range_end']}"
        runs.append({"job": request.job_name, "days": days, "seconds": round(time.perf_counter() - started, 1), "steps": _steps(result)})
    return {"sensor_seconds": round(sensor_seconds, 2), "runs": runs}


def child_floor() -> dict:
    """The last day's run again, nothing new landed: what a daily run costs whatever the day holds."""
    from orchestration.partitions import partition_bounds

    return _execute("daily_data_foundation", "empty update", partition_key=partition_bounds()[1].isoformat())


CHILDREN = {"setup": child_setup, "full": child_full, "update": child_update, "floor": child_floor}


def in_child(step: str, home: Path) -> tuple[float, dict]:
    """Run a child step in its own process on ``home``: its wall time and its result."""
    log = home / "bench_runs.log"
    started = time.perf_counter()
    with log.open("a") as output:
        completed = subprocess.run(
            [sys.executable, "-m", "bench.incremental", "--child", step], stdout=subprocess.PIPE, stderr=output, text=True, env=environment(home), check=False
        )
    wall = time.perf_counter() - started
    if completed.returncode != 0:
        raise SystemExit(f"{step} failed (log: {log}):\n{completed.stdout[-2000:]}")
    return wall, json.loads(completed.stdout.strip().splitlines()[-1])


# ---- one scale ---------------------------------------------------------------------------------


def measure_scale(scale: str, days: int, keep: bool) -> dict:
    from demo_company import generate

    home = Path(tempfile.mkdtemp(prefix=f"planline_incremental_{scale}_"))
    try:
        print(f"[{scale}] generating the company ...", flush=True)
        started = time.perf_counter()
        manifest = generate(home / "landing", scale, seed=42)
        print(f"    {time.perf_counter() - started:.0f} s, {sum(manifest['rows_per_source'].values()):,} rows", flush=True)
        last = date.fromisoformat(manifest["end_date"])
        held_days = [last - timedelta(days=n) for n in reversed(range(days))]
        hold_back(home / "landing", home / "held", held_days)
        in_child("setup", home)

        print(f"[{scale}] full run over every partition (all days but the last {days}) ...", flush=True)
        full_seconds, full = in_child("full", home)
        print(f"    {full_seconds:.1f} s; slowest steps: {_slowest(full['steps'])}", flush=True)

        updates = []
        for day in held_days:
            shutil.copytree(home / "held" / day.isoformat(), home / "landing", dirs_exist_ok=True)
            files = sum(1 for p in (home / "held" / day.isoformat()).rglob("*") if p.is_file())
            seconds, update = in_child("update", home)
            updates.append(seconds)
            runs = ", ".join(f"{r['days']} {r['seconds']:.0f} s" for r in update["runs"])
            print(
                f"[{scale}] day {day}: {files} files landed -> sensor {update['sensor_seconds']:.1f} s, {len(update['runs'])} run(s) ({runs}); "
                f"{seconds:.1f} s in all (process start and imports included)",
                flush=True,
            )
            for run in update["runs"]:
                print(f"    {run['days']}: {_slowest(run['steps'])}", flush=True)
        floor_seconds, floor = in_child("floor", home)
        print(f"[{scale}] the last day again, nothing new: {floor_seconds:.1f} s; slowest steps: {_slowest(floor['steps'])}", flush=True)
        return {
            "floor": floor_seconds,
            "scale": scale,
            "rows": sum(manifest["rows_per_source"].values()),
            "full": full_seconds,
            "update": statistics.median(updates),
            "updates": updates,
        }
    finally:
        if keep:
            print(f"    kept {home}", flush=True)
        else:
            shutil.rmtree(home, ignore_errors=True)


def _slowest(steps: dict[str, float], n: int = 4) -> str:
    return ", ".join(f"{k} {v:.1f} s" for k, v in sorted(steps.items(), key=lambda kv: -kv[1])[:n])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", nargs="+", default=["demo", "10x"])
    parser.add_argument("--days", type=int, default=3, help="days held back and delivered one by one (median reported)")
    parser.add_argument("--keep", action="store_true", help="keep each scale's home folder")
    parser.add_argument("--child", choices=CHILDREN, help=argparse.SUPPRESS)
    args = parser.parse_args()
    from orchestration.settings_check import settings_or_exit

    settings_or_exit()  # every PLANLINE_* setting checked before anything is written
    if args.child:
        print(json.dumps(CHILDREN[args.child]()))
        return

    results = [measure_scale(scale, args.days, args.keep) for scale in args.scales]
    print()
    for r in results:
        print(f"{r['scale']}: {r['rows']:,} rows; full run {r['full']:.1f} s; one-day update {r['update']:.1f} s (median of {r['updates']})")
    for r in results:
        print(f"full_run_seconds_{r['scale']}: {r['full']:.1f}")
        print(f"one_day_update_seconds_{r['scale']}: {r['update']:.1f}")
        print(f"empty_update_seconds_{r['scale']}: {r['floor']:.1f}")
    if len(results) > 1:
        first, last = results[0], results[-1]
        print(f"full_run_growth_{first['scale']}_to_{last['scale']}: {last['full'] / first['full']:.2f}")
        print(f"one_day_update_growth_{first['scale']}_to_{last['scale']}: {last['update'] / first['update']:.2f}")
        print(f"incremental_ratio_{last['scale']}: {last['update'] / last['full']:.3f}")
    print(f"incremental_ratio: {results[0]['update'] / results[0]['full']:.3f}")


if __name__ == "__main__":
    main()
