"""Statistical disclosure control (reliability-security.md 1.7.5): examples and properties."""

import itertools
from dataclasses import dataclass
from fractions import Fraction
from random import Random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.disclosure import (
    DEFAULT_THRESHOLD,
    MIN_THRESHOLD,
    ROUND_TO,
    Cell,
    ProtectedTable,
    protect_counts,
    protect_table,
)

# A table laid out with its margins as an (R+1) x (C+1) grid: [i][j] for i < R, j < C is a
# cell, [i][C] a row total, [R][j] a column total, [R][C] the grand total. Every grid row and
# every grid column is one equation: its entries before the last sum to its last entry.
Grid = list[list[int]]
Entry = tuple[int, int]


@dataclass(frozen=True)
class Table:
    values: list[list[int]]  # [row][column]
    threshold: int

    @property
    def rows(self) -> list[str]:
        return [f"team {i}" for i in range(len(self.values))]

    @property
    def columns(self) -> list[str]:
        return [f"group {j}" for j in range(len(self.values[0]))]

    def counts(self) -> dict[tuple[str, str], int]:
        return {
            (row, column): self.values[i][j]
            for i, row in enumerate(self.rows)
            for j, column in enumerate(self.columns)
        }

    def protect(self) -> ProtectedTable:
        return protect_table(self.counts(), self.rows, self.columns, threshold=self.threshold)


def true_grid(values: list[list[int]]) -> Grid:
    """The true table with its margins, summed here independently of the module."""
    grid = [[*line, sum(line)] for line in values]
    grid.append([sum(column) for column in zip(*grid, strict=True)])
    return grid


def published_grid(table: ProtectedTable) -> list[list[Cell]]:
    grid = [[*line, total] for line, total in zip(table.cells, table.row_totals, strict=True)]
    grid.append([*table.column_totals, table.total])
    return grid


def suppressed_entries(grid: list[list[Cell]]) -> list[Entry]:
    return [(i, j) for i, line in enumerate(grid) for j, cell in enumerate(line) if cell.suppressed]


def equations(n_grid_rows: int, n_grid_columns: int) -> list[list[Entry]]:
    """Each grid row and grid column: the entries of one linear equation."""
    by_row = [[(i, j) for j in range(n_grid_columns)] for i in range(n_grid_rows)]
    by_column = [[(i, j) for i in range(n_grid_rows)] for j in range(n_grid_columns)]
    return by_row + by_column


def linearly_determined(n_grid_rows: int, n_grid_columns: int, hidden: list[Entry]) -> set[Entry]:
    """The hidden entries whose true value follows from the published ones by linear algebra.

    Unknowns are the hidden entries; each equation, with the published entries moved to the
    right-hand side, is a row of a matrix over the rationals. An unknown is determined iff its
    pivot row in the reduced row echelon form has no free variable in it.
    """
    position = {entry: k for k, entry in enumerate(hidden)}
    matrix: list[list[Fraction]] = []
    for equation in equations(n_grid_rows, n_grid_columns):
        coefficients = [Fraction(0)] * len(hidden)
        for entry in equation:
            if entry in position:
                is_total = entry == equation[-1]
                coefficients[position[entry]] = Fraction(-1 if is_total else 1)
        matrix.append(coefficients)
    pivots: list[int] = []
    top = 0
    for column in range(len(hidden)):
        found = next((r for r in range(top, len(matrix)) if matrix[r][column] != 0), None)
        if found is None:
            continue
        matrix[top], matrix[found] = matrix[found], matrix[top]
        pivot = matrix[top][column]
        matrix[top] = [value / pivot for value in matrix[top]]
        for r, line in enumerate(matrix):
            if r != top and line[column] != 0:
                factor = line[column]
                matrix[r] = [a - factor * b for a, b in zip(line, matrix[top], strict=True)]
        pivots.append(column)
        top += 1
    free = set(range(len(hidden))) - set(pivots)
    return {
        hidden[column] for r, column in enumerate(pivots) if all(matrix[r][f] == 0 for f in free)
    }


def values_taken(truth: Grid, hidden: list[Entry]) -> dict[Entry, set[int]]:
    """Brute force: the values each hidden entry takes among non-negative integer tables whose
    published entries equal the true ones (attacker's best case: no rounding).

    Only hidden cells are free; margins follow from the cells. If any such table differs from
    the truth in an entry, one does that differs by at most one in every cell (a consistent
    change decomposes into alternating +1/-1 cycles that each stay feasible), so searching
    truth +/- 1 per hidden cell finds a second value wherever there is one.
    """
    n_rows, n_columns = len(truth) - 1, len(truth[0]) - 1
    hidden_set = set(hidden)
    free = [(i, j) for i, j in hidden if i < n_rows and j < n_columns]
    seen: dict[Entry, set[int]] = {entry: set() for entry in hidden}
    ranges = [range(max(0, truth[i][j] - 1), truth[i][j] + 2) for i, j in free]
    for choice in itertools.product(*ranges):
        values = [line[:n_columns] for line in truth[:n_rows]]
        for (i, j), value in zip(free, choice, strict=True):
            values[i][j] = value
        candidate = true_grid(values)
        consistent = all(
            candidate[i][j] == truth[i][j]
            for i in range(n_rows + 1)
            for j in range(n_columns + 1)
            if (i, j) not in hidden_set
        )
        if consistent:
            for i, j in hidden:
                seen[(i, j)].add(candidate[i][j])
            if all(len(found) >= 2 for found in seen.values()):
                break
    return seen


@st.composite
def tables(draw: st.DrawFn, max_rows: int = 5, max_columns: int = 5) -> Table:
    n_rows = draw(st.integers(1, max_rows))
    n_columns = draw(st.integers(1, max_columns))
    # Half the draws lean small so that suppression patterns are rich, not just the odd cell.
    count = st.one_of(st.integers(0, 60), st.integers(0, 15))
    row = st.lists(count, min_size=n_columns, max_size=n_columns)
    values = draw(st.lists(row, min_size=n_rows, max_size=n_rows))
    return Table(values=values, threshold=draw(st.integers(5, 15)))


class TestExamples:
    def test_one_way_small_count_is_suppressed_with_a_complement(self) -> None:
        cells, total = protect_counts({"A": 23, "B": 4, "C": 40})
        assert cells["B"] == Cell(count=None, suppressed=True)
        # The complement is the smallest count that hides B: A (23) rather than C (40).
        assert cells["A"] == Cell(count=None, suppressed=True)
        assert cells["C"] == Cell(count=40, suppressed=False)
        assert total == Cell(count=65, suppressed=False)

    def test_everything_published_is_a_multiple_of_five(self) -> None:
        cells, total = protect_counts({"A": 23, "B": 4, "C": 41, "D": 12})
        published = [c.count for c in [*cells.values(), total] if c.count is not None]
        assert published
        assert all(count % ROUND_TO == 0 for count in published)

    def test_a_table_of_large_counts_is_published_in_full_and_rounded(self) -> None:
        counts = {("a", "x"): 12, ("a", "y"): 13, ("b", "x"): 20, ("b", "y"): 27}
        table = protect_table(counts, ["a", "b"], ["x", "y"])
        assert [[c.count for c in line] for line in table.cells] == [[10, 15], [20, 25]]
        assert [c.count for c in table.row_totals] == [25, 45]  # 25, 47
        assert [c.count for c in table.column_totals] == [30, 40]  # 32, 40
        assert table.total == Cell(count=70, suppressed=False)  # 72

    @pytest.mark.parametrize(
        ("count", "published"), [(10, 10), (11, 10), (12, 10), (13, 15), (14, 15), (15, 15)]
    )
    def test_rounding_is_to_the_nearest_five(self, count: int, published: int) -> None:
        cells, total = protect_counts({"A": count})
        assert cells["A"] == total == Cell(count=published, suppressed=False)

    def test_zero_is_suppressed(self) -> None:
        cells, _ = protect_counts({"A": 0, "B": 30, "C": 40})
        assert cells["A"].suppressed

    def test_default_threshold_is_ten(self) -> None:
        assert DEFAULT_THRESHOLD == 10
        cells, _ = protect_counts({"A": 9, "B": 10, "C": 11})
        assert cells["A"].suppressed
        assert not cells["C"].suppressed

    @pytest.mark.parametrize("threshold", [MIN_THRESHOLD - 1, 0, -10])
    def test_a_threshold_below_five_is_refused(self, threshold: int) -> None:
        with pytest.raises(ValueError, match="at least 5"):
            protect_counts({"A": 30}, threshold=threshold)

    def test_the_threshold_can_be_five(self) -> None:
        cells, _ = protect_counts({"A": 5, "B": 30}, threshold=MIN_THRESHOLD)
        assert cells["A"] == Cell(count=5, suppressed=False)

    def test_the_threshold_is_configurable_upwards(self) -> None:
        counts = {"A": 15, "B": 30, "C": 40}
        assert protect_counts(counts)[0]["A"] == Cell(count=15, suppressed=False)
        cells, total = protect_counts(counts, threshold=20)
        assert cells["A"].suppressed
        assert cells["B"].suppressed  # its complement
        assert total == Cell(count=85, suppressed=False)

    def test_an_absent_pair_counts_as_zero_people(self) -> None:
        table = protect_table({("a", "x"): 30}, ["a", "b"], ["x"])
        assert table.cells[1][0].suppressed
        assert table.row_totals[1].suppressed

    def test_no_categories_publishes_nothing(self) -> None:
        assert protect_counts({}) == ({}, Cell(count=None, suppressed=True))

    def test_output_follows_the_callers_order(self) -> None:
        counts = {("a", "x"): 30, ("a", "y"): 45, ("b", "x"): 60, ("b", "y"): 75}
        table = protect_table(counts, ["b", "a"], ["y", "x"])
        assert table.rows == ("b", "a")
        assert table.columns == ("y", "x")
        assert [[c.count for c in line] for line in table.cells] == [[75, 60], [45, 30]]


class TestBeyondTheEquationRule:
    """Patterns where no equation has exactly one suppressed entry, yet a cell is disclosed."""

    def test_a_cell_joining_two_suppressed_blocks_is_not_left_recoverable(self) -> None:
        values = [
            [3, 4, 30, 30],
            [2, 3, 1, 30],
            [30, 30, 4, 2],
            [30, 30, 3, 4],
        ]
        primary = [(i, j) for i in range(4) for j in range(4) if values[i][j] < 10]
        for equation in equations(5, 5):
            assert sum(entry in primary for entry in equation) != 1
        # The 1 is rows 0-1 minus columns 0-1 of what is hidden: the equation rule is not enough.
        assert (1, 2) in linearly_determined(5, 5, primary)

        table = Table(values=values, threshold=10)
        hidden = suppressed_entries(published_grid(table.protect()))
        assert (1, 2) in hidden
        assert linearly_determined(5, 5, hidden) == set()

    def test_zeros_are_not_left_recoverable_through_non_negativity(self) -> None:
        # Hiding only A and B would publish C = 40 and total = 40, so A + B = 0: both zero.
        cells, total = protect_counts({"A": 0, "B": 0, "C": 40})
        assert cells["A"].suppressed
        assert cells["B"].suppressed
        assert cells["C"].suppressed or total.suppressed
        table = Table(values=[[0], [0], [40]], threshold=10)
        hidden = suppressed_entries(published_grid(table.protect()))
        seen = values_taken(true_grid(table.values), hidden)
        assert all(len(found) >= 2 for found in seen.values())


class TestValidation:
    @pytest.mark.parametrize("count", [-1, 2.5, True, "3"])
    def test_counts_must_be_whole_numbers_of_people(self, count: object) -> None:
        with pytest.raises(ValueError, match="whole number of people"):
            protect_counts({"A": count})  # type: ignore[dict-item]

    def test_a_pair_outside_the_table_is_refused(self) -> None:
        with pytest.raises(ValueError, match="not a"):
            protect_table({("a", "z"): 30}, ["a"], ["x"])

    def test_labels_must_be_distinct(self) -> None:
        with pytest.raises(ValueError, match="distinct"):
            protect_table({("a", "x"): 30}, ["a", "a"], ["x"])

    def test_a_threshold_must_be_a_whole_number(self) -> None:
        with pytest.raises(ValueError, match="whole number"):
            protect_counts({"A": 30}, threshold=10.5)  # type: ignore[arg-type]


class TestProperties:
    """The acceptance criteria: they hold for any table, not just the examples."""

    @settings(max_examples=300, deadline=None)
    @given(tables())
    def test_nothing_about_fewer_than_threshold_people_is_published(self, table: Table) -> None:
        truth = true_grid(table.values)
        for line, true_line in zip(published_grid(table.protect()), truth, strict=True):
            for cell, true in zip(line, true_line, strict=True):
                assert cell.suppressed == (cell.count is None)
                if not cell.suppressed:
                    assert true >= table.threshold

    @settings(max_examples=300, deadline=None)
    @given(tables())
    def test_published_counts_are_rounded_to_the_nearest_five(self, table: Table) -> None:
        truth = true_grid(table.values)
        for line, true_line in zip(published_grid(table.protect()), truth, strict=True):
            for cell, true in zip(line, true_line, strict=True):
                if cell.count is not None:
                    assert cell.count % ROUND_TO == 0
                    assert abs(cell.count - true) <= 2

    @settings(max_examples=300, deadline=None)
    @given(tables())
    def test_no_equation_has_exactly_one_suppressed_entry(self, table: Table) -> None:
        grid = published_grid(table.protect())
        for equation in equations(len(grid), len(grid[0])):
            assert sum(grid[i][j].suppressed for i, j in equation) != 1

    @settings(max_examples=300, deadline=None)
    @given(tables())
    def test_no_suppressed_entry_follows_by_linear_algebra(self, table: Table) -> None:
        grid = published_grid(table.protect())
        hidden = suppressed_entries(grid)
        assert linearly_determined(len(grid), len(grid[0]), hidden) == set()

    @settings(max_examples=300, deadline=None)
    @given(tables(max_rows=3, max_columns=3))
    def test_every_suppressed_entry_has_two_possible_values(self, table: Table) -> None:
        # The strongest form: an attacker who knows every published entry exactly (no rounding)
        # and that counts are non-negative whole numbers still cannot pin any hidden entry.
        grid = published_grid(table.protect())
        seen = values_taken(true_grid(table.values), suppressed_entries(grid))
        for entry, found in seen.items():
            assert len(found) >= 2, entry

    @settings(max_examples=300, deadline=None)
    @given(tables(), st.randoms(use_true_random=False))
    def test_the_pattern_does_not_depend_on_the_order_asked_for(
        self, table: Table, random: Random
    ) -> None:
        rows, columns = table.rows, table.columns
        shuffled_rows, shuffled_columns = list(rows), list(columns)
        random.shuffle(shuffled_rows)
        random.shuffle(shuffled_columns)
        counts = table.counts()
        first = protect_table(counts, rows, columns, threshold=table.threshold)
        second = protect_table(counts, shuffled_rows, shuffled_columns, threshold=table.threshold)
        assert second == protect_table(
            counts, shuffled_rows, shuffled_columns, threshold=table.threshold
        )
        for i, row in enumerate(second.rows):
            assert second.row_totals[i] == first.row_totals[rows.index(row)]
            for j, column in enumerate(second.columns):
                assert second.cells[i][j] == first.cells[rows.index(row)][columns.index(column)]
        for j, column in enumerate(second.columns):
            assert second.column_totals[j] == first.column_totals[columns.index(column)]
        assert second.total == first.total

    @settings(max_examples=300, deadline=None)
    @given(st.dictionaries(st.text(max_size=3), st.integers(0, 60), max_size=6))
    def test_one_way_tables_are_one_column_tables(self, counts: dict[str, int]) -> None:
        cells, total = protect_counts(counts)
        table = protect_table({(k, "n"): v for k, v in counts.items()}, list(counts), ["n"])
        assert cells == {row: line[0] for row, line in zip(table.rows, table.cells, strict=True)}
        assert total == table.total
