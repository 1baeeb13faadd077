"""Statistical disclosure control: the one gate every count of people passes before it leaves."""

# Sources (shared/reference/reliability-security.md section 1.7.5):
# - ONS "10-5 rule": suppress counts below 10, round the others to the nearest 5
#   (https://www.ons.gov.uk/peoplepopulationandcommunity/populationandmigration/populationestimates/methodologies/comparisonofposttabularstatisticaldisclosurecontrolmethods).
# - UK Longitudinal Linkage Collaboration: threshold 10, and mask so that values cannot be
#   back-calculated across rows or columns (https://guidebook.ukllc.ac.uk/docs/user_guide/sdc).
# - NHS Digital HES/ECDS since 2018: small values shown as *, other counts rounded to the
#   nearest 5 in sub-national outputs (as summarised in 1.7.5; exact bands not yet confirmed)
#   (https://digital.nhs.uk/data-and-information/data-tools-and-services/data-services/hospital-episode-statistics/change-to-disclosure-control-methodology-for-hes-and-ecds-from-september-2018).
# - The rule proposed for this API: cells about fewer than 10 people are suppressed (null plus
#   "suppressed": true), others rounded to the nearest 5, complementary suppression so no
#   suppressed cell can be recovered from the totals, threshold configurable but never below 5.
#
# How the complementary suppression works. Lay the table out with its margins as an
# (R+1) x (C+1) grid: cells, a column of row totals, a row of column totals and the grand total.
# Each grid row and grid column is one linear equation (cells sum to their total). Draw the
# grid as a bipartite graph, one vertex per grid row and grid column, one edge per entry. Every
# change to the suppressed entries that keeps all published entries and all equations intact
# is a sum of cycles of suppressed edges, with signs alternating around the cycle. So a
# suppressed entry can be recomputed exactly iff it lies on no cycle of suppressed entries.
# Counts cannot be negative, which turns a suppressed zero into a one-way edge: a cycle may only
# move it upwards. The usual rule "no equation with exactly one suppressed entry" is
# necessary but not sufficient: two blocks of suppressed cells joined by one suppressed cell
# satisfy it, yet that cell is the difference of the blocks' row and column sums, and a row
# whose suppressed cells are all zero satisfies it, yet its total gives them away. We therefore
# require every suppressed entry to lie on a cycle of suppressed entries that respects the zero
# directions. That implies the usual rule (a vertex with one suppressed edge is on no cycle),
# and means every suppressed entry has at least two values among non-negative integer tables
# that agree with every published entry, even before rounding (which we do not rely on).
# Where an entry is on no such cycle we suppress the published entries of the cheapest cycle
# through it (fewest people, then fewest entries): the shortest-path view of cell suppression
# in two-way tables.

import heapq
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

MIN_THRESHOLD = 5  # the threshold may be configured per trust IG agreement, never below this
DEFAULT_THRESHOLD = 10  # ONS 10-5 rule / UK LLC: suppress counts of fewer than 10 people
ROUND_TO = 5  # ONS 10-5 rule, NHS Digital HES: publish counts rounded to the nearest 5

_Entry = tuple[int, int]  # (grid row, grid column) in the (R+1) x (C+1) grid
_Cost = tuple[int, int]  # (people newly suppressed, entries newly suppressed)


@dataclass(frozen=True, slots=True)
class Cell:
    """One published count: rounded to the nearest 5, or None when suppressed."""

    count: int | None
    suppressed: bool


@dataclass(frozen=True, slots=True)
class ProtectedTable:
    """A two-way table (rows x columns) with row totals, column totals and the grand total,
    all protected."""

    rows: tuple[str, ...]
    columns: tuple[str, ...]
    cells: tuple[tuple[Cell, ...], ...]  # [row][column]
    row_totals: tuple[Cell, ...]
    column_totals: tuple[Cell, ...]
    total: Cell


def protect_table(
    counts: Mapping[tuple[str, str], int],
    rows: Sequence[str],
    columns: Sequence[str],
    *,
    threshold: int = DEFAULT_THRESHOLD,
) -> ProtectedTable:
    """Suppress, complement and round a two-way table of counts of people.

    `counts` maps (row, column) to a count; a pair that is absent counts as zero people.
    Every entry (cells, row and column totals, grand total) about fewer than `threshold`
    people is suppressed, zeros included; enough further entries are suppressed that none of
    them can be recomputed from the rest; what is published is rounded to the nearest 5.
    """
    _check_threshold(threshold)
    _check_labels(rows, "row")
    _check_labels(columns, "column")
    # Decide on the labels in sorted order, not the caller's order, so that asking for the
    # same table in another order cannot yield a different suppression pattern; two
    # patterns of one table, combined, could give away the cells each one hides.
    grid_rows = sorted(rows)
    grid_columns = sorted(columns)
    row_at = {label: i for i, label in enumerate(grid_rows)}
    column_at = {label: j for j, label in enumerate(grid_columns)}
    n_rows, n_columns = len(grid_rows), len(grid_columns)

    grid = [[0] * (n_columns + 1) for _ in range(n_rows + 1)]
    for key, count in counts.items():
        if not (
            isinstance(key, tuple) and len(key) == 2 and key[0] in row_at and key[1] in column_at
        ):
            raise ValueError(f"count key {key!r} is not a (row, column) pair of the table")
        # A bool is an int to Python but never a count of people; refusing it (and floats)
        # catches a wrong column passed in, rather than publishing nonsense.
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ValueError(f"count for {key!r} must be a whole number of people, 0 or more")
        i, j = row_at[key[0]], column_at[key[1]]
        grid[i][j] += count  # the mapping's keys are distinct, so this only ever sets
        grid[i][n_columns] += count
        grid[n_rows][j] += count
        grid[n_rows][n_columns] += count

    # Primary suppression (ONS 10-5 rule, UK LLC): every entry about fewer than `threshold`
    # people, zeros included, because "nobody in team X is disabled" discloses as much as one.
    suppressed = [[value < threshold for value in line] for line in grid]
    if n_rows and n_columns:
        _suppress_complementary(grid, suppressed)
    # With no rows or no columns every entry is zero and already suppressed.

    def cell(i: int, j: int) -> Cell:
        if suppressed[i][j]:
            return Cell(count=None, suppressed=True)
        return Cell(count=_round(grid[i][j]), suppressed=False)

    out_rows = [row_at[label] for label in rows]
    out_columns = [column_at[label] for label in columns]
    return ProtectedTable(
        rows=tuple(rows),
        columns=tuple(columns),
        cells=tuple(tuple(cell(i, j) for j in out_columns) for i in out_rows),
        row_totals=tuple(cell(i, n_columns) for i in out_rows),
        column_totals=tuple(cell(n_rows, j) for j in out_columns),
        total=cell(n_rows, n_columns),
    )


def protect_counts(
    counts: Mapping[str, int], *, threshold: int = DEFAULT_THRESHOLD
) -> tuple[dict[str, Cell], Cell]:
    """Protect a one-way table (category -> count of people) and its total.

    It is the one-column case of `protect_table`, so it follows exactly the same rules.
    """
    column = "count"
    table = protect_table(
        {(category, column): count for category, count in counts.items()},
        list(counts),
        [column],
        threshold=threshold,
    )
    categories = {label: line[0] for label, line in zip(table.rows, table.cells, strict=True)}
    return categories, table.total


def _check_threshold(threshold: int) -> None:
    # Configuration may raise the threshold (e.g. a trust's IG agreement) but can never
    # weaken it below the floor of section 1.7.5.
    if isinstance(threshold, bool) or not isinstance(threshold, int):
        raise ValueError("disclosure threshold must be a whole number")
    if threshold < MIN_THRESHOLD:
        raise ValueError(f"disclosure threshold must be at least {MIN_THRESHOLD}")


def _check_labels(labels: Sequence[str], kind: str) -> None:
    if isinstance(labels, str):
        raise ValueError(f"{kind} labels must be a sequence of labels, not one string")
    if len(set(labels)) != len(labels):
        raise ValueError(f"{kind} labels must be distinct")


def _round(count: int) -> int:
    """Round to the nearest multiple of ROUND_TO, halves up (counts are whole, so 5 has none)."""
    return (count + ROUND_TO // 2) // ROUND_TO * ROUND_TO


def _suppress_complementary(grid: list[list[int]], suppressed: list[list[bool]]) -> None:
    """Suppress further entries until every suppressed entry is on a cycle of suppressed ones.

    Adding suppressions never breaks a cycle, and the entries added for one entry form a
    cycle with it, so one pass would do; we repeat until a pass changes nothing all the same.
    """
    changed = True
    while changed:
        changed = False
        for i, line in enumerate(suppressed):
            for j, is_suppressed in enumerate(line):
                if not is_suppressed:
                    continue
                for a, b in _cheapest_cycle(grid, suppressed, (i, j)):
                    suppressed[a][b] = True
                    changed = True


def _cheapest_cycle(
    grid: list[list[int]], suppressed: list[list[bool]], entry: _Entry
) -> list[_Entry]:
    """The published entries whose suppression puts `entry` on a cycle (none if it is on one).

    Vertices 0..R are grid rows, R+1..R+C+1 grid columns. Walking an edge from its row to its
    column raises a cell (or the grand total) by one and lowers a margin; the other way round
    does the opposite. A zero can only be raised, so its edge is one-way.
    """
    i, j = entry
    n_grid_rows = len(grid)
    options: list[tuple[_Cost, list[_Entry]]] = []
    # Either raise-or-lower `entry` by walking it one way, then come back by another route.
    for row_to_column in (True, False):
        if not _walkable(grid, entry, row_to_column=row_to_column):
            continue
        column_vertex = n_grid_rows + j
        start, goal = (column_vertex, i) if row_to_column else (i, column_vertex)
        found = _cheapest_path(grid, suppressed, start, goal, entry)
        if found is not None:
            options.append(found)
    if not options:
        # Unreachable: raising the entry together with its row total, its column total and
        # the grand total (all by one) is always allowed, so one cycle always exists.
        raise RuntimeError("no complementary suppression found")  # pragma: no cover
    _, path = min(options, key=lambda option: option[0])
    return [step for step in path if not suppressed[step[0]][step[1]]]


def _walkable(grid: list[list[int]], entry: _Entry, *, row_to_column: bool) -> bool:
    i, j = entry
    if grid[i][j] > 0:
        return True
    # Cells and the grand total rise when walked row to column; margins when walked back.
    is_cell_or_grand_total = (i < len(grid) - 1) == (j < len(grid[0]) - 1)
    return is_cell_or_grand_total == row_to_column


def _cheapest_path(
    grid: list[list[int]],
    suppressed: list[list[bool]],
    start: int,
    goal: int,
    skip: _Entry,
) -> tuple[_Cost, list[_Entry]] | None:
    """Dijkstra from `start` to `goal`, not using `skip`: suppressed entries cost nothing,
    published ones their count of people (then one entry). Ties go to the lower vertex."""
    n_grid_rows, n_grid_columns = len(grid), len(grid[0])
    best: dict[int, _Cost] = {start: (0, 0)}
    came_from: dict[int, tuple[int, _Entry]] = {}
    queue: list[tuple[int, int, int]] = [(0, 0, start)]
    done: set[int] = set()
    while queue:
        people, entries, vertex = heapq.heappop(queue)
        if vertex in done:
            continue
        done.add(vertex)
        if vertex == goal:
            path: list[_Entry] = []
            while vertex != start:
                vertex, step = came_from[vertex]
                path.append(step)
            return (people, entries), path
        if vertex < n_grid_rows:
            steps = [(vertex, j, n_grid_rows + j, True) for j in range(n_grid_columns)]
        else:
            j = vertex - n_grid_rows
            steps = [(i, j, i, False) for i in range(n_grid_rows)]
        for i, j, neighbour, row_to_column in steps:
            if (i, j) == skip or neighbour in done:
                continue
            if not _walkable(grid, (i, j), row_to_column=row_to_column):
                continue
            cost = (people, entries) if suppressed[i][j] else (people + grid[i][j], entries + 1)
            if neighbour not in best or cost < best[neighbour]:
                best[neighbour] = cost
                came_from[neighbour] = (vertex, (i, j))
                heapq.heappush(queue, (*cost, neighbour))
    return None
