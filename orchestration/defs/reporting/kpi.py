"""KPI assets (group ``kpi``): the measures of SPEC section 8 that judge the plan.

Each KPI is its own dbt model by month and the cuts its definition names (``kpi/kpi_otif``,
``kpi/kpi_stockout_rate``, ... see dbt_project/models/marts/kpi); ``kpi/kpi_scorecard`` gathers
them with their targets. ``kpi/kpi_latest`` publishes each KPI's latest value as numeric
metadata, so that the Dagster UI plots its history across runs (asset page, Plots), and the
monthly history of every KPI against its target as a chart (``reporting.kpi_plot``): the PNG
``<export folder>/kpi/kpi_history.png`` and, in the metadata ``kpi_history``, the same image in
Markdown (the UI's "[Show Markdown]" opens it; a data URI, so no server is needed to see it). A
KPI the company's data cannot give (``kpi/kpi_availability``: no stock, no orders, no production,
no event streams...) has no number but its reason, ``<kpi>_not_computed``, the same the cockpit
shows, and is named with it under the chart's panels. Which figures those are is
``reporting.kpi_latest``; this module turns them into metadata.
"""

import base64

import dagster as dg
import pandas as pd

from orchestration.partitions import WAREHOUSE_POOL
from orchestration.resources import DuckDBWarehouse, ExportFolder
from orchestration.warehouse_io import read_frame
from reporting.kpi_latest import latest_kpis
from reporting.kpi_plot import KpiHistoryChart, kpi_history_chart

GROUP = "kpi"
SCHEMA = "kpi"
SCORECARD = dg.AssetKey([SCHEMA, "kpi_scorecard"])
KPI_LATEST = dg.AssetKey([SCHEMA, "kpi_latest"])
# Cuts worth a plot of their own: the SPEC's per-channel and per-line figures.
PLOTTED_CUTS = ("channel", "production_line", "source")
HISTORY_CHART = "kpi_history.png"  # in the export folder's kpi/


def metadata_of(latest: pd.DataFrame) -> dict[str, dg.MetadataValue]:
    """Numeric metadata: ``<kpi>`` for the headline, ``<kpi>__<cut>`` for the plotted cuts."""
    metadata: dict[str, dg.MetadataValue] = {}
    for row in latest.itertuples():  # one row per KPI and cut: a few dozen
        if row.cut_type == "all":
            metadata[row.kpi] = dg.MetadataValue.float(round(float(row.value), 4))
            metadata[f"{row.kpi}_month"] = dg.MetadataValue.text(str(pd.Timestamp(row.month).date()))
        elif row.cut_type in PLOTTED_CUTS:
            metadata[f"{row.kpi}__{str(row.cut_value).lower()}"] = dg.MetadataValue.float(round(float(row.value), 4))
    return metadata


def chart_markdown(chart: KpiHistoryChart, png: bytes) -> str:
    """The chart as a Markdown image with a data URI (Dagster's UI allows ``data:`` image sources),
    and a line naming the KPIs it could not draw, for a reader whose Markdown shows no image."""
    drawn = f"{len(chart.plotted)} KPIs by month against their targets"
    missing = f"; without a value: {', '.join(f'`{kpi}`' for kpi in chart.without_value)}" if chart.without_value else ""
    return f"![{drawn}](data:image/png;base64,{base64.b64encode(png).decode('ascii')})\n\n{drawn}{missing}."


@dg.asset(
    key=KPI_LATEST,
    deps=[SCORECARD],
    group_name=GROUP,
    kinds={"python", "duckdb"},
    pool=WAREHOUSE_POOL,
    description="Each KPI's latest value (headline and per channel, production line, event stream) as numeric metadata: "
    "the UI plots their history across runs. The monthly history of every KPI against its target: metadata `kpi_history` "
    "(a chart, [Show Markdown]) and `<export folder>/kpi/kpi_history.png`.",
)
def kpi_latest(warehouse: DuckDBWarehouse, exports: ExportFolder) -> dg.MaterializeResult:
    scorecard = read_frame(warehouse, f"SELECT * FROM {SCHEMA}.kpi_scorecard")
    if scorecard.empty:
        raise dg.Failure("No KPI rows yet: materialize the data layer and the planning models first.")
    latest = latest_kpis(scorecard)
    chart = kpi_history_chart(scorecard)
    png = chart.png()
    # the chart first: the UI lists the metadata in this order, and the figures come by the dozen
    metadata = {
        "kpi_history": dg.MetadataValue.md(chart_markdown(chart, png)),
        "kpi_history_file": dg.MetadataValue.path(str(exports.write(exports.folder(SCHEMA), HISTORY_CHART, png))),
        **metadata_of(latest.values),
    }
    if latest.without_value:
        metadata["kpis_without_value"] = dg.MetadataValue.text(", ".join(latest.without_value))
    for kpi, reason in latest.not_computed.items():
        metadata[f"{kpi}_not_computed"] = dg.MetadataValue.text(f"Not computed: {reason}")
    if latest.not_computed:
        metadata["kpis_not_computed"] = dg.MetadataValue.md("\n".join(f"- **{kpi}**: not computed: {reason}" for kpi, reason in latest.not_computed.items()))
    return dg.MaterializeResult(metadata=metadata)


kpi_assets = [kpi_latest]
