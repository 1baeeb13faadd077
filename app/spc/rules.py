"""Making Data Count special-cause rules of one period, with their precedence (spc-rules.md 2.4)."""

import re
from collections.abc import Sequence
from functools import cache
from itertools import pairwise
from typing import cast

from app.spc.runs import ABOVE

# Integer codes are the SpecialCause member positions (model.SpecialCause); the engine keeps ints
# in its hot loops and turns them into members once.
ABOVE_LIMIT, BELOW_LIMIT = 1, 2
TREND_UP, TREND_DOWN = 3, 4
TWO_IN_THREE_ABOVE, TWO_IN_THREE_BELOW = 5, 6
SHIFT_ABOVE, SHIFT_BELOW = 7, 8

# Steps between consecutive rows: "u" up, "d" down, "=" tie, " " a missing row on either end.
_UP, _DOWN, _TIE, _GAP = "u", "d", "=", " "


@cache
def _shift_pattern(length: int) -> re.Pattern[str]:
    # 2.4.2: `length` consecutive rows on one side; "0" (on the mean) and " " (missing) break it.
    return re.compile(rf"\+{{{length},}}|-{{{length},}}")


@cache
def _trend_pattern(length: int) -> re.Pattern[str]:
    # 2.4.3: `length` rows = length - 1 strict steps one way; ties and gaps break a trend.
    return re.compile(rf"u{{{length - 1},}}|d{{{length - 1},}}")


def step_string(values: list[float | None]) -> str:
    if None in values:
        return "".join(
            [
                _GAP if a is None or b is None else (_UP if b > a else (_DOWN if b < a else _TIE))
                for a, b in pairwise(values)
            ]
        )
    known = cast(list[float], values)
    return "".join([_UP if b > a else (_DOWN if b < a else _TIE) for a, b in pairwise(known)])


def beyond_constant(
    values: list[float | None],
    limits: tuple[float | None, float | None, float | None, float | None],
) -> tuple[list[int], list[int], list[int]]:
    """(above the upper limit, below the lower limit, close) indexes for one set of lines (2.3)."""
    lower, upper, lower_w, upper_w = limits
    if lower is None or upper is None or lower_w is None or upper_w is None:
        return [], [], []
    # The 2-sigma band lies inside the limits, so one pass finds every candidate.
    if None in values:
        candidates = [
            i for i, y in enumerate(values) if y is not None and (y > upper_w or y < lower_w)
        ]
    else:
        known = cast(list[float], values)
        candidates = [i for i, y in enumerate(known) if y > upper_w or y < lower_w]
    above: list[int] = []
    below: list[int] = []
    close: list[int] = []
    for i in candidates:
        y = cast(float, values[i])
        if y > upper:
            above.append(i)
        elif y < lower:
            below.append(i)
        else:
            close.append(i)  # 2.3: beyond 2 sigma but not beyond the limits
    return above, below, close


def beyond_rows(
    values: list[float | None],
    lower: Sequence[float | None],
    upper: Sequence[float | None],
    lower_w: Sequence[float | None],
    upper_w: Sequence[float | None],
) -> tuple[list[int], list[int], list[int]]:
    """As beyond_constant, with each row judged against its own lines (P/U, section 5)."""
    above: list[int] = []
    below: list[int] = []
    close: list[int] = []
    for i, (y, lo, hi, wlo, whi) in enumerate(
        zip(values, lower, upper, lower_w, upper_w, strict=True)
    ):
        if y is None or lo is None or hi is None or wlo is None or whi is None:
            continue
        if y > hi:
            above.append(i)
        elif y < lo:
            below.append(i)
        elif y > whi or y < wlo:
            close.append(i)
    return above, below, close


def mdc_codes(
    values: list[float | None],
    sides: str,
    outside: tuple[list[int], list[int], list[int]],
    length: int,
) -> list[int]:
    """One code per row; later assignments win, so rules are applied in reverse precedence
    (2.4.5: outside limits, then trend, then two-in-three, then shift)."""
    codes = [0] * len(values)
    for match in _shift_pattern(length).finditer(sides):
        start, end = match.span()
        code = SHIFT_ABOVE if sides[start] == ABOVE else SHIFT_BELOW
        codes[start:end] = [code] * (end - start)
    above, below, close = outside
    if len(close) > 1:
        _two_in_three(codes, sides, close)
    _trend(codes, values, length)
    for i in above:
        codes[i] = ABOVE_LIMIT
    for i in below:
        codes[i] = BELOW_LIMIT
    return codes


def _two_in_three(codes: list[int], sides: str, close: list[int]) -> None:
    """2.4.4: a close row is flagged when some window of 3 consecutive rows containing it has all
    3 rows strictly on its side of the mean and at least 2 close rows."""
    is_close = set(close)
    last_start = len(sides) - 3
    for i in close:
        side = sides[i]
        run = side * 3
        for j in range(max(0, i - 2), min(i, last_start) + 1):
            if (
                sides[j : j + 3] == run
                and (j in is_close) + (j + 1 in is_close) + (j + 2 in is_close) >= 2
            ):
                codes[i] = TWO_IN_THREE_ABOVE if side == ABOVE else TWO_IN_THREE_BELOW
                break


def _trend(codes: list[int], values: list[float | None], length: int) -> None:
    steps = step_string(values)
    in_trend: set[int] = set()
    for match in _trend_pattern(length).finditer(steps):
        start, end = match.span()
        in_trend.update(range(start, end + 1))  # steps start..end-1 join rows start..end
    if not in_trend:
        return
    last = len(values) - 1
    for i in sorted(in_trend):
        y = cast(float, values[i])
        after = values[i + 1] if i < last and i + 1 in in_trend else None
        # spc-api.md numerical rules: the sign of the step to the next trend row; where that step
        # is zero (a tie ends one trend and the next begins), the sign of the step from the
        # previous row. The reference calls such a tie "decreasing"; the contract does not.
        rising = y > cast(float, values[i - 1]) if after is None or after == y else after > y
        codes[i] = TREND_UP if rising else TREND_DOWN
