"""Real data, end to end: an M5-format folder loaded as a company by configuration alone, run
through the whole Dagster graph, and the product's forecast and policies scored on held-out days.

    python -m bench.m5_company --data ../shared/data/m5 --train-end 1913 [--horizon 28] [--home DIR] [--work DIR]

1. Prepare what the company delivers (in ``--work``, a temporary folder by default): the M5 files
   of ``--data``, the sales cut at day N (columns d_1..d_N), written in the same format, laid out
   in a landing folder as the company's mappings (``examples/m5/sources``) say; and a copy of
   ``examples/m5`` whose ``as_of`` is the date of day N (the calendar's), whose forecast horizon
   is ``--horizon`` and whose calendar covers the history. The product never sees a sale after
   day N. The calendar (events, SNAP days) and the weekly price list are delivered whole: they are
   planned ahead, known-future inputs as in the M5 competition and in bench.forecast_m5.
2. Check them: ``python -m orchestration.company check`` (what would load, what would be quarantined).
3. Run the product: ``python -m orchestration.company run`` in its own home (``--home``, default
   ``<work>/home``): contracts, dbt marts, training through the champion gate, the forecast and the
   consensus, inventory policies and the plan, the ERP files, the S&OP cycle, KPIs, the cockpit.
4. Score the product's forecast (``forecasting.fct_consensus_forecast`` at its last origin, the
   forecast the plan uses, per item x store; the champion's ``forecasting.demand_forecast`` when the
   run stopped before the consensus) on days N+1..N+h against the sales of ``--data``,
   with bench.forecast_m5's L12 WRMSSE, next to seasonal naive computed here from the same history.
5. Replay the product's policies (``inventory.inventory_policies``: order-up-to level, review
   period, lead time, ABC class and fill-rate target per item x store) over the same days against
   the actual sales (``ml.inventory.simulation``, replayed as bench.policy_sim replays a store:
   steady-state start, review on the lane's weekday, unmet demand lost; lead times as planned,
   M5 having no replenishment data), and report the simulated fill rate minus the target of A
   items, in points.

One line per stage with the time elapsed; the headline figures last, ``name: value``; the last two
lines are ``l12_wrmsse_ratio_vs_snaive: X`` and ``fill_rate_gap_points: Y``. When the product's run
fails, what it produced is scored all the same: a figure it could not produce (no forecast, no
policies) is ``nan``, and the bench exits with 1.

The landing layout comes from the mappings' file patterns: an M5 file goes where the patterns
that match its name say (once per folder; examples/m5's mappings all read ``sales/``, the loader
giving one delivered file to every table whose mapping matches it). Files no mapping reads are
not delivered: the product would reject them as files no mapping claims.

``--check-only`` stops after the check; ``--score-only`` scores the product already run in ``--home``.
"""

from __future__ import annotations

import argparse
import fnmatch
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path, PurePosixPath

import numpy as np
import pandas as pd

REPOSITORY = Path(__file__).resolve().parents[1]
EXAMPLE = REPOSITORY / "examples" / "m5"
DEFAULT_DATA = REPOSITORY.parent / "shared" / "data" / "m5"
# The M5 files and the names they go by (bench.forecast_m5.load_m5 reads the same).
M5_FILES = {"sales": "sales_train*.csv*", "calendar": "calendar.csv*", "prices": "sell_prices*.csv*"}
DAY_COLUMN = re.compile(r"d_([0-9]+)")
# Settings the bench sets through the company configuration: an environment variable would override them.
OVERRIDDEN = ("PLANLINE_AS_OF", "PLANLINE_CALENDAR_START", "PLANLINE_CALENDAR_END", "PLANLINE_FORECAST_HORIZON_DAYS", "PLANLINE_PARTITIONS_START")


def m5_files(folder: Path) -> dict[str, Path]:
    """The M5 files of ``folder`` by kind (sales, calendar, prices); sales and calendar are required."""
    found = {}
    for kind, pattern in M5_FILES.items():
        matches = sorted(folder.glob(pattern))
        if matches:
            found[kind] = matches[0]
    missing = [M5_FILES[k] for k in ("sales", "calendar") if k not in found]
    if missing:
        raise SystemExit(f"{folder}: no file matches {', '.join(missing)} (an M5 folder has sales_train*, calendar, sell_prices*)")
    return found


def _read(path: Path) -> pd.DataFrame:
    """A CSV as text, every value as written (no type guessed, empty cells empty)."""
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _write(frame: pd.DataFrame, path: Path) -> None:
    """In the format of the file it was read from: CSV, gzip-compressed when the name says so."""
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False, compression="gzip" if path.name.lower().endswith(".gz") else None)


def day_number(column: str) -> int | None:
    found = DAY_COLUMN.fullmatch(column)
    return int(found.group(1)) if found else None


def last_sales_day(sales_path: Path) -> int:
    header = pd.read_csv(sales_path, nrows=0).columns
    return max((n for n in map(day_number, header) if n is not None), default=0)


def calendar_days(calendar: pd.DataFrame) -> pd.DataFrame:
    """The calendar's day numbers and dates (columns ``day``, ``date``, ``wm_yr_wk``)."""
    days = calendar.assign(day=calendar["d"].map(day_number), date=pd.to_datetime(calendar["date"]).dt.date)
    return days.dropna(subset=["day"]).astype({"day": int})


def date_of_day(calendar: pd.DataFrame, day: int) -> date:
    """The date of M5 day ``day`` (the calendar's row ``d_<day>``)."""
    days = calendar_days(calendar)
    found = days.loc[days.day == day, "date"]
    if found.empty:
        raise SystemExit(f"the calendar has no day d_{day} (its days: d_{days.day.min()}..d_{days.day.max()})")
    return found.iloc[0]


def truncated(kind: str, frame: pd.DataFrame, train_end: int) -> pd.DataFrame:
    """The rows and columns of an M5 file the product may see on day ``train_end``: the sales of
    days up to it; the calendar and the prices whole (planned ahead: known-future inputs)."""
    if kind == "sales":
        return frame[[c for c in frame.columns if (day_number(c) or 0) <= train_end]]
    return frame


@dataclass
class Prepared:
    company: Path  # the copy of the example, with its as-of
    landing: Path  # the files the company delivers, cut at day N
    as_of: date  # the date of day N
    delivered: list[str]  # the landing files, relative


def prepare_company(example: Path, target: Path, as_of: date, first_day: date, horizon: int) -> Path:
    """A copy of the company folder ``example`` in ``target`` with ``as_of``, the forecast horizon
    and a calendar from the first day of history to the S&OP horizon after the as-of."""
    import yaml

    if target.resolve() == example.resolve():
        raise SystemExit(f"--company {example} is the bench's own copy (<work>/company): give the company folder it copies from")
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(example, target)
    path = target / "company.yaml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    document["as_of"] = as_of.isoformat()
    document.setdefault("planning", {})["forecast_horizon_days"] = horizon
    calendar = document.setdefault("calendar", {})
    sop_months = int(document["planning"].get("sop_horizon_months", 18))
    start = date.fromisoformat(str(calendar.get("start", "2020-01-01")))
    end = date.fromisoformat(str(calendar.get("end", "2030-12-31")))
    needed_end = as_of + timedelta(days=31 * (sop_months + 1) + horizon)
    calendar["start"] = min(start, first_day.replace(month=1, day=1)).isoformat()
    calendar["end"] = max(end, date(needed_end.year, 12, 31)).isoformat()
    header = f"# Written by bench.m5_company from {example}: as_of is day N's date.\n"
    path.write_text(header + yaml.safe_dump(document, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return target


def landing_paths(mappings: dict, names: dict[str, str]) -> dict[str, list[str]]:
    """Where each M5 file goes in the landing folder: for every mapping whose file pattern's name
    matches an M5 file's name (``names``: kind -> file name), the pattern's folders and that name.
    The folders must be plain names: the bench places files, it does not guess."""
    placed: dict[str, list[str]] = {kind: [] for kind in names}
    for table, mapping in mappings.items():
        parts = PurePosixPath(mapping.files).parts
        kinds = [kind for kind, name in names.items() if fnmatch.fnmatchcase(name.lower(), parts[-1].lower())]
        if not kinds:
            raise SystemExit(f"mapping of {table}: files {mapping.files!r} matches none of the M5 files ({', '.join(names.values())})")
        if any(ch in part for part in parts[:-1] for ch in "*?["):
            raise SystemExit(f"mapping of {table}: files {mapping.files!r}: the bench needs plain folder names to place the file")
        relative = str(PurePosixPath(*parts[:-1], names[kinds[0]]))
        if relative not in placed[kinds[0]]:
            placed[kinds[0]].append(relative)
    return placed


def _check_origin(mappings: dict, calendar: pd.DataFrame) -> None:
    """A wide layout numbering days from an origin must agree with the calendar's day 1."""
    day_one = date_of_day(calendar, 1)
    for table, mapping in mappings.items():
        wide = mapping.wide
        if wide is not None and wide.key_as == "day_number" and wide.origin != day_one:
            raise SystemExit(f"mapping of {table}: wide.origin is {wide.origin} but the calendar's d_1 is {day_one}")


def prepare(data: Path, train_end: int, work: Path, horizon: int = 28, example: Path = EXAMPLE) -> Prepared:
    """The company folder and the landing folder of day ``train_end`` (see the module docstring)."""
    from data_contracts.company import load_company

    files = m5_files(data)
    last = last_sales_day(files["sales"])
    if train_end < 1 or train_end >= last:
        raise SystemExit(f"--train-end {train_end}: the sales run from d_1 to d_{last}: the product needs days to learn from and days to be scored on")
    calendar = _read(files["calendar"])
    as_of = date_of_day(calendar, train_end)
    company = prepare_company(example, work / "company", as_of, date_of_day(calendar, 1), horizon)
    configuration = load_company(company)
    _check_origin(configuration.mappings, calendar)
    placed = landing_paths(configuration.mappings, {kind: path.name for kind, path in files.items()})
    landing = work / "landing"
    if landing.exists():
        shutil.rmtree(landing)
    delivered = []
    for kind, relatives in placed.items():
        if not relatives:
            continue  # no mapping reads it: delivered, it would be rejected as a file no mapping claims
        first = landing / relatives[0]
        _write(truncated(kind, _read(files[kind]), train_end), first)
        for relative in relatives[1:]:
            (landing / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(first, landing / relative)
        delivered += relatives
    return Prepared(company, landing, as_of, sorted(delivered))


# ---- scoring --------------------------------------------------------------------------------


def _tables(con) -> set[str]:
    return {f"{schema}.{name}" for schema, name in con.execute("SELECT table_schema, table_name FROM information_schema.tables").fetchall()}


def product_forecast(con, as_of: date) -> pd.DataFrame | None:
    """The forecast the plan uses, per item x store x day (channels added up): the consensus of
    the last origin (``forecasting.fct_consensus_forecast``), else the champion's forecast
    (``forecasting.demand_forecast``: the consensus without overrides) when the run stopped before
    the consensus was built; None (said why) when the product made none as of day N."""
    tables = _tables(con)
    if "forecasting.fct_consensus_forecast" in tables:
        table, units = "forecasting.fct_consensus_forecast", "consensus_units"
    elif "forecasting.demand_forecast" in tables:
        table, units = "forecasting.demand_forecast", "forecast_units"
    else:
        print("  the product made no forecast: neither forecasting.fct_consensus_forecast nor forecasting.demand_forecast is in its warehouse")
        return None
    frame = con.execute(
        f"""SELECT origin_date, sku_id, location_id, forecast_date, sum({units}) AS units FROM {table}
            WHERE origin_date = (SELECT max(origin_date) FROM {table}) GROUP BY ALL"""
    ).df()
    if frame.empty:
        print(f"  {table} is empty: the product made no forecast")
        return None
    origin = pd.Timestamp(frame.origin_date.iloc[0]).date()
    if origin != as_of:
        print(f"  the product's forecast ({table}) starts after {origin}, not after day N ({as_of}): it did not run as of day N")
        return None
    print(f"  the product's forecast: {table}, origin {origin}")
    return frame


def series_matrix(frame: pd.DataFrame, keys: pd.MultiIndex, days: list, value: str) -> np.ndarray:
    """(series, days) matrix of ``value`` per (sku_id, location_id), 0 where the frame has no row."""
    table = frame.assign(forecast_date=pd.to_datetime(frame.forecast_date)).pivot_table(
        index=["sku_id", "location_id"], columns="forecast_date", values=value, aggfunc="sum"
    )
    return table.reindex(index=keys, columns=pd.to_datetime(days)).fillna(0.0).to_numpy(float)


def replay_policies(policies: pd.DataFrame, demand: np.ndarray, days: list) -> object:
    """Replay the policies (one row per SKU x location, ``demand`` [rows, days]) as bench.policy_sim
    replays a store: orders at each review up to the order-up-to level, lead times as planned."""
    from bench.policy_sim import _stage

    plan = policies.assign(
        minimum_order_quantity=policies.minimum_order_quantity.astype(float).fillna(0.0),
        order_multiple=policies.order_multiple.astype(float).fillna(1.0).where(lambda m: m > 0, 1.0),
        lot_size=policies.lot_size.astype(float).fillna(0.0),
    )
    rows = np.arange(len(plan))
    lead = np.repeat(np.maximum(1, np.rint(plan.lead_time_days.to_numpy(float))).astype(int)[:, None], len(days), axis=1)
    return _stage(rows, demand, [plan], np.zeros(len(days), dtype=int), plan, days, lead, days[0])


def score(home: Path, data: Path, train_end: int, horizon: int, as_of: date) -> dict[str, float]:
    """Score the product run in ``home``: its forecast (L12 WRMSSE next to seasonal naive) and its
    policies (simulated fill rate against the target, A items) on days N+1..N+horizon."""
    from bench.forecast_m5 import held_out, l12_scores, load_m5, print_scores, seasonal_naive, to_panel
    from orchestration.warehouse_snapshot import planline_reader

    sales, calendar, prices = load_m5(data)
    panel, static = to_panel(sales, calendar, prices, train_end + horizon)
    origin = pd.Timestamp(as_of)
    history, future = panel[panel.ds <= origin], panel[panel.ds > origin]
    ids = pd.Index(static.unique_id)
    train, actual, price_window = held_out(history, future, ids)
    days = sorted(future.ds.unique())
    keys = pd.MultiIndex.from_frame(sales.set_index("id").loc[ids, ["item_id", "store_id"]].reset_index(drop=True), names=["sku_id", "location_id"])

    with planline_reader(home / "warehouse.duckdb") as con:
        forecast = product_forecast(con, as_of)
        has_policies = "inventory.inventory_policies" in _tables(con)
        policies = con.execute("SELECT * FROM inventory.inventory_policies ORDER BY sku_id, location_id").df() if has_policies else None
    forecasts = {"seasonal_naive": seasonal_naive(train, horizon)}
    if forecast is not None:
        forecasts = {"product": series_matrix(forecast, keys, days, "units"), **forecasts}
        covered = pd.MultiIndex.from_frame(forecast[["sku_id", "location_id"]].drop_duplicates())
        print(f"  the product forecast {covered.isin(keys).sum()} of the {len(keys)} series ({forecast.units.sum():,.0f} units; actual {actual.sum():,.0f})")
    scores = l12_scores(actual, train, price_window, forecasts).reindex(["product", "seasonal_naive"])
    print_scores(scores.dropna(how="all"))
    l12 = scores.l12_wrmsse
    figures = {"l12_wrmsse_product": l12["product"], "l12_wrmsse_seasonal_naive": l12["seasonal_naive"]}
    fill = {"a_items_fill_rate": float("nan"), "a_items_fill_rate_target": float("nan")}
    if policies is None:
        print("  no inventory policies in the product's warehouse (inventory.inventory_policies): the run stopped before planning")
    else:
        fill = fill_rates(policies, keys, actual, days)
    gap = 100 * (fill["a_items_fill_rate"] - fill["a_items_fill_rate_target"])
    return {**figures, **fill, "l12_wrmsse_ratio_vs_snaive": l12["product"] / l12["seasonal_naive"], "fill_rate_gap_points": gap}


def fill_rates(policies: pd.DataFrame, keys: pd.MultiIndex, actual: np.ndarray, days: list) -> dict[str, float]:
    """Replay the policies against the actual sales (rows of ``actual`` in ``keys`` order) and
    return the A items' pooled fill rate and target; prints the table by ABC class."""
    from ml.inventory.simulation import summarize

    policy_keys = pd.MultiIndex.from_frame(policies[["sku_id", "location_id"]])
    position = pd.Series(np.arange(len(keys)), index=keys).reindex(policy_keys)
    unknown = position.isna().to_numpy()
    if unknown.any():
        print(f"  {int(unknown.sum())} policies are for item x locations without M5 sales (e.g. {policy_keys[unknown][0]}): they face no demand")
    demand = np.zeros((len(policies), len(days)))
    demand[~unknown] = actual[position.dropna().astype(int).to_numpy()]
    result = replay_policies(policies, demand, days)
    table = summarize(result, policies.abc_class.to_numpy(), policies.fill_rate_target.to_numpy(float), policies.cycle_service_level.to_numpy(float))
    print()
    print(table.round(4).to_string(index=False))
    if "A" not in set(table.group):
        print("  no A items among the policies")
        return {"a_items_fill_rate": float("nan"), "a_items_fill_rate_target": float("nan")}
    a = table.set_index("group").loc["A"]
    return {"a_items_fill_rate": float(a.fill_rate), "a_items_fill_rate_target": float(a.fill_rate_target)}


# ---- the run --------------------------------------------------------------------------------


def product_environment(company: Path, home: Path) -> dict[str, str]:
    """The environment of the product's commands: every path under ``home``, the company copy, and
    none of the settings the bench gives through company.yaml."""
    from orchestration.settings import home_environment

    environment = {k: v for k, v in os.environ.items() if k not in OVERRIDDEN}
    ignored = [k for k in OVERRIDDEN if os.environ.get(k)]
    if ignored:
        print(f"  ignoring {', '.join(ignored)}: the bench sets them in the company's configuration")
    return {**environment, **home_environment(home), "PLANLINE_COMPANY": str(company)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="an M5-format folder (sales_train*, calendar, sell_prices*)")
    parser.add_argument("--train-end", type=int, required=True, help="N: the product sees days d_1..d_N")
    parser.add_argument("--horizon", type=int, default=28, help="days scored after N (the product's forecast horizon)")
    parser.add_argument("--home", type=Path, default=None, help="the product's state folder (default: <work>/home)")
    parser.add_argument("--work", type=Path, default=None, help="where the prepared files go (default: a new temporary folder)")
    parser.add_argument("--company", type=Path, default=EXAMPLE, help="the company folder (default: examples/m5)")
    parser.add_argument("--check-only", action="store_true", help="prepare and check the files, do not run the product")
    parser.add_argument("--score-only", action="store_true", help="score the product already run in --home")
    args = parser.parse_args(argv)
    started = time.perf_counter()

    def stage(words: str) -> None:
        print(f"[{time.perf_counter() - started:6.0f} s] {words}", flush=True)

    work = (args.work or Path(tempfile.mkdtemp(prefix="planline-m5-"))).resolve()
    home = (args.home or work / "home").resolve()
    last = last_sales_day(m5_files(args.data)["sales"])
    if args.train_end + args.horizon > last:
        raise SystemExit(
            f"{args.data}: the sales stop at d_{last}, before d_{args.train_end + args.horizon} (train end {args.train_end} + horizon {args.horizon})"
        )
    stage(f"preparing the files of {args.data} cut at day {args.train_end} in {work}")
    prepared = prepare(args.data, args.train_end, work, args.horizon, args.company)
    stage(f"as of {prepared.as_of} (d_{args.train_end}); delivering {', '.join(prepared.delivered)}")
    failed = False
    if not args.score_only:
        environment = product_environment(prepared.company, home)
        stage("checking the files against the company's mappings and contracts (orchestration.company check)")
        command = [sys.executable, "-m", "orchestration.company"]
        checked = subprocess.run([*command, "check", "--company", str(prepared.company), "--data", str(prepared.landing)], env=environment, cwd=REPOSITORY)
        if checked.returncode != 0:
            stage(f"the check found problems that would block a run (exit {checked.returncode}): see above")
            return 1
        if args.check_only:
            stage("checked; --check-only: not running the product")
            return 0
        stage(f"running the product on the company (orchestration.company run), state in {home}")
        ran = subprocess.run(
            [*command, "run", "--company", str(prepared.company), "--data", str(prepared.landing), "--home", str(home)], env=environment, cwd=REPOSITORY
        )
        failed = ran.returncode != 0
        if failed:
            stage(f"the product's run failed (exit {ran.returncode}): see the failed steps above; scoring what it produced")
    stage(f"scoring the product's forecast and replaying its policies over d_{args.train_end + 1}..d_{args.train_end + args.horizon}")
    figures = score(home, args.data, args.train_end, args.horizon, prepared.as_of)
    missing = [name for name in ("l12_wrmsse_ratio_vs_snaive", "fill_rate_gap_points") if np.isnan(figures[name])]
    stage("done" if not missing else f"done; not measured (nan): {', '.join(missing)}, the product having made no forecast or no policies")
    print()
    for name, value in figures.items():
        print(f"{name}: {value:.2f}" if name.endswith("points") else f"{name}: {value:.3f}")
    return 1 if failed or missing else 0


if __name__ == "__main__":
    sys.exit(main())
