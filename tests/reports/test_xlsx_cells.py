"""The XLSX pack's cells (Hypothesis): any text reads back as the same text, as text, and
none that a spreadsheet would run as a formula or command starts a cell unescaped."""

import io

from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from app.reports.xlsx import FORMULA_STARTS, workbook

# Text openpyxl can store (XML 1.0 characters), starting often with a formula's character.
texts = st.one_of(
    st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), max_size=30),
    st.builds(
        lambda start, rest: start + rest,
        st.sampled_from(["=", "+", "-", "@", "\t", "\r"]),
        st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), max_size=20),
    ),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(texts, min_size=1, max_size=8))
def test_text_cells_are_kept_as_text_and_never_start_a_formula(values: list[str]) -> None:
    book = load_workbook(io.BytesIO(workbook({"cells": (["text"], [[v] for v in values])})))
    read = [row[0] for row in book["cells"].iter_rows(min_row=2, values_only=True)]
    for value, cell in zip(values, read, strict=True):
        # XML reads a carriage return back as a line feed (its end-of-line handling).
        expected = (
            ("'" + value if value.startswith(FORMULA_STARTS) else value)
            .replace("\r\n", "\n")
            .replace("\r", "\n")
        )
        assert (cell or "") == expected
    for row in book["cells"].iter_rows(min_row=2):
        # Text (shared or inline), or an empty cell: never a formula ("f").
        assert row[0].data_type in ("s", "inlineStr", "n")
