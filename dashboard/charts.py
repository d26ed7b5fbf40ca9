"""Charts drawn on the server as inline SVG: no script, nothing fetched at run time.

Each function takes figures already computed (``dashboard.metrics``) and returns safe markup
that scales to its container (``viewBox``, width 100%), with a ``<title>`` on every mark so the
exact figure shows on hover, and a caption for screen readers.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

#: One colour per region, in the parties' table order; more parties reuse them.
PALETTE = ("#1565c0", "#2e7d32", "#ef6c00", "#6a1b9a", "#00838f", "#ad1457")
PERCENTILE_COLOURS = {50: "#90caf9", 95: "#1e88e5", 99: "#0d47a1"}

WIDTH = 720
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 26, 40


def _nice_max(value: float) -> float:
    """A round upper bound for an axis (1, 2, 5 × 10^n) at or above ``value``."""
    if value <= 0:
        return 1.0
    step = 1.0
    while step * 10 <= value:
        step *= 10
    for factor in (1, 2, 5, 10):
        if step * factor >= value:
            return step * factor
    return step * 10


def _f(value: float) -> str:
    """A coordinate, formatted before ``format_html`` (which escapes its arguments into text)."""
    return f"{value:.1f}"


def _number(value: float) -> str:
    return f"{value:,.0f}" if value >= 10 else f"{value:.1f}".rstrip("0").rstrip(".")


def _svg(height: int, label: str, body: list[str]) -> SafeString:
    return mark_safe(  # noqa: S308 - every piece is built with format_html or escape
        f'<svg class="dashboard-chart" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" '
        f'aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg">' + "".join(body) + "</svg>"
    )


def _y_axis(top: float, bottom: float, maximum: float, unit: str) -> list[str]:
    parts = []
    for i in range(5):
        value = maximum * i / 4
        y = bottom - (bottom - top) * i / 4
        parts.append(
            format_html(
                '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="#e0e0e0"/>'
                '<text x="{}" y="{}" font-size="11" text-anchor="end" fill="#555">{}{}</text>',
                LEFT,
                WIDTH - RIGHT,
                _f(y),
                _f(y),
                LEFT - 6,
                _f(y + 4),
                _number(value),
                unit,
            )
        )
    return parts


def hourly_lines(
    hours: Sequence[datetime], series: Sequence[tuple[str, Sequence[int]]], *, label: str
) -> SafeString:
    """One line per region over the hours (calls per hour); the legend names the regions."""
    height = 260
    bottom = height - BOTTOM
    maximum = _nice_max(max((v for _, values in series for v in values), default=0))
    span = max(len(hours) - 1, 1)
    step = (WIDTH - LEFT - RIGHT) / span
    body = _y_axis(TOP, bottom, maximum, "")
    for i, hour in enumerate(hours):
        if i % 3 == 0 or i == len(hours) - 1:
            body.append(
                format_html(
                    '<text x="{}" y="{}" font-size="11" text-anchor="middle" fill="#555">{}</text>',
                    _f(LEFT + i * step),
                    bottom + 16,
                    hour.strftime("%H时"),
                )
            )
    for index, (name, values) in enumerate(series):
        colour = PALETTE[index % len(PALETTE)]
        points = " ".join(
            f"{LEFT + i * step:.1f},{bottom - (bottom - TOP) * v / maximum:.1f}" for i, v in enumerate(values)
        )
        body.append(
            format_html(
                '<polyline fill="none" stroke="{}" stroke-width="2" stroke-opacity="0.8" points="{}"/>',
                colour,
                points,
            )
        )
        for i, value in enumerate(values):
            body.append(
                format_html(
                    '<circle cx="{}" cy="{}" r="2.5" fill="{}"><title>{} {}：{} 次</title></circle>',
                    _f(LEFT + i * step),
                    _f(bottom - (bottom - TOP) * value / maximum),
                    colour,
                    name,
                    hours[i].strftime("%m-%d %H:00"),
                    value,
                )
            )
        body.append(
            format_html(
                '<rect x="{}" y="{}" width="12" height="12" fill="{}"/>'
                '<text x="{}" y="{}" font-size="12" fill="#333">{}</text>',
                LEFT + index * 110,
                height - 14,
                colour,
                LEFT + index * 110 + 16,
                height - 3,
                name,
            )
        )
    return _svg(height, label, body)


def grouped_bars(
    groups: Sequence[tuple[str, dict[int, float | None]]],
    *,
    keys: Sequence[int],
    label: str,
    unit: str = "ms",
) -> SafeString:
    """Vertical bars, one group per region and one bar per key (latency percentiles)."""
    height = 260
    bottom = height - BOTTOM
    maximum = _nice_max(max((v for _, values in groups for v in values.values() if v is not None), default=0))
    body = _y_axis(TOP, bottom, maximum, "")
    slot = (WIDTH - LEFT - RIGHT) / max(len(groups), 1)
    bar = min(36.0, slot / (len(keys) + 1))
    for g, (name, values) in enumerate(groups):
        x0 = LEFT + g * slot + (slot - bar * len(keys)) / 2
        for k, key in enumerate(keys):
            value = values.get(key)
            if value is None:
                continue
            top = bottom - (bottom - TOP) * value / maximum
            body.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="{}">'
                    "<title>{} p{}：{} {}</title></rect>",
                    _f(x0 + k * bar),
                    _f(top),
                    _f(bar - 2),
                    _f(bottom - top),
                    PERCENTILE_COLOURS.get(key, "#1e88e5"),
                    name,
                    key,
                    _number(value),
                    unit,
                )
            )
        body.append(
            format_html(
                '<text x="{}" y="{}" font-size="12" text-anchor="middle" fill="#333">{}</text>',
                _f(LEFT + g * slot + slot / 2),
                bottom + 16,
                name,
            )
        )
    for k, key in enumerate(keys):
        body.append(
            format_html(
                '<rect x="{}" y="{}" width="12" height="12" fill="{}"/>'
                '<text x="{}" y="{}" font-size="12" fill="#333">p{}</text>',
                LEFT + k * 70,
                height - 14,
                PERCENTILE_COLOURS.get(key, "#1e88e5"),
                LEFT + k * 70 + 16,
                height - 3,
                key,
            )
        )
    body.append(
        format_html(
            '<text x="{}" y="12" font-size="11" text-anchor="end" fill="#555">{}</text>', LEFT - 6, unit
        )
    )
    return _svg(height, label, body)


def horizontal_bars(rows: Sequence[tuple[str, int]], *, label: str, unit: str = "次") -> SafeString:
    """One bar per row with its label on the left (refusals by status code)."""
    line = 26
    label_width = 300
    height = TOP + line * max(len(rows), 1) + 8
    maximum = _nice_max(max((v for _, v in rows), default=0))
    span = WIDTH - label_width - RIGHT - 60
    body = []
    for i, (name, value) in enumerate(rows):
        y = TOP + i * line
        width = span * value / maximum
        short = name if len(name) <= 24 else name[:23] + "…"
        body.append(
            format_html(
                '<text x="{}" y="{}" font-size="12" text-anchor="end" fill="#333"><title>{}</title>{}</text>'
                '<rect x="{}" y="{}" width="{}" height="{}" fill="#c62828"><title>{}：{} {}</title></rect>'
                '<text x="{}" y="{}" font-size="12" fill="#333">{}</text>',
                label_width - 8,
                y + 15,
                name,
                short,
                label_width,
                y + 3,
                _f(width),
                line - 8,
                name,
                value,
                unit,
                _f(label_width + width + 6),
                y + 15,
                value,
            )
        )
    if not rows:
        body.append(
            format_html('<text x="{}" y="{}" font-size="12" fill="#555">{}</text>', LEFT, TOP + 14, "无")
        )
    return _svg(height, label, body)
