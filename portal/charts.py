"""Bar charts drawn on the server as inline SVG: no script, no third-party code.

``bar_chart`` only computes the geometry; ``portal/_charts.html`` draws it with a title and a
description for assistive technologies, and the statistics pages always show the same figures as a
table next to the chart.
"""

from __future__ import annotations

import math

WIDTH = 720
HEIGHT = 260
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 12, 40
# Distinguishable colours, each at least 3:1 against the white background (non-text contrast).
COLOURS = ("#000091", "#b34000", "#18753c")


def nice_ceiling(value: int) -> int:
    """The smallest round number (1, 2 or 5 times a power of ten) at or above ``value``."""
    if value <= 0:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if step * power >= value:
            return step * power
    return 10 * power  # pragma: no cover - the loop always returns


def bar_chart(rows: list[dict], series: list[tuple[str, str]], labels: list[str], *, label_every: int = 1):
    """Grouped bars: one group per row (``labels`` under them), one bar per ``(key, name)`` series."""
    top = nice_ceiling(max((row[key] for row in rows for key, _name in series), default=0))
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = HEIGHT - TOP - BOTTOM
    group = plot_width / max(len(rows), 1)
    bar = group * 0.8 / len(series)
    bars = []
    for index, row in enumerate(rows):
        for number, (key, name) in enumerate(series):
            height = plot_height * row[key] / top
            bars.append(
                {
                    "x": round(LEFT + index * group + group * 0.1 + number * bar, 1),
                    "y": round(TOP + plot_height - height, 1),
                    "width": round(max(bar - 1, 1), 1),
                    "height": round(height, 1),
                    "colour": COLOURS[number % len(COLOURS)],
                    "title": f"{labels[index]}, {name}: {row[key]}",
                }
            )
    step = nice_ceiling(math.ceil(top / 5))  # whole, round steps: 0 1 2, 0 2 4 … 10, 0 5 … 20
    ticks = [
        {"value": value, "y": round(TOP + plot_height - plot_height * value / top, 1)}
        for value in range(0, top + 1, step)
    ]
    x_labels = [
        {"text": text, "x": round(LEFT + index * group + group / 2, 1)}
        for index, text in enumerate(labels)
        if (len(labels) - 1 - index) % label_every == 0  # counted from the latest, which is always labelled
    ]
    legend = [
        {"name": name, "colour": COLOURS[number % len(COLOURS)]} for number, (_key, name) in enumerate(series)
    ]
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "baseline": TOP + plot_height,
        "label_y": HEIGHT - BOTTOM + 18,
        "bars": bars,
        "ticks": ticks,
        "x_labels": x_labels,
        "legend": legend,
    }
