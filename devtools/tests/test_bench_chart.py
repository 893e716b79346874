"""The bench chart draws the figures it is given, to scale."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from devtools.bench_chart import bench_chart_svg

SVG = "{http://www.w3.org/2000/svg}"


def viewer(visible: int, median: float, p95: float, ours: float, naive: float) -> dict:
    return {
        "visible": visible,
        "pages": {"first page": {"median_ms": median, "p95_ms": p95, "queries": 13}},
        "baseline": {
            "ours_median_ms": ours,
            "naive_median_ms": naive,
            "naive_over_ours": round(naive / ours, 1),
        },
    }


def test_chart_shows_each_viewer_to_scale_with_the_target() -> None:
    data = {
        "large": {
            "viewers": {
                "mid": viewer(16_841, 50.0, 80.0, 30.0, 60.0),
                "hub": viewer(96_187, 60.0, 200.0, 40.0, 240.0),
            }
        }
    }
    svg = ET.fromstring(bench_chart_svg(data))  # noqa: S314 - our own output, not untrusted
    texts = [t.text or "" for t in svg.iter(f"{SVG}text")]
    assert "large: sees 96,187 profiles" in texts and "p95 target 50 ms" in texts
    assert "60 · p95 200" in texts and "240 (6x)" in texts
    widths = {}
    for rect in svg.iter(f"{SVG}rect"):
        widths.setdefault(rect.get("fill"), []).append(float(rect.get("width") or 0))
    # p95 bars: 80 and 200 ms, so the second is 2.5 times the first.
    p95_light = widths["#99d5cf"]
    assert abs(p95_light[1] / p95_light[0] - 2.5) < 0.01
    # Selector level: generic tables 240 ms against ours 40 ms.
    ours, naive = widths["#1f6feb"][:2], widths["#9ca3af"][:2]
    assert abs(naive[1] / ours[1] - 6.0) < 0.01
