"""The landing sensor: files dropped in the landing folder trigger the runs that load them.

Each tick lists the landing folder. A new master-data file requests a ``master_data`` run; new
transactional files request ``daily_data_foundation`` runs for the business days their rows touch,
one run per contiguous range of days, with only the touched sources selected. Late events thus
refresh their own (already closed) day. The runs move loaded files to processed/ and unparseable
ones to rejected/; a file still waiting after RETRY_AFTER_SECONDS (its run failed) is requested again.

No file stops the tick for the others: a file whose rows cannot be read here counts for the last
day (its run rejects it with the reason), a symbolic link is never followed (its source's run
rejects it), and a file no source claims requests a master-data run, which rejects it with the
reason "no source matches this file name". Each is logged with its name.
"""

import json
import time
from datetime import date

import dagster as dg

from data_contracts import contract_for
from data_contracts.company import CompanyConfigError
from orchestration.defs.ingestion.raw import raw_key
from orchestration.defs.jobs import DAILY_DOWNSTREAM_KEYS, daily_data_foundation_job, master_data_job
from orchestration.ingestion.landing import LandedFile, batch_key, day_ranges, file_days, landed_files
from orchestration.partitions import partition_bounds
from orchestration.resources import LandingZone

MAX_FILES_PER_TICK = 1000  # reading a big first delivery is spread over ticks
RETRY_AFTER_SECONDS = 3600


def _load_cursor(cursor: str | None) -> dict[str, float]:
    return json.loads(cursor) if cursor else {}


@dg.sensor(
    name="landing_sensor",
    jobs=[daily_data_foundation_job, master_data_job],
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="New export files in the landing folder trigger the runs of the days (and master data) they touch.",
)
def landing_sensor(context: dg.SensorEvaluationContext, landing_zone: LandingZone) -> dg.SensorResult | dg.SkipReason:
    requested = _load_cursor(context.cursor)  # token -> time requested, for files still waiting
    now = time.time()
    try:
        company = landing_zone.company()
    except CompanyConfigError as error:  # nothing can be read without it: say why, every tick, until it is fixed
        return dg.SkipReason(str(error))
    waiting, unlisted = landed_files(list(company.mappings.values()), landing_zone.landing)
    for error in unlisted:
        context.log.warning(f"landing folder: cannot list {error}")
    new = [f for f in waiting if now - requested.get(f.token, -RETRY_AFTER_SECONDS) >= RETRY_AFTER_SECONDS][:MAX_FILES_PER_TICK]
    cursor = {f.token: requested[f.token] for f in waiting if f.token in requested}  # forget files gone from landing
    if not new:
        return dg.SkipReason(f"{len(waiting)} file(s) in the landing folder, none new")
    for landed in new:
        if landed.refusal:
            run = "the master-data run" if landed.source is None else "its source's run"
            context.log.warning(f"{landed.relative}: {landed.refusal}: never read here; {run} moves it to the rejected folder")

    run_requests = []
    # master data, and what no source claims: the master-data run's raw assets reject it
    master = [f for f in new if f.source is None or any(not contract_for(s).partitioned for s in f.sources)]
    if master:
        run_requests.append(
            dg.RunRequest(
                run_key=f"master_data:{batch_key(master)}",
                job_name=master_data_job.name,
                tags={"planline/files": str(len(master))},
            )
        )
    daily = [(f, s) for f in new for s in f.sources if contract_for(s).partitioned]
    run_requests += _daily_requests(context, daily, landing_zone, company)
    cursor.update({f.token: now for f in new})
    return dg.SensorResult(run_requests=run_requests, cursor=json.dumps(cursor))


def _daily_requests(context: dg.SensorEvaluationContext, files: list[tuple[LandedFile, str]], landing_zone: LandingZone, company) -> list[dg.RunRequest]:
    """One run per contiguous range of touched days, selecting the sources with files on those days
    (``files``: each file with a transactional source it feeds)."""
    if not files:
        return []
    first, last = partition_bounds()
    sources_by_day: dict = {}
    for landed, source in files:
        for day in _days_of(context, landed, source, landing_zone, company, first, last):
            sources_by_day.setdefault(day, set()).add(source)
    key = batch_key(list(dict.fromkeys(landed for landed, _ in files)))
    requests = []
    for start, end in day_ranges(set(sources_by_day)):
        sources = sorted({s for day, names in sources_by_day.items() if start <= day <= end for s in names})
        selection = [raw_key(s) for s in sources] + DAILY_DOWNSTREAM_KEYS
        tags = {"planline/sources": ",".join(sources)}
        if start == end:
            requests.append(
                dg.RunRequest(
                    run_key=f"{start}:{key}", job_name=daily_data_foundation_job.name, partition_key=start.isoformat(), asset_selection=selection, tags=tags
                )
            )
        else:
            tags |= {"dagster/asset_partition_range_start": start.isoformat(), "dagster/asset_partition_range_end": end.isoformat()}
            requests.append(dg.RunRequest(run_key=f"{start}..{end}:{key}", job_name=daily_data_foundation_job.name, asset_selection=selection, tags=tags))
        context.log.info(f"days {start}..{end}: {', '.join(sources)}")
    return requests


def _days_of(context: dg.SensorEvaluationContext, landed: LandedFile, source: str, landing_zone: LandingZone, company, first: date, last: date) -> set[date]:
    """The days a file's rows touch; the last day for a link (never read) or a file this tick
    cannot read (its run rejects it with the reason): one file never stops the others."""
    if not landed.readable:
        return {last}
    try:
        path = landing_zone.landing / landed.relative
        return file_days(contract_for(source), company.mappings[source], path, first, last, company.company.business_timezone)
    except Exception as error:  # the run's loader names the problem; the tick goes on
        context.log.warning(f"{landed.relative}: its days cannot be read ({type(error).__name__}: {error}); requested for {last}, whose run rejects it")
        return {last}
