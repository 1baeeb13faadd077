"""The panel's score of an application (Hypothesis): the weighted mean of the criteria's mean
scores, whatever the reviews, their order and the scale of the weights."""

from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from app.applications.service import weighted_score

CODES = ("aim", "frontline", "support", "sponsor")
criteria_lists = st.lists(
    st.fixed_dictionaries(
        {"code": st.sampled_from(CODES), "weight": st.integers(min_value=1, max_value=20)}
    ),
    min_size=1,
    max_size=4,
    unique_by=lambda criterion: criterion["code"],
)


def reviews_of(criteria: list[dict[str, int | str]]) -> st.SearchStrategy[list[dict[str, int]]]:
    codes = [str(c["code"]) for c in criteria]
    review = st.fixed_dictionaries({code: st.integers(min_value=1, max_value=5) for code in codes})
    return st.lists(review, min_size=1, max_size=6)


@given(st.data(), criteria_lists)
def test_the_score_lies_within_the_scores_given_and_ignores_order_and_scale(
    data: st.DataObject, criteria: list[dict[str, int | str]]
) -> None:
    reviews = data.draw(reviews_of(criteria))
    score = weighted_score(criteria, reviews)
    assert score is not None
    given_scores = [value for review in reviews for value in review.values()]
    assert min(given_scores) <= score <= max(given_scores)
    assert weighted_score(criteria, list(reversed(reviews))) == score
    scaled = [c | {"weight": int(c["weight"]) * 7} for c in criteria]
    assert weighted_score(scaled, reviews) == score
    # By hand: each criterion's mean, weighted.
    total = sum(Fraction(int(c["weight"])) for c in criteria)
    expected = (
        sum(
            Fraction(int(c["weight"]))
            * Fraction(sum(r[str(c["code"])] for r in reviews), len(reviews))
            for c in criteria
        )
        / total
    )
    assert score == expected


def test_no_review_no_score() -> None:
    assert weighted_score([{"code": "aim", "weight": 1}], []) is None
