"""One raw asset per source: load new files, run the source's data contract, quarantine bad rows.

Each asset carries three checks: ``contract`` (blocking: too many quarantined rows would make
everything downstream wrong), ``files_parsed`` (warns while a rejected file has not been
re-delivered intact, or records carry fields the contract does not know) and ``freshness``
(warns when the newest row is too old).
"""

from datetime import UTC, datetime

import dagster as dg

from data_contracts import CONTRACTS, Contract
from data_contracts.validate import validate_source, write_quarantine
from orchestration.assets.metadata import markdown_table
from orchestration.ingestion.loader import load_source, outstanding_rejections
from orchestration.resources import DuckDBWarehouse, LandingZone
from orchestration.settings import as_of

RAW_GROUP = "raw"


def raw_key(source: str) -> dg.AssetKey:
    return dg.AssetKey(["raw", source])


def build_raw_asset(contract: Contract) -> dg.AssetsDefinition:
    key = raw_key(contract.source)
    checks = [
        dg.AssetCheckSpec(
            "contract",
            asset=key,
            blocking=True,
            description=f"Great Expectations suite {contract.source}_contract: schema, and at most {contract.max_quarantine_share:.0%} of rows quarantined.",
        ),
        dg.AssetCheckSpec(
            "files_parsed",
            asset=key,
            description="Every delivered file could be parsed (rejected files wait in the rejected folder) and carries only the contract's fields.",
        ),
    ]
    if contract.timestamp_column:
        checks.append(dg.AssetCheckSpec("freshness", asset=key, description=f"Newest row at most {contract.freshness_hours:g} h older than the as-of time."))

    @dg.asset(
        key=key,
        group_name=RAW_GROUP,
        description=f"{contract.description} Files: {contract.files} ({contract.system.upper()}).",
        kinds={"duckdb", "python"},
        deps=[raw_key(d) for d in contract.depends_on],
        check_specs=checks,
        tags={"system": contract.system},
    )
    def raw_source(context: dg.AssetExecutionContext, warehouse: DuckDBWarehouse, landing_zone: LandingZone) -> dg.MaterializeResult:
        loaded_at = datetime.now(UTC).replace(tzinfo=None)  # wall clock, UTC
        with warehouse.connect() as con:
            report = load_source(con, contract, landing_zone.landing, landing_zone.rejected, loaded_at)
            for rejected in report.rejected:
                context.log.warning(f"rejected {rejected.file}: {rejected.error} (kept at {rejected.kept_at})")
            context.log.info(
                f"{contract.source}: {len(report.files_loaded)} new files, {report.rows_loaded:,} rows loaded, {report.rows_in_table:,} rows in table"
            )
            outcome = validate_source(con, contract.source, as_of())
            write_quarantine(con, outcome)
            outstanding = outstanding_rejections(con, contract.source)
            # JSON records may carry fields the contract does not know: kept in _extra, reported here
            unknown_fields = con.execute(f"SELECT count(*), any_value(_extra) FROM {contract.table} WHERE _extra IS NOT NULL").fetchone()

        examples = (
            outcome.quarantine.drop_duplicates("rule").head(10)[["rule", "source_file", "row_number", "reason"]].itertuples(index=False)
            if len(outcome.quarantine)
            else []
        )
        rule_metadata = {f"quarantine/{rule}": dg.MetadataValue.int(n) for rule, n in sorted(outcome.rule_counts.items())}
        # The share over this run's new files too: years of history must not dilute a bad delivery.
        new_files = {*report.files_loaded, *report.files_replaced}
        new_quarantined = outcome.quarantine[outcome.quarantine.source_file.isin(new_files)][["source_file", "row_number"]].drop_duplicates()
        new_share = len(new_quarantined) / report.rows_loaded if report.rows_loaded else 0.0
        passed = outcome.schema_ok and max(outcome.quarantine_share, new_share) <= contract.max_quarantine_share
        results = [
            dg.AssetCheckResult(
                check_name="contract",
                passed=passed,
                severity=dg.AssetCheckSeverity.ERROR,
                metadata={
                    "rows_read": outcome.rows,
                    "rows_quarantined": outcome.quarantined_rows,
                    "quarantine_share": dg.MetadataValue.float(round(outcome.quarantine_share, 6)),
                    "quarantine_share_new_files": dg.MetadataValue.float(round(new_share, 6)),
                    "max_quarantine_share": dg.MetadataValue.float(contract.max_quarantine_share),
                    "schema_ok": outcome.schema_ok,
                    **rule_metadata,
                    "examples": markdown_table(("rule", "file", "row", "reason"), examples),
                },
            ),
            dg.AssetCheckResult(
                check_name="files_parsed",
                passed=not outstanding and not unknown_fields[0],
                severity=dg.AssetCheckSeverity.WARN,
                metadata={
                    "rejected_files": markdown_table(("file", "error"), outstanding),
                    "rejected_count": len(outstanding),
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
        return dg.MaterializeResult(
            metadata={
                "dagster/row_count": dg.MetadataValue.int(report.rows_in_table),
                "files_seen": report.files_seen,
                "files_loaded": len(report.files_loaded),
                "files_replaced": len(report.files_replaced),
                "files_unchanged": report.files_unchanged,
                "files_rejected": len(report.rejected),
                "rows_loaded": report.rows_loaded,
                "rows_quarantined": outcome.quarantined_rows,
                **rule_metadata,
            },
            check_results=results,
        )

    return raw_source


raw_assets = [build_raw_asset(contract) for contract in CONTRACTS.values()]
