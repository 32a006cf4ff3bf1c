"""Daily partitions of the transactional assets: one business day (company timezone) each.

A raw row belongs to the day its contract's ``partition_date`` gives (the sale's business day,
the event's local day, the order or snapshot date); a fact row to the days of the raw rows it is
computed from. The last partition is yesterday, a day being processed once it is over (or the
as-of day: see ``daily_partitions_definition``).

Partitions start at go-live, the setting ``partitions_start`` (PLANLINE_PARTITIONS_START, or the
company configuration's; by default the first day of the last partition's month). The first
partition also holds every earlier day, the history loaded at go-live: years of daily partitions
would cost the Dagster instance one event per asset and day (about 13 ms each on SQLite) for no
use, since the history is loaded once.

The definition is made from the settings when the code location loads (``SETTINGS``): from the
environment and the company configuration only, never from the landing folder.
"""

from datetime import date, timedelta

import dagster as dg

from orchestration.ingestion.loader import PartitionWindow
from orchestration.settings import Settings, load_settings

# The settings the code location loaded with: the partitions and the schedules' time zone follow them.
SETTINGS = load_settings()
BUSINESS_TIMEZONE = SETTINGS.business_timezone
# The first partition's window starts here: it holds the history before go-live.
HISTORY_START = date(1900, 1, 1)
# The last day a window can reach (a loaded row of 9999-12-31 has no next day).
HISTORY_END = date(9999, 12, 31)


def daily_partitions_definition(settings: Settings) -> dg.DailyPartitionsDefinition:
    """Business days from ``settings.partitions_start``. With an as-of (PLANLINE_AS_OF, the demo's
    company.yaml), the last partition is that day: the platform's world ends there. Otherwise the
    partitions grow by one each day."""
    end = (settings.business_day(settings.as_of) + timedelta(days=1)).isoformat() if settings.as_of else None
    return dg.DailyPartitionsDefinition(start_date=settings.partitions_start.isoformat(), end_date=end, timezone=settings.business_timezone)


daily_partitions = daily_partitions_definition(SETTINGS)

# One run covers a whole backfill range: the warehouse has one writer, and SQL over a range of
# days costs about what it costs over one.
single_run = dg.BackfillPolicy.single_run()

# The daily schedule runs at 03:00: yesterday's raw partitions must be in by 06:00 and the facts
# built on them by 09:00, each day (evaluated by the instance's freshness daemon).
RAW_FRESHNESS = dg.FreshnessPolicy.cron(deadline_cron="0 6 * * *", lower_bound_delta=timedelta(hours=24), timezone=BUSINESS_TIMEZONE)
FACT_FRESHNESS = dg.FreshnessPolicy.cron(deadline_cron="0 9 * * *", lower_bound_delta=timedelta(hours=24), timezone=BUSINESS_TIMEZONE)

# DuckDB has one writer at a time: every step that opens the warehouse takes this pool's only
# slot (dagster.yaml: concurrency.pools.default_limit 1), so parallel runs queue instead of failing.
WAREHOUSE_POOL = "duckdb_warehouse"


def partition_bounds() -> tuple[date, date]:
    """First and last existing daily partition (the last is yesterday in the company's timezone)."""
    first = daily_partitions.start.date()
    last = daily_partitions.get_last_partition_key()
    return first, date.fromisoformat(last) if last else first


def run_window(context: dg.AssetExecutionContext) -> PartitionWindow:
    """The business days of a partitioned run (one day, or a backfill's range; from the first
    partition on, every earlier day too). Not every later day from the last partition on: the
    window also bounds the days incremental models replace (a B2B line's requested day lies
    ahead); a loaded row of a later day widens the window to it (assets/dbt.py)."""
    window = context.partition_time_window
    first, last = partition_bounds()
    start = window.start.date()
    return PartitionWindow(start=HISTORY_START if start <= first else start, end=window.end.date(), first=first, last=last)


WINDOW_ENV = ("PLANLINE_WINDOW_START", "PLANLINE_WINDOW_END")


def window_environment(window: PartitionWindow) -> dict[str, str]:
    """Environment of a dbt run over a window (end exclusive): see dbt_project/macros/incremental.sql."""
    return dict(zip(WINDOW_ENV, (window.start.isoformat(), window.end.isoformat())))


def all_days_tags() -> dict[str, str]:
    """Run tags covering every daily partition in one run (a single-run backfill)."""
    first, last = partition_bounds()
    return {"dagster/asset_partition_range_start": first.isoformat(), "dagster/asset_partition_range_end": last.isoformat()}
