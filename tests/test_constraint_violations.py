"""A write the database refuses is read by the constraint it broke: the parser on the errors
both databases really raise, and the answer a request gets when a race reaches a constraint."""

import uuid
from collections.abc import Callable

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.db import ConstraintViolation, Violation, parse_sqlite, violation
from app.measures.models import ChartType, Frequency, Measure, MeasureKind
from app.members.models import Member
from app.organisations.models import Organisation, OrganisationKind
from app.spc import Direction


def _organisation(session: Session) -> Organisation:
    organisation = Organisation(
        ods_code=uuid.uuid4().hex[:8].upper(), name="Trust", kind=OrganisationKind.TRUST
    )
    session.add(organisation)
    session.flush()
    return organisation


def _refused(session: Session, write: Callable[[], None]) -> IntegrityError:
    nested = session.begin_nested()
    write()
    with pytest.raises(IntegrityError) as caught:
        session.flush()
    nested.rollback()
    return caught.value


def _postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def test_a_second_member_with_one_email_breaks_uq_members_email(session: Session) -> None:
    organisation = _organisation(session)
    email = f"{uuid.uuid4().hex[:8]}@example.nhs.uk"
    session.add(Member(name="First", email=email, organisation_id=organisation.id))
    session.flush()
    error = _refused(
        session,
        lambda: session.add(Member(name="Second", email=email, organisation_id=organisation.id)),
    )
    assert violation(error) == ConstraintViolation(
        Violation.UNIQUE, "uq_members_email", "members", ("email",)
    )


def test_a_member_of_no_organisation_breaks_the_foreign_key(session: Session) -> None:
    error = _refused(
        session,
        lambda: session.add(
            Member(name="Lost", email="lost@x.nhs.uk", organisation_id=uuid.uuid4())
        ),
    )
    # PostgreSQL names the constraint; SQLite says only "FOREIGN KEY constraint failed".
    expected = (
        ConstraintViolation(
            Violation.FOREIGN_KEY,
            "fk_members_organisation_id_organisations",
            "members",
            ("organisation_id",),
        )
        if _postgres(session)
        else ConstraintViolation(Violation.FOREIGN_KEY)
    )
    assert violation(error) == expected


def test_a_measure_with_no_owner_breaks_its_check(session: Session) -> None:
    measure = Measure(
        code="M1",
        name="No owner",
        kind=MeasureKind.OUTCOME,
        chart=ChartType.XMR,
        improvement_direction=Direction.INCREASE,
        frequency=Frequency.WEEKLY,
    )
    error = _refused(session, lambda: session.add(measure))
    broken = violation(error)
    assert (broken.kind, broken.constraint, broken.table) == (
        Violation.CHECK,
        "ck_measures_one_owner",
        "measures",
    )


def test_a_member_without_a_name_breaks_not_null(session: Session) -> None:
    organisation = _organisation(session)
    member = Member(name=None, email="nameless@x.nhs.uk", organisation_id=organisation.id)
    error = _refused(session, lambda: session.add(member))
    assert violation(error) == ConstraintViolation(Violation.NOT_NULL, None, "members", ("name",))


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        # As SQLite 3 words them (captured from the errors above and from sqlite3 itself).
        (
            "UNIQUE constraint failed: members.email",
            ConstraintViolation(Violation.UNIQUE, "uq_members_email", "members", ("email",)),
        ),
        (
            "UNIQUE constraint failed: teams.collaborative_id, teams.name",
            ConstraintViolation(
                Violation.UNIQUE,
                "uq_teams_collaborative_id_name",
                "teams",
                ("collaborative_id", "name"),
            ),
        ),
        ("FOREIGN KEY constraint failed", ConstraintViolation(Violation.FOREIGN_KEY)),
        (
            "CHECK constraint failed: ck_measures_one_owner",
            ConstraintViolation(Violation.CHECK, "ck_measures_one_owner", "measures"),
        ),
        (
            "CHECK constraint failed: x > 0",  # an unnamed check: its expression, not a name
            ConstraintViolation(Violation.CHECK, "x > 0"),
        ),
        (
            "NOT NULL constraint failed: members.name",
            ConstraintViolation(Violation.NOT_NULL, None, "members", ("name",)),
        ),
        ("datatype mismatch", ConstraintViolation(Violation.OTHER)),
    ],
)
def test_sqlite_messages(message: str, expected: ConstraintViolation) -> None:
    assert parse_sqlite(message) == expected
