"""The live service's intake in Dagster: the lag of its log as an asset check, and the fold of
its sealed segments into the landing folder when no service runs.

- ``intake_lag`` (one check per event source's raw asset, ``raw/wms_events``...): how many
  events the service acknowledged that are not in the warehouse yet (in a segment not yet folded,
  or in a folded file still waiting in the landing folder: the loader moves a file out once
  loaded) and the age of the oldest; it fails (a warning) past the SPEC's sync-latency target, 5
  minutes. The sensor below evaluates it every minute and records the result when it changes or
  every REPORT_EVERY; it can also be executed from the asset's page.
- ``intake_fold_sensor``: seals the segments due and folds the sealed ones (``service.intake.fold``)
  when the service is down (running, the service folds them itself, and the sensor only folds what
  is left); the landing sensor then requests the runs of the days the events touch.
"""

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg

from data_contracts.company import CompanyConfigError
from data_contracts.registry import EVENT_SOURCES
from orchestration.defs.ingestion.raw import raw_key
from orchestration.resources import LandingZone

# SPEC section 8, sync latency: from an event to its arrival in the platform, target < 5 minutes
LAG_TARGET = timedelta(minutes=5)
REPORT_EVERY = timedelta(minutes=10)  # an unchanged result is recorded again this often
CHECK_NAME = "intake_lag"


@dataclass(frozen=True)
class IntakeLag:
    """Events of one source between the service's answer and the warehouse."""

    source: str
    waiting: int
    oldest: datetime | None  # when the oldest waiting event was received (UTC)

    def age(self, now: datetime) -> timedelta:
        return now - self.oldest if self.oldest else timedelta(0)

    def passed(self, now: datetime) -> bool:
        return self.age(now) <= LAG_TARGET


def _open_segment_events(path: Path) -> tuple[int, datetime | None]:
    """Records of a segment being written (another process's), and its first one's reception time."""
    try:
        data = path.read_bytes()
    except OSError:  # sealed meanwhile: the index has it next time
        return 0, None
    complete = data[: data.rfind(b"\n") + 1]
    if not complete:
        return 0, None
    first = json.loads(complete[: complete.find(b"\n")])
    return complete.count(b"\n"), datetime.fromisoformat(first["received_at"].replace("Z", "+00:00"))


def intake_lags(intake: Path, landing: Path, sources: tuple[str, ...] = EVENT_SOURCES) -> dict[str, IntakeLag]:
    """Per source, the events waiting: in open segments, sealed ones not folded, or folded files
    still in the landing folder."""
    from service.intake.log import LOG_FOLDER, OPEN_SUFFIX, segment_statuses

    waiting = {source: [0, None] for source in sources}

    def add(source: str, events: int, oldest: datetime | None) -> None:
        if source in waiting and events:
            waiting[source][0] += events
            if oldest and (waiting[source][1] is None or oldest < waiting[source][1]):
                waiting[source][1] = oldest

    for segment in segment_statuses(intake):
        if not segment.landing_files or any((landing / name).exists() for name in segment.landing_files):
            add(segment.source, segment.events, segment.oldest_received_at)
    for path in (intake / LOG_FOLDER).glob(f"*/*{OPEN_SUFFIX}"):
        add(path.parent.name, *_open_segment_events(path))
    return {source: IntakeLag(source, count, oldest) for source, (count, oldest) in waiting.items()}


def check_result(lag: IntakeLag, now: datetime) -> dg.AssetCheckResult:
    age = lag.age(now)
    return dg.AssetCheckResult(
        asset_key=raw_key(lag.source),
        check_name=CHECK_NAME,
        passed=lag.passed(now),
        severity=dg.AssetCheckSeverity.WARN,
        description=(
            f"{lag.waiting:,} event(s) received by the service wait for the warehouse, the oldest for {age.total_seconds():.0f} s"
            if lag.waiting
            else "no event of the service waits for the warehouse"
        ),
        metadata={
            "events_waiting": dg.MetadataValue.int(lag.waiting),
            "oldest_age_seconds": dg.MetadataValue.float(round(age.total_seconds(), 1)),
            "target_seconds": dg.MetadataValue.int(int(LAG_TARGET.total_seconds())),
        },
    )


@dg.multi_asset_check(
    specs=[
        dg.AssetCheckSpec(
            CHECK_NAME,
            asset=raw_key(source),
            description="Events the live service acknowledged that are not in the warehouse yet, and the oldest one's age (fails past 5 minutes)",
        )
        for source in EVENT_SOURCES
    ],
    can_subset=True,
    name="intake_lag_checks",
)
def intake_lag_checks(context: dg.AssetCheckExecutionContext, landing_zone: LandingZone):
    now = datetime.now(UTC)
    lags = intake_lags(landing_zone.intake, landing_zone.landing) if landing_zone.intake else {}
    for check in context.selected_asset_check_keys:
        source = check.asset_key.path[-1]
        yield check_result(lags.get(source, IntakeLag(source, 0, None)), now)


@dg.sensor(
    name="intake_fold_sensor",
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Folds the live service's sealed intake segments into the landing folder (when the service is down) and records the intake lag check.",
)
def intake_fold_sensor(context: dg.SensorEvaluationContext, landing_zone: LandingZone) -> dg.SkipReason:
    from service.intake.fold import fold_pending

    intake = landing_zone.intake
    if intake is None or not intake.exists():
        return dg.SkipReason("no intake log: the live service has received nothing")
    try:
        company = landing_zone.company()
    except CompanyConfigError as error:
        return dg.SkipReason(str(error))
    now = datetime.now(UTC)
    folded = fold_pending(intake, company.mappings, landing_zone.landing, now)
    for file in folded:
        context.log.info(f"folded an intake segment into the landing folder: {file}")
    previous = json.loads(context.cursor) if context.cursor else {}
    cursor = {}
    lags = intake_lags(intake, landing_zone.landing)
    for source, lag in lags.items():
        passed = lag.passed(now)
        last = previous.get(source)
        due = last is None or last["passed"] != passed or now - datetime.fromisoformat(last["at"]) >= REPORT_EVERY
        if due:
            result = check_result(lag, now)
            context.instance.report_runless_asset_event(
                dg.AssetCheckEvaluation(
                    asset_key=result.asset_key,
                    check_name=CHECK_NAME,
                    passed=result.passed,
                    metadata=result.metadata,
                    severity=result.severity,
                    description=result.description,
                )
            )
        cursor[source] = {"passed": passed, "at": now.isoformat() if due else last["at"]}
    context.update_cursor(json.dumps(cursor))
    waiting = sum(lag.waiting for lag in lags.values())
    return dg.SkipReason(f"{len(folded)} segment file(s) folded; {waiting:,} event(s) wait for the warehouse")
