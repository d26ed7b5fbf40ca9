"""Figures of the home page in words: durations, rates and latencies."""

from __future__ import annotations

from datetime import timedelta

from django import template

register = template.Library()


@register.filter
def duration(value: timedelta | None) -> str:
    """``3 天 4 小时``, ``2 小时 5 分钟``, ``12 分钟``, ``不足 1 分钟``."""
    if value is None:
        return "—"
    minutes = max(int(value.total_seconds() // 60), 0)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} 天 {hours} 小时" if hours else f"{days} 天"
    if hours:
        return f"{hours} 小时 {minutes} 分钟" if minutes else f"{hours} 小时"
    return f"{minutes} 分钟" if minutes else "不足 1 分钟"


@register.filter
def rate(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


@register.filter
def milliseconds(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:,.0f} ms" if value >= 10 else f"{value:.1f} ms"


@register.filter
def percentile(values: dict, key: int) -> float | None:
    return (values or {}).get(key)
