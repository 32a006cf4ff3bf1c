"""One raw asset per source: load new files, run the source's data contract, quarantine bad rows.

Transactional sources are partitioned by business day: a run for some days loads the landed
files holding rows of those days, then validates what is new (the rows of every loaded file not
validated yet, whichever run loaded it, and the rows in quarantine, which fixed master data may
release). Master data is unpartitioned
and validated whole. ``full_refresh`` re-validates every row of the source.

Each asset carries three checks: ``contract`` (blocking: too many quarantined rows would make
everything downstream wrong), ``files_parsed`` (warns while a rejected file has not been
re-delivered intact, records carry fields the contract does not know, or a folder of the source's
files cannot be listed) and ``freshness``
(warns when the newest row is too old).
"""

from datetime import UTC, datetime

import dagster as dg

from data_contracts import CONTRACTS, Contract
from data_contracts.validate import QUARANTINE_TABLE, ValidationOutcome, validate_source, write_quarantine
from data_contracts.verdict import contract_verdict
from orchestration.defs.ingestion.company import COMPANY_KEYS
from orchestration.ingestion.loader import (
    LoadReport,
    PartitionWindow,
    ensure_raw_tables,
    load_source,
    mark_validated,
    outstanding_rejections,
    reject_strays,
    unvalidated_files,
)
from orchestration.metadata import markdown_table
from orchestration.partitions import RAW_FRESHNESS, WAREHOUSE_POOL, daily_partitions, run_window, single_run
from orchestration.resources import DuckDBWarehouse, LandingZone
from orchestration.settings import as_of

RAW_GROUP = "raw"


class IngestionConfig(dg.Config):
    """Run parameters of a raw asset."""

    full_refresh: bool = False  # re-validate every row of the source, not only the new files' rows


def raw_key(source: str) -> dg.AssetKey:
    return dg.AssetKey(["raw", source])


def _check_specs(contract: Contract, key: dg.AssetKey) -> list[dg.AssetCheckSpec]:
    checks = [
        dg.AssetCheckSpec(
            "contract",
            asset=key,
            blocking=contract.blocking,
            description=f"The data contract of `{contract.source}` (suite `{contract.source}_contract`, its rules evaluated in SQL): schema, and "
            + (
                f"at most {contract.max_quarantine_share:.0%} of rows quarantined (judged over {contract.min_rows_for_share} rows or more)."
                if contract.blocking
                else "warns while rows are refused (people's inputs never block a run)."
            ),
        ),
        dg.AssetCheckSpec(
            "files_parsed",
            asset=key,
            description="Every delivered file could be parsed (rejected files wait in the rejected folder) and carries only the contract's fields; "
            "every folder of the source's files could be listed.",
        ),
    ]
    if contract.timestamp_column:
        checks.append(dg.AssetCheckSpec("freshness", asset=key, description=f"Newest row at most {contract.freshness_hours:g} h older than the as-of time."))
    return checks


def _description(contract: Contract) -> str:
    """The asset's description, Markdown in Dagster's UI: file names and globs in backticks, where
    a glob's ``*`` or a name's ``_`` cannot turn into emphasis. The files are the company's: its
    mapping (read at each run, not when the code location loads) names them by a glob."""
    return (
        f"{contract.description} Table `{contract.table}`. Files: those the `files` glob of the company's mapping "
        f"with `table: {contract.source}` matches (a YAML file in `<company folder>/sources/`)."
        + (" Partitioned by business day." if contract.partitioned else "")
    )


def build_raw_asset(contract: Contract) -> dg.AssetsDefinition:
    key = raw_key(contract.source)
    partitioned = contract.partitioned

    @dg.asset(
        key=key,
        group_name=RAW_GROUP,
        description=_description(contract),
        kinds={"duckdb", "python"},
        # the company's codes and roles the contract checks against, and the master data it looks up
        deps=[*COMPANY_KEYS, *(raw_key(d) for d in contract.depends_on)],
        check_specs=_check_specs(contract, key),
        tags={"system": contract.system},
        partitions_def=daily_partitions if partitioned else None,
        backfill_policy=single_run if partitioned else None,
        freshness_policy=RAW_FRESHNESS if partitioned else None,
        pool=WAREHOUSE_POOL,
    )
    def raw_source(context: dg.AssetExecutionContext, config: IngestionConfig, warehouse: DuckDBWarehouse, landing_zone: LandingZone) -> dg.MaterializeResult:
        window = run_window(context) if partitioned else None
        loaded_at = datetime.now(UTC).replace(tzinfo=None)  # wall clock, UTC
        company = landing_zone.company()  # checked before anything is written: a broken mapping names its file and key
        mapping = company.mappings.get(contract.source)
        with warehouse.connect() as con:
            if mapping is None:  # the company has no such source: its table stays empty, its models build on nothing
                ensure_raw_tables(con, contract)
                report = LoadReport(contract.source)
            else:
                report = load_source(
                    con,
                    contract,
                    landing_zone.landing,
                    landing_zone.rejected,
                    loaded_at,
                    mapping=mapping,
                    business_timezone=company.company.business_timezone,
                    company_mappings=list(company.mappings.values()),
                    processed_dir=landing_zone.processed,
                    window=window,
                )
            # what no source claims (a misnamed file, a link) is rejected by whichever raw asset runs first
            strays = reject_strays(con, list(company.mappings.values()), landing_zone.landing, landing_zone.rejected, loaded_at)
            _log_load(context, contract, report, window, strays)
            # master data is small and validated whole; transactions incrementally (the files loaded
            # since the last validation, whichever run loaded them) unless refreshed
            scope = None if config.full_refresh or not partitioned else unvalidated_files(con, contract.source)
            outcome = validate_source(con, contract.source, as_of(), scope_files=scope)
            write_quarantine(con, outcome)
            mark_validated(con, contract.source, scope, loaded_at)
            table_counts = _table_counts(con, contract, window)
            outstanding = outstanding_rejections(con, contract.source)
            # JSON records may carry fields the contract does not know: kept in _extra, reported here
            unknown_fields = con.execute(f"SELECT count(*), any_value(_extra) FROM {contract.table} WHERE _extra IS NOT NULL").fetchone()
        return _result(contract, report, outcome, table_counts, outstanding, unknown_fields, window)

    return raw_source


def _log_load(context: dg.AssetExecutionContext, contract: Contract, report: LoadReport, window: PartitionWindow | None, strays: list) -> None:
    for rejected in [*report.rejected, *strays]:
        context.log.warning(f"rejected {rejected.file}: {rejected.error} ({rejected.placement})")
    for folder in report.unlisted:
        context.log.warning(f"landing folder: cannot list {folder}: the files in it are neither loaded nor rejected")
    for problem in [*report.not_archived, *report.skipped]:
        context.log.warning(problem)
    for note in report.waiting:
        context.log.info(note)
    context.log.info(
        f"{contract.source}: {len(report.files_loaded)} new and {len(report.files_replaced)} re-exported files, "
        f"{report.rows_loaded:,} rows loaded, {report.rows_in_table:,} rows in table"
    )
    if window and report.files_outside_window:
        context.log.info(f"{len(report.files_outside_window)} landed files hold no row of this run's days: they wait for their own day's run")
    outside = _days_outside(report, window)
    if outside:
        context.log.warning(
            f"loaded files also hold rows of {len(outside)} other day(s) ({', '.join(outside[:10])}{'...' if len(outside) > 10 else ''}): "
            "the landing sensor requests those days; after a manual run, materialize them too"
        )


def _days_outside(report: LoadReport, window: PartitionWindow | None) -> list[str]:
    if window is None:
        return []
    return sorted(day.isoformat() for day in report.days_loaded if not window.start <= day < window.end)


def _table_counts(con, contract: Contract, window: PartitionWindow | None) -> dict[str, int]:
    """Rows and quarantined rows of the whole table, and of the run's days for a partitioned source."""
    quarantined = f"(SELECT DISTINCT source_file, row_number FROM {QUARANTINE_TABLE} WHERE source = '{contract.source}')"
    # every quarantine entry is a row of the table (validation rewrites them from its rows), so the
    # whole-table figures need no join: a join would scan the whole table at every daily run
    counts = {
        "rows": con.execute(f"SELECT count(*) FROM {contract.table}").fetchone()[0],
        "quarantined": con.execute(f"SELECT count(*) FROM {quarantined}").fetchone()[0],
    }
    if window is not None:
        in_window = con.execute(
            f"SELECT count(*), count(q.row_number) FROM {contract.table} r LEFT JOIN {quarantined} q "
            "ON q.source_file = r._source_file AND q.row_number = r._row_number WHERE r._partition_date >= ? AND r._partition_date < ?",
            [window.start, window.end],
        ).fetchone()
        counts["rows_in_window"], counts["quarantined_in_window"] = in_window
    return counts


def _result(
    contract: Contract,
    report: LoadReport,
    outcome: ValidationOutcome,
    counts: dict[str, int],
    outstanding: list[tuple[str, str]],
    unknown_fields: tuple,
    window: PartitionWindow | None,
) -> dg.MaterializeResult:
    examples = (
        outcome.quarantine.drop_duplicates("rule").head(10)[["rule", "source_file", "row_number", "reason"]].itertuples(index=False)
        if len(outcome.quarantine)
        else []
    )
    rule_metadata = {f"quarantine/{rule}": dg.MetadataValue.int(n) for rule, n in sorted(outcome.rule_counts.items())}
    share = counts["quarantined"] / counts["rows"] if counts["rows"] else 0.0
    # The share over this run's new files too: years of history must not dilute a bad delivery.
    new_files = set(report.files_new)
    new_quarantined = outcome.quarantine[outcome.quarantine.source_file.isin(new_files)][["source_file", "row_number"]].drop_duplicates()
    new_share = len(new_quarantined) / report.rows_loaded if report.rows_loaded else 0.0
    bad_per_file = new_quarantined.groupby("source_file").size()
    files = {file: (int(bad_per_file.get(file, 0)), rows) for file, rows in report.rows_per_file.items()}
    passed, judged = contract_verdict(contract, (counts["quarantined"], counts["rows"]), (len(new_quarantined), report.rows_loaded), outcome.schema_ok, files)
    results = [
        dg.AssetCheckResult(
            check_name="contract",
            passed=passed,
            severity=dg.AssetCheckSeverity.ERROR if contract.blocking else dg.AssetCheckSeverity.WARN,
            metadata={
                "rows_in_table": counts["rows"],
                "rows_quarantined": counts["quarantined"],
                "rows_validated": outcome.rows,
                "quarantine_share": dg.MetadataValue.float(round(share, 6)),
                "quarantine_share_new_files": dg.MetadataValue.float(round(new_share, 6)),
                "max_quarantine_share": dg.MetadataValue.float(contract.max_quarantine_share),
                "min_rows_for_share": contract.min_rows_for_share,
                "judged": judged,
                "schema_ok": outcome.schema_ok,
                "evaluated_by": "SQL (the contract's rules compiled for the warehouse)",
                **rule_metadata,
                "examples": markdown_table(("rule", "file", "row", "reason"), examples),
            },
        ),
        dg.AssetCheckResult(
            check_name="files_parsed",
            passed=not outstanding and not unknown_fields[0] and not report.unlisted,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={
                "rejected_files": markdown_table(("file", "error"), outstanding),
                "rejected_count": len(outstanding),
                "folders_not_listed": "; ".join(report.unlisted) or "none",
                "rows_with_unknown_fields": unknown_fields[0],
                "unknown_fields_example": str(unknown_fields[1]),
            },
        ),
    ]
    if contract.timestamp_column and outcome.freshness:
        results.append(
            dg.AssetCheckResult(
                check_name="freshness",
                passed=outcome.freshness["passed"],
                severity=dg.AssetCheckSeverity.WARN,
                metadata={k: str(v) for k, v in outcome.freshness.items()},
            )
        )
    window_metadata = {}
    if window is not None:
        window_metadata = {
            "rows_in_partitions": dg.MetadataValue.int(counts["rows_in_window"]),
            "rows_quarantined_in_partitions": dg.MetadataValue.int(counts["quarantined_in_window"]),
            "days_outside_partitions": ", ".join(_days_outside(report, window)) or "none",
            "files_waiting_for_their_day": len(report.files_outside_window),
        }
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": dg.MetadataValue.int(counts["rows"]),
            "files_seen": report.files_seen,
            "files_loaded": len(report.files_loaded),
            "files_replaced": len(report.files_replaced),
            "files_unchanged": report.files_unchanged,
            "files_rejected": len(report.rejected),
            "files_left_for_next_run": len(report.not_archived) + len(report.skipped),
            "folders_not_listed": len(report.unlisted),
            "rows_loaded": report.rows_loaded,
            "rows_validated": outcome.rows,
            "rows_quarantined": counts["quarantined"],
            **window_metadata,
            **rule_metadata,
        },
        check_results=results,
    )


raw_assets = [build_raw_asset(contract) for contract in CONTRACTS.values()]
PARTITIONED_RAW_KEYS = [raw_key(c.source) for c in CONTRACTS.values() if c.partitioned]
MASTER_DATA_RAW_KEYS = [raw_key(c.source) for c in CONTRACTS.values() if not c.partitioned]
