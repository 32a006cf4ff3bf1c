"""The live service under load (issue 18): ATP reads, event intake, event to ATP, events lost.

    python -m bench.api                          (the demo company, in .planline-bench-api-demo)
    python -m bench.api --scale tiny --seconds 8 (a quick run)
    python -m bench.api --home DIR               (a home holding a published plan)

1. The home: ``--home`` when its published copy holds a plan (inventory.available_to_promise),
   else the bench's own home (``.planline-bench-api-<scale>``), built with the demo job
   (``python -m orchestration.demo``) when it has no plan yet; one line per stage with its time.
2. The service (``python -m service``) on that home, on a free port of 127.0.0.1, with a token and
   short intake segments (``--segment-seconds``); the bench waits for ``/ready``.
3. The load, from a second process (``bench.api_load``: keep-alive connections, a few threads,
   bounded phases) while ``daily_data_foundation`` for the as-of day writes the warehouse in a
   third (started again as long as the load lasts; the output says when each run overlapped it):
   ATP reads of random (item code of every system, location) pairs of the plan; batches of new
   WMS events made from the valid events of the warehouse (their sites, codes, units and order
   references, new ids, times in the last hour of the as-of day); one SHIP per probe, then reads
   until the pair's ATP moves.
4. After the load, the service seals and folds its log into the landing folder, the landing
   sensor's runs load the folded files, and the events acknowledged (accepted + rejected) are
   looked for in the published copy's raw table by their key: ``events_lost`` is those not found.
5. The figures, then last the headline lines (``atp_p99_ms`` ... ``events_lost``).

Targets (issue 18, 2 cores): ATP p99 <= 10 ms at >= 500 requests/s; intake >= 2,000 events/s in
batches with p99 <= 50 ms; event to ATP <= 1 s; 0 events lost.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bench.incremental import child_update, environment, in_child

SOURCE = "wms_events"  # the intake source the bench drives: WMS movements, keyed by event id
PLAN_TABLE = ("inventory", "available_to_promise")
READY_TIMEOUT_SECONDS = 600
FOLD_TIMEOUT_SECONDS = 120
STARTED = time.perf_counter()


def say(words: str) -> None:
    print(f"[{time.perf_counter() - STARTED:6.1f} s] {words}", flush=True)


# ---- the home ----------------------------------------------------------------------------------


def published(home: Path) -> Path:
    from orchestration.settings import load_settings
    from orchestration.warehouse_snapshot import published_path

    return published_path(load_settings(environment(home)).warehouse)


def has_plan(home: Path) -> bool:
    """Whether the home's published copy holds the plan's ATP table."""
    import duckdb

    path = published(home)
    if not path.exists():
        return False
    with duckdb.connect(str(path), read_only=True) as con:
        found = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?", list(PLAN_TABLE)).fetchone()[0]
    return found > 0


def build_home(home: Path, scale: str) -> None:
    """The demo job into ``home`` (generation, data layer, training, plan, S&OP): its stage lines shown."""
    home.mkdir(parents=True, exist_ok=True)
    log = home / "bench_api_build.log"
    say(f"building {home} with the demo job (--scale {scale}); its output: {log}")
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "orchestration.demo", "--scale", scale], stdout=subprocess.PIPE, stderr=output, text=True, env=environment(home)
        )
        for line in process.stdout:
            output.write(line)
            if line.startswith(("[", "Generating", "Materializing", "Done", "FAILED")):
                say(f"  demo: {line.rstrip()}")
    if process.wait() != 0 or not has_plan(home):
        raise SystemExit(f"the demo job did not publish a plan in {home} (exit {process.returncode}): see {log}")


# ---- what the load is made of ------------------------------------------------------------------


@dataclass
class Workload:
    as_of: datetime  # naive UTC
    first_day: str
    queries: list[dict]  # availability queries (item, location, from, to)
    code_systems: list[str]  # the systems whose codes the queries use
    templates: list[dict]  # canonical WMS fields of valid events (no id, no times)
    candidates: list[dict]  # SHIP templates of one unit and the availability query of their pair
    columns: dict[str, str]  # canonical field -> the source system's column
    timestamp_format: str
    timestamp_zone: str
    business_timezone: str


_PAIRS = """
SELECT a.sku_id, a.location_id, a.atp FROM inventory.available_to_promise a
WHERE a.date = (SELECT min(date) FROM inventory.available_to_promise)
"""
# codes naming one SKU only, of every system (ERP, barcode, WMS, marketplace...)
_CODES = """
SELECT external_code, any_value(sku_id) AS sku_id, any_value(source_system) AS source_system
FROM intermediate.int_item_codes GROUP BY external_code HAVING count(DISTINCT sku_id) = 1
"""
# valid movements of the warehouse (staging holds the rows the contract passed) at planned pairs
_TEMPLATES = """
SELECT DISTINCT e.event_type, r.site, r.sku, r.uom, r.reference, c.sku_id, a.atp
FROM staging.stg_wms__events e
JOIN raw.wms_events r ON r.event_id = e.event_id
JOIN ({codes}) c ON c.external_code = r.sku
JOIN ({pairs}) a ON a.sku_id = c.sku_id AND a.location_id = e.location_id
WHERE e.event_type IN ('SHIP', 'RECEIPT')
"""


def build_workload(home: Path, seed: int, days: int = 7) -> Workload:
    import duckdb

    from data_contracts.company import load_company
    from orchestration.settings import load_settings

    settings = load_settings(environment(home))
    mapping = load_company(settings.company_dir).mappings[SOURCE]
    rng = random.Random(seed)
    with duckdb.connect(str(published(home)), read_only=True) as con:
        first_day, last_day = con.execute("SELECT min(date), max(date) FROM inventory.available_to_promise").fetchone()
        pairs = con.execute(_PAIRS).df()
        codes = con.execute(_CODES).df()
        templates = con.execute(_TEMPLATES.format(codes=_CODES, pairs=_PAIRS)).df()
    to_day = min(last_day, first_day + timedelta(days=days - 1))
    codes_of = codes.groupby("sku_id")
    queries, systems = [], set()
    for row in pairs.sample(n=min(len(pairs), 2000), random_state=seed).itertuples():
        if row.sku_id not in codes_of.groups:
            continue
        code = codes_of.get_group(row.sku_id).sample(n=1, random_state=rng.randrange(1 << 30)).iloc[0]
        systems.add(str(code.source_system))
        queries.append({"item": code.external_code, "location": row.location_id, "from": first_day.isoformat(), "to": to_day.isoformat()})
    if not queries or templates.empty:
        raise SystemExit(f"{home}: the published copy has no planned pair with an item code, or no valid SHIP/RECEIPT event at a planned pair")
    canonical = [
        {"event_type": t.event_type, "site": t.site, "sku": t.sku, "qty": str(rng.randint(1, 3)), "uom": t.uom, "reference": t.reference}
        for t in templates.sample(n=min(len(templates), 5000), random_state=seed).itertuples()  # a bounded plan for the load generator
    ]
    ships = templates[(templates.event_type == "SHIP") & (templates.atp >= 1)].drop_duplicates(["site", "sku"])
    candidates = [  # one unit shipped where the plan has ATP: the bench reads the pair before it ships
        {
            "template": {"event_type": "SHIP", "site": t.site, "sku": t.sku, "qty": "1", "uom": t.uom, "reference": t.reference},
            "query": {"item": t.sku, "location": t.site, "from": first_day.isoformat(), "to": first_day.isoformat()},
        }
        for t in ships.sample(frac=1, random_state=seed).itertuples()
    ]
    formats = mapping.formats_of("event_time")
    zone = formats.timestamp_zone
    zone = settings.business_timezone if zone == "business" else zone
    columns = {
        name: mapping.field_source(name).column for name in ("event_id", "event_type", "event_time", "exported_at", "site", "sku", "qty", "uom", "reference")
    }
    return Workload(
        settings.as_of,
        first_day.isoformat(),
        queries,
        sorted(systems),
        canonical,
        candidates,
        columns,
        formats.timestamp,
        str(zone),
        str(settings.business_timezone),
    )


def load_plan(workload: Workload, port: int, token: str, args, acknowledged: Path) -> dict:
    """The load generator's instructions (bench.api_load)."""
    zone = ZoneInfo(workload.business_timezone)
    as_of = workload.as_of.replace(tzinfo=UTC)
    window_end = as_of - timedelta(seconds=5)  # every event time and export time before the as-of
    window_start = window_end - timedelta(hours=1)
    while window_start.astimezone(zone).date() != window_end.astimezone(zone).date():
        window_start += timedelta(minutes=5)  # the as-of's business day only: one partition to load
    return {
        "host": "127.0.0.1",
        "port": port,
        "token": token,
        "seconds": args.seconds,
        "acknowledged_path": str(acknowledged),
        "atp": {"rate": args.atp_rate, "threads": args.atp_threads, "queries": workload.queries},
        "intake": {
            "source": SOURCE,
            "batch": args.batch,
            "threads": args.intake_threads,
            "templates": workload.templates,
            "columns": workload.columns,
            "timestamp_format": workload.timestamp_format,
            "timestamp_zone": workload.timestamp_zone,
            "window_start": window_start.isoformat(),
            "window_seconds": (window_end - window_start).total_seconds() - 1,
            "id_prefix": f"BENCH{datetime.now(UTC):%Y%m%d%H%M%S}",
        },
        "event_to_atp": {"probes": args.probes, "candidates": workload.candidates},
    }


# ---- the service -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_service(home: Path, port: int, token: str, segment_seconds: float) -> subprocess.Popen:
    variables = {"PLANLINE_SERVICE_TOKEN": token, "PLANLINE_SERVICE_PORT": str(port), "PLANLINE_INTAKE_SEGMENT_SECONDS": str(segment_seconds)}
    log = (home / "bench_api_service.log").open("w")
    command = [sys.executable, "-m", "service"]
    if os.environ.get("PLANLINE_BENCH_PROFILE"):  # the service's threads profiled (bench.api_profile), for where the time goes
        command = [sys.executable, "-m", "bench.api_profile", os.environ["PLANLINE_BENCH_PROFILE"]]
    return subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env={**environment(home), **variables})


def wait_ready(port: int, service: subprocess.Popen) -> dict:
    deadline = time.perf_counter() + READY_TIMEOUT_SECONDS
    while time.perf_counter() < deadline:
        if service.poll() is not None:
            raise SystemExit(f"the service stopped (exit {service.returncode}) before it was ready")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/ready", timeout=5) as answer:
                return json.loads(answer.read())
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.25)
    raise SystemExit(f"the service was not ready after {READY_TIMEOUT_SECONDS} s")


def stop_service(service: subprocess.Popen) -> None:
    service.send_signal(signal.SIGINT)  # uvicorn's graceful stop: the log is closed
    try:
        service.wait(timeout=30)
    except subprocess.TimeoutExpired:
        service.kill()
        service.wait()


# ---- the daily runs beside the load ------------------------------------------------------------


class DailyRuns:
    """``daily_data_foundation`` for the as-of day, started again and again until ``stop``."""

    def __init__(self, home: Path):
        self.home = home
        self.runs: list[dict] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="daily-runs")

    def start(self) -> None:
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.is_set():
            run = {"started": datetime.now(UTC)}
            try:
                seconds, _ = in_child("floor", self.home)  # bench.incremental's child: the last partition's daily run
                run["ok"] = True
            except SystemExit as failure:
                run["ok"], run["error"] = False, str(failure)[:300]
            run["ended"] = datetime.now(UTC)
            self.runs.append(run)
            if not run["ok"]:
                return

    def stop(self) -> None:
        """No new run; wait for the one writing to end."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()


# ---- after the load ----------------------------------------------------------------------------


def child_sensor_runs() -> dict:
    """In a child process on the home's settings: the landing sensor evaluated, the runs it requests
    executed (as the daemon would start them; ``bench.incremental``'s update); nothing to load is no run."""
    import dagster as dg

    warnings.filterwarnings("ignore", category=dg.BetaWarning)
    return child_update()


def sensor_runs(home: Path) -> list[dict]:
    log = home / "bench_runs.log"
    with log.open("a") as output:
        completed = subprocess.run(
            [sys.executable, "-m", "bench.api", "--child", "sensor"], stdout=subprocess.PIPE, stderr=output, text=True, env=environment(home), check=False
        )
    if completed.returncode != 0:
        raise SystemExit(f"the landing sensor's runs failed (log: {log}):\n{completed.stdout[-2000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])["runs"]


def wait_folded(home: Path, seconds: float) -> dict[str, int]:
    """Wait until every event the service logged is sealed and folded into the landing folder."""
    warnings.filterwarnings("ignore", message=".*currently in beta.*")  # Dagster's, on importing the definitions
    from orchestration.defs.ingestion.intake import intake_lags
    from orchestration.settings import load_settings
    from service.intake.log import segment_statuses

    settings = load_settings(environment(home))
    deadline = time.perf_counter() + seconds
    while True:
        segments = segment_statuses(settings.intake)
        open_files = list((settings.intake / "log").glob("*/*.open.jsonl"))
        unfolded = [s for s in segments if s.events and not s.landing_files]
        open_events = sum(1 for path in open_files for line in path.read_bytes().splitlines() if line.strip())
        if not unfolded and not open_events:
            return {source: lag.waiting for source, lag in intake_lags(settings.intake, settings.landing).items()}
        if time.perf_counter() > deadline:
            raise SystemExit(
                f"the service did not fold its log within {seconds:.0f} s: {len(unfolded)} sealed segment(s) unfolded, {open_events} event(s) open"
            )
        time.sleep(0.5)


def count_found(home: Path, acknowledged: list[str]) -> tuple[int, int]:
    """How many of the acknowledged events' keys the published copy's raw table holds, and how many
    of them are in quarantine."""
    import duckdb
    import pandas as pd

    from data_contracts.registry import contract_for

    (key,) = contract_for(SOURCE).key
    keys = pd.DataFrame({"key": sorted(set(acknowledged))})
    with duckdb.connect(str(published(home)), read_only=True) as con:
        con.register("acknowledged", keys)
        found = con.execute(f'SELECT count(DISTINCT r."{key}") FROM raw.{SOURCE} r JOIN acknowledged a ON a.key = r."{key}"').fetchone()[0]
        quarantined = con.execute(
            f"""SELECT count(DISTINCT (q.source_file, q.row_number)) FROM governance.quarantine q
                JOIN raw.{SOURCE} r ON r._source_file = q.source_file AND r._row_number = q.row_number
                JOIN acknowledged a ON a.key = r."{key}" WHERE q.source = ?""",
            [SOURCE],
        ).fetchone()[0]
    return found, quarantined


# ---- the run -----------------------------------------------------------------------------------


def _ms(value: float | None) -> str:
    return "nan" if value is None else f"{value:.2f}"


def overlap(runs: list[dict], start: datetime, end: datetime) -> str:
    lines = []
    for n, run in enumerate(runs, 1):
        overlapped = run["started"] < end and run["ended"] > start
        span = f"{(run['started'] - start).total_seconds():+.1f} s to {(run['ended'] - start).total_seconds():+.1f} s"
        lines.append(
            f"  daily run {n}: {span} from the load's start ({'ok' if run['ok'] else 'FAILED'}), {'overlapped' if overlapped else 'did NOT overlap'} the load"
        )
    return "\n".join(lines) or "  no daily run"


def run(args) -> dict:
    from orchestration.settings import REPO_ROOT

    home = Path(args.home).resolve() if args.home else REPO_ROOT / f".planline-bench-api-{args.scale}"
    if has_plan(home):
        say(f"home {home}: its published copy holds a plan")
    elif args.home and not args.build:
        raise SystemExit(f"{home} has no published plan (inventory.available_to_promise): run make demo there, or pass --build")
    else:
        build_home(home, args.scale)
    workload = build_workload(home, args.seed)
    say(
        f"workload: {len(workload.queries):,} availability queries (codes of {', '.join(workload.code_systems)}), "
        f"{len(workload.templates):,} event templates, {len(workload.candidates)} pairs to probe; plan from {workload.first_day}, as of {workload.as_of} UTC"
    )

    port, token = free_port(), secrets.token_urlsafe(24)
    service = start_service(home, port, token, args.segment_seconds)
    try:
        ready = wait_ready(port, service)
        say(f"service ready on 127.0.0.1:{port} (plan published at {ready.get('published_at')}; log {home / 'bench_api_service.log'})")
        daily = DailyRuns(home)
        if not args.without_run:
            daily.start()
            time.sleep(args.run_lead)  # the run's process start and imports: the load starts as it writes
        acknowledged_path = home / "bench_api_acknowledged.json"
        plan_path = home / "bench_api_plan.json"
        plan_path.write_text(json.dumps(load_plan(workload, port, token, args, acknowledged_path)))
        say(f"load: {args.seconds:g} s per phase from a second process (bench.api_load), daily_data_foundation running beside")
        load_start, load_before = datetime.now(UTC), os.getloadavg()[0]
        completed = subprocess.run([sys.executable, "-m", "bench.api_load", str(plan_path)], capture_output=True, text=True, check=False)
        load_end = datetime.now(UTC)
        say(f"load average (1 min) of the machine: {load_before:.1f} at the load's start, {os.getloadavg()[0]:.1f} at its end, on {os.cpu_count()} cores")
        if completed.returncode != 0:
            raise SystemExit(f"the load generator failed:\n{completed.stderr[-3000:]}")
        phases = json.loads(completed.stdout.strip().splitlines()[-1])
        say("load done; waiting for the daily run writing to end")
        daily.stop()
        print(overlap(daily.runs, load_start, load_end), flush=True)

        say(f"the service seals and folds its log (segments of {args.segment_seconds:g} s)")
        waiting = wait_folded(home, FOLD_TIMEOUT_SECONDS)
        say(f"folded; events in landing files waiting for a run: {waiting}")
        runs = ", ".join(f"{r['job']} {r['days']} {r['seconds']:.0f} s" for r in sensor_runs(home)) or "none (the daily runs loaded every folded file)"
        say(f"the landing sensor's runs: {runs}")
    finally:
        stop_service(service)
    acknowledged = json.loads(acknowledged_path.read_text())
    found, quarantined = count_found(home, acknowledged)
    return {"phases": phases, "acknowledged": len(set(acknowledged)), "found": found, "quarantined": quarantined, "home": home}


def report(result: dict) -> None:
    atp, intake, probe = (result["phases"][name] for name in ("atp", "intake", "event_to_atp"))
    print(
        f"\nATP reads: {atp['requests']:,} in {atp['seconds']} s paced at {atp['target_rate']}/s ({atp['requests_per_s']:.0f}/s served), "
        f"p50 {_ms(atp['p50_ms'])} ms, p90 {_ms(atp['p90_ms'])} ms, p99 {_ms(atp['p99_ms'])} ms, max {_ms(atp['max_ms'])} ms; failures {atp['failures']}"
    )
    print(
        f"Intake: {intake['batches']:,} batches of {intake['batch_size']} in {intake['seconds']} s: {intake['accepted']:,} accepted, "
        f"{intake['duplicates']:,} duplicates, {intake['rejected']:,} rejected, {intake['failed_requests']} failed requests; "
        f"{intake['events_per_s']:.0f} events/s, batch p50 {_ms(intake['p50_ms'])} ms, p99 {_ms(intake['p99_ms'])} ms, max {_ms(intake['max_ms'])} ms"
    )
    if intake["problems"]:
        print(f"  rejections: {intake['problems']}")
    print(
        f"Event to ATP: {probe['reflected']}/{probe['probes']} probes reflected, ms {[round(ms, 1) for ms in probe['ms']]} "
        f"({probe['pairs_without_atp_skipped']} pairs without ATP left skipped)"
    )
    for miss in probe["unmoved"]:
        print(f"  not reflected: {miss}")
    print(
        f"Warehouse: {result['acknowledged']:,} events acknowledged, {result['found']:,} found in raw.{SOURCE} of the published copy "
        f"({result['quarantined']:,} of them quarantined)"
    )
    print(f"atp_p99_ms: {_ms(atp['p99_ms'])}")
    print(f"atp_requests_per_s: {atp['requests_per_s']:.0f}")
    print(f"intake_events_per_s: {intake['events_per_s']:.0f}")
    print(f"intake_p99_ms: {_ms(intake['p99_ms'])}")
    print(f"event_to_atp_ms: {_ms(probe['median_ms'])}")
    print(f"events_lost: {result['acknowledged'] - result['found']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--home", help="a home holding a published plan (default: the bench's own, built when missing)")
    parser.add_argument("--build", action="store_true", help="build --home with the demo job when it has no plan")
    parser.add_argument("--scale", default="demo", help="the demo company's scale for the bench's own home: tiny, demo...")
    parser.add_argument("--seconds", type=float, default=15, help="length of the ATP and the intake phases")
    parser.add_argument("--atp-rate", type=float, default=600, help="availability requests per second asked of the service")
    parser.add_argument("--atp-threads", type=int, default=4)
    parser.add_argument("--intake-threads", type=int, default=2)
    parser.add_argument("--batch", type=int, default=200, help="events per intake request")
    parser.add_argument("--segment-seconds", type=float, default=2, help="PLANLINE_INTAKE_SEGMENT_SECONDS of the service")
    parser.add_argument("--run-lead", type=float, default=10, help="seconds between the daily run's start and the load's")
    parser.add_argument("--probes", type=int, default=9, help="events timed from their 2xx to the ATP that reflects them (median)")
    parser.add_argument("--without-run", action="store_true", help="no daily run beside the load (the service alone, for comparison)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--child", choices=["sensor"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child_sensor_runs()))
        return
    report(run(args))


if __name__ == "__main__":
    main()
