"""Charts drawn on the server as SVG: no script, nothing fetched, nothing for
the admin's content security policy to refuse. Every chart sits beside a
table of the same numbers (the table is the accessible version; the chart is
``role="img"`` with a title and a description)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 720, 220
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 12, 28
# Distinguishable for the common kinds of colour blindness (Okabe and Ito's
# palette), and each series also has its own dash pattern.
COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9"]
DASHES = ["", "6 3", "2 3", "8 3 2 3", "1 2", "10 4"]


@dataclass(frozen=True)
class Series:
    label: str
    values: list[float]


def nice_top(value: float) -> float:
    """The smallest 1, 2 or 5 × 10ⁿ at or above ``value`` (at least 1)."""
    if value <= 1:
        return 1
    step = 1
    while step * 10 <= value:
        step *= 10
    for factor in (1, 2, 5, 10):
        if step * factor >= value:
            return step * factor
    return step * 10


def line_chart(title: str, labels: list[str], series: list[Series], describe: str) -> SafeString:
    """Lines over ``labels`` (days, months), a y axis from 0 with four ticks."""
    count = max(len(labels), 1)
    top = nice_top(max((v for s in series for v in s.values), default=0))
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(i):
        return LEFT + (inner_w * i / (count - 1) if count > 1 else inner_w / 2)

    def y(v):
        return TOP + inner_h - inner_h * v / top

    ticks = format_html_join(
        "",
        '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="#ccc" stroke-width="1"/>'
        '<text x="{}" y="{}" text-anchor="end" font-size="11" fill="#333">{}</text>',
        (
            (
                LEFT,
                WIDTH - RIGHT,
                round(y(top * k / 4), 1),
                round(y(top * k / 4), 1),
                LEFT - 6,
                round(y(top * k / 4) + 4, 1),
                _short(top * k / 4),
            )
            for k in range(5)
        ),
    )
    every = max(1, count // 8)
    xlabels = format_html_join(
        "",
        '<text x="{}" y="{}" text-anchor="middle" font-size="11" fill="#333">{}</text>',
        ((round(x(i), 1), HEIGHT - 8, label) for i, label in enumerate(labels) if i % every == 0),
    )
    lines = format_html_join(
        "",
        '<polyline fill="none" stroke="{}" stroke-width="2" stroke-dasharray="{}" points="{}"/>',
        (
            (
                COLOURS[n % len(COLOURS)],
                DASHES[n % len(DASHES)],
                " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(s.values)),
            )
            for n, s in enumerate(series)
        ),
    )
    return _svg(title, describe, mark_safe(ticks + xlabels + lines), series)  # noqa: S308 - built by format_html


def bar_chart(title: str, labels: list[str], series: list[Series], describe: str) -> SafeString:
    """Grouped bars: one group per label, one bar per series."""
    count = max(len(labels), 1)
    top = nice_top(max((v for s in series for v in s.values), default=0))
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    group = inner_w / count
    bar = max(group * 0.8 / max(len(series), 1), 1)
    bars = []
    for n, s in enumerate(series):
        for i, value in enumerate(s.values):
            height = inner_h * value / top
            bars.append(
                (
                    round(LEFT + group * i + group * 0.1 + bar * n, 1),
                    round(TOP + inner_h - height, 1),
                    round(bar, 1),
                    round(height, 1),
                    COLOURS[n % len(COLOURS)],
                )
            )
    body = format_html_join(
        "", '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>', bars
    ) + format_html_join(
        "",
        '<text x="{}" y="{}" text-anchor="end" font-size="11" fill="#333">{}</text>',
        (
            (LEFT - 6, round(TOP + inner_h - inner_h * k / 4 + 4, 1), _short(top * k / 4))
            for k in range(5)
        ),
    )
    every = max(1, count // 8)
    body += format_html_join(
        "",
        '<text x="{}" y="{}" text-anchor="middle" font-size="11" fill="#333">{}</text>',
        (
            (round(LEFT + group * (i + 0.5), 1), HEIGHT - 8, label)
            for i, label in enumerate(labels)
            if i % every == 0
        ),
    )
    return _svg(title, describe, mark_safe(body), series)  # noqa: S308 - built by format_html


def _svg(title, describe, body, series) -> SafeString:
    legend = format_html_join(
        "",
        '<li><svg width="24" height="10" aria-hidden="true"><line x1="0" x2="24" y1="5" y2="5" '
        'stroke="{}" stroke-width="3" stroke-dasharray="{}"/></svg> {}</li>',
        (
            (COLOURS[n % len(COLOURS)], DASHES[n % len(DASHES)], s.label)
            for n, s in enumerate(series)
        ),
    )
    return format_html(
        '<figure class="insights-chart">'
        '<svg viewBox="0 0 {} {}" width="100%" role="img" aria-label="{}">'
        "<title>{}</title><desc>{}</desc>{}</svg>"
        '<figcaption><ul class="insights-legend">{}</ul></figcaption></figure>',
        WIDTH,
        HEIGHT,
        title,
        title,
        describe,
        body,
        legend,
    )


def _short(value: float) -> str:
    if value >= 1_000_000:
        return f"{value / 1_000_000:g}M"
    if value >= 1000:
        return f"{value / 1000:g}k"
    return f"{value:g}"
