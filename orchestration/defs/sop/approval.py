"""Approval and publication of the S&OP consensus plan (group ``sop``).

``sop/approved_consensus_plan``, launched by job ``approve_sop_plan`` with the version to approve
and who approves it (the Launchpad, after the S&OP executive meeting): the version's status
becomes ``approved`` in ``sop.consensus_plan`` (the one approved before it ``superseded``), the
approval is recorded in ``sop.plan_approvals``, and the plan is published as
``<export folder>/sop/<version>/consensus_plan.csv`` with a manifest.
"""

import datetime as dt

import dagster as dg

from ml.sop.approval import approval_statuses, check_sop_plan_version, consensus_plan_csv
from orchestration.defs.sop.assets import CONSENSUS_PLAN, GROUP, SCHEMA
from orchestration.partitions import WAREHOUSE_POOL
from orchestration.resources import DuckDBWarehouse, ExportFolder
from orchestration.warehouse_io import write_export

APPROVED_PLAN = dg.AssetKey([SCHEMA, "approved_consensus_plan"])


class ApprovalConfig(dg.Config):
    """The decision of the S&OP executive meeting."""

    plan_version: str  # e.g. SOP-202610-ee6ec884 (sop.consensus_plan, or the consensus_plan asset's metadata)
    approved_by: str  # who approves, for the record
    comment: str = ""


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
    if not config.approved_by.strip():
        raise dg.Failure("approved_by is empty: say who approves the plan.")
    try:
        version = check_sop_plan_version(config.plan_version.strip())
    except ValueError as error:
        raise dg.Failure(str(error)) from error
    approved_at = dt.datetime.now(dt.UTC).replace(microsecond=0, tzinfo=None)
    with warehouse.connect() as con:
        statuses = (
            con.execute(f"SELECT plan_version, any_value(status) AS status FROM {SCHEMA}.consensus_plan GROUP BY 1").df().set_index("plan_version").status
        )
        try:
            updated = approval_statuses(statuses, version)
        except ValueError as error:
            raise dg.Failure(str(error)) from error
        plan = con.execute(f"SELECT * FROM {SCHEMA}.consensus_plan WHERE plan_version = ?", [version]).df()
        con.register("statuses", updated.rename("status").rename_axis("plan_version").reset_index())
        con.execute("BEGIN")
        con.execute(f"UPDATE {SCHEMA}.consensus_plan AS plans SET status = statuses.status FROM statuses WHERE statuses.plan_version = plans.plan_version")
        con.execute(f"CREATE TABLE IF NOT EXISTS {SCHEMA}.plan_approvals (plan_version VARCHAR, approved_by VARCHAR, approved_at TIMESTAMP, comment VARCHAR)")
        con.execute(f"INSERT INTO {SCHEMA}.plan_approvals VALUES (?, ?, ?, ?)", [version, config.approved_by.strip(), approved_at, config.comment])
        con.execute("COMMIT")
    text = consensus_plan_csv(plan, version)
    manifest = {"plan_version": version, "approved_by": config.approved_by.strip(), "approved_at": approved_at.isoformat(), "comment": config.comment}
    folder = write_export(exports, ("sop", version), {"consensus_plan.csv": text.encode("utf-8")}, manifest)
    superseded = sorted(updated.index[(updated == "superseded") & (statuses == "approved")])
    context.log.info(f"{version} approved by {config.approved_by}; published to {folder}" + (f"; superseded {', '.join(superseded)}" if superseded else ""))
    return dg.MaterializeResult(
        metadata={
            "plan_version": version,
            "approved_by": config.approved_by.strip(),
            "superseded": ", ".join(superseded) or "none",
            "file": dg.MetadataValue.path(str(folder / "consensus_plan.csv")),
            "demand_units": dg.MetadataValue.float(round(float(plan.demand.sum()), 0)),
            "supply_units": dg.MetadataValue.float(round(float(plan.supply.sum()), 0)),
        }
    )
