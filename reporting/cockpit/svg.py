"""Inline SVG charts: the geometry, computed in Python; ``templates/charts.html.j2`` draws it.

A sparkline, bars with a line (used vs capacity), stacked horizontal bars (cost per scenario). No
script, no external font: the page's own font is inherited. Every chart scales to its container
(``viewBox``, width 100 %) and carries an ``aria-label``; every mark a ``<title>`` (the browser's
tooltip). The functions return plain dictionaries of coordinates (short strings, one decimal at
most) and texts; the template escapes the texts.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from reporting.cockpit.format import is_missing

INK = "#1f2933"
MUTED = "#6b7785"
GRID = "#e3e8ee"
BLUE = "#2f6690"
LIGHT_BLUE = "#9cc3e0"
RED = "#c0392b"
GREEN = "#2e7d4f"
# the cost components, from the variable costs to the penalties
SERIES_COLOURS = ("#2f6690", "#3a7ca5", "#81b29a", "#c9a227", "#e07a5f", "#8d6a9f", "#b23a48", "#5c6b73")


def _n(value: float) -> str:
    """A coordinate with at most one decimal (short, deterministic output)."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def nice_ticks(top: float, count: int = 4) -> list[float]:
    """0 and a few round steps (1, 2, 2.5, 5 x 10^k) up to at least ``top``."""
    if not top or top <= 0 or math.isnan(top):
        return [0.0, 1.0]
    raw = top / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw - 1e-12)
    steps = math.ceil(top / step - 1e-9)
    return [round(i * step, 10) for i in range(steps + 1)]


def tick_label(value: float) -> str:
    """Axis labels: ``0``, ``2.5``, ``800``, ``15 k``, ``1.2 M``."""
    size = abs(value)
    if size >= 1e6:
        return f"{value / 1e6:g} M"
    if size >= 1e3:
        return f"{value / 1e3:g} k"
    return f"{value:g}"


def _chart(kind: str, width: float, height: float, label: str, css_class: str = "chart", **marks) -> dict:
    return {"kind": kind, "css_class": css_class, "view_box": f"0 0 {_n(width)} {_n(height)}", "label": label, **marks}


def empty_chart(label: str, width: float = 360, height: float = 60) -> dict:
    """A chart without data: its label in the middle."""
    return _chart("empty", width, height, label, x=_n(width / 2), y=_n(height / 2), fill=MUTED)


def sparkline(values: Sequence[float], *, target: float | None = None, label: str = "", width: float = 160, height: float = 40, colour: str = BLUE) -> dict:
    """A line of the values (gaps where missing), the last one dotted, the target dashed."""
    points = [None if is_missing(v) else float(v) for v in values]
    known = [v for v in points if v is not None]
    if not known:
        return empty_chart("no history", width, height)
    span = known + ([float(target)] if not is_missing(target) else [])
    low, high = min(span), max(span)
    if high - low < 1e-12:
        low, high = low - 1, high + 1
    pad = 4.0
    step = (width - 2 * pad) / max(len(points) - 1, 1)

    def x(i: int) -> float:
        return pad + i * step if len(points) > 1 else width / 2

    def y(v: float) -> float:
        return height - pad - (v - low) / (high - low) * (height - 2 * pad)

    target_line = None
    if not is_missing(target):
        target_line = {"x1": _n(pad), "x2": _n(width - pad), "y": _n(y(float(target))), "stroke": MUTED}
    lines, segment = [], []
    for i, v in enumerate([*points, None]):
        if v is None:
            if len(segment) > 1:
                lines.append(" ".join(segment))
            segment = []
        else:
            segment.append(f"{_n(x(i))},{_n(y(v))}")
    last = max(i for i, v in enumerate(points) if v is not None)
    dot = {"cx": _n(x(last)), "cy": _n(y(points[last]))}
    return _chart("spark", width, height, label, "spark", target_line=target_line, lines=lines, dot=dot, colour=colour)


def _y_axis(ticks: list[float], y: Callable[[float], float], left: float, right: float) -> list[dict]:
    return [{"x1": _n(left), "x2": _n(right), "y": _n(y(t)), "text_x": _n(left - 5), "text": tick_label(t)} for t in ticks]


def bar_line_chart(
    labels: Sequence[str],
    bars: Sequence[float],
    line: Sequence[float],
    *,
    label: str,
    highlight: Sequence[bool] | None = None,
    titles: Sequence[str] | None = None,
    width: float = 320,
    height: float = 160,
    bar_colour: str = LIGHT_BLUE,
    highlight_colour: str = RED,
    line_colour: str = INK,
) -> dict:
    """Bars (e.g. used) with a line over them (e.g. capacity), one band per label; highlighted
    bars (e.g. binding months) in ``highlight_colour``."""
    n = len(labels)
    if n == 0:
        return empty_chart("no data yet", width, 60)
    highlight = list(highlight) if highlight is not None else [False] * n
    titles = list(titles) if titles is not None else list(labels)
    left, right, top, bottom = 42.0, 8.0, 8.0, 22.0
    plot_w, plot_h = width - left - right, height - top - bottom
    # an infinite line value (a resource without a capacity limit) is not drawn
    line = [None if not is_missing(v) and math.isinf(float(v)) else v for v in line]
    finite = [float(v) for v in [*bars, *line] if not is_missing(v)]
    ticks = nice_ticks(max(finite) if finite else 0.0)
    high = ticks[-1]

    def y(v: float) -> float:
        return top + plot_h - max(v, 0.0) / high * plot_h

    band = plot_w / n
    bar_w = max(band * 0.62, 1.0)
    rects = []
    for i, (v, hot, title) in enumerate(zip(bars, highlight, titles)):
        if is_missing(v):
            continue
        x0 = left + i * band + (band - bar_w) / 2
        top_y = y(float(v))
        rects.append(
            {
                "x": _n(x0),
                "y": _n(top_y),
                "width": _n(bar_w),
                "height": _n(top + plot_h - top_y),
                "fill": highlight_colour if hot else bar_colour,
                "title": title,
            }
        )
    points = [(left + (i + 0.5) * band, y(float(v))) for i, v in enumerate(line) if not is_missing(v)]
    every = max(1, math.ceil(n * 52 / plot_w))  # an ISO month needs about 44 units, and some air
    return _chart(
        "bars",
        width,
        height,
        label,
        grid=_y_axis(ticks, y, left, width - right),
        rects=rects,
        line=" ".join(f"{_n(a)},{_n(b)}" for a, b in points) if len(points) > 1 else "",
        dots=[{"cx": _n(a), "cy": _n(b)} for a, b in points],
        line_colour=line_colour,
        axis={"x1": _n(left), "x2": _n(width - right), "y": _n(top + plot_h)},
        x_labels=[{"x": _n(left + (i + 0.5) * band), "y": _n(height - 6), "text": text} for i, text in enumerate(labels) if i % every == 0],
    )


def stacked_bars(
    rows: Sequence[tuple[str, Sequence[float]]],
    series: Sequence[str],
    *,
    label: str,
    value_format: Callable[[float], str],
    row_attribute: str | None = None,
    width: float = 760,
    colours: Sequence[str] = SERIES_COLOURS,
) -> dict:
    """One horizontal bar per row, stacked by series (negative parts drawn as zero), its total at
    its end; ``row_attribute`` (e.g. ``data-scenario``) names each row's group by its label."""
    if not rows:
        return empty_chart("no data yet", width, 60)
    longest = max(len(name) for name, _ in rows)
    left, right, top, bottom, row_h = min(12 + 6.6 * longest, 180.0), 78.0, 6.0, 24.0, 26.0
    height = top + bottom + row_h * len(rows)
    plot_w = width - left - right
    totals = [sum(max(float(v), 0.0) for v in values if not is_missing(v)) for _, values in rows]
    ticks = nice_ticks(max(totals), 5)
    high = ticks[-1]

    def x(v: float) -> float:
        return left + v / high * plot_w

    plot_bottom = top + row_h * len(rows)
    grid = [{"x": _n(x(t)), "y1": _n(top), "y2": _n(plot_bottom), "text_y": _n(height - 7), "text": tick_label(t)} for t in ticks]
    bars = []
    fits = int((left - 12) / 6.6)  # characters the label column holds
    for r, ((name, values), total) in enumerate(zip(rows, totals)):
        y0 = top + r * row_h + 5
        parts, start = [], 0.0
        for k, v in enumerate(values):
            v = 0.0 if is_missing(v) else max(float(v), 0.0)
            if v <= 0:
                continue
            title = f"{name} \u00b7 {series[k]}: {value_format(v)}"
            parts.append({"x": _n(x(start)), "width": _n(x(start + v) - x(start)), "fill": colours[k % len(colours)], "title": title})
            start += v
        bars.append(
            {
                "attributes": {row_attribute: name} if row_attribute else {},
                "name": name,
                "shown": name if len(name) <= fits else name[: fits - 1] + "\u2026",
                "label_x": _n(left - 8),
                "text_y": _n(y0 + 8),
                "y": _n(y0),
                "parts": parts,
                "total_x": _n(x(total) + 6),
                "total": value_format(total),
            }
        )
    return _chart("stacked", width, height, label, grid=grid, bars=bars, axis={"x": _n(left), "y1": _n(top), "y2": _n(plot_bottom)})
