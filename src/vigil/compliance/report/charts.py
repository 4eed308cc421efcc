"""Charts for the PDF as inline SVG: vector, no plotting library, nothing uploaded anywhere.

WeasyPrint renders SVG natively, so a chart is a small pure function from
numbers to markup; it stays sharp when printed and adds no dependency.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

FONT = "DejaVu Sans, sans-serif"
INK = "#1f2937"
MUTED = "#6b7280"
BAR = "#2f5d8a"
GRID = "#d1d5db"


@dataclass(frozen=True)
class Bar:
    """One horizontal bar: a label, a value and an optional interval."""

    label: str
    value: float | None
    low: float | None = None
    high: float | None = None
    note: str = ""


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _blend(share: float) -> str:
    """White -> dark blue as ``share`` goes 0 -> 1."""
    share = min(max(share, 0.0), 1.0)
    start, end = (255, 255, 255), (31, 72, 122)
    r, g, b = (round(s + (e - s) * share) for s, e in zip(start, end, strict=True))
    return f"#{r:02x}{g:02x}{b:02x}"


def confusion_heatmap(labels: Sequence[str], matrix: Sequence[Sequence[int]], label_width: int = 22) -> str:
    """Confusion matrix with cells shaded by the share of each true class (row-normalised)."""
    n = len(labels)
    cell = 34 if n <= 10 else max(16, 340 // max(n, 1))
    left, top = 8 + 6.2 * label_width, 8 + 6.2 * label_width
    size = n * cell
    # Column labels run up and to the right at 60 degrees: the last one must fit inside the drawing.
    overhang = max((0.5 * 6.2 * len(_clip(label, label_width)) for label in labels[-3:]), default=0.0)
    width, height = left + size + max(12.0, overhang + 8 - cell / 2), top + size + 10
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" font-family="{FONT}" font-size="9">'
    ]
    for i, row in enumerate(matrix):
        total = sum(row) or 1
        y = top + i * cell
        parts.append(
            f'<text x="{left - 6}" y="{y + cell / 2 + 3}" text-anchor="end" fill="{INK}">'
            f"{escape(_clip(labels[i], label_width))}</text>"
        )
        for j, count in enumerate(row):
            share = count / total
            x = left + j * cell
            ink = "#ffffff" if share > 0.55 else INK
            weight = ' font-weight="bold"' if i == j else ""
            parts.append(
                f'<rect x="{x}" y="{y}" width="{cell}" height="{cell}" fill="{_blend(share)}" stroke="{GRID}" '
                f'stroke-width="0.5"/><text x="{x + cell / 2}" y="{y + cell / 2 + 3}" text-anchor="middle" '
                f'fill="{ink}"{weight}>{count}</text>'
            )
    for j, label in enumerate(labels):
        x = left + j * cell + cell / 2 + 3
        parts.append(
            f'<text x="{x}" y="{top - 6}" transform="rotate(-60 {x} {top - 6})" fill="{INK}">'
            f"{escape(_clip(label, label_width))}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def bar_chart(
    bars: Sequence[Bar],
    *,
    domain: tuple[float, float] = (0.0, 1.0),
    label_width: int = 26,
    bar_height: int = 14,
    plot_width: int = 260,
    reference: float | None = None,
) -> str:
    """Horizontal bars with interval whiskers; values printed at the right."""
    lo, hi = domain
    span = (hi - lo) or 1.0
    left = 8 + 6.0 * label_width
    top = 6
    height = top + len(bars) * (bar_height + 6) + 22
    width = left + plot_width + 70

    def x_of(value: float) -> float:
        return left + (min(max(value, lo), hi) - lo) / span * plot_width

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" font-family="{FONT}" font-size="10">'
    ]
    for tick in range(5):
        value = lo + span * tick / 4
        x = x_of(value)
        parts.append(
            f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{height - 18}" stroke="{GRID}" stroke-width="0.5"/>'
            f'<text x="{x:.1f}" y="{height - 6}" text-anchor="middle" fill="{MUTED}">{value:.2f}</text>'
        )
    if reference is not None:
        x = x_of(reference)
        parts.append(
            f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{height - 18}" stroke="#b45309" '
            'stroke-width="1" stroke-dasharray="3,2"/>'
        )
    for index, bar in enumerate(bars):
        y = top + index * (bar_height + 6)
        parts.append(
            f'<text x="{left - 6}" y="{y + bar_height - 3}" text-anchor="end" fill="{INK}">'
            f"{escape(_clip(bar.label, label_width))}</text>"
        )
        if bar.value is None:
            parts.append(
                f'<text x="{left + 4}" y="{y + bar_height - 3}" fill="{MUTED}">{escape(bar.note or "n/a")}</text>'
            )
            continue
        parts.append(
            f'<rect x="{left}" y="{y}" width="{max(x_of(bar.value) - left, 0.5):.1f}" height="{bar_height}" '
            f'fill="{BAR}" fill-opacity="0.85"/>'
        )
        if bar.low is not None and bar.high is not None:
            x1, x2, mid = x_of(bar.low), x_of(bar.high), y + bar_height / 2
            parts.append(
                f'<line x1="{x1:.1f}" y1="{mid}" x2="{x2:.1f}" y2="{mid}" stroke="{INK}" stroke-width="1"/>'
                f'<line x1="{x1:.1f}" y1="{mid - 4}" x2="{x1:.1f}" y2="{mid + 4}" stroke="{INK}" stroke-width="1"/>'
                f'<line x1="{x2:.1f}" y1="{mid - 4}" x2="{x2:.1f}" y2="{mid + 4}" stroke="{INK}" stroke-width="1"/>'
            )
        parts.append(
            f'<text x="{left + plot_width + 6}" y="{y + bar_height - 3}" fill="{INK}">{bar.value:.3f}'
            f"{escape(' ' + bar.note) if bar.note else ''}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
