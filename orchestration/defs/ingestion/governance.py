"""The quarantine as a whole: every contract's rejected rows, summarized by source and rule."""

import dagster as dg

from data_contracts import CONTRACTS
from data_contracts.validate import QUARANTINE_TABLE
from orchestration.defs.ingestion.raw import raw_key
from orchestration.metadata import markdown_table
from orchestration.partitions import WAREHOUSE_POOL
from orchestration.resources import DuckDBWarehouse


@dg.asset(
    key=["governance", "quarantine"],
    group_name="governance",
    description="Rows held back by the data contracts, one row per broken rule and raw row, with file, row number and reason. Valid rows flow on; nothing is lost.",
    kinds={"duckdb", "python"},
    deps=[raw_key(source) for source in CONTRACTS],
    pool=WAREHOUSE_POOL,
)
def quarantine(warehouse: DuckDBWarehouse) -> dg.MaterializeResult:
    with warehouse.connect(read_only=True) as con:  # a reader: the raw assets wrote the quarantine
        by_rule = con.execute(
            f"""SELECT source, rule, count(DISTINCT source_file || '#' || row_number) AS rows, min(reason) AS example
                FROM {QUARANTINE_TABLE} GROUP BY source, rule ORDER BY source, rule"""
        ).fetchall()
        # a row breaking several rules is one quarantined row
        per_source = dict(
            con.execute(f"SELECT source, count(DISTINCT source_file || '#' || row_number) FROM {QUARANTINE_TABLE} GROUP BY source ORDER BY source").fetchall()
        )
        entries = con.execute(f"SELECT count(*) FROM {QUARANTINE_TABLE}").fetchone()[0]
        has_log = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'raw' AND table_name = '_rejected_files'").fetchone()[0]
        rejected = con.execute("SELECT count(*) FROM raw._rejected_files").fetchone()[0] if has_log else 0
        # files waiting in the rejected folder for a re-delivery, those no source claims included
        outstanding = (
            con.execute("SELECT source, source_file, error FROM raw._rejected_files WHERE resolved_at IS NULL ORDER BY source, source_file LIMIT 50").fetchall()
            if has_log
            else []
        )
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": dg.MetadataValue.int(entries),
            "quarantined_rows": dg.MetadataValue.int(sum(per_source.values())),
            "rejected_files": dg.MetadataValue.int(rejected),
            "rejected_files_outstanding": markdown_table(("source", "file", "error"), outstanding),
            "by_source_and_rule": markdown_table(("source", "rule", "rows", "example reason"), by_rule),
            **{f"rows/{source}": dg.MetadataValue.int(n) for source, n in per_source.items()},
        }
    )
