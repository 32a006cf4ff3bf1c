"""Approval and publication of the S&OP consensus plan (group ``sop``).

``sop/approved_consensus_plan``, launched by job ``approve_sop_plan`` with the version to approve
and who approves it (the Launchpad, after the S&OP executive meeting): the version's status
becomes ``approved`` in ``sop.consensus_plan`` (the one approved before it ``superseded``), the
approval is recorded in ``sop.plan_approvals``, and the plan is published as
``<export folder>/sop/<version>/consensus_plan.csv`` with a manifest. The decision (who, which
version, what it supersedes) is ``ml.sop.approval.decide_approval``; the asset reads the recorded
statuses, calls it and writes.
"""

import datetime as dt

import dagster as dg
import duckdb
import pandas as pd

from ml.sop.approval import Approval, consensus_plan_csv, decide_approval
from orchestration.declared_tables import create_if_missing
from orchestration.defs.sop.assets import CONSENSUS_PLAN, GROUP, SCHEMA
from orchestration.partitions import WAREHOUSE_POOL
from orchestration.resources import DuckDBWarehouse, ExportFolder
from orchestration.warehouse_io import table_exists, write_export

APPROVED_PLAN = dg.AssetKey([SCHEMA, "approved_consensus_plan"])


class ApprovalConfig(dg.Config):
    """The decision of the S&OP executive meeting."""

    plan_version: str  # e.g. SOP-202610-ee6ec884 (sop.consensus_plan, or the consensus_plan asset's metadata)
    approved_by: str  # who approves, for the record
    comment: str = ""


def recorded_statuses(con: duckdb.DuckDBPyConnection) -> pd.Series:
    """The status of every recorded consensus plan version (index: the version); empty before the
    first S&OP cycle."""
    if not table_exists(con, SCHEMA, "consensus_plan"):
        return pd.Series(dtype=object)
    statuses = con.execute(f"SELECT plan_version, any_value(status) AS status FROM {SCHEMA}.consensus_plan GROUP BY 1").df()
    return statuses.set_index("plan_version").status


def record_approval(con: duckdb.DuckDBPyConnection, approval: Approval) -> None:
    """The versions' new statuses and the approval's row of sop.plan_approvals, in one transaction."""
    con.register("statuses", approval.statuses.rename("status").rename_axis("plan_version").reset_index())
    con.execute("BEGIN")
    con.execute(f"UPDATE {SCHEMA}.consensus_plan AS plans SET status = statuses.status FROM statuses WHERE statuses.plan_version = plans.plan_version")
    create_if_missing(con, SCHEMA, "plan_approvals")  # its columns and types: the dbt source's declaration
    row = approval.record()
    con.execute(
        f"INSERT INTO {SCHEMA}.plan_approvals (plan_version, approved_by, approved_at, comment) VALUES (?, ?, ?, ?)",
        [row["plan_version"], row["approved_by"], row["approved_at"], row["comment"]],
    )
    con.execute("COMMIT")
    con.unregister("statuses")


@dg.asset(
    key=APPROVED_PLAN,
    deps=[CONSENSUS_PLAN],
    group_name=GROUP,
    kinds={"python", "duckdb", "csv"},
    pool=WAREHOUSE_POOL,
    description="The approved S&OP consensus plan: a proposed version approved (the previous approved one superseded), the approval "
    "recorded in sop.plan_approvals, the plan published to `<export folder>/sop/<version>/consensus_plan.csv`.",
)
def approved_consensus_plan(
    context: dg.AssetExecutionContext, config: ApprovalConfig, warehouse: DuckDBWarehouse, exports: ExportFolder
) -> dg.MaterializeResult:
    approved_at = dt.datetime.now(dt.UTC).replace(microsecond=0, tzinfo=None)
    with warehouse.connect() as con:  # the writer's connection from the read of the statuses to their update
        try:
            approval = decide_approval(recorded_statuses(con), config.plan_version, config.approved_by, config.comment, approved_at)
        except ValueError as error:
            raise dg.Failure(str(error)) from error
        version = approval.plan_version
        plan = con.execute(f"SELECT * FROM {SCHEMA}.consensus_plan WHERE plan_version = ?", [version]).df()
        record_approval(con, approval)
    text = consensus_plan_csv(plan, version)
    manifest = {**approval.record(), "approved_at": approved_at.isoformat()}
    folder = write_export(exports, ("sop", version), {"consensus_plan.csv": text.encode("utf-8")}, manifest)
    superseded = approval.superseded
    context.log.info(f"{version} approved by {approval.approved_by}; published to {folder}" + (f"; superseded {', '.join(superseded)}" if superseded else ""))
    return dg.MaterializeResult(
        metadata={
            "plan_version": version,
            "approved_by": approval.approved_by,
            "superseded": ", ".join(superseded) or "none",
            "file": dg.MetadataValue.path(str(folder / "consensus_plan.csv")),
            "demand_units": dg.MetadataValue.float(round(float(plan.demand.sum()), 0)),
            "supply_units": dg.MetadataValue.float(round(float(plan.supply.sum()), 0)),
        }
    )
