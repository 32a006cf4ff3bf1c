"""The planners' cockpit (group ``cockpit``): one self-contained HTML file, regenerated with every
plan and every S&OP cycle, at ``<export folder>/cockpit/cockpit.html``.

The asset reads the marts (the plan context, KPI scorecard, S&OP scenarios and gap report,
forecast accuracy, the exceptions, the refused overrides: what needs shaping is a dbt model of
the group, ``dbt_project/models/marts/reporting``) into the frames of
``reporting.cockpit.CockpitData``; ``reporting.cockpit.render_cockpit`` makes the page. It works offline: its styles, charts (SVG) and small script are inline; nothing comes
from outside the file.
"""

import datetime as dt

import dagster as dg
import pandas as pd

from orchestration.defs.reporting.kpi import SCORECARD
from orchestration.defs.sop.approval import APPROVED_PLAN
from orchestration.defs.sop.assets import GAP_REPORT, SCENARIO_PLANS
from orchestration.partitions import WAREHOUSE_POOL
from orchestration.resources import DuckDBWarehouse, ExportFolder
from orchestration.warehouse_io import read_frame, table_exists
from reporting.cockpit import CockpitData, render_cockpit
from reporting.cockpit.data import kpi_frames

COCKPIT = dg.AssetKey(["cockpit", "planners_cockpit"])
EXCEPTIONS = dg.AssetKey(["exceptions", "fct_exceptions"])
# the cockpit's inputs dbt shapes (dbt_project/models/marts/reporting, group cockpit)
PLAN_CONTEXT = dg.AssetKey(["cockpit", "plan_context"])
ACCURACY_BY_CUT = dg.AssetKey(["cockpit", "forecast_accuracy_by_cut"])
EXCEPTION_COUNTS = dg.AssetKey(["cockpit", "exception_counts"])
REFUSED_OVERRIDES = dg.AssetKey(["cockpit", "refused_overrides"])


class CockpitConfig(dg.Config):
    """What the cockpit shows."""

    top_exceptions: int = 25  # rows of the exception table: the plan's first (what can still be acted on), then by value
    recent_history_days: int = 28  # past exceptions shown: those of the last days of history


def read_if_exists(warehouse: DuckDBWarehouse, schema: str, table: str, columns: str) -> pd.DataFrame:
    """``columns`` of ``schema.table``, or an empty frame while the table does not exist yet (the
    S&OP cycle's tables before the first cycle): the page then says so instead of failing the
    daily run."""
    with warehouse.connect(read_only=True) as con:
        exists = table_exists(con, schema, table)
    return read_frame(warehouse, f"SELECT {columns} FROM {schema}.{table}") if exists else pd.DataFrame()


def load_cockpit_data(warehouse: DuckDBWarehouse, config: CockpitConfig, generated_at: dt.datetime) -> CockpitData:
    """The page's frames. What needs shaping is a dbt model of the cockpit group
    (``models/marts/reporting``: the plan context, forecast accuracy by cut, exception counts,
    refused overrides); the reads here are selections: the KPI scorecard, the exceptions filtered
    by this run's config, and the S&OP cycle's tables, which do not exist before the first cycle."""
    header = read_frame(warehouse, "SELECT company_name, history_end, plan_version, sop_plan_version, sop_status FROM cockpit.plan_context").iloc[0]
    # reason: why the company's data cannot give a KPI (status not_computed), shown in place of a value
    scorecard = read_frame(warehouse, "SELECT kpi, label, unit, direction, month, cut_type, cut_value, value, target, reason FROM kpi.kpi_scorecard")
    kpis, kpi_cuts = kpi_frames(scorecard)
    recent_from = pd.Timestamp(header.history_end) - pd.Timedelta(days=config.recent_history_days)
    exceptions = read_frame(
        warehouse,
        """SELECT exception_type, reason_code, sku_id, location_id, channel_id, exception_date, units, value, reason_detail AS detail
           FROM exceptions.fct_exceptions
           WHERE horizon <> 'history' OR exception_date > ?
           ORDER BY horizon = 'history', coalesce(value, 0) DESC, units DESC NULLS LAST, exception_id
           LIMIT ?""",
        [recent_from.date(), config.top_exceptions],
    )
    return CockpitData(
        as_of=pd.Timestamp(header.history_end).date(),
        company=header.company_name or None,
        plan_version=str(header.plan_version),
        sop_plan_version=None if pd.isna(header.sop_plan_version) else str(header.sop_plan_version),
        sop_status=None if pd.isna(header.sop_status) else str(header.sop_status),
        generated_at=generated_at,
        kpis=kpis,
        kpi_cuts=kpi_cuts,
        resource_months=read_if_exists(
            warehouse, "sop", "scenario_resources", "scenario, resource_id, source_type, unit, month, used, capacity, utilisation, binding_constraint"
        ),
        gap_report=read_if_exists(warehouse, "sop", "gap_report", "scenario, month, family, demand, constrained_supply, unmet_units, binding_constraint"),
        scenarios=read_if_exists(warehouse, "sop", "scenario_summary", "*"),
        forecast_accuracy=read_frame(
            warehouse, "SELECT cut_type, cut_value, source, wape, bias, actual_units FROM cockpit.forecast_accuracy_by_cut ORDER BY cut_type, cut_value, source"
        ),
        exceptions=exceptions,
        exception_counts=read_frame(warehouse, "SELECT exception_type, reason_code, exceptions, units, value FROM cockpit.exception_counts ORDER BY 1, 2"),
        refused_overrides=read_frame(
            warehouse,
            "SELECT override_id, author, item_or_family, location_or_customer, submitted_at, source_file, row_number, reason "
            "FROM cockpit.refused_overrides ORDER BY source_file, row_number",
        ),
    )


@dg.asset(
    key=COCKPIT,
    # APPROVED_PLAN: in job approve_sop_plan the page is written after the decision
    deps=[SCORECARD, PLAN_CONTEXT, ACCURACY_BY_CUT, EXCEPTION_COUNTS, REFUSED_OVERRIDES, EXCEPTIONS, SCENARIO_PLANS, GAP_REPORT, APPROVED_PLAN],
    group_name="cockpit",
    kinds={"python", "html"},
    pool=WAREHOUSE_POOL,
    description="The planners' cockpit: one self-contained HTML file (works offline) with the KPIs against their targets, demand versus "
    "capacity by month, the S&OP scenarios side by side, forecast accuracy and the top exceptions; `<export folder>/cockpit/cockpit.html`.",
)
def planners_cockpit(context: dg.AssetExecutionContext, config: CockpitConfig, warehouse: DuckDBWarehouse, exports: ExportFolder) -> dg.MaterializeResult:
    data = load_cockpit_data(warehouse, config, dt.datetime.now(dt.UTC).replace(microsecond=0))
    html = render_cockpit(data)
    page = exports.write(exports.folder("cockpit"), "cockpit.html", html.encode("utf-8"))
    context.log.info(f"cockpit written to {page}")
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(page)),
            "as_of": str(data.as_of),
            "plan_version": data.plan_version,
            "sop_plan_version": data.sop_plan_version or "",
            "kpis": dg.MetadataValue.int(int(data.kpis.kpi.nunique())),
            # the KPIs the company's data cannot give: the page shows their reason instead of a value
            "kpis_not_computed": dg.MetadataValue.text(", ".join(sorted(set(data.kpis.loc[data.kpis.reason != "", "kpi"])))),
            "exceptions": dg.MetadataValue.int(int(data.exception_counts.exceptions.sum())),
            "bytes": dg.MetadataValue.int(len(html.encode("utf-8"))),
        }
    )


cockpit_assets = [planners_cockpit]
