"""The planners' cockpit (group ``cockpit``): one self-contained HTML file, regenerated with every
plan and every S&OP cycle, at ``<export folder>/cockpit/cockpit.html``.

The asset reads the marts (KPI scorecard, S&OP scenarios and gap report, forecast accuracy, the
exceptions) into the frames of ``reporting.cockpit.CockpitData``; ``reporting.cockpit.render_cockpit`` makes
the page. It works offline: its styles, charts (SVG) and small script are inline; nothing comes
from outside the file.
"""

import datetime as dt

import dagster as dg
import pandas as pd

from orchestration.defs.inventory.assets import PROJECTED_INVENTORY
from orchestration.defs.reporting.kpi import SCORECARD
from orchestration.defs.sop.approval import APPROVED_PLAN
from orchestration.defs.sop.assets import CONSENSUS_PLAN, GAP_REPORT, SCENARIO_PLANS
from orchestration.partitions import WAREHOUSE_POOL
from orchestration.resources import DuckDBWarehouse, ExportFolder
from orchestration.warehouse_io import read_frame
from reporting.cockpit import CockpitData, render_cockpit

COCKPIT = dg.AssetKey(["cockpit", "planners_cockpit"])
EXCEPTIONS = dg.AssetKey(["exceptions", "fct_exceptions"])
# the cockpit's inputs dbt shapes (dbt_project/models/marts/reporting, group cockpit)
ACCURACY_BY_CUT = dg.AssetKey(["cockpit", "forecast_accuracy_by_cut"])
EXCEPTION_COUNTS = dg.AssetKey(["cockpit", "exception_counts"])


class CockpitConfig(dg.Config):
    """What the cockpit shows."""

    top_exceptions: int = 25  # rows of the exception table: the plan's first (what can still be acted on), then by value
    recent_history_days: int = 28  # past exceptions shown: those of the last days of history


def _frame_or_empty(warehouse: DuckDBWarehouse, table: str, sql: str, parameters: list | None = None) -> pd.DataFrame:
    """The query's rows, or an empty frame while ``table`` does not exist yet (before the first
    S&OP cycle): the page then says so instead of failing the daily run."""
    schema, name = table.split(".")
    exists = read_frame(warehouse, "SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = ? AND table_name = ?", [schema, name]).n.iloc[0]
    return read_frame(warehouse, sql, parameters) if exists else pd.DataFrame()


REFUSED_OVERRIDES_SQL = """
    SELECT o.override_id, o.author, o.item_or_family, o.location_or_customer, o.submitted_at,
           q.source_file, q.row_number, string_agg(q.reason, '; ' ORDER BY q.rule, q.column_name) AS reason
    FROM governance.quarantine q
    LEFT JOIN raw.planning_overrides o ON o._source_file = q.source_file AND o._row_number = q.row_number
    WHERE q.source = 'planning_overrides'
    GROUP BY ALL ORDER BY q.source_file, q.row_number"""


def refused_overrides(warehouse: DuckDBWarehouse) -> pd.DataFrame:
    """The planner overrides the contract refused, each with its reasons (one row per override row)."""
    return _frame_or_empty(warehouse, "raw.planning_overrides", REFUSED_OVERRIDES_SQL)


def load_cockpit_data(warehouse: DuckDBWarehouse, config: CockpitConfig, generated_at: dt.datetime) -> CockpitData:
    """The page's frames. Aggregations over the marts are dbt models (``models/marts/reporting``);
    the reads left here are plain selections, the exceptions' filter on this run's config, and
    the S&OP tables and refused overrides, which may not exist yet (before the first S&OP cycle,
    a home without some tables): a dbt model over a missing table fails to build, so these stay
    queries guarded by ``_frame_or_empty``."""
    # reason: why the company's data cannot give a KPI (status not_computed), shown in place of a value
    scorecard = read_frame(warehouse, "SELECT kpi, label, unit, direction, month, cut_type, cut_value, value, target, reason FROM kpi.kpi_scorecard")
    latest_month = scorecard.groupby("kpi").month.transform("max")
    cuts = scorecard[(scorecard.cut_type != "all") & (scorecard.month == latest_month)]
    # the last day of history: the stock position's, else (a company that sends no stock) the demand's
    history_end = read_frame(
        warehouse,
        "SELECT coalesce((SELECT max(as_of_date) FROM inventory.fct_stock_position), (SELECT max(demand_date) FROM marts.fct_daily_demand)) AS d",
    ).d.iloc[0]
    company = read_frame(warehouse, "SELECT any_value(company_name) AS name FROM company.planning_settings").name.iloc[0]
    plan_version = read_frame(warehouse, "SELECT any_value(plan_version) AS v FROM inventory.projected_inventory").v.iloc[0]
    consensus = _frame_or_empty(
        warehouse,
        "sop.consensus_plan",
        # the latest proposal and its decision
        "SELECT plan_version, any_value(status) AS status, max(proposed_at) AS proposed_at FROM sop.consensus_plan GROUP BY 1 "
        "ORDER BY proposed_at DESC NULLS LAST, plan_version LIMIT 1",
    )
    accuracy = read_frame(
        warehouse, "SELECT cut_type, cut_value, source, wape, bias, actual_units FROM cockpit.forecast_accuracy_by_cut ORDER BY cut_type, cut_value, source"
    )
    recent_from = pd.Timestamp(history_end) - pd.Timedelta(days=config.recent_history_days)
    exceptions = read_frame(
        warehouse,
        """SELECT exception_type, reason_code, sku_id, location_id, channel_id, exception_date, units, value, reason_detail AS detail
           FROM exceptions.fct_exceptions
           WHERE horizon <> 'history' OR exception_date > ?
           ORDER BY horizon = 'history', coalesce(value, 0) DESC, units DESC NULLS LAST, exception_id
           LIMIT ?""",
        [recent_from.date(), config.top_exceptions],
    )
    counts = read_frame(warehouse, "SELECT exception_type, reason_code, exceptions, units, value FROM cockpit.exception_counts ORDER BY 1, 2")
    return CockpitData(
        as_of=pd.Timestamp(history_end).date(),
        company=company or None,
        plan_version=str(plan_version),
        sop_plan_version=None if consensus.empty else str(consensus.plan_version.iloc[0]),
        sop_status=None if consensus.empty else str(consensus.status.iloc[0]),
        generated_at=generated_at,
        kpis=scorecard[scorecard.cut_type == "all"].drop(columns=["cut_type", "cut_value"]),
        kpi_cuts=cuts.drop(columns=["month"]),
        resource_months=_frame_or_empty(
            warehouse,
            "sop.scenario_resources",
            "SELECT scenario, resource_id, source_type, unit, month, used, capacity, utilisation, binding_constraint FROM sop.scenario_resources",
        ),
        gap_report=_frame_or_empty(
            warehouse,
            "sop.gap_report",
            "SELECT scenario, month, family, demand, constrained_supply, unmet_units, binding_constraint FROM sop.gap_report",
        ),
        scenarios=_frame_or_empty(warehouse, "sop.scenario_summary", "SELECT * FROM sop.scenario_summary"),
        forecast_accuracy=accuracy,
        exceptions=exceptions,
        exception_counts=counts,
        refused_overrides=refused_overrides(warehouse),
    )


@dg.asset(
    key=COCKPIT,
    deps=[SCORECARD, ACCURACY_BY_CUT, EXCEPTION_COUNTS, EXCEPTIONS, PROJECTED_INVENTORY, SCENARIO_PLANS, GAP_REPORT, CONSENSUS_PLAN, APPROVED_PLAN],
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
