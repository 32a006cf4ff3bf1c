"""The KPIs' monthly history against their targets, as one PNG of small multiples.

One panel per KPI with a value in some month: the headline (``cut_type`` all) by month, the
target as a dashed line (for a KPI whose direction is ``zero``, a bias, the band of plus and minus
the target), the latest month's value and target in the panel's title, its point green when it
meets the target and red when it does not. A KPI without any value is not drawn but named under
the panels with its reason: the company's data cannot give it (status ``not_computed``, the
scorecard's reason), or every month's value is empty (a ratio over nothing).

The input is ``kpi.kpi_scorecard`` as a frame (kpi, label, unit, direction, month, cut_type,
cut_value, value, target, status, reason). Plain matplotlib on its Agg canvas (no pyplot: no
global figure state, no display), so a Dagster asset, a test or a notebook can call it.
"""

from __future__ import annotations

import io
import math
import textwrap
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd
from PIL import Image

if TYPE_CHECKING:
    from matplotlib.figure import Figure

COLUMNS = 3
PANEL_INCHES = (4.2, 2.5)  # width, height of one KPI's panel
DPI = 90
VALUE_COLOUR = "#1f5f8b"
TARGET_COLOUR = "#6b7280"
MEETS_COLOUR = "#2e7d32"
MISSES_COLOUR = "#c62828"
NO_VALUE_IN_ANY_MONTH = "no value in any month (a ratio over nothing: no order, stock or event in the months measured)"
# how a value reads in its unit (the units of kpi.kpi_definitions); others as plain numbers
_PERCENT_UNITS = {"percent"}


@dataclass(frozen=True)
class KpiHistoryChart:
    """The figure, the KPIs it draws (in panel order) and those it names without a value."""

    figure: Figure
    plotted: list[str]
    without_value: dict[str, str]  # KPI -> why it has no value

    def png(self) -> bytes:
        """The figure as a PNG of at most 128 colours: about a quarter of the bytes of matplotlib's
        true-colour PNG (the Dagster UI keeps a copy in every materialization's metadata)."""
        drawn = io.BytesIO()
        self.figure.savefig(drawn, format="png", dpi=DPI)
        # octree keeps the few saturated colours (the verdict points) that a median cut merges into grey
        image = Image.open(drawn).convert("RGB").quantize(colors=128, method=Image.Quantize.FASTOCTREE)
        small = io.BytesIO()
        image.save(small, format="PNG", optimize=True)
        return small.getvalue()


def kpi_history_chart(scorecard: pd.DataFrame) -> KpiHistoryChart:
    """The small multiples of ``scorecard``'s headline KPIs by month (see the module's docstring)."""
    headline = scorecard[scorecard.cut_type == "all"].copy()
    headline["month"] = pd.to_datetime(headline.month)
    labels = {kpi: str(label) if pd.notna(label) else str(kpi) for kpi, label in headline.groupby("kpi").label.first().items()}
    measured = headline.dropna(subset=["value"])
    plotted = sorted(measured.kpi.unique(), key=lambda kpi: (labels[kpi].lower(), kpi))
    without_value = _reasons_without_value(headline, set(plotted))

    rows = max(1, math.ceil(len(plotted) / COLUMNS))
    footer_lines = _footer_lines(without_value, labels)
    footer_inches = 0.25 + 0.19 * len(footer_lines) if footer_lines else 0.0
    width, height = PANEL_INCHES[0] * COLUMNS, PANEL_INCHES[1] * rows + footer_inches + 0.5
    # imported here: matplotlib writes its font cache under $HOME when imported, and loading the
    # code location (which imports this module) must write nothing outside the state folder
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(figure)
    figure.suptitle(
        "KPIs by month (headline of kpi.kpi_scorecard): dashed, the target; the last month green when it meets it, red when not",
        fontsize=11,
    )
    if footer_inches:
        # the panels above, the KPIs without a value below: their own sub-figure keeps the text clear of the axes
        panels, footer = figure.subfigures(2, 1, height_ratios=[height - footer_inches - 0.5, footer_inches])
        footer.text(0.01, 0.98, "\n".join(footer_lines), va="top", ha="left", fontsize=8.5, family="DejaVu Sans")
    else:
        panels = figure
    if plotted:
        axes = panels.subplots(rows, COLUMNS, squeeze=False).ravel()
        for ax, kpi in zip(axes, plotted, strict=False):
            _draw_panel(ax, measured[measured.kpi == kpi].sort_values("month"), labels[kpi])
        for ax in axes[len(plotted) :]:
            ax.set_visible(False)
    else:
        panels.text(0.5, 0.5, "No KPI has a value yet.", ha="center", va="center", fontsize=11)
    return KpiHistoryChart(figure=figure, plotted=list(plotted), without_value=without_value)


def kpi_history_png(scorecard: pd.DataFrame) -> bytes:
    """``kpi_history_chart(scorecard)`` as PNG bytes."""
    return kpi_history_chart(scorecard).png()


def _reasons_without_value(headline: pd.DataFrame, plotted: set[str]) -> dict[str, str]:
    reasons: dict[str, str] = {}
    for kpi, rows in headline.groupby("kpi", sort=True):
        if kpi in plotted:
            continue
        given = rows.reason.dropna() if "reason" in rows else pd.Series(dtype=str)
        not_computed = "status" in rows and (rows.status == "not_computed").any()
        reasons[str(kpi)] = f"not computed: {given.iloc[0]}" if not_computed and len(given) else NO_VALUE_IN_ANY_MONTH
    return reasons


def _footer_lines(without_value: dict[str, str], labels: dict[str, str]) -> list[str]:
    if not without_value:
        return []
    lines = [f"Without a value ({len(without_value)}):"]
    for kpi, reason in without_value.items():
        wrapped = textwrap.wrap(f"{labels.get(kpi, kpi)} ({kpi}): {reason}", width=150, subsequent_indent="      ")
        lines.extend(f"  \u2022 {line}" if i == 0 else line for i, line in enumerate(wrapped))
    return lines


def _draw_panel(ax, history: pd.DataFrame, label: str) -> None:
    from matplotlib.ticker import FuncFormatter  # imported when drawing: see kpi_history_chart

    unit = str(history.unit.iloc[0]) if "unit" in history and pd.notna(history.unit.iloc[0]) else ""
    direction = str(history.direction.iloc[0]) if "direction" in history and pd.notna(history.direction.iloc[0]) else ""
    targets = history.target.dropna() if "target" in history else pd.Series(dtype=float)
    target = float(targets.iloc[-1]) if len(targets) else None
    scale = 100.0 if unit in _PERCENT_UNITS else 1.0

    ax.plot(history.month, history.value * scale, color=VALUE_COLOUR, marker="o", markersize=3.5, linewidth=1.6, label="value")
    if target is not None:
        for level in (target, -target) if direction == "zero" else (target,):
            ax.axhline(level * scale, color=TARGET_COLOUR, linestyle="--", linewidth=1.1, label="target")
    latest = history.iloc[-1]
    verdict = _meets(float(latest.value), target, direction)
    if verdict is not None:
        ax.plot([latest.month], [latest.value * scale], marker="o", markersize=6, linestyle="none", color=MEETS_COLOUR if verdict else MISSES_COLOUR)

    bound = {"higher": "\u2265 ", "lower": "\u2264 ", "zero": "\u00b1 "}.get(direction, "")
    target_text = f", target {bound}{_formatted(target, unit)}" if target is not None else ", no target"
    ax.set_title(f"{label}\n{latest.month:%b %Y}: {_formatted(float(latest.value), unit)}{target_text}", fontsize=9, loc="left")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda y, _: _axis_number(y, unit)))
    ax.tick_params(labelsize=7.5)
    _month_axis(ax, history.month)
    ax.grid(axis="y", color="#e5e7eb", linewidth=0.6)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _meets(value: float, target: float | None, direction: str) -> bool | None:
    """Whether the value meets its target in the KPI's direction (None: no target or direction)."""
    if target is None or direction not in ("higher", "lower", "zero"):
        return None
    if direction == "zero":
        return abs(value) <= abs(target)
    return value >= target if direction == "higher" else value <= target


def _month_axis(ax, months: pd.Series) -> None:
    import matplotlib.dates as mdates  # imported when drawing: see kpi_history_chart

    count = months.dt.to_period("M").nunique()
    ax.xaxis.set_major_locator(mdates.MonthLocator(interval=max(1, math.ceil(count / 6))))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%b\n%Y" if count <= 6 else "%Y-%m"))
    if count == 1:  # one point: a month either side, so that the tick and the point are not on the edge
        month = months.iloc[0]
        ax.set_xlim(month - pd.DateOffset(months=1), month + pd.DateOffset(months=1))


def _formatted(value: float | None, unit: str) -> str:
    """A value in its unit, as the cockpit writes it: percents of fractions, a true minus sign."""
    if value is None:
        return "\u2013"
    if unit in _PERCENT_UNITS:
        text = f"{value * 100:.1f} %"
    elif unit == "currency":
        text = _compact(value)
    else:
        text = f"{value:,.1f}" + {"days": " d", "seconds": " s", "turns": " turns"}.get(unit, "")
    return text.replace("-", "\u2212")


def _axis_number(value: float, unit: str) -> str:
    text = f"{value:g} %" if unit in _PERCENT_UNITS else _compact(value) if abs(value) >= 10_000 else f"{value:g}"
    return text.replace("-", "\u2212")


def _compact(value: float) -> str:
    """Three significant digits with k, M or bn: 2,594,310 -> ``2.59 M`` (axis ticks stay distinct)."""
    for size, suffix in ((1e9, " bn"), (1e6, " M"), (1e3, " k")):
        if abs(value) >= size:
            return f"{value / size:.3g}{suffix}"
    return f"{value:,.0f}"
