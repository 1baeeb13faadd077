"""Draw a chart result as SVG in the Making Data Count style; plain text out, no web or database."""

import math
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from xml.sax.saxutils import escape

from app.spc import Assurance, ChartResult, PointResult, PointType, VariationIcon

WIDTH, HEIGHT = 860, 440
LEFT, RIGHT, TOP, BOTTOM = 64, 150, 64, 56

# NHS England "Making Data Count" palette.
GREY = "#7b7d7d"
ORANGE = "#fab428"
BLUE = "#289de0"
PURPLE = "#361475"
RED = "#de1b1b"
INK = "#231f20"

POINT_COLOURS = {
    PointType.COMMON_CAUSE: GREY,
    PointType.SPECIAL_CAUSE_IMPROVEMENT: BLUE,
    PointType.SPECIAL_CAUSE_CONCERN: ORANGE,
    PointType.SPECIAL_CAUSE_NEUTRAL_HIGH: PURPLE,
    PointType.SPECIAL_CAUSE_NEUTRAL_LOW: PURPLE,
}

# Icon: colour, letter and the text a screen reader gets.
VARIATION_ICONS = {
    VariationIcon.COMMON_CAUSE: (GREY, "~", "Common cause variation"),
    VariationIcon.IMPROVEMENT_HIGH: (BLUE, "H", "Special cause improvement, high"),
    VariationIcon.IMPROVEMENT_LOW: (BLUE, "L", "Special cause improvement, low"),
    VariationIcon.CONCERN_HIGH: (ORANGE, "H", "Special cause concern, high"),
    VariationIcon.CONCERN_LOW: (ORANGE, "L", "Special cause concern, low"),
    VariationIcon.NEUTRAL_HIGH: (PURPLE, "H", "Special cause, neither better nor worse, high"),
    VariationIcon.NEUTRAL_LOW: (PURPLE, "L", "Special cause, neither better nor worse, low"),
}
ASSURANCE_ICONS = {
    Assurance.CONSISTENT_PASS: (BLUE, "P", "Consistently passes the target"),
    Assurance.CONSISTENT_FAIL: (ORANGE, "F", "Consistently fails the target"),
    Assurance.INCONSISTENT: (GREY, "?", "Hits and misses the target"),
}


@dataclass(frozen=True)
class Labels:
    title: str
    subtitle: str = ""
    unit: str | None = None
    target: float | None = None
    annotations: tuple[tuple[date, str], ...] = ()  # (date, text), in date order
    rebases: tuple[tuple[date, str | None], ...] = ()  # (first date of a period, reason)


# Text widths are estimated (the SVG is drawn by the viewer, not here): an average Arial
# character is about 0.55 em wide, which keeps estimated lines inside their space.
CHAR_EM = 0.55
NOTE_FONT, NOTE_LINE, NOTE_GAP, NOTE_MAX_LINES = 12, 16, 6, 3
BREAK_FONT = 10
MARKER_R = 8
LEGEND_TOP = 32  # from the chart's foot to the legend's first row


def render_svg(chart: ChartResult, labels: Labels) -> str:
    points = chart.points
    scale = _Scale(points, labels.target)
    notes = _numbered_notes(points, labels)
    breaks = _break_labels(scale, points, labels.rebases)
    legend_rows = _legend_rows(notes, breaks)
    height = HEIGHT + (LEGEND_TOP + _rows_height(legend_rows) + 10 if legend_rows else 0)
    heading = labels.title or "XmR chart"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" role="img" font-family="Arial, Helvetica, sans-serif">',
        f"<title>{escape(heading)}</title>",
        f'<rect width="{WIDTH}" height="{height}" fill="#ffffff"/>',
        f'<text x="{LEFT}" y="28" font-size="17" font-weight="bold" fill="{INK}">'
        f"{escape(_cut(heading, WIDTH - LEFT - 130, 17))}</text>",
        f'<text x="{LEFT}" y="48" font-size="12" fill="{GREY}">'
        f"{escape(_cut(labels.subtitle, WIDTH - LEFT - 130, 12))}</text>",
        *_axes(scale, points, labels.unit),
        *_period_lines(scale, points),
        *_breaks(breaks),
    ]
    if not points:
        parts.append(
            f'<text x="{(LEFT + WIDTH - RIGHT) / 2}" y="{(TOP + HEIGHT - BOTTOM) / 2}" '
            f'font-size="14" text-anchor="middle" fill="{GREY}">No points to chart</text>'
        )
    legend = _last_lines(scale, points)
    if labels.target is not None:
        y = scale.y(labels.target)
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="{RED}" stroke-width="1.5" stroke-dasharray="8 4"/>'
        )
        legend.append((y, "target", RED))
    parts += _legend(legend)
    parts += _data(scale, points)
    parts += _markers(scale, points, notes)
    parts += _notes_legend(legend_rows)
    parts += _icons(chart)
    parts.append("</svg>")
    return "\n".join(parts)


def _cut(text: str, width: float, font_size: float) -> str:
    """The text, cut with an ellipsis where it would run past `width` pixels."""
    fits = max(1, int(width / (font_size * CHAR_EM)))
    return text if len(text) <= fits else text[: fits - 1].rstrip() + "\u2026"


def _wrap(text: str, width: float, font_size: float, max_lines: int) -> list[str]:
    """Word-wrapped lines of at most `width` pixels; the last kept line ends in an ellipsis
    when the text needs more than `max_lines`."""
    fits = max(1, int(width / (font_size * CHAR_EM)))
    lines: list[str] = []
    line = ""
    for whole in text.split():
        word = whole
        while len(word) > fits:  # a word longer than a line (a URL) is split
            if line:
                lines.append(line)
                line = ""
            lines.append(word[:fits])
            word = word[fits:]
        candidate = f"{line} {word}" if line else word
        if len(candidate) <= fits:
            line = candidate
        else:
            lines.append(line)
            line = word
    if line:
        lines.append(line)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = _cut(lines[-1] + " \u2026", width, font_size)
        if not lines[-1].endswith("\u2026"):
            lines[-1] = lines[-1][:-1] + "\u2026"
    return lines or [""]


Note = tuple[int, int, str]  # marker number, point index, text


def _numbered_notes(points: Sequence[PointResult], labels: Labels) -> list[Note]:
    """Annotations numbered 1, 2, 3 ... in date order, each on the point whose period holds
    its date (the last point starting on or before it); one before the first point has none."""
    starts = [point.date for point in points]
    notes = []
    for on, note in sorted(labels.annotations, key=lambda annotation: annotation[0]):
        i = bisect_right(starts, on) - 1
        if i >= 0 and note:
            notes.append((i, note))
    return [(number, i, text) for number, (i, text) in enumerate(notes, start=1)]


LegendRow = tuple[str, list[str]]  # the row's marker text and its wrapped lines


def _legend_rows(notes: list[Note], breaks: list["Break"]) -> list[LegendRow]:
    """A row per note, then one per period break whose label had to be cut at the break."""
    width = WIDTH - LEFT - 2 * MARKER_R - 24
    rows = [
        (str(number), _wrap(text, width, NOTE_FONT, NOTE_MAX_LINES)) for number, _, text in notes
    ]
    rows += [
        ("", _wrap(label, width, NOTE_FONT, NOTE_MAX_LINES))
        for _, label, shown in breaks
        if shown != label
    ]
    return rows


def _rows_height(rows: list[LegendRow]) -> int:
    return sum(len(lines) * NOTE_LINE + NOTE_GAP for _, lines in rows)


def _marker(cx: float, cy: float, number: str) -> str:
    return (
        f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{MARKER_R}" fill="{INK}" stroke="#ffffff"/>'
        f'<text x="{cx:.1f}" y="{cy + 3.5:.1f}" font-size="10" font-weight="bold" '
        f'text-anchor="middle" fill="#ffffff">{escape(number)}</text>'
    )


def _markers(scale: "_Scale", points: Sequence[PointResult], notes: list[Note]) -> list[str]:
    """A numbered marker on a stalk above each annotated point, or as close above or below
    it as it can go without covering another marker (notes on neighbouring points)."""
    parts = []
    placed: list[tuple[float, float]] = []
    step = 2 * MARKER_R + 2
    for number, i, text in notes:
        point = points[i]
        x = scale.x(i)
        anchor = point.value if point.value is not None else point.centre
        y = scale.y(anchor) if anchor is not None else HEIGHT - BOTTOM - MARKER_R
        heights = [y - k * step for k in range(1, 8)] + [y + k * step for k in range(1, 8)]
        inside = [cy for cy in heights if TOP <= cy <= HEIGHT - BOTTOM - MARKER_R]
        free = [
            cy
            for cy in inside
            if all(abs(px - x) >= step or abs(py - cy) >= step for px, py in placed)
        ]
        cy = (free or inside or heights)[0]
        placed.append((x, cy))
        parts.append(
            f"<g><title>{escape(f'{number}. {point.date.isoformat()}: {text}')}</title>"
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y:.1f}" y2="{cy:.1f}" stroke="{INK}" '
            f'stroke-width="1"/>{_marker(x, cy, str(number))}</g>'
        )
    return parts


def _notes_legend(rows: list[LegendRow]) -> list[str]:
    """The annotations' texts below the chart, each beside its marker's number."""
    if not rows:
        return []
    top = HEIGHT + 4  # the rule above the legend
    parts = [
        f'<line x1="{LEFT}" x2="{WIDTH - 24}" y1="{top}" y2="{top}" stroke="#e8edee"/>',
        f'<text x="{LEFT}" y="{top + 18}" font-size="12" font-weight="bold" fill="{INK}">'
        "Notes</text>",
    ]
    y = HEIGHT + LEGEND_TOP
    for number, lines in rows:
        if number:
            parts.append(_marker(LEFT + MARKER_R, y + MARKER_R, number))
        else:  # a period break's reason, beside a short piece of the break's dotted line
            parts.append(
                f'<line x1="{LEFT + MARKER_R}" x2="{LEFT + MARKER_R}" y1="{y}" '
                f'y2="{y + 2 * MARKER_R}" stroke="{INK}" stroke-width="1.5" '
                'stroke-dasharray="2 2"/>'
            )
        for k, line in enumerate(lines):
            parts.append(
                f'<text x="{LEFT + 2 * MARKER_R + 8}" y="{y + 12 + k * NOTE_LINE}" '
                f'font-size="{NOTE_FONT}" fill="{INK}">{escape(line)}</text>'
            )
        y += len(lines) * NOTE_LINE + NOTE_GAP
    return parts


Break = tuple[float, str, str]  # x of the line, the whole label, the label as it fits


def _break_labels(
    scale: "_Scale", points: Sequence[PointResult], rebases: tuple[tuple[date, str | None], ...]
) -> list[Break]:
    """Where each period after the first begins and its label, cut to the space before the
    next break (the legend then holds it whole)."""
    starts = [i for i in range(1, len(points)) if points[i].period != points[i - 1].period]
    reasons = dict(rebases)
    xs = [(scale.x(i - 1) + scale.x(i)) / 2 for i in starts]
    breaks = []
    for k, (i, x) in enumerate(zip(starts, xs, strict=True)):
        reason = reasons.get(points[i].date) or ""
        room = (xs[k + 1] if k + 1 < len(xs) else WIDTH - RIGHT) - x - 8
        label = f"From {_date_label(points[i].date)}" + (f": {reason}" if reason else "")
        # Too little room for a word: leave the break unlabelled and the legend names it.
        shown = _cut(label, room, BREAK_FONT) if room >= 6 * BREAK_FONT else ""
        breaks.append((x, label, shown))
    return breaks


def _breaks(breaks: list[Break]) -> list[str]:
    """A dotted vertical line at each period break, labelled at the top of the plot."""
    return [
        f"<g><title>{escape(label)}</title>"
        f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{TOP - 6}" y2="{HEIGHT - BOTTOM}" '
        f'stroke="{INK}" stroke-width="1" stroke-dasharray="2 3"/>'
        f'<text x="{x + 4:.1f}" y="{TOP + 4}" font-size="{BREAK_FONT}" fill="{INK}">'
        f"{escape(shown)}</text></g>"
        for x, label, shown in breaks
    ]


class _Scale:
    def __init__(self, points: Sequence[PointResult], target: float | None) -> None:
        values = [
            v
            for p in points
            for v in (p.value, p.lower_limit, p.upper_limit, p.centre)
            if v is not None and math.isfinite(v)
        ]
        if target is not None:
            values.append(target)
        low, high = (min(values), max(values)) if values else (0.0, 1.0)
        pad = (high - low) * 0.08 or abs(high) * 0.1 or 1.0
        self.low, self.high = low - pad, high + pad
        self.count = len(points)

    def x(self, index: int) -> float:
        span = WIDTH - LEFT - RIGHT
        return LEFT + (span * index / (self.count - 1) if self.count > 1 else span / 2)

    def y(self, value: float) -> float:
        span = HEIGHT - TOP - BOTTOM
        return TOP + span * (self.high - value) / (self.high - self.low)


def _nice_step(span: float) -> float:
    raw = span / 5
    magnitude = 10.0 ** math.floor(math.log10(raw))
    return next(m * magnitude for m in (1.0, 2.0, 2.5, 5.0, 10.0) if m * magnitude >= raw)


def _format(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.3g}"


def _axes(scale: _Scale, points: Sequence[PointResult], unit: str | None) -> list[str]:
    parts = []
    step = _nice_step(scale.high - scale.low)
    tick = math.ceil(scale.low / step) * step
    while tick <= scale.high:
        y = scale.y(tick)
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e8edee"/>'
        )
        parts.append(
            f'<text x="{LEFT - 8}" y="{y + 4:.1f}" font-size="11" text-anchor="end" '
            f'fill="{INK}">{escape(_format(tick))}</text>'
        )
        tick += step
    if unit:
        parts.append(
            f'<text x="16" y="{TOP + (HEIGHT - TOP - BOTTOM) / 2:.0f}" font-size="11" '
            f'fill="{INK}" transform="rotate(-90 16 {TOP + (HEIGHT - TOP - BOTTOM) / 2:.0f})" '
            f'text-anchor="middle">{escape(unit)}</text>'
        )
    every = max(1, math.ceil(len(points) / 10))
    base = HEIGHT - BOTTOM
    parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{base}" y2="{base}" stroke="{INK}"/>')
    for index in range(0, len(points), every):
        x = scale.x(index)
        parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{base}" y2="{base + 4}" stroke="{INK}"/>'
        )
        parts.append(
            f'<text x="{x:.1f}" y="{base + 18}" font-size="11" text-anchor="middle" '
            f'fill="{INK}">{_date_label(points[index].date)}</text>'
        )
    return parts


def _date_label(day: date) -> str:
    return day.strftime("%d %b %y").lstrip("0")


def _step_path(scale: _Scale, indexed: list[tuple[int, float | None]]) -> str:
    """A line through the given values, broken where a value is missing; a single point in a
    period is drawn as a short tick so it stays visible."""
    segments: list[list[tuple[float, float]]] = [[]]
    for index, value in indexed:
        if value is None:
            segments.append([])
        else:
            segments[-1].append((scale.x(index), scale.y(value)))
    commands = []
    for segment in segments:
        drawn = segment
        if len(segment) == 1:
            (x, y) = segment[0]
            drawn = [(x - 4, y), (x + 4, y)]
        if drawn:
            commands.append("M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in drawn))
    return " ".join(commands)


def _period_lines(scale: _Scale, points: Sequence[PointResult]) -> list[str]:
    parts = []
    for period in sorted({p.period for p in points}):
        rows = [(i, p) for i, p in enumerate(points) if p.period == period]
        styles = (
            ("centre", INK, "", 1.6),
            ("upper_limit", GREY, ' stroke-dasharray="6 4"', 1.2),
            ("lower_limit", GREY, ' stroke-dasharray="6 4"', 1.2),
        )
        for field, colour, dash, width in styles:
            path = _step_path(scale, [(i, getattr(p, field)) for i, p in rows])
            if path:
                parts.append(
                    f'<path d="{path}" fill="none" stroke="{colour}" stroke-width="{width}"{dash}/>'
                )
    return parts


Label = tuple[float, str, str]  # y, text, colour
LEGEND_GAP = 12  # pixels between two labels, so close lines keep readable names


def _last_lines(scale: _Scale, points: Sequence[PointResult]) -> list[Label]:
    """Names for the lines at the right-hand end, where the last period's lines finish."""
    if not points:
        return []
    last = points[-1]
    named = (("upper_limit", "upper limit"), ("centre", "centre"), ("lower_limit", "lower limit"))
    return [
        (scale.y(value), name, INK if field == "centre" else GREY)
        for field, name in named
        if (value := getattr(last, field)) is not None
    ]


def _legend(labels: list[Label]) -> list[str]:
    placed: list[str] = []
    previous = -math.inf
    for wanted, text, colour in sorted(labels):
        y = previous = max(wanted, previous + LEGEND_GAP)
        placed.append(
            f'<text x="{WIDTH - RIGHT + 6}" y="{y + 4:.1f}" font-size="10" fill="{colour}">'
            f"{escape(text)}</text>"
        )
    return placed


def _data(scale: _Scale, points: Sequence[PointResult]) -> list[str]:
    path = _step_path(scale, [(i, p.value) for i, p in enumerate(points)])
    parts = [f'<path d="{path}" fill="none" stroke="{GREY}" stroke-width="1.5"/>'] if path else []
    for index, point in enumerate(points):
        if point.value is None:
            continue
        colour = POINT_COLOURS[point.point_type]
        label = f"{point.date.isoformat()}: {_format(point.value)} ({point.special_cause.value})"
        parts.append(
            f'<circle cx="{scale.x(index):.1f}" cy="{scale.y(point.value):.1f}" r="4" '
            f'fill="{colour}" stroke="#ffffff" stroke-width="1"><title>{escape(label)}</title>'
            "</circle>"
        )
    return parts


def _icon(cx: float, colour: str, letter: str, label: str) -> str:
    return (
        f'<g role="img" aria-label="{escape(label)}"><title>{escape(label)}</title>'
        f'<circle cx="{cx}" cy="34" r="20" fill="#ffffff" stroke="{colour}" stroke-width="4"/>'
        f'<text x="{cx}" y="41" font-size="20" font-weight="bold" text-anchor="middle" '
        f'fill="{colour}">{escape(letter)}</text></g>'
    )


def _icons(chart: ChartResult) -> list[str]:
    if chart.variation_icon is None:
        return []
    parts = [_icon(WIDTH - 100, *VARIATION_ICONS[chart.variation_icon])]
    if chart.assurance is not None:
        parts.append(_icon(WIDTH - 50, *ASSURANCE_ICONS[chart.assurance]))
    return parts
