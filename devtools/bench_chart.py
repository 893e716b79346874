"""The bench figures as an SVG bar chart (no plotting library: a few rectangles and labels).

Two panels: the first Dataview page's median and p95 against the 50 ms target, for each
viewer at each network size; and the same first page at selector level, ours against
guardian's generic tables.
"""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

WIDTH = 760
LABEL_W = 250
BAR_H = 16
GAP = 6
TARGET_MS = 50.0
OURS, NAIVE, P95, P95_LIGHT = "#1f6feb", "#9ca3af", "#0f766e", "#99d5cf"


def _rows(data: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    rows = []
    for label in ("small", "large"):
        if label not in data:
            continue
        for viewer in data[label]["viewers"].values():
            rows.append((f"{label}: sees {viewer['visible']:,} profiles", viewer))
    return rows


def _bar(y: float, value: float, scale: float, colour: str, text: str) -> str:
    width = max(value * scale, 1.0)
    bar = f'<rect x="{LABEL_W}" y="{y:.1f}" width="{width:.1f}" height="{BAR_H}" fill="{colour}"/>'
    if not text:
        return bar
    return (
        bar + f'<text x="{LABEL_W + width + 6:.1f}" y="{y + BAR_H - 4:.1f}">{escape(text)}</text>'
    )


def bench_chart_svg(data: dict[str, Any]) -> str:
    rows = _rows(data)
    plot_w = WIDTH - LABEL_W - 140
    parts: list[str] = []
    y = 30.0

    parts.append(
        f'<text x="10" y="{y - 10}" class="h">First Dataview page (ms): median, and p95 behind it'
        "</text>"
    )
    p95_max = max([TARGET_MS] + [v["pages"]["first page"]["p95_ms"] for _, v in rows])
    scale = plot_w / p95_max
    top = y
    bars: list[str] = []
    for label, viewer in rows:
        first = viewer["pages"]["first page"]
        bars.append(f'<text x="10" y="{y + BAR_H - 4}">{escape(label)}</text>')
        bars.append(_bar(y, first["p95_ms"], scale, P95_LIGHT, ""))
        bars.append(
            _bar(y, first["median_ms"], scale, P95, "")
            + f'<text x="{LABEL_W + first["p95_ms"] * scale + 6:.1f}" y="{y + BAR_H - 4:.1f}">'
            f"{first['median_ms']:g} · p95 {first['p95_ms']:g}</text>"
        )
        y += BAR_H + GAP
    target_x = LABEL_W + TARGET_MS * scale
    # The target line first, so bars and labels are drawn over it.
    parts.append(
        f'<line x1="{target_x:.1f}" y1="{top - 4}" x2="{target_x:.1f}" y2="{y}" '
        'stroke="#b91c1c" stroke-dasharray="4 3"/>'
        f'<text x="{target_x + 4:.1f}" y="{top - 6}" fill="#b91c1c">'
        f"p95 target {TARGET_MS:.0f} ms</text>"
    )
    parts.extend(bars)

    y += 34
    parts.append(
        f'<text x="10" y="{y - 10}" class="h">First page at selector level, median (ms): '
        "ours against guardian's generic tables</text>"
    )
    naive_max = max(v["baseline"]["naive_median_ms"] for _, v in rows)
    scale = plot_w / naive_max
    for label, viewer in rows:
        base = viewer["baseline"]
        parts.append(f'<text x="10" y="{y + BAR_H - 4}">{escape(label)}</text>')
        parts.append(_bar(y, base["ours_median_ms"], scale, OURS, f"{base['ours_median_ms']:g}"))
        y += BAR_H + 2
        parts.append(
            _bar(
                y,
                base["naive_median_ms"],
                scale,
                NAIVE,
                f"{base['naive_median_ms']:g} ({base['naive_over_ours']:g}x)",
            )
        )
        y += BAR_H + GAP + 4
    parts.append(
        f'<rect x="{LABEL_W}" y="{y + 4}" width="12" height="12" fill="{OURS}"/>'
        f'<text x="{LABEL_W + 18}" y="{y + 14}">ours (direct-FK permission rows)</text>'
        f'<rect x="{LABEL_W + 260}" y="{y + 4}" width="12" height="12" fill="{NAIVE}"/>'
        f'<text x="{LABEL_W + 278}" y="{y + 14}">get_objects_for_user, generic tables</text>'
    )
    height = y + 30
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height:.0f}" '
        f'viewBox="0 0 {WIDTH} {height:.0f}" font-family="sans-serif" font-size="12">'
        "<style>.h{font-weight:bold;font-size:13px}</style>"
        f'<rect width="{WIDTH}" height="{height:.0f}" fill="white"/>' + "".join(parts) + "</svg>\n"
    )
