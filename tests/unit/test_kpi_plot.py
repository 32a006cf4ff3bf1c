"""The KPI history chart (reporting.kpi_plot): what the asset kpi/kpi_latest shows in the Dagster UI."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from matplotlib.text import Text
from PIL import Image

from reporting.kpi_plot import DPI, MEETS_COLOUR, MISSES_COLOUR, NO_VALUE_IN_ANY_MONTH, kpi_history_chart

MONTHS = pd.date_range("2025-01-01", periods=4, freq="MS")


def _rows(kpi, label, unit, direction, target, values, cut_type="all", status="computed", reason=None):
    return [
        dict(kpi=kpi, label=label, unit=unit, direction=direction, month=month.date(), cut_type=cut_type, cut_value="ALL" if cut_type == "all" else "B2B",
             value=value, target=target, status=status, reason=reason)
        for month, value in zip(MONTHS, values, strict=True)
    ]  # fmt: skip


@pytest.fixture
def scorecard() -> pd.DataFrame:
    rows = [
        # months out of order, as a query returns them
        *reversed(_rows("otif_rate", "OTIF", "percent", "higher", 0.95, [0.90, 0.92, 0.97, 0.96])),
        *_rows("otif_rate", "OTIF", "percent", "higher", 0.95, [0.5, 0.5, 0.5, 0.5], cut_type="channel"),  # a cut: not the headline
        *_rows("forecast_bias", "Forecast bias", "percent", "zero", 0.1, [0.05, -0.02, None, 0.12]),
        *_rows("inventory_value", "Inventory value", "currency", "lower", None, [2.1e6, 2.4e6, 2.2e6, 2.3e6]),
        *_rows("sync_latency_p95_seconds", "Sync latency p95", "seconds", "lower", 300, [None] * 4),  # computed, never a value
    ]
    rows.append(
        dict(kpi="oee", label="OEE", unit="percent", direction="higher", month=MONTHS[-1].date(), cut_type="all", cut_value="ALL", value=None,
             target=0.85, status="not_computed", reason="no production orders: send erp_production_orders")
    )  # fmt: skip
    return pd.DataFrame(rows)


def _panels(chart) -> dict[str, object]:
    """The visible axes by the KPI label their title starts with."""
    return {ax.get_title(loc="left").split("\n")[0]: ax for ax in chart.figure.axes if ax.get_visible()}


def _dashed_levels(ax) -> list[float]:
    return sorted(round(line.get_ydata()[0], 6) for line in ax.get_lines() if line.get_linestyle() == "--")


def test_one_panel_per_kpi_with_a_value_and_its_monthly_headline(scorecard):
    chart = kpi_history_chart(scorecard)

    assert chart.plotted == ["forecast_bias", "inventory_value", "otif_rate"]  # by label
    panels = _panels(chart)
    assert set(panels) == {"Forecast bias", "Inventory value", "OTIF"}
    value_line = panels["OTIF"].get_lines()[0]
    assert list(pd.to_datetime(value_line.get_xdata())) == list(MONTHS)  # by month, whatever the rows' order
    assert list(value_line.get_ydata()) == pytest.approx([90, 92, 97, 96])  # the headline, in percent; not the channel's 50 %
    assert "Apr 2025: 96.0 %, target \u2265 95.0 %" in panels["OTIF"].get_title(loc="left")
    # a month without a value is left out, not drawn as zero
    assert list(pd.to_datetime(panels["Forecast bias"].get_lines()[0].get_xdata())) == [MONTHS[0], MONTHS[1], MONTHS[3]]


def test_the_target_is_a_dashed_line_where_the_kpi_has_one(scorecard):
    panels = _panels(kpi_history_chart(scorecard))

    assert _dashed_levels(panels["OTIF"]) == [95.0]
    assert _dashed_levels(panels["Forecast bias"]) == [-10.0, 10.0]  # closer to zero is better: the band of plus and minus the target
    assert _dashed_levels(panels["Inventory value"]) == []
    assert "no target" in panels["Inventory value"].get_title(loc="left")


def test_a_kpi_without_a_value_is_named_with_its_reason(scorecard):
    chart = kpi_history_chart(scorecard)

    assert chart.without_value == {
        "oee": "not computed: no production orders: send erp_production_orders",
        "sync_latency_p95_seconds": NO_VALUE_IN_ANY_MONTH,
    }
    text = "\n".join(t.get_text() for t in chart.figure.findobj(Text))
    assert "OEE (oee): not computed: no production orders: send erp_production_orders" in text
    assert "Sync latency p95 (sync_latency_p95_seconds): no value in any month" in text
    assert "OEE" not in _panels(chart)


def test_the_png_is_the_figure(scorecard):
    chart = kpi_history_chart(scorecard)
    image = Image.open(io.BytesIO(chart.png()))

    assert image.format == "PNG"
    width, height = chart.figure.get_size_inches() * DPI
    assert image.size == (int(width), int(height))
    # the verdicts' colours survive the PNG's reduced palette (OTIF meets its target, the bias misses it)
    colours = {colour for _, colour in image.convert("RGB").getcolors(maxcolors=1 << 16)}
    for verdict in (MEETS_COLOUR, MISSES_COLOUR):
        wanted = tuple(int(verdict[i : i + 2], 16) for i in (1, 3, 5))
        assert any(sum(abs(a - b) for a, b in zip(colour, wanted, strict=True)) < 30 for colour in colours), verdict


def test_no_kpi_with_a_value_still_gives_a_figure_naming_them_all(scorecard):
    chart = kpi_history_chart(scorecard[scorecard.kpi.isin(["oee", "sync_latency_p95_seconds"])])

    assert chart.plotted == [] and set(chart.without_value) == {"oee", "sync_latency_p95_seconds"}
    assert "No KPI has a value yet." in [t.get_text() for t in chart.figure.findobj(Text)]
    assert chart.png()


def test_kpi_latest_shows_the_chart_in_its_metadata_and_writes_it_to_the_export_folder(scorecard, tmp_path):
    """What the asset's page shows: the metadata ``kpi_history`` is a Markdown image whose data URI
    is the PNG written to ``<export folder>/kpi/kpi_history.png`` (Dagster's UI allows ``data:``
    image sources), and it names the KPIs without a value for a reader that shows no image."""
    import base64

    import duckdb
    from markdown_it import MarkdownIt

    from orchestration.defs.reporting.kpi import kpi_latest
    from orchestration.resources import DuckDBWarehouse, ExportFolder

    database = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(database)) as con:
        con.execute("CREATE SCHEMA kpi")
        con.register("scorecard", scorecard)
        con.execute("CREATE TABLE kpi.kpi_scorecard AS SELECT * FROM scorecard")

    result = kpi_latest(warehouse=DuckDBWarehouse(database=str(database)), exports=ExportFolder(export_dir=str(tmp_path / "exports")))

    written = tmp_path / "exports" / "kpi" / "kpi_history.png"
    assert result.metadata["kpi_history_file"].value == str(written.resolve())
    markdown = result.metadata["kpi_history"].value
    images = [leaf for token in MarkdownIt("commonmark").parse(markdown) for leaf in token.children or [] if leaf.type == "image"]
    assert len(images) == 1
    source = images[0].attrGet("src")
    assert source.startswith("data:image/png;base64,")
    assert base64.b64decode(source.removeprefix("data:image/png;base64,")) == written.read_bytes()
    assert Image.open(written).format == "PNG"
    assert "without a value: `oee`, `sync_latency_p95_seconds`" in markdown
    assert result.metadata["otif_rate"].value == pytest.approx(0.96)  # the numeric metadata the UI plots across runs stays
